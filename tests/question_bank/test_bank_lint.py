"""``quiztool bank lint``: each small fixture bank trips exactly one check, a clean one trips none,
``lint_ok`` justifies warnings (never errors), and bad input gives a message and exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from lti_tool.cli.bank import bank as bank_cli
from question_bank.quality import LintInputError
from question_bank.quality import lint_bank
from question_bank.quality.lint import ERROR
from question_bank.quality.lint import SEVERITY
from question_bank.quality.lint import WARNING
from tests.question_bank.conftest import make_item
from tests.question_bank.conftest import pool_yaml
from tests.question_bank.test_cases import cases_yaml
from tests.question_bank.test_cases import make_case

README = Path(__file__).resolve().parents[2] / "question_bank" / "banks" / "README.md"

STEMS = {
    "single": "A nurse notices she feels angry at a client who reminds her of her dad. What is this?",
    "multiple": "Which actions help a shy adolescent begin to trust the nurse?",
    "true_false": "Reflective practice helps a care worker notice problems in a relationship early.",
    "matching": "Match each barrier with what happens in it.",
    "ordering": "Put the phases of the relationship in order.",
    "classification": "Sort each feature into the relationship it describes.",
}

SINGLE_OPTIONS = [
    {"id": "a", "text": "Transference", "rationale": "The client transfers feelings onto the nurse."},
    {"id": "b", "text": "Countertransference", "rationale": "Right: the nurse transfers feelings."},
    {"id": "c", "text": "Resistance and avoidance", "rationale": "Ambivalence about self-exploration."},
    {"id": "d", "text": "Sympathy", "rationale": "Feeling sorry for the client."},
]


def clean_items() -> list[dict]:
    items = []
    for number, kind in enumerate(STEMS, start=1):
        item = make_item(kind, f"comp-{number:03}", stem=STEMS[kind])
        if kind == "single":
            item["options"] = [dict(o) for o in SINGLE_OPTIONS]
            item["key"] = "b"
        if kind == "matching":
            item["responses"].append({"id": "r4", "text": "Feeling sorry for the client"})
        items.append(item)
    return items


def lint_items(tmp_path: Path, items: list[dict]):
    (tmp_path / "components.yaml").write_text(pool_yaml("components", items), encoding="utf-8")
    return lint_bank([tmp_path])


def checks_of(report) -> list[str]:
    return [f.check for f in report.findings]


def with_item(kind: str, **changes) -> list[dict]:
    items = clean_items()
    for item in items:
        if item["type"] == kind:
            item.update(changes)
    return items


def test_a_clean_bank_has_no_findings(tmp_path):
    report = lint_items(tmp_path, clean_items())
    assert report.findings == []
    assert report.items == 6


def test_near_duplicate_stems_without_enemy_link(tmp_path):
    items = clean_items()
    twin = make_item("single", "comp-020", stem=STEMS["single"].replace("angry", "furious"))
    twin["options"], twin["key"] = [dict(o) for o in SINGLE_OPTIONS], "b"
    report = lint_items(tmp_path, [*items, twin])
    assert checks_of(report) == ["near-duplicate"]
    assert report.findings[0].item_id == "comp-020"
    twin["enemies"] = ["comp-001"]
    assert lint_items(tmp_path, [*items, twin]).findings == []


def test_a_key_that_appears_in_another_stem_is_a_leak(tmp_path):
    items = with_item("single")
    items[0]["options"][1]["text"] = "Unresolved feelings about her father"
    items.append(make_item("true_false", "comp-030", stem="Unresolved feelings about her father can colour how a nurse treats an older man."))
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["leak"]
    assert "comp-030" in report.findings[0].message
    items[-1]["enemies"] = ["comp-001"]
    assert lint_items(tmp_path, items).findings == []


def test_a_short_key_in_another_items_options_is_no_leak_but_a_long_one_is(tmp_path):
    items = clean_items()
    items[0]["options"][1]["text"] = "Unresolved feelings about her father"
    other = make_item("single", "comp-031", stem="What does a client who calls the nurse 'Mum' show?")
    other["options"] = [dict(o) for o in SINGLE_OPTIONS]
    other["options"][2]["text"] = "Unresolved feelings about her father"
    other["key"] = "b"
    assert checks_of(lint_items(tmp_path, [*items, other])) == []
    items[0]["options"][1]["text"] = "Unresolved feelings about her father that colour her nursing judgement"
    other["options"][2]["text"] = "Unresolved feelings about her father that colour her nursing judgement"
    assert [c for c in checks_of(lint_items(tmp_path, [*items, other])) if c != "key-stands-out"] == ["leak"]


def test_key_length_rank_is_flagged_when_the_key_is_longest_too_often(tmp_path):
    items = clean_items()
    for number in range(40, 52):
        item = make_item("single", f"comp-{number:03}", stem=f"Case {number}: word{number}a word{number}b word{number}c?")
        item["options"] = [
            {"id": "a", "text": "Trusting", "rationale": "No."},
            {"id": "b", "text": "Respectful", "rationale": "No."},
            {"id": "c", "text": "Collaborative", "rationale": "Yes."},
        ]
        item["key"] = "c"
        items.append(item)
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["key-length"]
    assert report.key_length_ranks[1] == 12


def test_a_key_much_longer_than_every_distractor_stands_out(tmp_path):
    items = clean_items()
    items[0]["options"][1]["text"] = "The nurse's own feelings transferred onto the client"
    assert checks_of(lint_items(tmp_path, items)) == ["key-stands-out"]


def test_multiple_response_items_clustering_on_one_key_count(tmp_path):
    items = clean_items()
    for number in range(60, 66):
        items.append(make_item("multiple", f"comp-{number:03}", stem=f"Ticks for client Bo{number} in room {number}?"))
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["mr-key-counts"]
    assert report.mr_key_counts == {2: 7}


def test_a_multiple_response_item_with_every_option_keyed(tmp_path):
    items = with_item("multiple", key=["a", "b", "c", "d"])
    assert checks_of(lint_items(tmp_path, items)) == ["mr-all-keyed"]


def test_absolute_words_in_true_false_statements(tmp_path):
    items = with_item("true_false", stem="Reflective practice always helps a care worker notice problems early.")
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["absolute-word"]
    assert report.findings[0].severity == WARNING


def test_absolute_words_in_options(tmp_path):
    items = clean_items()
    items[0]["options"][2]["text"] = "Only resistance"
    assert checks_of(lint_items(tmp_path, items)) == ["absolute-word"]


def test_a_stem_that_names_a_source(tmp_path):
    items = with_item("multiple", stem="Which actions does the health and social care source list for building trust?")
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["names-source"]
    assert report.source_stems == ["comp-002"]


def test_too_many_stems_naming_a_source(tmp_path):
    items = clean_items()
    for number in range(70, 80):
        items.append(make_item("true_false", f"comp-{number:03}", lint_ok="the seeds disagree", key=number % 2 == 0,
                               stem=f"According to seed {number}, client Cy{number} topic{number} matters."))
    report = lint_items(tmp_path, items)
    assert [f.check for f in report.findings if not f.justified] == ["too-many-source-stems"]


def test_true_false_statements_that_are_mostly_true(tmp_path):
    items = clean_items()
    for number in range(80, 88):
        items.append(make_item("true_false", f"comp-{number:03}", key=True, stem=f"Statement {number}: word{number}x word{number}y."))
    assert checks_of(lint_items(tmp_path, items)) == ["tf-balance"]
    for item in items[-4:]:
        item["key"] = False
    assert checks_of(lint_items(tmp_path, items)) == []


def test_a_true_false_item_and_another_testing_the_same_fact_must_be_enemies(tmp_path):
    """The reviewer's give-away the leak check cannot see: a true/false key has no words."""
    items = clean_items()
    statement = next(item for item in items if item["type"] == "true_false")
    single = next(item for item in items if item["type"] == "single")
    statement["covers"], single["covers"] = ["f000-barr-countertransference"], ["f000-barr-countertransference"]
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["tf-shared-fact"]
    assert report.findings[0].item_id == statement["id"] and single["id"] in report.findings[0].message
    single["covers"] = ["f000-barr-transference"]  # another fact: nothing to give away
    assert lint_items(tmp_path, items).findings == []
    single["covers"], single["enemies"] = ["f000-barr-countertransference"], [statement["id"]]
    assert lint_items(tmp_path, items).findings == []


