"""Read bank files into a ``Bank``, or refuse them with every problem at once.

The order of work: parse YAML keeping line numbers, check the file's top (pool, title), then
each item: its type, its shape (marshmallow schema), its cross-field rules, its seeds. Only then
the rules across items and files: duplicate ids, enemies that exist, the versions lock. Nothing
is returned unless every file is clean, so nothing half-loaded can be served.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from importlib.resources.abc import Traversable
from pathlib import Path

from marshmallow import ValidationError

from question_bank.bank import rules
from question_bank.bank.build import item_from_data
from question_bank.bank.cases import PlacedCase
from question_bank.bank.cases import case_fingerprint
from question_bank.bank.cases import case_version_problem
from question_bank.bank.cases import read_cases
from question_bank.bank.locations import BankFiles
from question_bank.bank.locations import resolve
from question_bank.bank.problems import BankError
from question_bank.bank.problems import Problem
from question_bank.bank.problems import format_path
from question_bank.bank.schema import FILE_SCHEMA
from question_bank.bank.schema import schema_for
from question_bank.bank.sources import read_sources
from question_bank.bank.versions import LockEntry
from question_bank.bank.versions import LockFileError
from question_bank.bank.versions import parse_lock
from question_bank.bank.versions import render_lock
from question_bank.bank.versions import updated_lock
from question_bank.bank.versions import version_problem
from question_bank.bank.yaml_lines import LineDict
from question_bank.bank.yaml_lines import LineList
from question_bank.bank.yaml_lines import YamlSyntaxError
from question_bank.bank.yaml_lines import read_yaml
from question_bank.model import CARRIABLE_TYPES
from question_bank.model import Bank
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import Pool

#: The id prefix of each shipped pool (README); other pools only need ids to be unique.
POOL_ID_PREFIXES = {
    "components": "comp",
    "barriers": "barr",
    "comparison": "tvs",
    "phases": "phase",
    "foundations": "found",
}

_TYPE_NAMES = ", ".join(t.value for t in ItemType)
_CARRIABLE_NAMES = ", ".join(t.value for t in CARRIABLE_TYPES)

_FRIENDLIER = {
    "Missing data for required field.": "required field is missing",
    "Unknown field.": "unknown field",
    "Field may not be null.": "must not be empty (null)",
    "Not a valid string.": "must be text",
    "Not a valid integer.": "must be a whole number",
    "Not a valid list.": "must be a list",
    "Not a valid mapping type.": "must be a mapping",
    "Invalid input type.": "must be a mapping",
}


@dataclass(slots=True)
class _Placed:
    """An item (or what could be read of one) and where it was written."""

    file: str
    line: int
    item_id: str
    raw: LineDict
    item: Item | None = None


@dataclass(slots=True)
class _FileResult:
    name: str
    pool: Pool | None = None
    placed: list[_Placed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    cases: list[PlacedCase] = field(default_factory=list)


def load_bank(paths: Iterable[str | os.PathLike[str]] | None = None) -> Bank:
    """The bank in ``paths`` (bank files or directories of them), or the shipped bank if None.

    Raises BankError listing every problem when anything does not validate.
    """
    return _load_checked(resolve(paths))


def validate_bank(paths: Iterable[str | os.PathLike[str]] | None = None) -> list[Problem]:
    """Every problem ``load_bank(paths)`` would refuse the bank for (empty when it is clean)."""
    try:
        load_bank(paths)
    except BankError as exc:
        return exc.problems
    return []


def record_versions(paths: Iterable[str | os.PathLike[str]] | None = None) -> tuple[Path, int]:
    """Write the current version and fingerprint of every item to the versions lock.

    Refuses (BankError) unless the whole bank validates, lock included: an edit made without
    raising the version must be fixed, never recorded. Returns the lock path and how many
    entries were added or changed.
    """
    files = resolve(paths)
    if files.lock is None:
        raise ValueError("no bank files given, so there is no versions lock to write")
    bank = _load_checked(files)
    lock = _read_lock(files.lock)[0]
    new = updated_lock(lock, bank.items())
    new.update({case.id: LockEntry(case.version, case_fingerprint(case)) for case in bank.cases()})
    changed = sum(1 for item_id, entry in new.items() if lock.get(item_id) != entry)
    lock_path = Path(str(files.lock))
    lock_path.write_text(render_lock(new), encoding="utf-8")
    return lock_path, changed


def load_pool_text(text: str, name: str, *, seeds: Iterable[str] | None = None) -> Pool:
    """One bank file given as text (named ``name`` in messages), checked on its own.

    Checks everything ``load_bank`` checks except what needs the other files and the lock; seeds
    are checked against ``seeds`` when given. Used to prove that written files read back.
    """
    with _gc_paused():
        result = _read_file(name, text, set(seeds) if seeds is not None else None)
    problems = result.problems + _cross_item_problems([result])
    if problems:
        raise BankError(sorted(problems, key=lambda p: p.line))
    assert result.pool is not None
    return result.pool


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bank is built.

    Reading a bank allocates hundreds of thousands of small objects and no cycles; the collector
    would otherwise rescan them again and again (a quarter of the load time of a large bank).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_checked(files: BankFiles) -> Bank:
    with _gc_paused():
        # Only the Bank leaves this block: the parsed files are freed before the collector runs.
        return _load_files(files)


def _load_files(files: BankFiles) -> Bank:
    seeds, problems = read_sources(files.sources.read_text(encoding="utf-8"), files.sources.name)
    if not files.bank_files:
        problems.append(Problem("(bank)", 0, "", "", "no bank files (*.yaml) were found"))
    results = [
        _read_file(f.name, f.read_text(encoding="utf-8"), set(seeds), path=str(f))
        for f in files.bank_files
    ]
    for result in results:
        problems.extend(result.problems)
    problems.extend(_cross_item_problems(results))
    if files.lock is not None:
        problems.extend(_lock_problems(results, files.lock))
    if problems:
        order = {f.name: index for index, f in enumerate(files.bank_files)}
        problems.sort(key=lambda p: (order.get(p.file, -1), p.line))
        raise BankError(problems)
    return Bank({r.pool.name: r.pool for r in results if r.pool is not None})


def _read_lock(lock: Traversable) -> tuple[dict[str, LockEntry], list[Problem]]:
    if not lock.is_file():
        return {}, []
    try:
        return parse_lock(lock.read_text(encoding="utf-8")), []
    except LockFileError as exc:
        return {}, [Problem(lock.name, 1, "", "", str(exc))]


def _lock_problems(results: list[_FileResult], lock_file: Traversable) -> list[Problem]:
    lock, problems = _read_lock(lock_file)
    for result in results:
        for placed in result.placed:
            if placed.item is None:
                continue
            message = version_problem(placed.item, lock.get(placed.item_id))
            if message:
                line = placed.raw.key_lines.get("version", placed.line)
                problems.append(Problem(placed.file, line, placed.item_id, "version", message))
        for placed_case in result.cases:
            message = case_version_problem(placed_case.case, lock.get(placed_case.case_id)) if placed_case.case else None
            if message:
                line = placed_case.raw.key_lines.get("version", placed_case.line)
                problems.append(Problem(placed_case.file, line, placed_case.case_id, "version", message))
    return problems


def _read_file(
    name: str, text: str, seeds: set[str] | None, *, path: str = ""
) -> _FileResult:
    result = _FileResult(name)
    try:
        document, issues = read_yaml(text)
    except YamlSyntaxError as exc:
        result.problems.append(Problem(name, exc.line, "", "", exc.message))
        return result
    for issue in issues:
        result.problems.append(Problem(name, issue.line, "", "", issue.message))
    if not isinstance(document, LineDict):
        result.problems.append(
            Problem(name, 1, "", "", "a bank file is a mapping with pool, title and items")
        )
        return result
    try:
        top = FILE_SCHEMA.load(document)
    except ValidationError as exc:
        result.problems.extend(_schema_problems(name, document, "", exc))
        return result
    expected_pool = Path(name).stem
    if top["pool"] != expected_pool:
        result.problems.append(
            Problem(
                name,
                document.key_lines["pool"],
                "",
                "pool",
                f"pool {top['pool']!r} differs from the file name (expected {expected_pool!r})",
            )
        )
    if top["items"] is None and top["cases"] is None:
        result.problems.append(Problem(name, document.line, "", "items",
                                       "required field is missing (a pool file lists items; a case pool, cases)"))
        return result
    items = []
    for index, raw in enumerate(top["items"] or ()):
        placed = _read_item(name, top["pool"], index, raw, document, seeds, result.problems)
        if placed is not None:
            result.placed.append(placed)
            if placed.item is not None:
                items.append(placed.item)
    placed_cases, case_items = read_cases(
        name, top["pool"], document, seeds, result.problems,
        lambda n, p, i, raw, s, found: _read_item(n, p, i, raw, document, s, found))
    result.placed.extend(_Placed(c.file, c.line, c.case_id, c.raw) for c in placed_cases)
    result.placed.extend(case_items)
    result.cases = placed_cases
    if not result.problems:
        result.pool = Pool(top["pool"], top["title"], tuple(items), path,
                           tuple(c.case for c in placed_cases if c.case is not None))
    return result


def _read_item(
    name: str,
    pool: str,
    index: int,
    raw: object,
    document: LineDict,
    seeds: set[str] | None,
    problems: list[Problem],
) -> _Placed | None:
    if not isinstance(raw, LineDict):
        line = document["items"].line if isinstance(document["items"], LineList) else 1
        problems.append(Problem(name, line, "", f"items[{index}]", "an item must be a mapping"))
        return None
    raw_id = raw.get("id")
    item_id = raw_id if isinstance(raw_id, str) and raw_id else f"items[{index}]"
    placed = _Placed(name, raw.line, item_id, raw)
    found: list[Problem] = []

    def report(path: tuple, message: str) -> None:
        found.append(Problem(name, _line_of(raw, path), item_id, format_path(path), message))

    kinds = _declared_kinds(raw, report)
    if kinds is None:
        problems.extend(found)
        return placed
    item_type, kind = kinds
    schema_problems: list[Problem] = []
    try:
        data = schema_for(item_type, kind).load(raw)
    except ValidationError as exc:
        schema_problems = list(_schema_problems(name, raw, item_id, exc))
        data = raw
    for path, message in rules.check_item(kind, data, shape_checked=not schema_problems):
        report(path, message)
    if isinstance(data.get("id"), str):
        _check_id_prefix(pool, data["id"], report)
    if seeds is not None:
        _check_seeds(data.get("source"), seeds, report)
    if schema_problems:
        # What the schema already refused is not reported again, in other words, by the rules.
        refused = [p.field for p in schema_problems]
        found = [p for p in found if not any(_overlaps(p.field, r) for r in refused)]
    found.extend(schema_problems)
    if found:
        problems.extend(found)
        return placed
    placed.item = item_from_data(pool, data)
    return placed


def _overlaps(field_a: str, field_b: str) -> bool:
    """Whether one field path is the other or lies inside it (``key`` and ``key.p1``)."""
    short, long = sorted((field_a, field_b), key=len)
    return long == short or long.startswith(short + ".") or long.startswith(short + "[")


def _check_seeds(sources: object, seeds: set[str], report) -> None:  # noqa: ANN001
    if not isinstance(sources, list):
        return
    for index, source in enumerate(sources):
        seed = source.get("seed") if isinstance(source, dict) else None
        if isinstance(seed, str) and seed not in seeds:
            report(("source", index, "seed"), f"seed {seed!r} is not listed in sources.yaml")


def _declared_kinds(raw: LineDict, report) -> tuple[ItemType, ItemType] | None:  # noqa: ANN001
    """``(type, kind)`` from the raw item, or None after reporting why they are unusable."""
    declared = raw.get("type")
    if declared is None:
        report(("type",), f"required field is missing (one of {_TYPE_NAMES})")
        return None
    try:
        item_type = ItemType(declared)
    except ValueError:
        report(("type",), f"unknown type {declared!r} (expected one of {_TYPE_NAMES})")
        return None
    if item_type is not ItemType.SCENARIO:
        return item_type, item_type
    carried = raw.get("carries")
    if carried is None:
        report(("carries",), f"a scenario must say which type it carries ({_CARRIABLE_NAMES})")
        return None
    try:
        kind = ItemType(carried)
    except ValueError:
        kind = None
    if kind not in CARRIABLE_TYPES:
        report(("carries",), f"a scenario cannot carry {carried!r} (one of {_CARRIABLE_NAMES})")
        return None
    return item_type, kind


def _check_id_prefix(pool: str, item_id: str, report) -> None:  # noqa: ANN001
    prefix = POOL_ID_PREFIXES.get(pool)
    if prefix and not re.fullmatch(rf"{prefix}-\d{{3,}}", item_id):
        report(("id",), f"ids in pool {pool!r} look like {prefix}-001")


def _cross_item_problems(results: list[_FileResult]) -> list[Problem]:
    """Duplicate item ids (across all files), enemies that do not exist, pools defined twice."""
    problems: list[Problem] = []
    first_place: dict[str, _Placed] = {}
    pool_files: dict[str, str] = {}
    for result in results:
        stem = Path(result.name).stem
        if stem in pool_files:
            problems.append(
                Problem(result.name, 1, "", "pool", f"pool {stem!r} is also defined by {pool_files[stem]}")
            )
        pool_files.setdefault(stem, result.name)
        for placed in result.placed:
            if not isinstance(placed.raw.get("id"), str):
                continue
            earlier = first_place.setdefault(placed.item_id, placed)
            if earlier is not placed:
                problems.append(
                    Problem(
                        placed.file,
                        _line_of(placed.raw, ("id",)),
                        placed.item_id,
                        "id",
                        f"duplicate item id (first used at {earlier.file}:{earlier.line})",
                    )
                )
    for result in results:
        for placed in result.placed:
            enemies = placed.raw.get("enemies")
            if not isinstance(enemies, list):
                continue
            for index, enemy in enumerate(enemies):
                if isinstance(enemy, str) and enemy not in first_place:
                    problems.append(
                        Problem(
                            placed.file,
                            _line_of(placed.raw, ("enemies", index)),
                            placed.item_id,
                            f"enemies[{index}]",
                            f"enemy {enemy!r} does not exist",
                        )
                    )
    return problems


def _schema_problems(
    file: str, raw: LineDict, item_id: str, error: ValidationError
) -> Iterator[Problem]:
    for path, message in _flatten(error.messages, ()):
        yield Problem(
            file, _line_of(raw, path), item_id, format_path(path), _FRIENDLIER.get(message, message)
        )


def _flatten(messages: object, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, path if key == "_schema" else path + (key,))
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, path)
    else:
        yield path, str(messages)


def _line_of(raw: LineDict, path: tuple) -> int:
    """The line of the deepest piece of ``path`` that exists in ``raw`` (its key, if a mapping's)."""
    line, node = raw.line, raw
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
