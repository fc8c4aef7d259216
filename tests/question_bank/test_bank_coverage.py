"""``quiztool bank coverage``: facts no item tests, facts tested more than three times, covers that
name no fact, each with file:line; the shipped coverage map cites sections that are in the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lti_tool.cli.bank import bank as bank_cli
from question_bank import load_bank
from question_bank.bank.locations import shipped_dir
from question_bank.quality import LintInputError
from question_bank.quality import coverage_report
from question_bank.quality.coverage import read_facts
from tests.question_bank.conftest import make_item
from tests.question_bank.conftest import pool_yaml

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
SEED = "000_f0ef994ccb1e3b55.txt"
MAP = f"""facts:
  - {{id: f-a, seed: {SEED}, section: "Barriers to Therapeutic Relationships", fact: "Transference"}}
  - {{id: f-b, seed: {SEED}, section: "Barriers to Therapeutic Relationships", fact: "Sympathy"}}
  - {{id: f-c, seed: {SEED}, section: "Barriers to Therapeutic Relationships", fact: "Dependency"}}
"""


def write(tmp_path: Path, covers: list[list[str]]) -> Path:
    items = [make_item("true_false", f"comp-{n:03}", stem=f"Statement {n}.", covers=c) for n, c in enumerate(covers, 1)]
    (tmp_path / "components.yaml").write_text(pool_yaml("components", items), encoding="utf-8")
    (tmp_path / "coverage.yaml").write_text(MAP, encoding="utf-8")
    return tmp_path


def test_untested_and_overtested_facts(tmp_path):
    report = coverage_report([write(tmp_path, [["f-a"], ["f-a"], ["f-a"], ["f-a", "f-b"]])])
    assert [f.id for f in report.untested] == ["f-c"]
    assert [f.id for f in report.overtested] == ["f-a"]
    assert report.tested_by["f-b"] == ["comp-004"]
    assert not report.ok


def test_full_coverage_at_most_three_times_is_ok(tmp_path):
    report = coverage_report([write(tmp_path, [["f-a", "f-b"], ["f-c"], ["f-a"]])])
    assert report.ok


def test_unknown_fact_ids_are_reported_with_file_and_line(tmp_path):
    report = coverage_report([write(tmp_path, [["f-a", "f-b", "f-c", "f-z"]])])
    assert len(report.unknown) == 1
    assert report.unknown[0].startswith("components.yaml:") and "'f-z'" in report.unknown[0]


def test_covers_is_metadata_the_loader_accepts(tmp_path):
    bank = load_bank([write(tmp_path, [["f-a"]]) / "components.yaml"])
    assert bank.item("comp-001").covers == ("f-a",)


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    path = write(tmp_path, [["f-a"]])
    result = runner.invoke(bank_cli, ["coverage", str(path)])
    assert result.exit_code == 1
    assert "untested: f-b" in result.output and "2 untested" in result.output
    assert runner.invoke(bank_cli, ["coverage", "--report-only", str(path)]).exit_code == 0
    write(tmp_path, [["f-a", "f-b", "f-c"]])
    assert runner.invoke(bank_cli, ["coverage", str(path)]).exit_code == 0
    (tmp_path / "coverage.yaml").write_text("facts: [\n", encoding="utf-8")
    result = runner.invoke(bank_cli, ["coverage", str(path)])
    assert result.exit_code == 2 and "coverage.yaml:" in result.output
    assert runner.invoke(bank_cli, ["coverage", str(tmp_path / "missing")]).exit_code == 2


def test_a_fact_needs_every_field():
    with pytest.raises(LintInputError, match="coverage.yaml:2: fact lacks section"):
        read_facts(f"facts:\n  - {{id: x, seed: {SEED}, fact: y}}\n")


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed texts not found at {SEEDS}")
def test_the_shipped_map_cites_sections_that_are_in_the_seeds():
    texts = {p.name: " ".join(p.read_text().split()).casefold() for p in SEEDS.iterdir()}
    facts = read_facts(shipped_dir().joinpath("coverage.yaml").read_text(encoding="utf-8"))
    assert len(facts) >= 150
    for fact in facts:
        assert " ".join(fact.section.split()).casefold() in texts[fact.seed], fact.id