def test_two_items_testing_the_same_fact_must_be_enemies(tmp_path):
    """Blind review 7's give-aways were acted out, not worded alike: a declared shared fact is the signal."""
    items = clean_items()
    single, multiple = (next(item for item in items if item["type"] == kind) for kind in ("single", "multiple"))
    single["covers"], multiple["covers"] = ["f003-build-punctual"], ["f003-build-punctual"]
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["shared-fact"]
    assert {report.findings[0].item_id, single["id"], multiple["id"]} == {single["id"], multiple["id"]}
    assert "f003-build-punctual" in report.findings[0].message
    multiple["enemies"] = [single["id"]]
    assert lint_items(tmp_path, items).findings == []
    flagged = next(item for item in (single, multiple) if item["id"] == report.findings[0].item_id)
    multiple["enemies"], flagged["lint_ok"] = [], "neither settles the other: checked by the committee"
    assert [f.check for f in lint_items(tmp_path, items).findings if not f.justified] == []


def test_a_case_linked_through_another_of_its_parts_is_linked_for_every_check(tmp_path):
    """A form holds a case whole and keeps it away from any item one of its parts names, so a
    loose item that repeats part 2's stem is linked once part 1 names it: near-duplicate and
    leak read enemies as the draw does (they used to ask the two items themselves)."""
    items = clean_items()
    case = make_case("case-001", size=3)
    case["items"][1]["stem"] = items[0]["stem"]  # part 2 asks what comp-001 asks
    (tmp_path / "cases.yaml").write_text(cases_yaml([case]), encoding="utf-8")
    def duplicates() -> list[str]:
        found = lint_items(tmp_path, items).findings
        return [f"{f.item_id} {f.message.split()[4]}" for f in found if f.check == "near-duplicate"]

    assert duplicates() == ["comp-001 case-001-2's"]
    case["items"][0]["enemies"] = [items[0]["id"]]  # part 1 names it: the whole case is kept away
    (tmp_path / "cases.yaml").write_text(cases_yaml([case]), encoding="utf-8")
    assert duplicates() == []


