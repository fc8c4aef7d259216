"""One person's data on request (export), gone on request (erase), and old attempts gone after
the retention period: each touches exactly that person's (or those attempts') rows."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select
from sqlalchemy import update

from lti_tool.cli import cli
from lti_tool.db import session_scope
from lti_tool.models import Base
from lti_tool.models.assessment import Answer
from lti_tool.models.assessment import AnswerStep
from lti_tool.models.assessment import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.demo_lms import DemoUser
from lti_tool.models.grade_sync import ScoreSubmission
from lti_tool.models.lti import LtiUser
from lti_tool.worker import purge
from tests.attempts.conftest import launch


def _cli(stack, *args: str, ok: bool = True):  # noqa: ANN001, ANN202
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: stack.app))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _every_row(stack) -> dict[str, dict[str, str]]:  # noqa: ANN001
    """Every row of every table of the tool (not the demo LMS's own): primary key -> row."""
    with session_scope(stack.app) as session:
        return {
            table.name: {_key(table.name, dict(row._mapping)): json.dumps(dict(row._mapping), sort_keys=True, default=str)
                         for row in session.execute(select(table))}
            for table in Base.metadata.sorted_tables if not table.name.startswith("demo_")
        }


def _key(table_name: str, row: dict[str, Any]) -> str:
    return "/".join(str(row[c.name]) for c in Base.metadata.tables[table_name].primary_key.columns)


def _take_a_quiz(stack, lms_user_id: int, *, submit: bool = True) -> int:  # noqa: ANN001
    student = launch(stack, lms_user_id)
    attempt_id, _ = student.start()
    assert student.autosave(attempt_id, 1, None).status_code == 200
    if submit:
        assert student.submit(attempt_id).status_code == 200
    return attempt_id


def _sub(stack, lms_user_id: int) -> str:  # noqa: ANN001
    with session_scope(stack.app) as session:
        return session.get(DemoUser, lms_user_id).sub


def test_export_and_erase_cover_exactly_one_person(demo_stack, people, tmp_path) -> None:
    ana, ben = people["learners"][:2]
    _take_a_quiz(demo_stack, ana)
    _take_a_quiz(demo_stack, ben)
    launch(demo_stack, people["instructor"])
    ana_sub = _sub(demo_stack, ana)

    exported = tmp_path / "ana.json"
    _cli(demo_stack, "user", "export", "--platform", "1", "--user", ana_sub, "-o", str(exported))
    document: dict[str, Any] = json.loads(exported.read_text())
    assert document["lti_user_id"] == ana_sub and document["platform"]["id"] == 1
    tables = document["tables"]
    (person,) = tables["lti_users"]
    assert person["sub"] == ana_sub
    for name in ("attempts", "answers", "score_submissions", "tool_sessions", "memberships"):
        assert tables[name], name  # the quiz she took, her answer, her grade, her session, her course
    assert {a["user_id"] for a in tables["attempts"]} == {person["id"]}
    assert {a["attempt_id"] for a in tables["answers"]} <= {a["id"] for a in tables["attempts"]}

    before = _every_row(demo_stack)
    erased = _cli(demo_stack, "user", "erase", "--platform", "1", "--user", ana_sub, "--yes")
    assert f"erased user {ana_sub} of platform 1" in erased.output
    after = _every_row(demo_stack)

    for name, rows in before.items():
        assert all(rows[key] == row for key, row in after[name].items()), f"{name}: another row changed"
        assert set(after[name]) <= set(rows), f"{name}: a row appeared"
        gone = set(rows) - set(after[name])
        assert gone == {_key(name, row) for row in tables.get(name, [])}, f"{name}: erased rows not hers"
    with session_scope(demo_stack.app) as session:
        assert session.scalars(select(LtiUser).where(LtiUser.sub == ana_sub)).first() is None
        assert session.scalars(select(Attempt.id).where(Attempt.user_id == person["id"])).first() is None
        assert session.scalars(select(ScoreSubmission.id).where(ScoreSubmission.user_pk == person["id"])).first() is None

    again = _cli(demo_stack, "user", "export", "--platform", "1", "--user", ana_sub, ok=False)
    assert again.exit_code == 1 and "has no user" in again.output
    _take_a_quiz(demo_stack, ana)  # she can come back: a fresh start


def test_erase_asks_before_it_deletes(demo_stack, people) -> None:
    _take_a_quiz(demo_stack, people["learners"][0])
    sub = _sub(demo_stack, people["learners"][0])
    before = _every_row(demo_stack)
    answered_no = CliRunner().invoke(cli, ["user", "erase", "--platform", "1", "--user", sub], input="n\n",
                                     obj=ScriptInfo(create_app=lambda: demo_stack.app))
    assert answered_no.exit_code == 1 and "nothing erased" in answered_no.output
    assert _every_row(demo_stack) == before
    unknown = _cli(demo_stack, "user", "erase", "--platform", "7", "--user", sub, "--yes", ok=False)
    assert unknown.exit_code == 1 and "no platform 7" in unknown.output


def test_retention_purges_only_submitted_attempts_past_it(demo_stack, people, caplog) -> None:
    caplog.set_level(logging.INFO, logger="lti_tool")
    ana, ben, cal = people["learners"][:3]
    old = _take_a_quiz(demo_stack, ana)
    recent = _take_a_quiz(demo_stack, ben)
    unfinished = _take_a_quiz(demo_stack, cal, submit=False)
    with session_scope(demo_stack.app) as session:
        long_ago = utcnow() - timedelta(days=40)
        session.execute(update(Attempt).where(Attempt.id == old).values(submitted_at=long_ago, started_at=long_ago))
        session.execute(update(Attempt).where(Attempt.id == recent).values(submitted_at=utcnow() - timedelta(days=10)))
        session.execute(update(Attempt).where(Attempt.id == unfinished).values(started_at=long_ago))

    purge(demo_stack.app)  # RETENTION_DAYS is 0 by default: everything stays
    unchanged = _every_row(demo_stack)

    demo_stack.app.config["RETENTION_DAYS"] = 30
    purge(demo_stack.app)  # what the worker runs every GRADE_PURGE_INTERVAL_SECONDS
    after = _every_row(demo_stack)
    with session_scope(demo_stack.app) as session:
        assert set(session.scalars(select(Attempt.id))) == {recent, unfinished}
        assert set(session.scalars(select(Answer.attempt_id))) == {recent, unfinished}
        assert set(session.scalars(select(AnswerStep.attempt_id))) == {recent, unfinished}
    for name in set(unchanged) - {"attempts", "answers", "slot_scores", "answer_steps"}:  # an attempt's scores and steps go with it
        assert after[name] == unchanged[name], name  # users, grades, sessions: untouched
    (line,) = [r for r in caplog.records if getattr(r, "event", "") == "retention.purged"]
    assert line.attempts == 1 and "RETENTION_DAYS=30" in line.getMessage()
    assert "deleted 0 attempt(s)" in _cli(demo_stack, "user", "purge", "--days", "30").output
