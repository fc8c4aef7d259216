"""``quiztool bank``, driven through click's runner on the group itself (no app, no database)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lti_tool.cli.bank import bank
from tests.question_bank.conftest import build_item
from tests.question_bank.conftest import make_item


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(bank, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def small_bank(write_pool, tmp_path):
    write_pool("components", [make_item(k, f"comp-00{n}", difficulty=1 + n % 3) for n, k in enumerate(
        ["single", "multiple", "true_false", "matching", "ordering", "classification"], start=1)]
        + [make_item("single", "comp-007", type="scenario", enemies=["comp-001"])])
    write_pool("barriers", [make_item("true_false", f"barr-00{n}") for n in range(1, 4)])
    return tmp_path


def test_validate_a_clean_bank_prints_one_line(run, small_bank):
    result = run("validate", small_bank)
    assert result.exit_code == 0
    assert result.output == "bank OK: 10 items in 2 pools (barriers 3, components 7)\n"


def test_validate_lists_every_problem_and_exits_1(run, write_pool):
    path = write_pool(
        "components", [make_item("single", "comp-001", key="z"), make_item("single", "comp-002", type="essay")]
    )
    result = run("validate", path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("comp-001: key: key 'z' is not among the options" in line for line in lines)
    assert any("comp-002: type: unknown type 'essay'" in line for line in lines)
    assert lines[-1] == "2 problems: the bank is refused"


def test_validate_the_shipped_bank_by_default(run):
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("bank OK: ")


def test_stats_counts_pools_types_and_difficulty(run, small_bank):
    result = run("stats", "--bank", small_bank, "--json")
    assert result.exit_code == 0
    counts = json.loads(result.output)
    components = counts["pools"]["components"]
    assert components["items"] == 7
    assert components["types"] == {
        "single": 1, "multiple": 1, "true_false": 1, "matching": 1, "ordering": 1, "classification": 1, "scenario": 1,
    }
    assert components["scenario_carries"] == {"single": 1}
    assert components["difficulty"] == {"1": 2, "2": 3, "3": 2}
    assert counts["total"]["items"] == 10
    text = run("stats", "--bank", small_bank).output
    assert "components: 7 items" in text and "scenarios carry: single 1" in text


def test_draw_prints_the_form(run, small_bank):
    result = run("draw", "--bank", small_bank, "--pool", "components=3", "--pool", "barriers=2", "--seed", "s1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "form for seed 's1': 5 items (components:3, barriers:2)"
    assert [line.split()[1].split("@")[0][:4] for line in lines[1:]] == ["comp"] * 3 + ["barr"] * 2
    again = run("draw", "--bank", small_bank, "--blueprint", "components:3, barriers:2", "--seed", "s1")
    assert again.output == result.output


def test_draw_json_is_the_stored_form(run, small_bank):
    result = run("draw", "--bank", small_bank, "--pool", "components=2[1=1,3=1]", "--seed", "x", "--json")
    form = json.loads(result.output)
    assert form["format"] == 1 and len(form["slots"]) == 2


def test_draw_refuses_an_infeasible_blueprint(run, small_bank):
    result = run("draw", "--bank", small_bank, "--pool", "components=12", "--seed", "x")
    assert result.exit_code == 1
    assert "components: asks for 12 items but the pool has only 7" in result.output


def test_draw_reports_blueprint_syntax(run, small_bank):
    result = CliRunner().invoke(bank, ["draw", "--bank", str(small_bank), "--pool", "components", "--seed", "x"])
    assert result.exit_code == 2
    assert "expected POOL:COUNT" in result.output


formats = pytest.importorskip("question_bank.formats")


def test_export_then_import_round_trips_through_gift(run, small_bank, tmp_path):
    exported = tmp_path / "out.gift"
    result = run("export", "--bank", small_bank, "--format", "gift", "--pool", "barriers", "-o", exported)
    assert result.exit_code == 0, result.output
    assert "exported 3 items as gift" in result.output
    written = tmp_path / "imported" / "barriers.yaml"
    written.parent.mkdir()
    result = run("import", exported, "--pool", "barriers", "-o", written)
    assert result.exit_code == 0, result.output
    from question_bank import load_bank

    reread = load_bank([written]).pools["barriers"].items
    originals = [build_item("true_false", f"barr-00{n}", pool="barriers") for n in range(1, 4)]
    assert [(i.id, i.body, i.stem) for i in reread] == [(i.id, i.body, i.stem) for i in originals]


def test_export_refuses_an_unknown_pool(run, small_bank, tmp_path):
    result = CliRunner().invoke(bank, ["export", "--bank", str(small_bank), "--format", "gift", "--pool", "nope", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "no pool nope" in result.output


def test_import_lists_what_is_missing_before_the_file_validates(run, tmp_path):
    gift = tmp_path / "quiz.gift"
    gift.write_text("::Q1:: Trust is a component of the therapeutic relationship. {T}\n")
    result = run("import", gift, "--pool", "imported")
    assert result.exit_code == 0, result.output
    assert "pool: imported" in result.output
    assert "to do before this file validates" in result.output


def test_import_of_a_file_that_is_not_text_is_a_clear_error(tmp_path):
    binary = tmp_path / "quiz.gift"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = CliRunner().invoke(bank, ["import", str(binary), "--pool", "imported"])
    assert result.exit_code == 1
    assert "quiz.gift is not UTF-8 text" in result.output
