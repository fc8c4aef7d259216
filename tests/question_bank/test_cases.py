"""Unfolding cases in the engine (issue 12): the bank-file form and its refusals (file:line:field),
drawing a case as one unit (counts, enemies on the whole case, order kept), the form recording it,
what a student reads before each case item, and exports of case items."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

import question_bank
from question_bank import InfeasibleBlueprint
from question_bank import load_bank
from question_bank import parse_blueprint
from question_bank import record_versions
from question_bank.cases import items_for_export
from question_bank.forms import FormCase
from question_bank.forms import FormSlot
from question_bank.forms import Layout
from tests.question_bank.conftest import SOURCE
from tests.question_bank.conftest import line_of
from tests.question_bank.conftest import make_item
from tests.question_bank.conftest import problems_of

KINDS_IN_CASE = ("single", "multiple", "true_false", "matching", "ordering", "classification")


def make_case(case_id: str = "case-001", size: int = 3, **changes: Any) -> dict[str, Any]:
    items = []
    for position in range(1, size + 1):
        item = make_item(KINDS_IN_CASE[(position - 1) % len(KINDS_IN_CASE)], f"{case_id}-{position}")
        if position > 1:
            item = {"adds": f"Day {position}: what the nurse learns next.", **item}
        items.append(item)
    case: dict[str, Any] = {
        "id": case_id, "version": 1, "title": f"The case {case_id}", "difficulty": 3,
        "stem": "Mr Osei, 54, is admitted to an acute unit.", "source": copy.deepcopy(SOURCE), "items": items,
    }
    case.update(changes)
    return case


def cases_yaml(cases: list[dict[str, Any]], pool: str = "cases") -> str:
    return yaml.safe_dump({"pool": pool, "title": "Unfolding cases", "cases": cases}, sort_keys=False)


@pytest.fixture
def write_cases(write_pool):  # noqa: ANN001, ANN201
    def write(cases: list[dict[str, Any]], pool: str = "cases"):  # noqa: ANN202
        return write_pool(pool, text=cases_yaml(cases, pool))
    return write


def _bank(write_pool, write_cases, cases, items=None):  # noqa: ANN001, ANN202
    loose = items if items is not None else [make_item("single", f"comp-00{n}") for n in range(1, 7)]
    return load_bank([write_pool("components", loose), write_cases(cases)])


# --- the bank-file form ----------------------------------------------------------------------------


def test_a_case_loads_with_its_items_in_order_and_its_adds(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case(size=4, enemies=["comp-001"])])
    (case,) = bank.cases()
    assert [item.id for item in case.items] == ["case-001-1", "case-001-2", "case-001-3", "case-001-4"]
    assert case.adds[0] == "" and case.adds[3] == "Day 4: what the nurse learns next."
    assert case.pool == "cases" and all(item.pool == "cases" for item in case.items)
    assert bank.pools["cases"].items == ()  # a case pool's items are drawn only with their case
    assert bank.item("case-001-2").id == "case-001-2" and len(bank.items()) == 6 + 4
    assert case.all_enemies == {"comp-001"}


@pytest.mark.parametrize(("change", "needle", "field", "message"), [
    (lambda c: c.update(items=c["items"][:2]), "items:", "items", "a case has 3 to 6 items, not 2"),
    (lambda c: c["items"].extend(copy.deepcopy(make_case(size=7)["items"][3:])), "items:", "items",
     "a case has 3 to 6 items, not 7"),
    (lambda c: c["items"][1].pop("adds"), "id: case-001-2", "adds", "required from the second item on"),
    (lambda c: c["items"][2].update(adds="  "), "adds: '  '", "adds", "must be text that says something"),
    (lambda c: c["items"][1].update(id="case-001-9"), "id: case-001-9", "id", "item 2 of case case-001 has the id case-001-2"),
    (lambda c: c["items"][0].update(type="scenario", carries="single", vignette="v"), "type: scenario", "type",
     "a case item cannot be a scenario"),
    (lambda c: c.update(id="story-1"), "id: story-1", "id", "ids in pool 'cases' look like case-001"),
    (lambda c: c.pop("stem"), "id: case-001", "stem", "required field is missing"),
    (lambda c: c.update(colour="red"), "colour:", "colour", "unknown field"),
    (lambda c: c["items"][0].update(key="z"), "key: z", "key", "z"),
    (lambda c: c.update(enemies=["nobody-1"]), "- nobody-1", "enemies[0]", "enemy 'nobody-1' does not exist"),
])
def test_a_bad_case_is_refused_with_file_line_and_field(write_pool, write_cases, change, needle, field, message) -> None:  # noqa: ANN001
    case = make_case()
    change(case)
    path = write_cases([case])
    problems = problems_of(write_pool("components", [make_item("single", "comp-001")]), path)
    line = line_of(path, needle)
    assert any(p.startswith(f"cases.yaml:{line}: ") and f": {field}: " in p and message in p for p in problems), problems


def test_ids_are_unique_across_items_and_cases_and_a_file_holds_items_or_cases(write_pool, write_cases) -> None:
    path = write_cases([make_case(), make_case("case-002", items=make_case()["items"])])
    problems = problems_of(write_pool("components", [make_item("single", "comp-001")]), path)
    assert any("duplicate item id (first used at cases.yaml:" in p and "case-001-1" in p for p in problems), problems
    assert any("item 1 of case case-002 has the id case-002-1" in p for p in problems)
    mixed = write_pool("cases", text=yaml.safe_dump({"pool": "cases", "title": "t", "items": [make_item("single", "case-009")],
                                                     "cases": [make_case()]}, sort_keys=False))
    assert any("cases.yaml:3: items: a file with cases holds no loose items" in p for p in problems_of(mixed))
    neither = write_pool("cases", text="pool: cases\ntitle: t\n")
    assert any("a pool file lists items; a case pool, cases" in p for p in problems_of(neither))


def test_the_versions_lock_records_a_case_and_refuses_an_edit_without_a_raised_version(write_pool, write_cases, tmp_path) -> None:
    loose = write_pool("components", [make_item("single", "comp-001")])
    path = write_cases([make_case()])
    record_versions([tmp_path])
    lock = json.loads((tmp_path / "versions.lock.json").read_text())
    assert {"case-001", "case-001-1", "case-001-2", "case-001-3"} <= set(lock)
    edited = make_case()
    edited["items"][2]["adds"] = "Day 3: something else."
    write_cases([edited])
    problems = problems_of(loose, path)
    assert any(p.startswith(f"cases.yaml:{line_of(path, 'version: 1')}: case-001: version: the case's text") for p in problems), problems
    write_cases([{**edited, "version": 2}])
    assert load_bank([tmp_path]).cases()[0].version == 2


# --- drawing -----------------------------------------------------------------------------------------


def test_a_case_is_drawn_whole_in_order_at_its_rules_place(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case("case-001", 3), make_case("case-002", 5), make_case("case-003", 4)])
    blueprint = parse_blueprint("components:2, cases:2")
    sizes = {"case-001": 3, "case-002": 5, "case-003": 4}
    drawn = set()
    for n in range(60):
        form = question_bank.draw_form(bank, blueprint, f"seed-{n}")
        assert [s.pool for s in form.slots[:2]] == ["components", "components"]
        assert len(form.cases) == 2 and len({c.case_id for c in form.cases}) == 2
        first = 2
        for case in form.cases:
            assert (case.first, case.count) == (first, sizes[case.case_id])
            assert [s.item_id for s in form.slots[first:first + case.count]] == [
                f"{case.case_id}-{p}" for p in range(1, case.count + 1)]  # together and in order
            first += case.count
            drawn.add(case.case_id)
        assert len(form.slots) == first
        assert question_bank.Form.from_json(json.loads(json.dumps(form.to_json()))) == form  # recorded
        assert question_bank.draw_form(bank, blueprint, f"seed-{n}") == form  # same seed, same form
    assert drawn == set(sizes)
    assert question_bank.question_counts(bank, blueprint) == (2 + 3 + 4, 2 + 5 + 4)


def test_enemy_rules_apply_to_the_case_as_a_whole(write_pool, write_cases) -> None:
    loose = [make_item("single", "comp-001", enemies=["case-002-3"]),  # names an item of case-002
             make_item("single", "comp-002"), make_item("single", "comp-003")]
    cases = [make_case("case-001", enemies=["comp-002"]),  # the case keeps comp-002 away
             make_case("case-002"),
             make_case("case-003")]
    cases[2]["items"][1]["enemies"] = ["comp-003"]  # an item's enemy counts for its whole case
    bank = _bank(write_pool, write_cases, cases, items=loose)
    for n in range(80):
        form = question_bank.draw_form(bank, parse_blueprint("components:2, cases:1"), f"s{n}")
        ids = {s.item_id for s in form.slots}
        (case,) = form.cases
        if case.case_id == "case-001":
            assert "comp-002" not in ids
        if case.case_id == "case-002":
            assert "comp-001" not in ids
        if case.case_id == "case-003":
            assert "comp-003" not in ids
    # three loose items, each kept away by one case: two of them and any case cannot always meet
    with pytest.raises(InfeasibleBlueprint):
        question_bank.draw_form(bank, parse_blueprint("components:3, cases:1"), "x")
    assert question_bank.check_blueprint(bank, parse_blueprint("components:3, cases:1")) == [
        "enemy links between the cases and the chosen pools leave too few items that may share a form"]


def test_cases_that_are_enemies_never_share_a_form_and_counts_are_checked(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case("case-001", enemies=["case-002"]), make_case("case-002")])
    assert question_bank.check_blueprint(bank, parse_blueprint("cases:2")) == [
        "cases: asks for 2 cases but enemy links let at most 1 share a form"]
    assert question_bank.check_blueprint(bank, parse_blueprint("cases:3")) == ["cases: asks for 3 cases but the pool has only 2"]
    assert "count of cases only" in question_bank.check_blueprint(bank, parse_blueprint("cases:1[3=1]"))[0]
    report = question_bank.explain_blueprint(bank, parse_blueprint("components:2, cases:1"))
    assert report.feasible and report.question_count == 5
    assert report.notes[0].startswith("Every student can get a full form of 5 questions, with 1 case")
    refused = question_bank.explain_blueprint(bank, parse_blueprint("cases:2"))
    assert not refused.feasible and "At most 1 of the cases in “Unfolding cases” can appear together" in refused.problems[0]


def test_excluding_a_case_item_leaves_the_whole_case_out(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case("case-001"), make_case("case-002")])
    usable = question_bank.without_items(bank, ["case-001-2"])
    assert [c.id for c in usable.cases()] == ["case-002"]
    for n in range(20):
        assert question_bank.draw_form(usable, parse_blueprint("cases:1"), f"s{n}").cases[0].case_id == "case-002"
    report = question_bank.explain_blueprint(bank, parse_blueprint("cases:2"), excluded=["case-001-2"])
    assert not report.feasible and "has only 1 case" in report.problems[0]


def test_later_attempts_prefer_cases_not_seen(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case("case-001"), make_case("case-002")])
    for n in range(20):
        form = question_bank.draw_form(bank, parse_blueprint("cases:1"), f"s{n}", seen=["case-001-1", "case-001-2"])
        assert form.cases[0].case_id == "case-002"


# --- what the student reads, and exports -------------------------------------------------------------


def test_the_stem_grows_item_by_item(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case(size=3)])
    form = question_bank.draw_form(bank, parse_blueprint("components:1, cases:1"), "seed")
    assert question_bank.case_view(form, 0) is None
    first, second, third = (question_bank.case_view(form, i) for i in (1, 2, 3))
    assert (first["position"], first["count"], first["earlier"], first["new"]) == (1, 3, [], "")
    assert second["new"] == "Day 2: what the nurse learns next." and second["earlier"] == []
    assert third["earlier"] == ["Day 2: what the nurse learns next."] and third["new"].startswith("Day 3")
    assert first["stem"] == third["stem"] == "Mr Osei, 54, is admitted to an acute unit."


def test_exports_give_case_items_with_the_case_text_and_a_note(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case(size=3)])
    items, notes = items_for_export(bank, ["cases"])
    assert [i.id for i in items] == ["case-001-1", "case-001-2", "case-001-3"]
    assert items[2].stem.startswith("The case case-001\n\nMr Osei, 54, is admitted to an acute unit.\n\nDay 2")
    assert items[2].stem.endswith("Day 3: what the nurse learns next.\n\n" + bank.item("case-001-3").stem)
    assert len(notes) == 1 and "case-001: unfolding case exported as 3 separate questions" in notes[0]
    from question_bank.formats import FORMATS
    from question_bank.formats import export_items
    from question_bank.formats import import_items

    for fmt in FORMATS:  # every format carries them as plain questions, stem text included
        report = import_items(export_items(items, fmt), fmt, "cases")
        back = {item.id: item for item in report.items}
        assert "Day 3: what the nurse learns next." in back["case-001-3"].stem, fmt


def test_the_shipped_bank_has_an_example_case_a_blueprint_can_ask_for() -> None:
    bank = load_bank()
    assert bank.cases() and all(3 <= len(c.items) <= 6 for c in bank.cases())
    form = question_bank.draw_form(bank, parse_blueprint("components:2, cases:1, barriers:2"), "seed")
    assert len(form.cases) == 1 and form.cases[0].first == 2


def test_quiztool_bank_export_writes_case_items_with_the_case_text_and_says_so(write_pool, write_cases, tmp_path) -> None:
    from click.testing import CliRunner

    from lti_tool.cli.bank import bank as bank_cli

    write_pool("components", [make_item("single", "comp-001")])
    write_cases([make_case(size=3)])
    out = tmp_path / "cases.xml"
    result = CliRunner().invoke(bank_cli, ["export", "--bank", str(tmp_path), "--format", "moodle-xml", "--pool", "cases",
                                           "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "exported 3 items as moodle-xml" in result.output
    assert "note: case-001: unfolding case exported as 3 separate questions" in result.output
    assert "Day 3: what the nurse learns next." in out.read_text(encoding="utf-8")
    validated = CliRunner().invoke(bank_cli, ["validate", str(tmp_path)])
    assert "cases 1 case of 3 items" in validated.output


def test_the_instructor_hears_when_later_attempts_repeat_a_case(write_pool, write_cases) -> None:
    bank = _bank(write_pool, write_cases, [make_case("case-001"), make_case("case-002")])
    notes = question_bank.explain_blueprint(bank, parse_blueprint("cases:1"), attempts=3).notes
    assert "Later attempts will repeat a case: “Unfolding cases” has 2 cases for 3 attempts of 1." in notes
    assert not any("repeat a case" in n for n in question_bank.explain_blueprint(bank, parse_blueprint("cases:1"),
                                                                                 attempts=2).notes)


def test_quiztool_bank_draw_shows_where_the_case_sits(write_pool, write_cases, tmp_path) -> None:
    from click.testing import CliRunner

    from lti_tool.cli.bank import bank as bank_cli

    write_pool("components", [make_item("single", f"comp-00{n}") for n in range(1, 4)])
    write_cases([make_case(size=4)])
    result = CliRunner().invoke(bank_cli, ["draw", "--bank", str(tmp_path), "--pool", "components=2", "--pool", "cases=1",
                                           "--seed", "demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "form for seed 'demo': 6 items (components:2, cases:1)"
    assert [line.split()[1] for line in lines[3:7]] == [f"case-001-{n}@1" for n in range(1, 5)]
    assert lines[-1] == "case case-001@1 (The case case-001): questions 3 to 6, together and in this order"


# --- unfolding in order ----------------------------------------------------------------------------


def _form_with_a_case() -> question_bank.Form:
    """Two loose slots, then a case of three parts on slots 2 to 4 (0-based)."""
    case = FormCase("case-001", 1, "Ms Reyes", "She is admitted.", ("", "Day 2.", "Day 3."), 2, 3)
    slots = [FormSlot(f"comp-00{n}", 1, "components", Layout()) for n in range(1, 6)]
    return question_bank.Form("seed", tuple(slots), (case,))


def test_a_case_opens_part_by_part_and_going_on_closes_the_part_before() -> None:
    form = _form_with_a_case()
    states = [question_bank.unfolding_state(form, None, index) for index in range(5)]
    assert states == ["open", "open", "open", "ahead", "ahead"]  # loose slots are always open
    assert question_bank.next_part(form, None, 4) == (2, 3)  # the gate of part 3 names part 2 first
    with pytest.raises(ValueError, match="not the next part"):
        question_bank.go_on(form, None, 4)  # no skipping new information
    reached = question_bank.go_on(form, None, 3)
    assert reached == {"2": 3}
    assert [question_bank.unfolding_state(form, reached, index) for index in range(2, 5)] == ["closed", "open", "ahead"]
    assert question_bank.go_on(form, reached, 2) == reached  # going back never reopens
    reached = question_bank.go_on(form, reached, 4)
    assert [question_bank.unfolding_state(form, reached, index) for index in range(2, 5)] == ["closed", "closed", "open"]
    assert question_bank.next_part(form, reached, 4) is None
    with pytest.raises(ValueError, match="not part of a case"):
        question_bank.go_on(form, reached, 0)


def test_a_recorded_progress_out_of_range_is_read_within_the_case() -> None:
    form = _form_with_a_case()  # a hand-edited or damaged record never opens a slot outside the case
    assert [question_bank.unfolding_state(form, {"2": 99}, index) for index in range(2, 5)] == ["closed", "closed", "open"]
    assert [question_bank.unfolding_state(form, {"2": -5}, index) for index in range(2, 5)] == ["open", "ahead", "ahead"]
