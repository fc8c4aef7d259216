"""GIFT: what we write is what Moodle's GIFT filter reads, and a hand-typed file imports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from question_bank.formats import export_items
from question_bank.formats import export_notes
from question_bank.formats import import_items
from question_bank.formats.gift import escape
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.model import SingleBody
from question_bank.model import TrueFalseBody

from .items import ALL_ITEMS
from .items import MATCHING
from .items import ORDERING
from .items import SCENARIO_SINGLE
from .items import SINGLE

FIXTURE = Path(__file__).parent / "fixtures" / "foreign_quiz.gift"


@pytest.fixture(scope="module")
def foreign():
    return import_items(FIXTURE.read_bytes(), "gift", "components", source="quiz.gift")


def _by_stem_start(report, start: str):
    return next(item for item in report.items if item.stem.startswith(start))


# --------------------------------------------------------------------------- writing


def test_escape_covers_every_gift_special_character() -> None:
    assert escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_a_question_carries_id_tags_and_markers_in_the_comment_moodle_reads() -> None:
    text = export_items([SINGLE], "gift")
    assert "$CATEGORY: $course$/top/components\n" in text
    assert ("// [id:comp-001] [tag:trust] [tag:key-components] [tag:qb:version=2] "
            "[tag:qb:difficulty=1] [tag:qb:enemy=comp-002]\n::comp-001::[plain]") in text
    assert "\t=Trust#Correct\\: trust is listed first \\~ see the seed.\n" in text
    assert "\t~Dependency \\#1#Encouraging dependency is a barrier.\n" in text


def test_questions_are_separated_by_blank_lines_and_never_contain_one() -> None:
    text = export_items(ALL_ITEMS, "gift")
    for block in text.split("\n\n"):
        assert block.strip()


def test_true_false_is_written_with_general_feedback_only() -> None:
    true_false = next(item for item in ALL_ITEMS if item.kind is ItemType.TRUE_FALSE)
    assert "{FALSE####Termination is defined only" in export_items([true_false], "gift")


def test_ordering_is_a_matching_question_of_positions() -> None:
    text = export_items([ORDERING], "gift")
    assert "[tag:qb:kind=ordering]" in text
    assert "\t=Pre-interaction phase -> 1\n" in text
    assert "\t=Working phase -> 3\n" in text


def test_matching_lists_responses_first_when_premise_order_would_reorder_them() -> None:
    text = export_items([MATCHING], "gift")
    assert "\t= -> The client transfers feelings onto the nurse\n" in text


def test_scenario_vignette_is_labelled_in_the_question_text() -> None:
    text = export_items([SCENARIO_SINGLE], "gift")
    assert "[tag:qb:scenario=single]" in text
    assert "::[plain]Scenario\\: A nurse tells" in text
    assert "\\n\\nQuestion\\: Which barrier" in text


def test_answers_starting_like_a_format_or_weight_are_protected() -> None:
    options = (Choice("a", "[html] is literal", "x"), Choice("b", "%50% off", "y"))
    item = replace(SINGLE, body=SingleBody(options, "a"))
    text = export_items([item], "gift")
    assert "\t=[plain][html] is literal#x" in text
    assert "\t~[plain]%50% off#y" in text
    assert import_items(text, "gift", "p").items == [item]


def test_scores_use_moodle_weights() -> None:
    text = export_items(ALL_ITEMS, "gift")
    assert "\t~%33.33333%Empathy#" in text
    assert "\t~%-33.33333%Sympathy#" in text
    assert "\t~%-100%Dependency#" in text  # all-or-nothing: any wrong tick scores 0
    assert "[tag:qb:scoring=all_or_nothing]" in text


def test_points_travel_as_a_marker_because_gift_has_no_mark() -> None:
    assert "[tag:qb:points=2]" in export_items(ALL_ITEMS, "gift")


def test_arrow_in_a_premise_is_reported() -> None:
    body = MatchingBody(
        (Choice("p1", "client -> nurse"), Choice("p2", "nurse")),
        (Choice("r1", "one"), Choice("r2", "two")),
        {"p1": "r1", "p2": "r2"},
    )
    item = replace(MATCHING, body=body)
    assert any("'->'" in note for note in export_notes([item], "gift"))


# --------------------------------------------------------------------------- reading


def test_foreign_file_reports_unsupported_questions_with_line_and_number(foreign) -> None:
    assert "quiz.gift:28: question 4 (Essay): unsupported type essay (skipped)" in foreign.problems
    assert "quiz.gift:30: question 5 (Short answer): unsupported type shortanswer (skipped)" \
        in foreign.problems
    assert "quiz.gift:32: question 6 (Numerical): unsupported type numerical (skipped)" \
        in foreign.problems
    assert "quiz.gift:34: question 7: a description (text only, no answer) (skipped)" \
        in foreign.problems
    assert len(foreign.items) == 7


def test_foreign_file_keeps_id_tags_category_and_feedback(foreign) -> None:
    item = foreign.items[0]
    assert item.id == "barr-101"
    assert item.pool == "barriers"
    assert item.tags == ("nurse-client", "week 2")
    assert item.rationale == "Countertransference runs from nurse to client."
    assert item.sources == ()
    assert item.body == SingleBody(
        (
            Choice("a", "The client transfers feelings to the nurse", "That is transference."),
            Choice("b", "The nurse transfers feelings to the client",
                   "Right: the nurse is the source."),
            Choice("c", "Ambivalence about self-disclosure",
                   "That comes from resistance and avoidance."),
        ),
        "b",
    )
    assert ("quiz.gift:8: question 1 (barr-101): no sources, no difficulty (set to 2) in the "
            "file: add before the bank validates") in foreign.problems


def test_escapes_are_undone(foreign) -> None:
    item = _by_stem_start(foreign, "Which symbol")
    assert item.stem == 'Which symbol means "equals" in maths: = or ~ ?'
    assert [c.text for c in item.body.options] == [
        "= (equals sign)", "~ (tilde)", "# (hash)", "{ } (braces)"
    ]
    assert item.body.options[1].rationale == "No: ~ is a tilde."
    assert item.rationale == "" and item.sources == ()
    assert any("question 2 (barr-001): no rationale, no sources" in p for p in foreign.problems)


def test_multi_line_question_and_true_false_feedback(foreign) -> None:
    item = _by_stem_start(foreign, "The nurse and the client")
    assert item.stem == ("The nurse and the client\nagree on goals and tasks.\n"
                         "This is part of Bordin's working alliance.")
    assert item.body == TrueFalseBody(True)
    assert item.rationale == ("If you answered true: Correct.\n\n"
                              "If you answered false: It is part of it.")


def test_weights_matching_missing_word_and_html(foreign) -> None:
    multiple = _by_stem_start(foreign, "Which are components")
    assert multiple.body.key == frozenset({"a", "b"})
    assert multiple.body.scoring is MultipleScoring.RIGHT_MINUS_WRONG
    matching = _by_stem_start(foreign, "Match each barrier")
    assert matching.body.key == {"p1": "r1", "p2": "r2", "p3": "r3"}
    assert [c.text for c in matching.body.responses][0] == "Empathy"
    missing_word = _by_stem_start(foreign, "Trust is")
    assert missing_word.stem == "Trust is _____ in every therapeutic relationship."
    assert missing_word.body.key == "a"
    html = _by_stem_start(foreign, "Which is a core value")
    assert html.stem == "Which is a core value in health & social care?"
    assert [c.text for c in html.body.options] == ["Dignity", "Dependency"]


def test_foreign_items_get_pool_style_ids_and_difficulty_2(foreign) -> None:
    assert [i.id for i in foreign.items] == [
        "barr-101", "barr-001", "barr-002", "barr-003", "barr-004", "barr-005", "barr-006"
    ]
    assert {i.difficulty for i in foreign.items} == {2}


def test_repeated_ids_get_fresh_ones() -> None:
    text = "// [id:x-001]\n::a::Q1{=a ~b}\n\n// [id:x-001]\n::b::Q2{=a ~b}\n"
    report = import_items(text, "gift", "components")
    assert [i.id for i in report.items] == ["x-001", "comp-001"]
    assert ("import.gift:5: question 2 (b): id 'x-001' was already used at import.gift:2: "
            "question 1 (a); assigned 'comp-001' (check it is free in the bank)") in report.problems


def test_broken_and_odd_input_is_reported_not_raised() -> None:
    report = import_items("::a::Unclosed {=a ~b\n\n::b::}{\n\n\n", "gift", "p", source="x.gift")
    assert report.items == []
    assert "x.gift:1: question 1 (a): braces { } do not match (skipped)" in report.problems
    assert any(p.startswith("x.gift:3: question 2 (b): braces") for p in report.problems)


def test_windows_1252_and_bom_are_read() -> None:
    text = "::q-001::Café au lait?{=oui ~non}"
    assert import_items(text.encode("cp1252"), "gift", "p").items[0].stem == "Café au lait?"
    bom = import_items(b"\xef\xbb\xbf" + text.encode(), "gift", "p")
    assert bom.items[0].stem == "Café au lait?"


def test_marker_scoring_and_ids_are_read_back() -> None:
    text = ("// [id:m-001] [tag:qb:scoring=all_or_nothing] [tag:qb:ids.option=x|y]\n"
            "::m-001::Pick{~%100%A ~%-100%B}")
    item = import_items(text, "gift", "p").items[0]
    assert item.body == MultipleBody(
        (Choice("x", "A"), Choice("y", "B")), frozenset({"x"}), MultipleScoring.ALL_OR_NOTHING
    )


def test_unknown_marker_is_kept_as_a_tag_and_reported() -> None:
    report = import_items("// [tag:qb:colour=red]\n::q-001::Q{=a ~b}", "gift", "p")
    assert report.items[0].tags == ("qb:colour=red",)
    assert any("marker tag 'qb:colour=red' not understood" in p for p in report.problems)
