"""The assignment builder through deep linking, against the demo LMS over HTTP: the platform
verifies the tool's signed response and records the activity and its gradebook column."""

from __future__ import annotations

import re
import uuid
from html import unescape

import jwt
import requests
from jwt import PyJWKSet
from sqlalchemy import select

from lti_tool.db import session_scope
from lti_tool.models.assessment import Assessment
from lti_tool.models.assessment import Attempt
from lti_tool.models.demo_lms import DemoResourceLink
from tests.attempts.conftest import demo_people
from tests.attempts.conftest import launch
from tests.instructor.conftest import HtmlForm
from tests.instructor.conftest import assessment_of
from tests.instructor.conftest import demo_link
from tests.instructor.conftest import instructor
from tests.instructor.conftest import open_chooser
from tests.instructor.conftest import post_form
from tests.support.lti_flow import CLAIM
from tests.support.shipped_bank import enemy_limit
from tests.support.shipped_bank import pool_size

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def test_the_builder_opens_with_the_readme_defaults_and_adds_a_working_quiz(demo_stack, people) -> None:
    chooser = open_chooser(demo_stack)
    form = chooser.form
    assert [form.value(f"count.{pool}") for pool in ("components", "barriers", "comparison", "phases")] == ["5"] * 4
    assert (form.value("attempts"), form.value("time_limit"), form.value("grading"), form.value("points")) == ("1", "0", "highest", "10")
    text = unescape(chooser.page.text)
    assert f"of {pool_size('barriers')} questions" in text  # each pool says how many questions it holds
    assert "20 questions per student." in text and "Every student can get a full form of 20 questions." in text

    done = chooser.submit(title="Week 1 quiz", description="Read chapter 2 first.")  # "Add" on an untouched builder
    assert done.status_code == 200 and "Activity added to NURS 101" in done.text, done.text[:600]
    assert "The tool says: Added “Week 1 quiz”." in unescape(done.text)
    added = demo_link(demo_stack, "Week 1 quiz")
    key = added["custom"]["assignment"]
    assert added["text"] == "Read chapter 2 first."
    assert added["line_items"] == [(10.0, "Week 1 quiz", key, "quiztool-grade")]
    stored = assessment_of(demo_stack, key)
    assert stored["resource_link_pk"] is None and stored["source"] == "builder"  # the first launch binds it
    assert stored["blueprint_text"] == "components:5, barriers:5, comparison:5, phases:5"

    student = launch(demo_stack, people["learners"][0], added["id"])
    assert "Read chapter 2 first." in student.landing.text and "0 used of 1 allowed" in student.landing.text
    attempt_id, page = student.start()
    assert "Question 1 of 20" in page.text
    with session_scope(demo_stack.app) as session:
        assessment = session.scalars(select(Assessment).where(Assessment.key == key)).one()
        assert assessment.resource_link_pk is not None
        assert session.get(Attempt, attempt_id).assessment_id == assessment.id


def test_an_infeasible_blueprint_is_refused_with_the_numbers_and_nothing_is_added(demo_stack) -> None:
    chooser = open_chooser(demo_stack)
    barriers = enemy_limit("barriers")
    refused = chooser.submit(title="Too many", count__barriers=barriers.too_many, count__components=500)
    assert refused.status_code == 400
    text = unescape(refused.text)
    assert (f"At most {barriers.together} of the {barriers.available} questions in “Barriers to the therapeutic "
            "relationship” can appear together, because some questions give away each other's answers; you asked "
            f"for {barriers.too_many}.") in text
    assert ("You asked for 500 questions from “Components of the therapeutic relationship”, but it has only "
            f"{pool_size('components')} questions.") in text
    assert HtmlForm(refused.text, "builder").value("count.barriers") == str(barriers.too_many)  # what was typed is kept
    bad_mix = chooser.submit(title="Mix", count__components=6, **{"mix__components__1": 2, "mix__components__2": 2, "mix__components__3": 1})
    assert bad_mix.status_code == 400 and "adds up to 5, not to the 6 questions asked" in unescape(bad_mix.text)
    not_a_number = chooser.submit(title="x", attempts="two")
    assert not_a_number.status_code == 400 and "Attempts allowed: a whole number from 1 to 20." in not_a_number.text
    superscript = chooser.submit(title="x", attempts="²", count__components="²")  # isdigit() but not int()
    assert superscript.status_code == 400 and "Attempts allowed: a whole number from 1 to 20." in superscript.text
    with session_scope(demo_stack.app) as session:
        assert session.scalars(select(DemoResourceLink.title)).all() == ["Quiz: the therapeutic relationship"]
        assert session.scalars(select(Assessment).where(Assessment.source == "builder")).all() == []


