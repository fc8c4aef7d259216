"""The instructor's dashboard and item analysis of a big course: 1,000 students, 5,000 attempts.

Builds the course in a fresh database (PostgreSQL when $QUIZTOOL_TEST_POSTGRES_URL or --database
names one, else SQLite): a registered platform, a course whose roster (1,000 learners) was read
from the LMS, a 20-question assignment, five attempts per student (4,900 submitted with answers
to all 20 questions, 100 in progress) with the item snapshot every attempt stores, grade
deliveries, a few accommodations. Then renders, through the app with a real instructor session,
the dashboard and the item analysis page REPEAT times each and prints the median (and the first,
cold render) with a machine speed probe before and after.

    .venv/bin/python bench/dashboard.py [--students 1000] [--attempts 5] [--repeat 11] [--database URL]

Targets (issue #13): median render under 500 ms each on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stack import fresh_database  # noqa: E402
from stack import machine_speed_ms  # noqa: E402

QUESTIONS = "components:5,barriers:5,comparison:5,phases:5"


def build_course(app, students: int, per_student: int) -> str:  # noqa: ANN001
    """Fill the database; returns an instructor's session token."""
    from sqlalchemy import insert

    import question_bank
    from lti_tool.db import session_scope
    from lti_tool.models.assessment import Accommodation
    from lti_tool.models.assessment import Answer
    from lti_tool.models.assessment import Assessment
    from lti_tool.models.assessment import Attempt
    from lti_tool.models.base import utcnow
    from lti_tool.models.grade_sync import ScoreSubmission
    from lti_tool.models.lti import Context
    from lti_tool.models.lti import LtiUser
    from lti_tool.models.lti import ResourceLink
    from lti_tool.models.lti import RosterEntry
    from lti_tool.models.lti import ToolSession
    from lti_tool.models.platform import Platform
    from lti_tool.services import attempts as attempts_service
    from lti_tool.services import scoring
    from lti_tool.services.assessments import shipped_bank
    from lti_tool.services.identity import _hash

    bank = shipped_bank()
    blueprint = question_bank.parse_blueprint(QUESTIONS)
    rng = random.Random(13)
    now = utcnow()
    with app.app_context(), session_scope(app) as session:
        platform = Platform(issuer="https://moodle.bench.example", client_id="bench", name="Bench Moodle",
                            auth_login_url="https://moodle.bench.example/mod/lti/auth.php",
                            auth_token_url="https://moodle.bench.example/mod/lti/token.php",
                            key_set_url="https://moodle.bench.example/mod/lti/certs.php", product="moodle",
                            auto_register_deployments=True, hosts=[], registered_via="manual")
        session.add(platform)
        session.flush()
        context = Context(platform_id=platform.id, context_id="bench-course", title="NURS 101 (bench)",
                          label="NURS 101", roster_fetched_at=now)
        session.add(context)
        session.flush()
        link = ResourceLink(platform_id=platform.id, deployment_id="1", context_pk=context.id,
                            resource_link_id="bench-link", title="Big quiz", custom={"pools": QUESTIONS},
                            ags_lineitem="https://moodle.bench.example/mod/lti/services.php/2/lineitems/1/lineitem",
                            ags_scopes=[])
        session.add(link)
        session.flush()
        assessment = Assessment(resource_link_pk=link.id, platform_id=platform.id, context_pk=context.id,
                                source="custom", title="Big quiz", blueprint_text=QUESTIONS, blueprint=blueprint.to_json(),
                                question_count=20, attempts_allowed=per_student, time_limit=60, points=20,
                                problems=[], excluded_items=[], regrade={})
        session.add(assessment)
        teacher = LtiUser(platform_id=platform.id, sub="teacher", name="Ines Moreau", email="ines@example.edu")
        session.add(teacher)
        session.flush()
        session.execute(insert(LtiUser.__table__), [
            {"platform_id": platform.id, "sub": f"student-{n:05d}", "name": f"Student {n:05d}",
             "email": f"s{n}@example.edu", "updated_at": now} for n in range(students)])
        users = dict(session.execute(
            LtiUser.__table__.select().with_only_columns(LtiUser.sub, LtiUser.id).where(LtiUser.sub.like("student-%"))).all())
        session.execute(insert(RosterEntry.__table__), [
            {"context_pk": context.id, "user_pk": users[f"student-{n:05d}"], "roles": ["Learner"], "is_learner": True,
             "active": True, "position": n, "fetched_at": now} for n in range(students)])

        snapshots: dict[str, dict] = {}
        attempt_rows, answers, deliveries, results = [], [], [], {}
        for n in range(students):
            user_pk = users[f"student-{n:05d}"]
            ability = rng.random()
            for number in range(1, per_student + 1):
                seed = f"bench-{n}-{number}"
                form = question_bank.draw_form(bank, blueprint, seed)
                responses = {}
                for slot_number, slot in enumerate(form.slots, start=1):
                    item = bank.item(slot.item_id)
                    if slot.ref not in snapshots:
                        snapshots[slot.ref] = {"pool": item.pool, "data": attempts_service._snapshot(item)}
                    responses[slot_number] = _response(item, rng, ability)
                open_attempt = n < 100 and number == per_student
                started = now - timedelta(days=10 - number, minutes=n % 600)
                row = {"assessment_id": assessment.id, "user_id": user_pk, "number": number, "seed": seed,
                       "form": form.to_json(), "items": {s.ref: snapshots[s.ref] for s in form.slots},
                       "state": "in_progress" if open_attempt else "submitted", "started_at": started,
                       "deadline_at": started + timedelta(minutes=60), "time_limit_minutes": 60,
                       "submitted_at": None if open_attempt else started + timedelta(minutes=25),
                       "submitted_by": None if open_attempt else "student", "earned": None, "possible": None, "score": None}
                if not open_attempt:
                    items = {s.ref: bank.item(s.item_id) for s in form.slots}
                    result = scoring.score_attempt(form, items, responses)
                    row.update(earned=float(result.earned), possible=float(result.possible), score=float(result.fraction))
                    results[len(attempt_rows)] = result  # what a submit stores for item analysis
                attempt_rows.append(row)
                answers.append(responses)
        ids = []
        for start in range(0, len(attempt_rows), 500):
            chunk = attempt_rows[start:start + 500]
            ids += list(session.scalars(insert(Attempt.__table__).returning(Attempt.__table__.c.id), chunk))
        scoring.store_slot_scores(session, assessment.id, [(ids[index], result) for index, result in results.items()])
        session.execute(insert(Answer.__table__), [
            {"attempt_id": attempt_id, "slot": slot, "item_id": row["form"]["slots"][slot - 1]["item_id"],
             "response": response, "saved_at": row["started_at"] + timedelta(minutes=slot)}
            for attempt_id, row, responses in zip(ids, attempt_rows, answers) for slot, response in responses.items()])
        for n in range(students):
            deliveries.append({"resource_link_pk": link.id, "user_pk": users[f"student-{n:05d}"], "score_given": 10.0,
                               "score_maximum": 20.0, "activity_progress": "Completed", "grading_progress": "FullyGraded",
                               "submitted_at": now, "resend": False, "status": "failed" if n % 97 == 0 else "delivered",
                               "tries": 1, "next_attempt_at": now, "created_at": now, "updated_at": now,
                               "delivered_at": now, "last_status_code": 400 if n % 97 == 0 else 200})
        session.execute(insert(ScoreSubmission.__table__), deliveries)
        session.execute(insert(Accommodation.__table__), [
            {"assessment_id": assessment.id, "user_pk": users[f"student-{n:05d}"], "extra_minutes": 15,
             "extra_percent": 0, "extra_attempts": 1, "updated_at": now} for n in range(0, students, 50)])
        token = secrets.token_urlsafe(32)
        session.add(ToolSession(token_hash=_hash(token), user_id=teacher.id, platform_id=platform.id,
                                context_pk=context.id, resource_link_pk=link.id, launch_id="bench",
                                message_type="LtiResourceLinkRequest", roles=["Instructor"], is_instructor=True,
                                is_learner=False, created_at=now, expires_at=now + timedelta(days=1),
                                idle_expires_at=now + timedelta(days=1)))
    return token


