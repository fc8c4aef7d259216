"""``quiztool bank coverage``: which facts of the seeds the bank tests, and how often.

``banks/coverage.yaml`` lists every statement of substance in the seeds as a fact with an id, its
seed file and section; an item names the facts it tests in ``covers: [fact-id, ...]``. The report
gives the facts no item tests, the facts tested more than ``MAX_TESTS`` times, and every
``covers`` entry that names no fact (with file:line).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from question_bank.bank.locations import COVERAGE_FILE_NAME
from question_bank.bank.locations import resolve
from question_bank.bank.locations import shipped_dir
from question_bank.bank.yaml_lines import LineDict
from question_bank.bank.yaml_lines import LineList
from question_bank.bank.yaml_lines import YamlSyntaxError
from question_bank.bank.yaml_lines import read_yaml
from question_bank.quality.lint import LintInputError
from question_bank.quality.lint import read_items
from question_bank.quality.lint import require_valid

#: A fact tested by more items than this is over-tested (CONTENT.md: at most three).
MAX_TESTS = 3


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    seed: str
    section: str
    fact: str
    line: int


@dataclass(slots=True)
class CoverageReport:
    facts: list[Fact] = field(default_factory=list)
    tested_by: dict[str, list[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    items: int = 0
    items_without_covers: list[str] = field(default_factory=list)

    @property
    def untested(self) -> list[Fact]:
        return [f for f in self.facts if not self.tested_by.get(f.id)]

    @property
    def overtested(self) -> list[Fact]:
        return [f for f in self.facts if len(self.tested_by.get(f.id, [])) > MAX_TESTS]

    @property
    def ok(self) -> bool:
        return not (self.untested or self.overtested or self.unknown)


def read_facts(text: str, name: str = COVERAGE_FILE_NAME) -> list[Fact]:
    """The facts of a coverage map; LintInputError naming file:line when it is malformed."""
    try:
        document, _ = read_yaml(text)
    except YamlSyntaxError as exc:
        raise LintInputError(f"{name}:{exc.line}: {exc.message}") from None
    if not isinstance(document, LineDict) or not isinstance(document.get("facts"), LineList):
        raise LintInputError(f"{name}:1: a coverage map is a mapping with a list of facts")
    facts, seen = [], set()
    for index, raw in enumerate(document["facts"]):
        line = document["facts"].item_lines[index]
        if not isinstance(raw, dict):
            raise LintInputError(f"{name}:{line}: a fact is a mapping with id, seed, section and fact")
        missing = [k for k in ("id", "seed", "section", "fact") if not isinstance(raw.get(k), str) or not raw[k].strip()]
        if missing:
            raise LintInputError(f"{name}:{line}: fact lacks {', '.join(missing)}")
        if raw["id"] in seen:
            raise LintInputError(f"{name}:{line}: fact id {raw['id']!r} is used twice")
        seen.add(raw["id"])
        facts.append(Fact(raw["id"], raw["seed"], raw["section"], raw["fact"], line))
    return facts


def coverage_report(paths: Iterable[str | Path] | None = None) -> CoverageReport:
    """Coverage of the bank at ``paths`` (files or directories; default: the shipped bank).

    The coverage map is the ``coverage.yaml`` beside the first path (or the shipped one).
    """
    given = None if paths is None else [Path(p) for p in paths]
    for path in given or []:
        if not path.exists():
            raise LintInputError(f"{path}: no such file or directory")
    require_valid(given)
    files = resolve(given)
    map_file = shipped_dir().joinpath(COVERAGE_FILE_NAME)
    if given:
        first_dir = given[0] if given[0].is_dir() else given[0].parent
        if (first_dir / COVERAGE_FILE_NAME).is_file():
            map_file = first_dir / COVERAGE_FILE_NAME
    if not map_file.is_file():
        raise LintInputError(f"{COVERAGE_FILE_NAME}: no coverage map found")
    facts = read_facts(map_file.read_text(encoding="utf-8"))
    texts = [(f.name, f.read_text(encoding="utf-8")) for f in files.bank_files]
    return coverage_of(facts, texts)


def coverage_of(facts: list[Fact], texts: Iterable[tuple[str, str]]) -> CoverageReport:
    """Coverage of the bank files ``(name, text)`` against ``facts``."""
    items = read_items(texts)
    known = {f.id for f in facts}
    tested_by: dict[str, list[str]] = defaultdict(list)
    report = CoverageReport(facts=facts, items=len(items))
    for item in items:
        covers = item.raw.get("covers")
        if not isinstance(covers, LineList) or not covers:
            report.items_without_covers.append(item.id)
            continue
        for index, fact_id in enumerate(covers):
            if fact_id in known:
                if item.id not in tested_by[fact_id]:
                    tested_by[fact_id].append(item.id)
            else:
                report.unknown.append(
                    f"{item.file}:{covers.item_lines[index]}: {item.id}: covers {fact_id!r}, which is no fact"
                )
    report.tested_by = dict(tested_by)
    return report
