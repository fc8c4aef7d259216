"""The loader: valid files become model objects; every problem is reported, each with its place."""

from __future__ import annotations

import textwrap

import pytest

from question_bank import load_bank
from question_bank.bank import load_pool_text
from question_bank.model import ClassificationBody
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.model import OrderingBody
from question_bank.model import SingleBody
from question_bank.model import Source
from question_bank.model import TrueFalseBody
from tests.question_bank.conftest import DROP
from tests.question_bank.conftest import KINDS
from tests.question_bank.conftest import SEED
from tests.question_bank.conftest import line_of
from tests.question_bank.conftest import make_item
from tests.question_bank.conftest import problems_of

# --- valid files ---------------------------------------------------------------------------------


def test_every_type_loads_into_its_body(write_pool):
    items = [make_item(kind, f"comp-00{n}") for n, kind in enumerate(KINDS, start=1)]
    bank = load_bank([write_pool("components", items)])
    loaded = {item.id: item for item in bank.pools["components"].items}
    assert loaded["comp-001"].body == SingleBody(loaded["comp-001"].body.options, "b")
    assert loaded["comp-002"].body.key == frozenset({"a", "c"})
    assert loaded["comp-002"].body.scoring is MultipleScoring.RIGHT_MINUS_WRONG
    assert loaded["comp-003"].body == TrueFalseBody(False)
    assert isinstance(loaded["comp-004"].body, MatchingBody)
    assert loaded["comp-004"].body.key == {"p1": "r1", "p2": "r2", "p3": "r3"}
    assert loaded["comp-005"].body == OrderingBody(loaded["comp-005"].body.options, ("b", "c", "a", "d"))
    assert isinstance(loaded["comp-006"].body, ClassificationBody)
    assert loaded["comp-006"].body.statements[2].rationale == ""  # optional on statements
    first = loaded["comp-001"]
    assert (first.pool, first.version, first.difficulty, first.points) == ("components", 1, 2, 1)
    assert first.sources == (Source(SEED, "Barriers to Therapeutic Relationships"),)
    assert first.body.options[1].rationale == "Right: the client transfers feelings."


def test_scenario_carries_its_type_and_vignette(write_pool):
    item = make_item("multiple", "comp-001", type="scenario", tags=["dependency"], points=2)
    (loaded,) = load_bank([write_pool("components", [item])]).pools["components"].items
    assert loaded.type is ItemType.SCENARIO
    assert loaded.kind is ItemType.MULTIPLE
    assert loaded.vignette.startswith("A nurse tells a client")
    assert isinstance(loaded.body, MultipleBody)
    assert (loaded.tags, loaded.points) == (("dependency",), 2)


def test_readme_example_shapes_load(write_pool):
    """The README's own snippets (flow mappings, a multiple with default scoring) are accepted."""
    text = textwrap.dedent(
        f"""\
        pool: phases                 # must equal the file name
        title: Phases of the relationship
        items:
          - id: phase-001
            version: 1
            type: ordering
            difficulty: 1
            stem: "Put the phases in order."
            options:
              - {{id: a, text: "Working phase"}}
              - {{id: b, text: "Pre-interaction phase"}}
            key: [b, a]
            rationale: "Seed 000 names them in this order."
            source:
              - {{seed: {SEED}, section: "Phases of Therapeutic Relationships"}}
            tags: [phases]
            enemies: [phase-002]
          - id: phase-002
            version: 3
            type: multiple
            difficulty: 3
            stem: "Tick the tasks of the working phase."
            options:
              - {{id: a, text: "Explore stressors", rationale: "Yes"}}
              - {{id: b, text: "Summarise goals", rationale: "Termination"}}
            key: [a]
            rationale: "..."
            source:
              - {{seed: {SEED}, section: "Working phase"}}
        """
    )
    pool = load_bank([write_pool("phases", text=text)]).pools["phases"]
    assert [item.id for item in pool.items] == ["phase-001", "phase-002"]
    assert pool.items[1].body.scoring is MultipleScoring.RIGHT_MINUS_WRONG
    assert pool.title == "Phases of the relationship"


