"""Marker tags: how bank facts that a format has no field for travel inside its tag list.

GIFT (``// [tag:...]`` comments, which Moodle reads), Moodle XML (``<tags>``) and the QTI 2.1
manifest (LOM keywords) all carry free tags; Moodle keeps them through its own import and export.
So the facts those formats lack (version, difficulty, enemies, the bank type when a question is
written as another type, choice ids) ride along as tags of the form ``qb:key=value``. They are
visible to teachers in Moodle's question bank, never to students.

Keys:

* ``qb:version=3``, ``qb:difficulty=2``, ``qb:points=2`` (only where the format has no mark field)
* ``qb:pool=components`` (only where the format has no category)
* ``qb:kind=ordering`` / ``qb:kind=classification``: written as a matching question
* ``qb:scenario=single``: a scenario carrying that type (vignette inside the question text)
* ``qb:scoring=all_or_nothing`` (right-minus-wrong is the default and needs no marker)
* ``qb:enemy=comp-014``, one tag per enemy
* ``qb:ids.option=a|c|b`` choice ids in the order the file lists the choices, written only when
  they differ from the ids an importer would invent (``a, b, c``; ``p1, p2``; ``r1``; ``s1``;
  ``c1``), so a plain item stays free of clutter; a list too long for one tag continues in
  ``qb:ids.option.2=...``, ``.3``...
* ``qb:order.option=a|b|c`` the author's option order, when the file must list them otherwise
  (Moodle's ordering question stores its items in the correct order)

Moodle keeps tags up to 50 characters; longer ones are flagged by the exporters.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from dataclasses import field

from question_bank.model import ItemType
from question_bank.model import MultipleScoring
from question_bank.numbers import whole_number

PREFIX = "qb:"
ID_SEPARATOR = "|"
MOODLE_TAG_MAX_LENGTH = 50

ROLES = ("option", "premise", "response", "statement", "category")  # and any type's pair_roles
_ROLE_PREFIX = {"premise": "p", "response": "r", "statement": "s", "category": "c"}


def marker(key: str, value: object) -> str:
    return f"{PREFIX}{key}={value}"


def review_markers(covers: tuple[str, ...], lint_ok: str | None) -> list[str]:
    """The bank's review metadata (coverage facts, a justified lint warning) as marker tags."""
    tags = [marker("cover", fact) for fact in covers]
    if lint_ok:
        tags.append(marker("lint_ok", " ".join(lint_ok.split())))
    return tags


def default_ids(role: str, count: int) -> list[str]:
    """The ids an importer invents when a file names none: a, b, c... or p1, p2..."""
    if role == "option":
        return [_letters(index) for index in range(count)]
    return [f"{_ROLE_PREFIX.get(role, role[:1])}{index + 1}" for index in range(count)]


def _letters(index: int) -> str:
    letters = string.ascii_lowercase
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = letters[remainder] + name
    return name


def ids_marker(role: str, ids: list[str]) -> list[str]:
    """``qb:ids.role=...`` tags when ``ids`` (in file order) differ from the invented ones."""
    if ids == default_ids(role, len(ids)):
        return []
    return _chunked(f"ids.{role}", ids)


def order_marker(role: str, file_order: list[str], author_order: list[str]) -> list[str]:
    if file_order == author_order:
        return []
    return _chunked(f"order.{role}", author_order)


def _chunked(key: str, ids: list[str]) -> list[str]:
    """An id list as one tag, or as ``key``, ``key.2``... tags that each fit Moodle's 50."""
    whole = marker(key, ID_SEPARATOR.join(ids))
    if len(whole) <= MOODLE_TAG_MAX_LENGTH:
        return [whole]
    tags: list[str] = []
    chunk: list[str] = []
    for one in ids:
        name = key if not tags else f"{key}.{len(tags) + 1}"
        if chunk and len(marker(name, ID_SEPARATOR.join([*chunk, one]))) > MOODLE_TAG_MAX_LENGTH:
            tags.append(marker(name, ID_SEPARATOR.join(chunk)))
            chunk = []
        chunk.append(one)
    name = key if not tags else f"{key}.{len(tags) + 1}"
    tags.append(marker(name, ID_SEPARATOR.join(chunk)))
    return tags


@dataclass
class Markers:
    """The marker tags of one question, decoded; ``tags`` are the ordinary tags left over."""

    version: int | None = None
    difficulty: int | None = None
    points: int | None = None
    pool: str | None = None
    kind: ItemType | None = None
    scenario: ItemType | None = None
    scoring: MultipleScoring | None = None
    #: A marked type's own variant (extended multiple response: plus_minus or zero_one).
    variant: str | None = None
    enemies: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)
    lint_ok: str | None = None
    ids: dict[str, list[str]] = field(default_factory=dict)
    order: dict[str, list[str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: ``(ids|order, role) -> {chunk number: ids}`` while reading; joined into ids/order.
    chunks: dict[tuple[str, str], dict[int, list[str]]] = field(default_factory=dict)

    def ids_for(self, role: str, count: int) -> list[str]:
        """The ids a file gave this role, or invented ones (noted if the given list is wrong)."""
        given = self.ids.get(role)
        if given is not None and len(given) == count and len(set(given)) == count:
            return given
        if given is not None:
            self.problems.append(
                f"marker qb:ids.{role} lists {len(given)} ids for {count} {role}s; ids invented"
            )
        return default_ids(role, count)


def read_markers(tags: list[str]) -> Markers:
    """Split ``qb:`` markers from ordinary tags; a malformed marker is kept as a tag and noted."""
    found = Markers()
    for tag in tags:
        if not tag.startswith(PREFIX):
            if tag not in found.tags:
                found.tags.append(tag)
            continue
        key, equals, value = tag[len(PREFIX) :].partition("=")
        if not equals or not _apply(found, key.strip(), value.strip()):
            found.problems.append(f"marker tag {tag!r} not understood (kept as a tag)")
            found.tags.append(tag)
    for (kind, role), chunks in found.chunks.items():
        if sorted(chunks) != list(range(1, len(chunks) + 1)):
            found.problems.append(f"marker qb:{kind}.{role} is incomplete; ignored")
            continue
        getattr(found, kind)[role] = [one for n in sorted(chunks) for one in chunks[n]]
    return found


def _apply(found: Markers, key: str, value: str) -> bool:  # noqa: PLR0911 (one branch per key)
    try:
        if key in ("version", "difficulty", "points"):
            number = int(value)
            if number < 1:
                return False
            setattr(found, key, number)
            return True
        if key == "pool":
            found.pool = value
            return bool(value)
        if key == "kind":
            found.kind = ItemType(value)
            return found.kind is not ItemType.SCENARIO
        if key == "scenario":
            found.scenario = ItemType(value)
            return found.scenario is not ItemType.SCENARIO
        if key == "scoring":
            found.scoring = MultipleScoring(value)
            return True
        if key == "variant":
            found.variant = value
            return bool(value)
    except ValueError:
        return False
    if key == "enemy" and value:
        found.enemies.append(value)
        return True
    if key == "cover" and value:
        found.covers.append(value)
        return True
    if key == "lint_ok" and value:
        found.lint_ok = value
        return True
    parts = key.split(".")
    if len(parts) in (2, 3) and parts[0] in ("ids", "order") and parts[1].isalpha() and value:
        chunk = (whole_number(parts[2]) or 0) if len(parts) == 3 else 1
        if len(parts) == 3 and chunk < 2:
            return False
        found.chunks.setdefault((parts[0], parts[1]), {})[chunk] = value.split(ID_SEPARATOR)
        return True
    return False
