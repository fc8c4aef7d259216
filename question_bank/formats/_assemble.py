"""Turn what a file said about one question into an ``Item``, noting every guess.

Each importer reads its syntax into a ``ReadQuestion`` (question text, general feedback, tags,
a body with ids); ``finish_item`` does what is common to all formats: pick the id, pool,
version, difficulty and points; split a scenario's vignette from its stem; unfold rationale,
per-piece feedback and sources from the general feedback; check the body makes sense.

Foreign files lack what the bank requires (sources always, rationale and difficulty often). The
item still comes back, with ``rationale=""``/``sources=()``/difficulty 2, and one problem line
says what to add before the bank validates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

from question_bank import types as item_types
from question_bank.bank import POOL_ID_PREFIXES
from question_bank.formats._compose import FeedbackParts
from question_bank.formats._compose import body_pieces
from question_bank.formats._compose import has_native_option_feedback
from question_bank.formats._compose import split_general_feedback
from question_bank.formats._compose import split_question_text
from question_bank.formats._markers import Markers
from question_bank.formats._report import Place
from question_bank.formats._report import ProblemLog
from question_bank.model import Body
from question_bank.model import Item
from question_bank.model import ItemType

#: What the bank accepts as an id (the loader's rule); anything else gets a fresh id.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: A question *name* (GIFT title, Moodle name) is used as the id only when it looks like one
#: (``comp-001``); names like "Trust question 2" or "HTML" are titles, not ids.
NAME_AS_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*(?:-[A-Za-z0-9_.]+)*-\d+$")
#: What can be a pool name (a bank file name): a category that is not one is not used as a pool.
POOL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
#: Difficulty given to imported items that do not say (the middle of 1 recall .. 3 application).
DEFAULT_DIFFICULTY = 2


@dataclass
class ReadQuestion:
    """One question as a format reader understood it, before the common finishing steps."""

    place: Place
    id_candidates: list[str]
    kind: ItemType
    body: Body
    text: str
    feedback: str = ""
    markers: Markers = field(default_factory=Markers)
    pool: str | None = None
    points: float | None = None
    #: Set by formats that mark up the vignette themselves (QTI 2.1); else split from ``text``.
    vignette: str | None = None
    #: Foreign feedback with no bank field (true/false answer feedback...): appended to rationale.
    extra_rationale: list[str] = field(default_factory=list)
    #: Why the file's own identifier is not offered as an id (said when a fresh id is assigned).
    id_note: str = ""


class IdAllocator:
    """Hands out item ids for one import: the file's own where usable, fresh ones otherwise."""

    def __init__(self) -> None:
        self.used: dict[str, Place] = {}
        self._counters: dict[str, int] = {}

    def choose(
        self, candidates: Iterable[str], pool: str, place: Place, log: ProblemLog, note: str = ""
    ) -> str:
        named = [c.strip() for c in candidates if c and c.strip()]
        for candidate in named:
            if candidate not in self.used and ID_PATTERN.match(candidate):
                self.used[candidate] = place
                return candidate
        fresh = self._fresh(pool)
        if not named:
            why = note or "no id in the file"
        elif named[0] in self.used:
            why = f"id {named[0]!r} was already used at {self.used[named[0]]}"
        else:
            why = f"{named[0]!r} is not a usable id"
        log.add(place, f"{why}; assigned {fresh!r} (check it is free in the bank)")
        self.used[fresh] = place
        return fresh

    def _fresh(self, pool: str) -> str:
        prefix = POOL_ID_PREFIXES.get(pool, pool or "item")
        while True:
            self._counters[prefix] = self._counters.get(prefix, 0) + 1
            candidate = f"{prefix}-{self._counters[prefix]:03d}"
            if candidate not in self.used:
                return candidate


def pool_from_category(path: str) -> str | None:
    """The pool a Moodle-style category path names (``$course$/top/components``), if any."""
    segments = [s.strip() for s in path.replace("\\/", "\x00").split("/") if s.strip()]
    segments = [s.replace("\x00", "/") for s in segments]
    while segments and (segments[0].startswith("$") or segments[0] == "top"):
        segments.pop(0)
    if segments and POOL_PATTERN.match(segments[-1]):
        return segments[-1]
    return None