def test_a_directory_loads_every_pool_file_in_it(write_pool, tmp_path):
    write_pool("components", [make_item("single", "comp-001")])
    write_pool("barriers", [make_item("true_false", "barr-001", enemies=["comp-001"])])
    bank = load_bank([tmp_path])
    assert sorted(bank.pools) == ["barriers", "components"]
    assert bank.item("barr-001").enemies == ("comp-001",)


# --- one test per problem: the message names file, line, item and field ----------------------------


def test_duplicate_option_text_is_reported_with_its_line(write_pool):
    item = make_item("single", "comp-014")
    item["options"][2]["text"] = "trust "  # same as "Trust", ignoring case and spacing
    path = write_pool("components", [make_item("true_false", "comp-001"), item])
    line = line_of(path, "text: 'trust '")
    assert problems_of(path) == [
        f'components.yaml:{line}: comp-014: options[2].text: duplicate option text "trust "'
    ]


def test_unknown_type(write_pool):
    path = write_pool("components", [make_item("single", "comp-001", type="essay")])
    (problem,) = problems_of(path)
    assert problem.startswith(f"components.yaml:{line_of(path, 'type: essay')}: comp-001: type: ")
    assert "unknown type 'essay'" in problem


def test_key_not_among_the_options(write_pool):
    path = write_pool("components", [make_item("single", "comp-001", key="z")])
    assert problems_of(path) == [
        f"components.yaml:{line_of(path, 'key: z')}: comp-001: key: "
        "key 'z' is not among the options (a, b, c)"
    ]


def test_multiple_key_not_among_the_options(write_pool):
    path = write_pool("components", [make_item("multiple", "comp-001", key=["a", "q"])])
    (problem,) = problems_of(path)
    assert "comp-001: key[1]: key 'q' is not among the options (a, b, c, d)" in problem


def test_duplicate_item_id_across_files(write_pool):
    first = write_pool("components", [make_item("single", "comp-001")])
    second = write_pool("barriers", [make_item("single", "comp-001")])
    problems = problems_of(first, second)
    assert len(problems) == 2  # the duplicate, and a barriers id without the barr- prefix
    assert (
        f"barriers.yaml:{line_of(second, 'id: comp-001')}: comp-001: id: "
        "duplicate item id (first used at components.yaml:4)" in problems
    )


def test_enemy_that_does_not_exist(write_pool):
    path = write_pool("components", [make_item("single", "comp-001", enemies=["comp-404"])])
    assert problems_of(path) == [
        f"components.yaml:{line_of(path, '- comp-404')}: comp-001: enemies[0]: "
        "enemy 'comp-404' does not exist"
    ]


def test_item_cannot_be_its_own_enemy(write_pool):
    path = write_pool("components", [make_item("single", "comp-001", enemies=["comp-001"])])
    (problem,) = problems_of(path)
    assert "comp-001: enemies[0]: an item cannot be its own enemy" in problem


@pytest.mark.parametrize("field", ["rationale", "source", "stem", "difficulty", "version"])
def test_missing_required_field(write_pool, field):
    path = write_pool("components", [make_item("single", "comp-001", **{field: DROP})])
    assert problems_of(path) == [f"components.yaml:4: comp-001: {field}: required field is missing"]


def test_blank_rationale_is_missing_too(write_pool):
    path = write_pool("components", [make_item("single", "comp-001", rationale="   ")])
    (problem,) = problems_of(path)
    assert problem.endswith("comp-001: rationale: must not be empty")


def test_empty_source_list(write_pool):
    path = write_pool("components", [make_item("single", "comp-001", source=[])])
    (problem,) = problems_of(path)
    assert problem.endswith("comp-001: source: name at least one source")


@pytest.mark.parametrize("kind", ["single", "multiple"])
def test_option_without_rationale(write_pool, kind):
    item = make_item(kind, "comp-001")
    del item["options"][1]["rationale"]
    path = write_pool("components", [item])
    assert problems_of(path) == [
        f"components.yaml:{line_of(path, '- id: b')}: comp-001: options[1].rationale: "
        "required field is missing"
    ]