def test_the_readme_blueprint_syntax_is_expressible_and_checked_live(demo_stack) -> None:
    chooser = open_chooser(demo_stack)
    # components:5[1=2,2=2,3=1], comparison:2(classification,true_false) as the builder's inputs
    changes = dict(count__components=5, count__barriers=0, count__phases=0, count__comparison=2,
                   mix__components__1=2, mix__components__2=2, mix__components__3=1,
                   types__comparison=["classification", "true_false"])
    check = chooser.post("builder/check", **changes)
    assert check.status_code == 200 and check.json()["feasible"] is True and check.json()["question_count"] == 7
    infeasible = chooser.post("builder/check", **{**changes, "types__comparison": ["ordering"]}).json()
    assert infeasible["feasible"] is False
    assert infeasible["problems"] == ["You asked for 2 questions from “Therapeutic versus social relationships”, but it "
                                      f"has only 0 questions of the chosen types (ordering), of {pool_size('comparison')} in all."]
    done = chooser.submit(title="Syntax", **changes)
    assert done.status_code == 200
    stored = assessment_of(demo_stack, demo_link(demo_stack, "Syntax")["custom"]["assignment"])
    assert stored["blueprint_text"] == "components:5[1=2,2=2,3=1], comparison:2(classification,true_false)"


def test_editing_from_a_second_deep_linking_launch_keeps_the_settings(demo_stack, people) -> None:
    open_chooser(demo_stack).submit(title="Editable", count__phases=0, attempts=2, time_limit=20, points=15,
                                    grading="latest", review="never", layout="single")
    added = demo_link(demo_stack, "Editable")
    key = added["custom"]["assignment"]
    student = launch(demo_stack, people["learners"][0], added["id"])
    attempt_id, page = student.start()
    assert page.url.endswith(f"/attempts/{attempt_id}/questions") and "Question 15 of 15" in page.text  # all on one page
    with session_scope(demo_stack.app) as session:
        first_deadline = session.get(Attempt, attempt_id).deadline_at

    chooser = open_chooser(demo_stack, link_id=added["id"])  # "Select content" on the activity
    form = chooser.form
    assert (form.value("title"), form.value("attempts"), form.value("time_limit"), form.value("points")) == ("Editable", "2", "20", "15")
    assert (form.value("grading"), form.value("review"), form.value("layout"), form.value("count.phases")) == ("latest", "never", "single", "0")
    assert "1 attempt has been started" in chooser.page.text and "apply to attempts started from now on" in chooser.page.text

    done = chooser.submit(points=25, time_limit=30)  # change two fields only
    assert done.status_code == 200 and "Activity changed in NURS 101" in done.text, done.text[:500]
    after = assessment_of(demo_stack, key)
    assert (after["points"], after["time_limit"], after["attempts_allowed"], after["grading"], after["review"], after["layout"]) == \
        (25, 30, 2, "latest", "never", "single")
    assert demo_link(demo_stack, "Editable")["line_items"] == [(25.0, "Editable", key, "quiztool-grade")]
    with session_scope(demo_stack.app) as session:
        assert session.scalars(select(Assessment).where(Assessment.key == key)).one().id == after["id"]
        assert session.get(Attempt, attempt_id).deadline_at == first_deadline  # started before: unchanged


def _deep_linking_launch(stack, settings: dict) -> tuple[requests.Session, str, dict]:  # noqa: ANN001
    """A deep-linking launch whose settings the test chooses, signed with the demo LMS's key."""
    driver = stack.driver()
    login = driver.login()
    claims = driver.claims(login, **{
        "sub": "teacher-" + uuid.uuid4().hex[:6],
        "claim_message_type": "LtiDeepLinkingRequest",
        "claim_roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"],
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
            "deep_link_return_url": stack.lms_url + "/deep-linking/return", **settings},
    })
    claims.pop(CLAIM + "resource_link")
    response = driver.post_launch(login, stack.sign(claims))
    assert response.status_code == 303, response.text[:500]
    page = driver.http.get(stack.tool_url + response.headers["Location"], timeout=10)
    return driver.http, page.url, {"page": page}


