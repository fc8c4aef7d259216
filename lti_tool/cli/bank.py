"""``quiztool bank``: validate, count, draw from, export and import the question bank.

Plain click over the pure ``question_bank`` engine: no Flask, no app context, no database, so
content writers (and CI) can run it on a fresh checkout. Every command reads the shipped bank
unless given bank files or directories (``--bank``, or the PATHs of ``validate``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import click

from question_bank import BankError
from question_bank import BlueprintSyntaxError
from question_bank import InfeasibleBlueprint
from question_bank import bank_stats
from question_bank import check_blueprint
from question_bank import draw_form
from question_bank import dump_items_to_yaml
from question_bank import load_bank
from question_bank import parse_blueprint
from question_bank import record_versions
from question_bank.bank import load_pool_text
from question_bank.bank.locations import SOURCES_FILE_NAME
from question_bank.bank.locations import shipped_dir
from question_bank.bank.sources import read_sources
from question_bank.model import Bank

#: The formats of ``question_bank.formats`` (listed here so ``--help`` works without importing it).
FORMAT_NAMES = ("gift", "moodle-xml", "qti12", "qti21")
_FORMAT_BY_SUFFIX = {".gift": "gift", ".txt": "gift", ".xml": "moodle-xml"}

_bank_option = click.option(
    "--bank",
    "bank_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Bank file or directory to use instead of the shipped bank (repeatable).",
)


@click.group("bank")
def bank() -> None:
    """The question bank: validate, lint, coverage, stats, draw, export, import."""


def _load(paths: Sequence[Path]) -> Bank:
    """The bank, or exit 1 with every problem listed."""
    try:
        return load_bank(list(paths) or None)
    except BankError as error:
        _fail_with_problems(error)


def _fail_with_problems(error: BankError) -> NoReturn:
    for message in error.messages:
        click.echo(message, err=True)
    count = len(error.problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''}: the bank is refused", err=True)
    raise SystemExit(1)


def _summary(loaded: Bank) -> str:
    pools = ", ".join(f"{name} {len(pool.cases)} case{'s' if len(pool.cases) != 1 else ''} of "
                      f"{sum(len(c.items) for c in pool.cases)} items" if pool.cases else f"{name} {len(pool.items)}"
                      for name, pool in sorted(loaded.pools.items()))
    return f"{len(loaded.items())} items in {len(loaded.pools)} pools ({pools})"


@bank.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--update-lock",
    is_flag=True,
    help="Record every item's version and fingerprint in versions.lock.json (only if valid).",
)
def validate(paths: tuple[Path, ...], update_lock: bool) -> None:
    """Check bank files (default: the shipped bank); list every problem, or print a summary."""
    try:
        loaded = load_bank(list(paths) or None)
        if update_lock:
            lock_path, changed = record_versions(list(paths) or None)
    except BankError as error:
        _fail_with_problems(error)
    click.echo(f"bank OK: {_summary(loaded)}")
    if update_lock:
        click.echo(f"versions lock: {changed} entr{'y' if changed == 1 else 'ies'} recorded in {lock_path}")


@bank.command("stats")
@_bank_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(bank_paths: tuple[Path, ...], as_json: bool) -> None:
    """Items by pool, type (scenarios also by carried type) and difficulty."""
    counts = bank_stats(_load(bank_paths))
    if as_json:
        click.echo(json.dumps(counts, indent=2))
        return
    rows = [*counts["pools"].items(), ("total", counts["total"])]
    for name, row in rows:
        types = ", ".join(f"{t} {n}" for t, n in row["types"].items())
        carries = ", ".join(f"{t} {n}" for t, n in row["scenario_carries"].items())
        levels = ", ".join(f"{d}: {n}" for d, n in row["difficulty"].items())
        click.echo(f"{name}: {row['items']} items")
        click.echo(f"  types: {types or 'none'}")
        if carries:
            click.echo(f"  scenarios carry: {carries}")
        click.echo(f"  difficulty {levels}")


@bank.command("draw")
@_bank_option
@click.option(
    "--pool",
    "pool_rules",
    multiple=True,
    metavar="NAME=COUNT",
    help="Items from a pool, e.g. components=5 or components=6[1=2,2=2,3=2] (repeatable).",
)
@click.option("--blueprint", "blueprint_text", help="The whole blueprint, e.g. 'components:5,barriers:5'.")
@click.option("--seed", required=True, help="The attempt seed (any text).")
@click.option("--seen", multiple=True, metavar="ITEM_ID", help="An item the student has seen (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the form as stored (JSON).")
def draw(
    bank_paths: tuple[Path, ...],
    pool_rules: tuple[str, ...],
    blueprint_text: str | None,
    seed: str,
    seen: tuple[str, ...],
    as_json: bool,
) -> None:
    """Draw the form a seed gives: item ids and their shuffled order."""
    rules = [rule.replace("=", ":", 1) for rule in pool_rules]
    if blueprint_text:
        rules.append(blueprint_text)
    if not rules:
        raise click.UsageError("give --pool NAME=COUNT (repeatable) or --blueprint TEXT")
    try:
        blueprint = parse_blueprint(", ".join(rules))
    except BlueprintSyntaxError as error:
        raise click.UsageError(str(error)) from None
    loaded = _load(bank_paths)
    problems = check_blueprint(loaded, blueprint)
    if problems:
        _refuse_blueprint(problems)
    try:
        form = draw_form(loaded, blueprint, seed, seen)
    except InfeasibleBlueprint as error:
        _refuse_blueprint(error.problems)
    if as_json:
        click.echo(json.dumps(form.to_json(), indent=2))
        return
    click.echo(f"form for seed {seed!r}: {len(form.slots)} items ({blueprint.to_text()})")
    for number, slot in enumerate(form.slots, start=1):
        kind = _kind_of(loaded, slot.item_id)
        orders = "; ".join(
            f"{name.replace('_order', '')}: {' '.join(ids)}" for name, ids in slot.layout.to_json().items()
        )
        click.echo(f"{number:3}. {slot.ref:<16} {slot.pool:<12} {kind:<15} {orders}")
    for case in form.cases:
        click.echo(f"case {case.case_id}@{case.version} ({case.title}): questions {case.first + 1} to "
                   f"{case.first + case.count}, together and in this order")


def _kind_of(loaded: Bank, item_id: str) -> str:
    item = loaded.item(item_id)
    return f"scenario/{item.kind.value}" if item.carries else item.kind.value


def _refuse_blueprint(problems: list[str]) -> NoReturn:
    click.echo("the blueprint cannot be drawn from this bank:", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


@bank.command("export")
@_bank_option
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), required=True)
@click.option("--pool", "pools", multiple=True, help="Only this pool (repeatable; default all).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(bank_paths: tuple[Path, ...], fmt: str, pools: tuple[str, ...], output: Path) -> None:
    """Write items for an LMS: GIFT or Moodle XML (text), QTI 1.2 or 2.1 (zip package)."""
    from question_bank.formats import export_items
    from question_bank.cases import items_for_export
    from question_bank.formats import export_notes

    loaded = _load(bank_paths)
    unknown = [name for name in pools if name not in loaded.pools]
    if unknown:
        known = ", ".join(sorted(loaded.pools))
        raise click.UsageError(f"no pool {', '.join(unknown)} in the bank (pools: {known})")
    items, case_notes = items_for_export(loaded, pools)  # a case's items, each with the case text so far
    content = export_items(items, fmt)
    if isinstance(content, bytes):
        output.write_bytes(content)
    else:
        output.write_text(content, encoding="utf-8")
    for note in [*case_notes, *export_notes(items, fmt)]:
        click.echo(f"note: {note}", err=True)
    click.echo(f"exported {len(items)} items as {fmt} to {output}")


@bank.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pool", required=True, help="The pool the items go to (and the YAML file's name).")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), help="Default: from the file name.")
@click.option("--title", help="The pool's title (default: from its name).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the bank YAML here (default: print it).")
def import_(file: Path, pool: str, fmt: str | None, title: str | None, output: Path | None) -> None:
    """Turn a GIFT, Moodle XML or QTI file into a bank YAML file for pool NAME.

    Foreign files rarely carry what the bank requires (sources, per-option rationales): the
    items are written anyway and every missing piece is listed, to fill in before the file
    validates.
    """
    from question_bank.formats import import_items

    fmt = fmt or _FORMAT_BY_SUFFIX.get(file.suffix.lower())
    if fmt is None:
        raise click.UsageError(f"cannot tell the format of {file.name}: give --format")
    data: str | bytes = file.read_bytes()
    if fmt not in ("qti12", "qti21"):  # the QTI formats are zip packages; the others are text
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise click.ClickException(f"{file.name} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    report = import_items(data, fmt, pool, source=file.name)
    for problem in report.problems:
        click.echo(f"import: {problem}", err=True)
    if not report.items:
        click.echo(f"nothing imported from {file.name}", err=True)
        raise SystemExit(1)
    moved = sorted({item.pool for item in report.items if item.pool != pool})
    if moved:
        click.echo(f"note: items from pools {', '.join(moved)} are all written to {pool}", err=True)
    items = [replace(item, pool=pool) for item in report.items]
    text = dump_items_to_yaml(pool, title or pool.replace("_", " ").replace("-", " ").capitalize(), items)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    _report_todo(text, pool)
    click.echo(f"imported {len(items)} items into pool {pool}" + (f" ({output})" if output else ""), err=True)


def _report_todo(text: str, pool: str) -> None:
    """What the written file still lacks before the bank accepts it (checked as the loader would)."""
    seeds, _ = read_sources(shipped_dir().joinpath(SOURCES_FILE_NAME).read_text("utf-8"))
    try:
        load_pool_text(text, f"{pool}.yaml", seeds=seeds)
    except BankError as error:
        click.echo(f"to do before this file validates ({len(error.problems)}):", err=True)
        for message in error.messages:
            click.echo(f"  {message}", err=True)


def _lint_input_problem(error: Exception) -> NoReturn:
    click.echo(f"cannot lint: {error}", err=True)
    raise SystemExit(2)


@bank.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def lint(paths: tuple[Path, ...]) -> None:
    """The item-writing flaws an exam committee looks for (errors and warnings: banks/README.md).

    Exit 0 without errors, 1 with errors, 2 when the files cannot be read as a bank.
    """
    from question_bank.quality import LintInputError
    from question_bank.quality import lint_bank

    try:
        report = lint_bank(list(paths) or None)
    except LintInputError as error:
        _lint_input_problem(error)
    for finding in report.findings:
        if not finding.justified:
            click.echo(str(finding))
    ranks = ", ".join(f"{rank}: {n}" for rank, n in sorted(report.key_length_ranks.items()))
    counts = ", ".join(f"{n} keys: {c}" for n, c in sorted(report.mr_key_counts.items()))
    click.echo(f"key length rank of single-choice keys (1 = longest): {ranks or 'none'}")
    click.echo(f"multiple-response key counts: {counts or 'none'}")
    click.echo(f"stems naming a source: {len(report.source_stems)}")
    click.echo(
        f"{report.items} items: {len(report.errors)} errors, {len(report.warnings)} warnings, "
        f"{len(report.justified)} warnings justified by lint_ok"
    )
    if report.errors:
        raise SystemExit(1)


@bank.command("coverage")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--report-only", is_flag=True, help="Print the report but exit 0 whatever it finds.")
@click.option("--verbose", is_flag=True, help="Also list every fact with the items that test it.")
def coverage(paths: tuple[Path, ...], report_only: bool, verbose: bool) -> None:
    """Facts of the seeds (banks/coverage.yaml) that no item tests, or that too many items test.

    Exit 1 if any fact is untested, tested more than three times, or an item covers an unknown
    fact (unless --report-only); 2 when the files cannot be read.
    """
    from question_bank.quality import LintInputError
    from question_bank.quality import coverage_report
    from question_bank.quality.coverage import MAX_TESTS

    try:
        report = coverage_report(list(paths) or None)
    except LintInputError as error:
        _lint_input_problem(error)
    for message in report.unknown:
        click.echo(message)
    for fact in report.untested:
        click.echo(f"untested: {fact.id} ({fact.seed} / {fact.section}): {fact.fact}")
    for fact in report.overtested:
        tested = report.tested_by[fact.id]
        click.echo(f"tested {len(tested)} times (> {MAX_TESTS}): {fact.id}: {', '.join(tested)}")
    if verbose:
        for fact in report.facts:
            click.echo(f"  {fact.id}: {', '.join(report.tested_by.get(fact.id, [])) or '-'}")
    click.echo(
        f"{len(report.facts)} facts, {report.items} items ({len(report.items_without_covers)} without covers): "
        f"{len(report.untested)} untested, {len(report.overtested)} tested more than {MAX_TESTS} times, "
        f"{len(report.unknown)} unknown fact ids"
    )
    if not report.ok and not report_only:
        raise SystemExit(1)