def test_matching_may_offer_extra_responses(write_pool):
    item = make_item("matching", "comp-001")
    item["responses"].append({"id": "r4", "text": "A fourth response"})
    loaded = load_bank([write_pool("components", [item])])
    assert len(loaded.item("comp-001").body.responses) == 4


def test_matching_with_fewer_responses_than_premises(write_pool):
    item = make_item("matching", "comp-001", key={"p1": "r1", "p2": "r2", "p3": "r2"})
    item["responses"].pop()
    path = write_pool("components", [item])
    assert problems_of(path) == [
        f"components.yaml:{line_of(path, 'responses:')}: comp-001: responses: "
        "fewer responses than premises: 3 premises but 2 responses"
    ]


def test_matching_key_must_cover_every_premise_with_known_responses(write_pool):
    item = make_item("matching", "comp-001", key={"p1": "r1", "p2": "r9", "p7": "r3"})
    problems = problems_of(write_pool("components", [item]))
    assert [p.split(": ", 2)[2] for p in problems] == [  # in line order: `key:` comes first
        "key: no response given for premise p3",
        "key.p2: 'r9' is not a response (r1, r2, r3)",
        "key.p7: 'p7' is not a premise (p1, p2, p3)",
    ]


@pytest.mark.parametrize("difficulty", [0, 4, "hard"])
def test_difficulty_outside_one_to_three(write_pool, difficulty):
    path = write_pool("components", [make_item("single", "comp-001", difficulty=difficulty)])
    (problem,) = problems_of(path)
    assert problem.startswith(f"components.yaml:{line_of(path, 'difficulty:')}: comp-001: difficulty: ")


def test_pool_name_must_equal_file_name(write_pool):
    path = write_pool("components", [make_item("single", "comp-001")], file="comp")
    assert problems_of(path) == [
        "comp.yaml:1: pool: pool 'components' differs from the file name (expected 'comp')"
    ]


def test_seed_must_be_listed_in_sources(write_pool):
    source = [{"seed": "999_unknown.txt", "section": "Somewhere"}]
    path = write_pool("components", [make_item("single", "comp-001", source=source)])
    assert problems_of(path) == [
        f"components.yaml:{line_of(path, '999_unknown.txt')}: comp-001: source[0].seed: "
        "seed '999_unknown.txt' is not listed in sources.yaml"
    ]


def test_a_sources_yaml_beside_the_files_replaces_the_shipped_list(write_pool, tmp_path):
    (tmp_path / "sources.yaml").write_text("seeds:\n  - {file: only.txt, title: Only}\n")
    path = write_pool("components", [make_item("single", "comp-001")])
    (problem,) = problems_of(path)
    assert f"seed '{SEED}' is not listed" in problem


def test_classification_key_naming_an_unknown_category(write_pool):
    item = make_item("classification", "comp-001")
    item["key"]["s2"] = "friendship"
    problems = problems_of(write_pool("components", [item]))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "comp-001: key.s2: 'friendship' is not a category (therapeutic, social)"
    ]


def test_ordering_key_not_a_permutation_of_the_options(write_pool):
    path = write_pool("components", [make_item("ordering", "comp-001", key=["b", "c", "c", "x"])])
    (problem,) = problems_of(path)
    assert problem.endswith(
        "comp-001: key: key must list every option exactly once "
        "(missing a, d; not options: x; repeated: c)"
    )


def test_unknown_field_is_an_error_not_ignored(write_pool):
    path = write_pool("components", [make_item("single", "comp-001", colour="red")])
    assert problems_of(path) == [
        f"components.yaml:{line_of(path, 'colour')}: comp-001: colour: unknown field"
    ]


def test_field_of_another_type_is_unknown(write_pool):
    path = write_pool("components", [make_item("true_false", "comp-001", options=[])])
    (problem,) = problems_of(path)
    assert problem.endswith("comp-001: options: unknown field")


def test_true_false_key_must_be_a_boolean(write_pool):
    path = write_pool("components", [make_item("true_false", "comp-001", key="false")])
    (problem,) = problems_of(path)
    assert problem.endswith("comp-001: key: must be true or false, not 'false'")