def _tool_response(stack, http: requests.Session, page_url: str, path: str, fields: list) -> dict:  # noqa: ANN001
    answer = http.post(page_url.rstrip("/").rsplit("/", 1)[0] + "/" + path, data=fields, timeout=10)
    assert answer.status_code == 200, answer.text[:500]
    token = unescape(re.search(r'name="JWT" value="([^"]*)"', answer.text).group(1))
    keys = PyJWKSet.from_dict(requests.get(stack.tool_url + "/lti/jwks", timeout=10).json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=stack.facts["issuer"])


def test_accept_settings_data_and_cancel_are_honoured(demo_stack) -> None:
    base = {"accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["window"]}
    http, url, found = _deep_linking_launch(demo_stack, {**base, "accept_lineitem": False, "data": "opaque-42"})
    form = HtmlForm(found["page"].text, "builder")
    claims = _tool_response(demo_stack, http, url, "deep-link", form.changed(title="No column"))
    assert claims[DL + "data"] == "opaque-42"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "No column"
    assert "lineItem" not in item  # accept_lineitem: false
    assert item["window"] == {"targetName": "_blank"}  # no iframe accepted
    assert set(item["custom"]) == {"assignment"}
    assert claims["exp"] - claims["iat"] <= 600 and claims[CLAIM + "message_type"] == "LtiDeepLinkingResponse"

    http, url, found = _deep_linking_launch(demo_stack, {"accept_types": ["ltiResourceLink"],
                                                         "accept_presentation_document_targets": ["iframe"]})
    form = HtmlForm(found["page"].text, "builder")
    claims = _tool_response(demo_stack, http, url, "deep-link", form.changed(title="With column", points=7))
    assert DL + "data" not in claims  # the request had no data: none is invented
    [item] = claims[DL + "content_items"]
    assert item["lineItem"]["scoreMaximum"] == 7 and "window" not in item
    cancelled = _tool_response(demo_stack, http, url, "deep-link/cancel", [("csrf_token", form.value("csrf_token"))])
    assert cancelled[DL + "content_items"] == []

    driver = demo_stack.driver()  # a request that accepts no LTI resource link is refused at launch, plainly
    login = driver.login()
    claims = driver.claims(login, claim_message_type="LtiDeepLinkingRequest", **{DL + "deep_linking_settings": {
        "deep_link_return_url": demo_stack.lms_url + "/deep-linking/return", "accept_types": ["link", "file"],
        "accept_presentation_document_targets": ["iframe"]}})
    refused = driver.post_launch(login, demo_stack.sign(claims))
    assert refused.status_code == 400 and "ltiResourceLink" not in refused.text and "<title>" in refused.text


def test_cancel_in_the_lms_adds_nothing(demo_stack) -> None:
    chooser = open_chooser(demo_stack)
    done = chooser.post("deep-link/cancel")
    assert done.status_code == 200 and "No activity was added" in done.text and "No quiz was added." in done.text
    with session_scope(demo_stack.app) as session:
        assert len(session.scalars(select(DemoResourceLink)).all()) == 1


def test_the_deep_linking_form_answers_a_resource_link_launch_with_a_clean_refusal(demo_stack, people) -> None:
    teacher = instructor(demo_stack)
    refused = teacher.post("deep-link", {"title": "x"})
    assert refused.status_code == 400 and "Select content" in refused.text and "nothing to add here" in refused.text


def test_a_link_launched_before_it_has_an_assignment_gets_the_builder_in_place(demo_stack, people) -> None:
    with session_scope(demo_stack.app) as session:
        session.scalars(select(DemoResourceLink)).first().custom = {}
    student = launch(demo_stack, people["learners"][0])
    assert "not ready yet" in student.landing.text
    assert student.post("start").status_code == 409
    teacher = instructor(demo_stack)
    form = HtmlForm(teacher.landing.text, "builder")
    saved = post_form(teacher.browser, teacher.base + "settings", form.changed(count__phases=0, attempts=2))
    assert saved.status_code == 200 and "Saved. Students now get the new settings." in saved.text
    student = launch(demo_stack, people["learners"][0])
    assert "0 used of 2 allowed" in student.landing.text
    _, page = student.start()
    assert "Question 1 of 15" in page.text


def test_a_copied_link_offers_the_original_settings(demo_stack, people) -> None:
    open_chooser(demo_stack).submit(title="Original", count__components=2, count__barriers=0, count__comparison=0,
                                    count__phases=0, attempts=3)
    original = demo_link(demo_stack, "Original")
    instructor(demo_stack, original["id"])  # binds the assessment to the original link
    people_ = demo_people(demo_stack)
    with session_scope(demo_stack.app) as session:  # the LMS copies the activity: same custom parameters
        source = session.get(DemoResourceLink, original["id"])
        copy = DemoResourceLink(resource_link_id=uuid.uuid4().hex, course_id=people_["course"], tool_id=source.tool_id,
                                title="Original (copy)", custom=dict(source.custom))
        session.add(copy)
        session.flush()
        copy_id = copy.id
    student = launch(demo_stack, people["learners"][0], copy_id)
    assert "not ready yet" in student.landing.text
    teacher = instructor(demo_stack, copy_id)
    assert "Copied from “Original”" in teacher.landing.text and "Use the same settings" in teacher.landing.text
    reused = teacher.post("settings/reuse")
    assert reused.status_code == 200 and "settings of the one it was copied from" in reused.text
    with session_scope(demo_stack.app) as session:
        both = session.scalars(select(Assessment).where(Assessment.title == "Original").order_by(Assessment.id)).all()
        assert len(both) == 2 and both[0].key != both[1].key
        assert [a.attempts_allowed for a in both] == [3, 3] and both[1].blueprint == both[0].blueprint
    assert "0 used of 3 allowed" in launch(demo_stack, people["learners"][0], copy_id).landing.text


def test_a_sample_form_shows_keys_and_draws_another(demo_stack) -> None:
    chooser = open_chooser(demo_stack)
    first = chooser.post("builder/preview", count__barriers=0, count__comparison=0, count__phases=0)
    assert first.status_code == 200 and "A sample form of" in first.text
    assert first.text.count('class="review"') == 5 and "— correct" in first.text and "Why:" in first.text
    again = post_form(chooser.browser, chooser.base + "builder/preview", HtmlForm(first.text).fields)
    ids = [re.findall(r"\(1 point, ([a-z]+-\d+)\)", page.text) for page in (first, again)]
    assert len(ids[0]) == 5 and ids[0] != ids[1]  # another draw (60 questions, 5 drawn)
    back = post_form(chooser.browser, chooser.base + "builder/edit", HtmlForm(first.text).fields)
    assert HtmlForm(back.text, "builder").value("count.phases") == "0"
    with session_scope(demo_stack.app) as session:
        assert session.scalars(select(Assessment).where(Assessment.source == "builder")).all() == []


def test_a_change_of_points_in_place_updates_the_gradebook_column_through_ags(demo_stack, people) -> None:
    from lti_tool.worker import deliver_lineitem_changes
    from tests.attempts.conftest import deliver_all
    from tests.attempts.test_policies import take

    open_chooser(demo_stack).submit(title="Column", count__components=2, count__barriers=0, count__comparison=0,
                                    count__phases=0, points=4)
    link = demo_link(demo_stack, "Column")
    ana = launch(demo_stack, people["learners"][0], link["id"])
    take(ana, demo_stack, "all")
    deliver_all(demo_stack)
    teacher = instructor(demo_stack, link["id"])
    page = teacher.get("settings")
    assert HtmlForm(page.text, "builder").value("points") == "4" and "1 attempt has been started" in page.text
    saved = post_form(teacher.browser, teacher.base + "settings", HtmlForm(page.text, "builder").changed(points=8))
    assert "Attempts already started keep their questions and time limit" in saved.text
    assert deliver_lineitem_changes(demo_stack.app) == 1
    deliver_all(demo_stack)
    assert demo_link(demo_stack, "Column")["line_items"][0][0] == 8.0
    book = requests.get(f"{demo_stack.lms_url}/course/1/gradebook.json", timeout=10).json()
    posts = [h for h in book["history"] if h["payload"]["gradingProgress"] == "FullyGraded"]
    assert [p["payload"]["scoreGiven"] for p in posts] == [4, 8]  # the kept grade, re-sent in the new points
    assert posts[0]["payload"]["submission"] == posts[1]["payload"]["submission"]