def read_one_item(
    read: Callable[[], ReadQuestion | None], place: Place, default_pool: str, log: ProblemLog,
    ids: IdAllocator,
) -> Item | None:
    """Read and finish one question of a foreign file. One odd question must not sink the file:
    whatever goes wrong is logged against its place and the question is skipped."""
    try:
        question = read()
        return finish_item(question, default_pool, log, ids) if question else None
    except Exception as error:  # noqa: BLE001 (foreign input: any failure is that question's problem)
        log.add(place, f"could not be read ({type(error).__name__}: {error}) (skipped)")
        return None


def finish_item(
    read: ReadQuestion, default_pool: str, log: ProblemLog, ids: IdAllocator
) -> Item | None:
    """The ``Item`` a read question stands for, or None (problem logged) if it makes no sense."""
    place = read.place
    markers = read.markers
    for problem in markers.problems:
        log.add(place, problem)
    pool = markers.pool or read.pool or default_pool
    problem = body_problem(read.body)
    if problem:
        log.add(place, f"{problem} (skipped)")
        return None
    item_id = ids.choose(read.id_candidates, pool, place, log, read.id_note)
    place = place.named(item_id)

    item_type, carries, vignette, stem = _scenario_parts(read, place, log)
    pieces = [] if has_native_option_feedback(read.body) else body_pieces(read.body)
    parts = split_general_feedback(read.feedback, pieces)
    body = with_piece_rationales(read.body, parts.pieces)
    rationale = _rationale(parts, read.extra_rationale)

    missing = []
    if not rationale:
        missing.append("rationale")
    if not parts.sources:
        missing.append("sources")
    difficulty = markers.difficulty
    if difficulty not in (1, 2, 3):
        difficulty = DEFAULT_DIFFICULTY
        missing.append(f"difficulty (set to {DEFAULT_DIFFICULTY})")
    if missing:
        log.add(place,
                "no " + ", no ".join(missing) + " in the file: add before the bank validates")

    return Item(
        id=item_id,
        version=markers.version or 1,
        pool=pool,
        type=item_type,
        difficulty=difficulty,
        stem=stem,
        body=body,
        rationale=rationale,
        sources=parts.sources,
        points=_points(markers.points or read.points, place, log),
        tags=tuple(markers.tags),
        enemies=tuple(markers.enemies),
        vignette=vignette,
        carries=carries,
        covers=tuple(markers.covers),
        lint_ok=markers.lint_ok,
    )


def _scenario_parts(
    read: ReadQuestion, place: Place, log: ProblemLog
) -> tuple[ItemType, ItemType | None, str | None, str]:
    """``(type, carries, vignette, stem)``: a scenario when the file marks one, else plain."""
    scenario = read.markers.scenario
    if read.vignette is not None:
        return ItemType.SCENARIO, read.kind, read.vignette, read.text
    if scenario is None:
        return read.kind, None, None, read.text
    if scenario is not read.kind:
        log.add(place, f"marked as a scenario carrying {scenario}, but reads as {read.kind}")
    split = split_question_text(read.text)
    if split is None:
        log.add(place, "marked as a scenario but the 'Scenario:'/'Question:' text is missing; "
                       "imported as a plain question")
        return read.kind, None, None, read.text
    vignette, stem = split
    return ItemType.SCENARIO, read.kind, vignette, stem


def _rationale(parts: FeedbackParts, extra: list[str]) -> str:
    return "\n\n".join(text for text in [parts.rationale, *extra] if text)


def _points(value: float | None, place: Place, log: ProblemLog) -> int:
    if value is None:
        return 1
    points = math.floor(value + 0.5)
    if points < 1:
        log.add(place, f"mark {value:g} is below 1; set to 1")
        return 1
    if points != value:
        log.add(place, f"mark {value:g} rounded to {points} (the bank counts whole points)")
    return points


def with_piece_rationales(body: Body, found: dict[tuple[str, str], str]) -> Body:
    """``body`` with the rationale of each piece named in ``found`` filled in."""
    if not found:
        return body
    return item_types.spec_for(body).with_pieces(body, found)


def body_problem(body: Body) -> str | None:
    """Why a body read from a file cannot be an item, or None if it can."""
    return item_types.spec_for(body).import_problem(body)