def test_scenario_must_say_what_it_carries(write_pool):
    item = make_item("single", "comp-001", type="scenario", carries=DROP)
    (problem,) = problems_of(write_pool("components", [item]))
    assert "comp-001: carries: a scenario must say which type it carries" in problem


def test_scenario_cannot_carry_a_scenario(write_pool):
    item = make_item("single", "comp-001", type="scenario", carries="scenario")
    (problem,) = problems_of(write_pool("components", [item]))
    assert "comp-001: carries: a scenario cannot carry 'scenario'" in problem


def test_scenario_needs_a_vignette(write_pool):
    item = make_item("single", "comp-001", type="scenario", vignette=DROP)
    (problem,) = problems_of(write_pool("components", [item]))
    assert problem.endswith("comp-001: vignette: required field is missing")


def test_shipped_pool_ids_carry_the_pool_prefix(write_pool):
    (problem,) = problems_of(write_pool("barriers", [make_item("single", "bar-1")]))
    assert problem.endswith("bar-1: id: ids in pool 'barriers' look like barr-001")


def test_other_pools_only_need_unique_ids(write_pool):
    bank = load_bank([write_pool("imported", [make_item("single", "q7")])])
    assert bank.item("q7").pool == "imported"


def test_key_written_twice_in_one_mapping(write_pool):
    text = textwrap.dedent(
        """\
        pool: components
        title: T
        title: U
        items: []
        """
    )
    assert problems_of(write_pool("components", text=text)) == [
        "components.yaml:3: key 'title' appears twice in one mapping"
    ]


def test_yaml_syntax_error_names_its_line(write_pool):
    text = "pool: components\ntitle: T\nitems:\n  - id: [unclosed\n"
    (problem,) = problems_of(write_pool("components", text=text))
    assert problem.startswith("components.yaml:5: not valid YAML")


def test_file_that_is_not_a_mapping(write_pool):
    assert problems_of(write_pool("components", text="- just\n- a list\n")) == [
        "components.yaml:1: a bank file is a mapping with pool, title and items"
    ]


def test_item_that_is_not_a_mapping(write_pool):
    text = "pool: components\ntitle: T\nitems:\n  - just text\n"
    assert problems_of(write_pool("components", text=text)) == [
        "components.yaml:4: items[0]: an item must be a mapping"
    ]


# --- every problem at once, and nothing half-loaded ------------------------------------------------


def test_every_problem_of_every_item_is_reported_at_once(write_pool):
    broken_single = make_item("single", "comp-001", key="z", enemies=["comp-404"])
    broken_single["options"][1]["text"] = "TRUST"
    del broken_single["options"][2]["rationale"]
    items = [
        broken_single,
        make_item("matching", "comp-002", difficulty=7, colour="red"),
        make_item("ordering", "comp-003", key=["a"]),
    ]
    problems = problems_of(write_pool("components", items))
    fields = [p.split(": ")[1:3] for p in problems]
    assert fields == [
        ["comp-001", "options[1].text"],
        ["comp-001", "options[2].rationale"],
        ["comp-001", "key"],
        ["comp-001", "enemies[0]"],
        ["comp-002", "difficulty"],
        ["comp-002", "colour"],
        ["comp-003", "key"],
    ]


def test_one_bad_file_refuses_the_whole_bank(write_pool):
    good = write_pool("components", [make_item("single", "comp-001")])
    bad = write_pool("barriers", [make_item("single", "barr-001", key="z")])
    problems = problems_of(good, bad)
    assert len(problems) == 1 and problems[0].startswith("barriers.yaml:")


def test_load_pool_text_reads_one_file_without_the_others():
    text = (
        "pool: components\ntitle: T\nitems:\n"
        "  - {id: comp-001, version: 1, type: true_false, difficulty: 1, stem: S, key: true,\n"
        f"     rationale: R, source: [{{seed: {SEED}, section: X}}]}}\n"
    )
    pool = load_pool_text(text, "components.yaml")
    assert pool.items[0].body == TrueFalseBody(True)


def test_a_directory_without_bank_files_is_a_problem_not_an_empty_bank(tmp_path):
    assert problems_of(tmp_path) == ["(bank):0: no bank files (*.yaml) were found"]