def test_matching_without_extra_responses_is_an_error(tmp_path):
    items = clean_items()
    items[3]["responses"].pop()
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["matching-extras"]
    assert report.findings[0].severity == ERROR


def test_all_or_none_of_the_above(tmp_path):
    items = clean_items()
    items[0]["options"][3]["text"] = "None of the above"
    assert checks_of(lint_items(tmp_path, items)) == ["all-none-above"]


def test_a_negative_stem_needs_emphasis(tmp_path):
    items = with_item("single", stem="Which of these is not a barrier to the relationship?")
    assert checks_of(lint_items(tmp_path, items)) == ["negative-stem"]
    items = with_item("single", stem="Which of these is NOT a barrier to the relationship?")
    assert checks_of(lint_items(tmp_path, items)) == []
    items = with_item("single", stem="A nurse is told the relationship is 'personal but not intimate'. What does it mean?")
    assert checks_of(lint_items(tmp_path, items)) == []


def test_a_stem_word_that_only_the_key_repeats_is_a_clang_cue(tmp_path):
    items = with_item("single", stem="A client leans on the nurse for everything. What fosters independence?",
                      key="c")
    items[0]["options"][2]["text"] = "Acting independently"
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["clang"]
    assert "'independence'" in report.findings[0].message and "(c: 'independently')" in report.findings[0].message
    assert report.findings[0].severity == WARNING


def test_a_stem_word_repeated_in_a_distractor_too_or_a_name_is_no_clang_cue(tmp_path):
    items = with_item("single", stem="Mr Sympson tells the nurse how independent he was. What is this?", key="d")
    items[0]["options"][3]["text"] = "Sympathy for Mr Sympson"
    items[0]["options"][0]["text"] = "Independence"
    items[0]["options"][3]["text"] = "Independence regained"
    assert "clang" not in checks_of(lint_items(tmp_path, items))
    items[0]["options"][0]["text"] = "Transference"
    items[0]["options"][3]["text"] = "Sympathy for Mr Sympson"
    assert "clang" not in checks_of(lint_items(tmp_path, items))


