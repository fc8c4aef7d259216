"""Drawing forms: blueprints, feasibility, determinism, enemies, exposure, layouts, stored forms."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from question_bank import Blueprint
from question_bank import BlueprintSyntaxError
from question_bank import Form
from question_bank import InfeasibleBlueprint
from question_bank import Layout
from question_bank import PoolRule
from question_bank import attempt_seed
from question_bank import check_blueprint
from question_bank import draw_form
from question_bank import layout_for
from question_bank import parse_blueprint
from question_bank.model import Bank
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import Pool
from tests.question_bank.conftest import build_item


def item(kind: str, item_id: str, pool: str = "components", **changes) -> Item:
    return build_item(kind, item_id, pool, **changes)


def bank_of(**pools: list[Item]) -> Bank:
    return Bank({name: Pool(name, name.title(), tuple(items)) for name, items in pools.items()})


def singles(prefix: str, count: int, pool: str, **changes) -> list[Item]:
    return [item("single", f"{prefix}-{n:03d}", pool, **changes) for n in range(1, count + 1)]


MIXED = bank_of(
    components=[
        *(item("single", f"comp-{n:03d}", difficulty=1 + n % 3) for n in range(1, 7)),
        *(item("multiple", f"comp-{n:03d}", difficulty=1 + n % 3) for n in range(7, 10)),
        item("ordering", "comp-010", difficulty=3),
        item("single", "comp-011", type="scenario", difficulty=2),
        item("true_false", "comp-012", difficulty=1),
    ],
    barriers=[
        item("matching", "barr-001", "barriers"),
        item("classification", "barr-002", "barriers"),
        *singles("barr", 4, "barriers")[2:],
    ],
)

# --- parsing blueprints -----------------------------------------------------------------------


def test_parse_the_compact_form():
    blueprint = parse_blueprint("components:5, barriers:5,comparison:5")
    assert blueprint == Blueprint(
        (PoolRule("components", 5), PoolRule("barriers", 5), PoolRule("comparison", 5))
    )
    assert blueprint.total == 15


def test_parse_difficulty_mix_and_types():
    blueprint = parse_blueprint("components:6[1=2,2=2,3=2]\nphases:4(single, scenario); barriers:3[3=3](ordering)")
    assert blueprint.rules == (
        PoolRule("components", 6, {1: 2, 2: 2, 3: 2}),
        PoolRule("phases", 4, None, frozenset({ItemType.SINGLE, ItemType.SCENARIO})),
        PoolRule("barriers", 3, {3: 3}, frozenset({ItemType.ORDERING})),
    )


@pytest.mark.parametrize(
    "text", ["components:5", "components:6[1=2,2=2,3=2], barriers:3(scenario,single)", "a:1[2=1](true_false)"]
)
def test_blueprint_text_and_json_round_trip(text):
    blueprint = parse_blueprint(text)
    assert parse_blueprint(blueprint.to_text()) == blueprint
    assert Blueprint.from_json(json.loads(json.dumps(blueprint.to_json()))) == blueprint


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the blueprint is empty"),
        ("components", "rule 1 'components': expected POOL:COUNT"),
        ("components:5,barriers", "rule 2 'barriers': expected POOL:COUNT"),
        ("components:0", "the count must be at least 1"),
        ("components:5[1=2,2=2]", "the difficulty mix adds up to 4, not to the count 5"),
        ("components:5[4=5]", "difficulty 4 is not 1, 2 or 3"),
        ("components:2[1=1,1=1]", "difficulty 1 is given twice"),
        ("components:2[1:2]", "'1:2' is not LEVEL=COUNT"),
        ("components:2[1=²]", "'1=²' is not LEVEL=COUNT"),  # isdigit() says yes, int() says no
        ("components:5(essay)", "unknown type 'essay'"),
        ("components:5,components:3", "pool 'components' appears twice"),
        ("components:5[1=5", "unbalanced brackets"),
    ],
)
def test_parse_errors_say_what_is_wrong(text, message):
    with pytest.raises(BlueprintSyntaxError) as caught:
        parse_blueprint(text)
    assert message in str(caught.value)


# --- feasibility ------------------------------------------------------------------------------------


def test_a_feasible_blueprint_has_no_problems():
    assert check_blueprint(MIXED, parse_blueprint("components:12, barriers:4")) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("components:13", "components: asks for 13 items but the pool has only 12"),
        ("phases:2", "pool 'phases' does not exist (pools: barriers, components)"),
        (
            "components:5[3=5]",
            "components: asks for 5 items of difficulty 3 but the pool has only 4 of difficulty 3",
        ),
        (
            "components:3(multiple)",
            None,
        ),
        (
            "components:4(multiple)",
            "components: asks for 4 items but the pool has only 3 of type multiple (12 in all)",
        ),
    ],
)
def test_infeasible_blueprints_are_refused_with_the_numbers(text, problem):
    problems = check_blueprint(MIXED, parse_blueprint(text))
    assert problems == ([problem] if problem else [])


def test_enemies_that_make_a_pool_too_small():
    linked = [item("single", f"comp-{n:03d}", enemies=["comp-001", "comp-002", "comp-003"][n:]) for n in range(1, 4)]
    bank = bank_of(components=[*linked, item("single", "comp-004")])
    assert check_blueprint(bank, parse_blueprint("components:2")) == []
    assert check_blueprint(bank, parse_blueprint("components:3")) == [
        "components: asks for 3 items but enemy links let at most 2 of the 4 available share a form"
    ]
    with pytest.raises(InfeasibleBlueprint) as caught:
        draw_form(bank, parse_blueprint("components:3"), "any seed")
    assert "at most 2 of the 4" in str(caught.value)


def test_a_pool_asked_for_its_full_enemy_limit_gives_every_seed_a_form():
    """Twenty "claws" (an item that gives away two others): at most 40 of the 60 share a form,
    the two others of every claw. A uniformly random pick takes a claw's centre one time in
    three and falls short, so random picks alone found a form for almost no seed (the shipped
    barriers pool at its limit failed for 111 of 200 seeds); then the draw spares the items with
    the fewest enemies left, and every student gets the form the builder promised."""
    claws = []
    for n in range(20):
        centre, left, right = (f"comp-{3 * n + k + 1:03d}" for k in range(3))
        claws += [item("single", centre, enemies=[left, right]), item("single", left), item("single", right)]
    bank = bank_of(components=claws)
    blueprint = parse_blueprint("components:40")
    assert check_blueprint(bank, blueprint) == []
    forms = [draw_form(bank, blueprint, f"student-{n}") for n in range(30)]
    assert all(len(form.slots) == 40 for form in forms)
    centres = {f"comp-{3 * n + 1:03d}" for n in range(20)}
    assert all(not centres & {slot.item_id for slot in form.slots} for form in forms)
    assert len({tuple(slot.item_id for slot in form.slots) for form in forms}) > 1  # still shuffled


def test_enemies_across_pools():
    bank = bank_of(
        components=[item("single", "comp-001", enemies=["barr-001"])],
        barriers=[item("single", "barr-001", "barriers")],
    )
    assert check_blueprint(bank, parse_blueprint("components:1, barriers:1")) == [
        "enemy links between the chosen pools leave too few items that may share a form"
    ]


def test_an_empty_blueprint_is_refused():
    assert check_blueprint(MIXED, Blueprint(())) == ["the blueprint asks for no items"]


# --- drawing ----------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_the_same_seed_gives_the_same_form(seed):
    blueprint = parse_blueprint("components:6[1=2,2=2,3=2], barriers:3")
    first = draw_form(MIXED, blueprint, seed)
    assert draw_form(MIXED, blueprint, seed) == first
    assert Form.from_json(json.loads(json.dumps(first.to_json()))) == first


def test_different_seeds_give_different_forms():
    blueprint = parse_blueprint("components:4")
    forms = {tuple(draw_form(MIXED, blueprint, f"seed-{n}").item_ids) for n in range(30)}
    assert len(forms) > 20


def test_a_form_follows_its_blueprint():
    blueprint = parse_blueprint("components:6[1=2,2=2,3=2], barriers:2(matching,classification)")
    by_id = {i.id: i for i in MIXED.items()}
    for n in range(50):
        form = draw_form(MIXED, blueprint, f"s{n}")
        drawn = [by_id[i] for i in form.item_ids]
        assert len(set(form.item_ids)) == 8
        assert [i.pool for i in drawn] == ["components"] * 6 + ["barriers"] * 2
        assert Counter(i.difficulty for i in drawn[:6]) == {1: 2, 2: 2, 3: 2}
        assert {i.id for i in drawn[6:]} == {"barr-001", "barr-002"}
        assert all(slot.version == by_id[slot.item_id].version for slot in form.slots)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 16), st.integers(1, 16)), max_size=25),
    st.integers(1, 8),
    st.text(max_size=10),
)
def test_enemies_never_meet(pairs, count, seed):
    enemies: dict[int, list[str]] = {}
    for a, b in pairs:
        if a != b:
            enemies.setdefault(a, []).append(f"comp-{b:03d}")
    bank = bank_of(
        components=[
            item("single", f"comp-{n:03d}", enemies=sorted(set(enemies.get(n, [])))) for n in range(1, 17)
        ]
    )
    links = {(f"comp-{a:03d}", f"comp-{b:03d}") for a, b in pairs if a != b}
    blueprint = parse_blueprint(f"components:{count}")
    feasible = check_blueprint(bank, blueprint) == []
    try:
        form = draw_form(bank, blueprint, seed)
    except InfeasibleBlueprint:
        assert not feasible
        return
    drawn = set(form.item_ids)
    assert len(drawn) == count
    assert not any(a in drawn and b in drawn for a, b in links)


def test_later_attempts_prefer_unseen_items():
    bank = bank_of(components=singles("comp", 10, "components"))
    blueprint = parse_blueprint("components:4")
    seen = [f"comp-{n:03d}" for n in range(1, 7)]
    for n in range(40):
        assert set(draw_form(bank, blueprint, f"s{n}", seen).item_ids).isdisjoint(seen)
    bigger = parse_blueprint("components:6")
    for n in range(40):
        drawn = set(draw_form(bank, bigger, f"s{n}", seen).item_ids)
        assert drawn >= {"comp-007", "comp-008", "comp-009", "comp-010"}  # all unseen, then 2 seen


def test_exposure_is_even_across_students():
    """Chi-square over a fixed list of seeds: 2,000 forms of 5 from 20 items, 500 expected each.

    The critical value of chi-square with 19 degrees of freedom at p = 0.001 is 43.82; a fair
    draw stays far below it, a picker that favours some items goes far above it.
    """
    bank = bank_of(components=singles("comp", 20, "components"))
    blueprint = parse_blueprint("components:5")
    counts = Counter()
    for user in range(2000):
        counts.update(draw_form(bank, blueprint, attempt_seed(b"secret", "link-1", f"user-{user}", 1)).item_ids)
    expected = 2000 * 5 / 20
    chi_square = sum((counts[i.id] - expected) ** 2 / expected for i in bank.items())
    assert len(counts) == 20
    assert chi_square < 43.82, counts


# --- layouts ----------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.integers(2, 4))
def test_ordering_items_are_never_shown_in_the_correct_order(seed, size):
    ordering = item("ordering", "comp-001")
    options = ordering.body.options[:size]
    key = ordering.body.key
    kept = tuple(k for k in key if k in {o.id for o in options})
    from dataclasses import replace

    small = replace(ordering, body=replace(ordering.body, options=options, key=kept))
    order = layout_for(small, seed).option_order
    assert sorted(order) == sorted(kept)
    assert order != kept


def test_layouts_shuffle_the_right_lists():
    seeds = [f"s{n}" for n in range(40)]
    single = item("single", "comp-001")
    orders = {layout_for(single, s).option_order for s in seeds}
    assert all(sorted(o) == ["a", "b", "c"] for o in orders) and len(orders) > 3
    assert {layout_for(item("true_false", "comp-002"), s) for s in seeds} == {Layout()}
    matching = item("matching", "comp-003")
    layouts = [layout_for(matching, s) for s in seeds]
    assert {lay.premise_order for lay in layouts} == {("p1", "p2", "p3")}
    assert len({lay.response_order for lay in layouts}) > 3
    classification = item("classification", "comp-004")
    layouts = [layout_for(classification, s) for s in seeds]
    assert len({lay.statement_order for lay in layouts}) > 3
    assert all(lay.option_order == () for lay in layouts)
    scenario = item("multiple", "comp-005", type="scenario")
    assert sorted(layout_for(scenario, "x").option_order) == ["a", "b", "c", "d"]


def test_an_items_layout_does_not_depend_on_the_other_items_drawn():
    blueprint_a, blueprint_b = parse_blueprint("components:12"), parse_blueprint("components:12, barriers:4")
    form_a, form_b = draw_form(MIXED, blueprint_a, "same"), draw_form(MIXED, blueprint_b, "same")
    assert {s.item_id: s.layout for s in form_a.slots} == {
        s.item_id: s.layout for s in form_b.slots if s.pool == "components"
    }


# --- stored forms and seeds -------------------------------------------------------------------------


def test_form_json_shape():
    form = draw_form(MIXED, parse_blueprint("barriers:4"), "seed")
    data = form.to_json()
    assert data["format"] == 1 and data["seed"] == "seed"
    slot = next(s for s in data["slots"] if s["item_id"] == "barr-001")
    assert slot["version"] == 1 and slot["pool"] == "barriers"
    assert set(slot["layout"]) == {"premise_order", "response_order"}


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"format": 2, "seed": "s", "slots": []},
        {"format": 1, "seed": "s", "slots": [{"item_id": "x"}]},
        {"format": 1, "seed": "s", "slots": [{"item_id": "x", "version": "1", "pool": "p", "layout": {}}]},
        {"format": 1, "seed": "s", "slots": [{"item_id": "x", "version": 1, "pool": "p", "layout": {"order": []}}]},
    ],
)
def test_a_malformed_stored_form_is_refused(broken):
    with pytest.raises(ValueError):
        Form.from_json(broken)


def test_attempt_seed_is_the_documented_hmac():
    seed = attempt_seed(b"server secret", "link-7", "user-3", 2)
    message = json.dumps(["link-7", "user-3", 2]).encode()
    assert seed == hmac.new(b"server secret", message, hashlib.sha256).hexdigest()
    assert len(seed) == 64


def test_attempt_seed_changes_with_every_input_and_cannot_be_confused():
    base = attempt_seed(b"k", "link", "user", 1)
    others = {
        attempt_seed(b"k2", "link", "user", 1),
        attempt_seed(b"k", "link2", "user", 1),
        attempt_seed(b"k", "link", "user2", 1),
        attempt_seed(b"k", "link", "user", 2),
    }
    assert base not in others and len(others) == 4
    assert attempt_seed(b"k", "a:b", "c", 1) != attempt_seed(b"k", "a", "b:c", 1)
    with pytest.raises(ValueError):
        attempt_seed(b"", "link", "user", 1)


# --- feasibility in an instructor's words ------------------------------------------------------------


def test_explain_blueprint_says_what_a_teacher_can_act_on():
    from question_bank import explain_blueprint

    linked = [item("single", f"comp-{n:03d}", enemies=["comp-001", "comp-002", "comp-003"][n:]) for n in range(1, 4)]
    bank = bank_of(components=[*linked, item("single", "comp-004")])
    report = explain_blueprint(bank, parse_blueprint("components:3"))
    assert not report.feasible
    assert report.problems == (
        "At most 2 of the 4 questions in “Components” can appear together, because some questions give "
        "away each other's answers; you asked for 3.",
    )
    report = explain_blueprint(MIXED, parse_blueprint("components:4(multiple)"))
    assert report.problems == (
        "You asked for 4 questions from “Components”, but it has only 3 questions of the chosen types "
        "(multiple response), of 12 in all.",
    )
    assert explain_blueprint(MIXED, parse_blueprint("nonsense:2")).problems == (
        "There is no question pool called “nonsense” (the pools are: barriers, components).",
    )


def test_explain_blueprint_counts_forms_and_later_attempts():
    from question_bank import explain_blueprint

    report = explain_blueprint(MIXED, parse_blueprint("components:2[1=1,3=1]"), attempts=2)
    assert report.feasible and report.question_count == 2
    # difficulty 1: comp-003, 006, 009(multiple), 012(tf) -> 4; difficulty 3: comp-002, 005, 008, 010 -> 4
    assert report.distinct_forms == 4 * 4
    assert "At most 16 different sets" not in report.notes[1]  # no enemy links: exactly 16
    assert report.notes[1].startswith("Only 16 different sets of questions are possible")
    assert report.notes[2] == "Each of the 2 attempts can have questions the student has not seen before."
    report = explain_blueprint(MIXED, parse_blueprint("barriers:3"), attempts=2)
    assert report.notes[2].startswith("Later attempts will repeat some questions")


def test_excluded_items_are_left_out_of_draws_and_of_the_numbers():
    from question_bank import explain_blueprint
    from question_bank import without_items

    report = explain_blueprint(MIXED, parse_blueprint("barriers:4"), excluded=["barr-003"])
    assert report.problems == (
        "You asked for 4 questions from “Barriers”, but it has only 3 questions. "
        "(1 question you excluded from this assignment is not counted.)",
    )
    restricted = without_items(MIXED, ["barr-003"])
    assert without_items(MIXED, ["barr-003"]) is restricted  # cached: one index per exclusion set
    for n in range(20):
        assert "barr-003" not in draw_form(restricted, parse_blueprint("barriers:3"), f"s{n}").item_ids