def _response(item, rng: random.Random, ability: float) -> object:  # noqa: ANN001
    """A right answer with probability ``ability`` (per item), else a plausible wrong one."""
    from question_bank.model import ClassificationBody
    from question_bank.model import MatchingBody
    from question_bank.model import MultipleBody
    from question_bank.model import OrderingBody
    from question_bank.model import SingleBody
    from question_bank.model import TrueFalseBody

    right = rng.random() < 0.3 + 0.6 * ability - 0.1 * (item.difficulty - 2)
    body = item.body
    if isinstance(body, SingleBody):
        return body.key if right else rng.choice([o.id for o in body.options if o.id != body.key])
    if isinstance(body, TrueFalseBody):
        return body.answer if right else not body.answer
    if isinstance(body, MultipleBody):
        return sorted(body.key) if right else sorted(rng.sample([o.id for o in body.options], 2))
    if isinstance(body, OrderingBody):
        order = list(body.key)
        if not right:
            rng.shuffle(order)
        return order
    if isinstance(body, MatchingBody | ClassificationBody):
        targets = sorted(set(body.key.values()))
        return {source: (target if right else rng.choice(targets)) for source, target in body.key.items()}
    raise TypeError(type(body))


def render_times(client, url: str, repeat: int) -> list[float]:  # noqa: ANN001
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=5, help="attempts per student")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()

    from lti_tool import create_app
    from lti_tool import migrate
    from lti_tool.db import database

    url, drop = fresh_database(args.database)
    try:
        migrate.upgrade(url)
        app = create_app({"ENV": "development", "SECRET_KEY": "bench", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                          "BASE_URL": "http://localhost:5000"})
        speed_before = machine_speed_ms()
        started = time.perf_counter()
        token = build_course(app, args.students, args.attempts)
        print(f"database: {url.split('://')[0]}; built {args.students} students, {args.students * args.attempts} attempts "
              f"in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        results = {}
        for name, path in (("dashboard", "instructor/"), ("item analysis", "instructor/analysis")):
            times = render_times(client, f"/s/{token}/{path}", args.repeat)
            results[name] = times
            print(f"{name:14s} median {statistics.median(times) * 1000:6.0f} ms   first (cold) {times[0] * 1000:6.0f} ms   "
                  f"min {min(times) * 1000:.0f} ms   max {max(times) * 1000:.0f} ms   (n={len(times)}; target < 500 ms)")
        speed_after = machine_speed_ms()
        print(f"machine speed probe: {speed_before:.0f} ms before, {speed_after:.0f} ms after (lower is faster)")
        database(app).dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