def test_a_day_of_the_week_is_a_word_not_a_name_for_the_clang_check(tmp_path):
    """Mock blind review 5 of sweep 5: "Sundays" in the vignette and only in the key was a cue the
    check missed, because it skipped every capitalised word as a person's name."""
    items = with_item("single", stem="Mr Ward asks the nurse to come on Sundays. What does she say?", key="b")
    items[0]["options"][1]["text"] = "Not on Sundays"
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["clang"] and "'sundays'" in report.findings[0].message
    items[0]["options"][0]["text"] = "Yes, Sundays"
    assert "clang" not in checks_of(lint_items(tmp_path, items))


def test_a_statement_that_repeats_its_own_category_name_is_a_clang_cue(tmp_path):
    items = clean_items()
    classification = next(item for item in items if item["type"] == "classification")
    statement = classification["statements"][0]
    own = classification["key"][statement["id"]]
    category = next(c for c in classification["categories"] if c["id"] == own)
    category["text"] = "Agreement on goals"
    statement["text"] = "They agreed what therapy is for"
    report = lint_items(tmp_path, items)
    assert checks_of(report) == ["clang"]
    assert f"statement {statement['id']} repeats 'agreement'" in report.findings[0].message


def test_lint_ok_justifies_warnings_but_not_errors(tmp_path):
    items = with_item("true_false", stem="Reflective practice always helps a care worker notice problems early.",
                      lint_ok="the seed says 'always' here and the statement is true")
    report = lint_items(tmp_path, items)
    assert report.warnings == [] and len(report.justified) == 1
    items = clean_items()
    items[0]["stem"] = "Which of these is not a barrier to the relationship?"
    items[0]["lint_ok"] = "wanted"
    assert [f.check for f in lint_items(tmp_path, items).errors] == ["negative-stem"]


def test_the_readme_declares_the_same_severities():
    text = README.read_text(encoding="utf-8")
    declared = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", text, flags=re.MULTILINE))
    assert declared == SEVERITY


# --- the command ---------------------------------------------------------------------------

def run(*args: str):
    return CliRunner().invoke(bank_cli, ["lint", *args])


def test_cli_prints_file_line_and_id_and_exits_1_on_errors(tmp_path):
    items = clean_items()
    items[3]["responses"].pop()
    (tmp_path / "components.yaml").write_text(pool_yaml("components", items), encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 1, result.output
    assert re.search(r"^components\.yaml:\d+: comp-004: error \[matching-extras\]", result.output, re.MULTILINE)
    assert "6 items: 1 errors, 0 warnings" in result.output


def test_cli_exits_0_with_only_justified_warnings(tmp_path):
    items = with_item("true_false", stem="Reflective practice always helps a care worker notice problems early.",
                      lint_ok="true as the seed says it")
    (tmp_path / "components.yaml").write_text(pool_yaml("components", items), encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 warnings justified by lint_ok" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("items: [\n  - id: x\n  bad", "components.yaml:"),
        ("- just a list\n", "components.yaml:1: a bank file is a mapping with pool, title and items"),
        ("pool: components\ntitle: t\nitems:\n  - just text\n", "components.yaml:4"),
    ],
)
def test_cli_bad_yaml_gives_a_message_and_exit_2(tmp_path, text, message):
    (tmp_path / "components.yaml").write_text(text, encoding="utf-8")
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_a_bank_the_validator_refuses_is_not_linted_but_its_problems_are_listed(tmp_path):
    """Ids that are lists tripped the checks (unhashable) into a stack trace: the validator's
    file:line:field problems are the answer instead, for lint and coverage alike."""
    items = clean_items()
    items[0]["options"][0]["id"] = ["a"]
    (tmp_path / "components.yaml").write_text(pool_yaml("components", items), encoding="utf-8")
    for command in (["lint"], ["coverage"]):
        result = CliRunner().invoke(bank_cli, [*command, str(tmp_path)])
        assert result.exit_code == 2, result.output
        assert "the bank does not validate" in result.output
        assert re.search(r"components\.yaml:\d+: comp-001: options\[0\]\.id: must be text", result.output)
        assert "Traceback" not in result.output


def test_cli_bad_path_gives_a_message_and_exit_2(tmp_path):
    result = run(str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.output


def test_lint_bank_raises_a_readable_error_for_an_empty_directory(tmp_path):
    with pytest.raises(LintInputError, match="no bank files"):
        lint_bank([tmp_path])
