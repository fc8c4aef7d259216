"""What an instructor asks for: how many items from which pool, of which difficulty and type.

A Blueprint is plain data (it is stored with the assessment as ``to_json()``); whether a bank
can satisfy it is ``randomization.check_blueprint``'s question, not this module's.

The compact text form an instructor types (``parse_blueprint``)::

    components:5, barriers:5, comparison:5        five items from each of three pools
    components:6[1=2,2=2,3=2]                     ... two of each difficulty (must add up to 6)
    phases:4(single,scenario)                     ... only plain single-answer items and scenarios
    barriers:6[1=3,3=3](scenario)                 both at once: mix first, then types

A rule on a pool of unfolding cases (``cases:1``) counts whole cases, each bringing its 3-6
questions (``question_bank.cases``); it takes no difficulty mix and no types.

Rules are separated by commas, semicolons or new lines. A difficulty mix names levels 1 (recall),
2 (understanding) and 3 (application); its counts must add up to the rule's count. A type filter
matches the *declared* type: ``scenario`` takes every scenario, ``single`` only plain single
items (not scenarios that carry one), so "no scenarios" is expressible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from question_bank.messages import N_
from question_bank.model import ItemType
from question_bank.numbers import whole_number

DIFFICULTIES = (1, 2, 3)

#: What the difficulty levels mean, in an instructor's words.
DIFFICULTY_LABELS = {1: N_("recall"), 2: N_("understanding"), 3: N_("application")}

#: The item types as an instructor names them (``scenario`` takes every scenario whatever it carries).
def _type_labels() -> dict[ItemType, str]:
    from question_bank import types as item_types  # each type names itself (types/<type>.py: label)

    specs = {**item_types.TYPES, ItemType.SCENARIO: item_types.SCENARIO}
    return {item_type: specs[item_type].label for item_type in ItemType}


TYPE_LABELS = _type_labels()


class BlueprintSyntaxError(ValueError):
    """The text is not a blueprint; the message says where and what was expected."""


@dataclass(frozen=True, slots=True)
class PoolRule:
    """``count`` items from ``pool``; optionally ``{difficulty: n}`` and a set of allowed types."""

    pool: str
    count: int
    difficulty: Mapping[int, int] | None = None
    types: frozenset[ItemType] | None = None

    def to_text(self) -> str:
        text = f"{self.pool}:{self.count}"
        if self.difficulty:
            text += "[" + ",".join(f"{d}={n}" for d, n in sorted(self.difficulty.items())) + "]"
        if self.types:
            text += "(" + ",".join(sorted(t.value for t in self.types)) + ")"
        return text


@dataclass(frozen=True, slots=True)
class Blueprint:
    """The pools of one form, in the order their items appear on it."""

    rules: tuple[PoolRule, ...]

    @property
    def total(self) -> int:
        return sum(rule.count for rule in self.rules)

    def to_text(self) -> str:
        """The compact form ``parse_blueprint`` reads (``parse_blueprint(b.to_text()) == b``)."""
        return ", ".join(rule.to_text() for rule in self.rules)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {
                "pool": rule.pool,
                "count": rule.count,
                "difficulty": {str(d): n for d, n in sorted(rule.difficulty.items())}
                if rule.difficulty
                else None,
                "types": sorted(t.value for t in rule.types) if rule.types else None,
            }
            for rule in self.rules
        ]

    @classmethod
    def from_json(cls, data: list[dict[str, Any]]) -> Blueprint:
        rules = []
        for entry in data:
            mix = entry.get("difficulty")
            types = entry.get("types")
            rules.append(
                PoolRule(
                    entry["pool"],
                    int(entry["count"]),
                    {int(d): int(n) for d, n in mix.items()} if mix else None,
                    frozenset(ItemType(t) for t in types) if types else None,
                )
            )
        return cls(tuple(rules))


_RULE = re.compile(
    r"""^(?P<pool>[A-Za-z0-9_-]+)\s*:\s*(?P<count>\d+)\s*
        (?:\[(?P<mix>[^\[\]]*)\])?\s*
        (?:\((?P<types>[^()]*)\))?$""",
    re.VERBOSE,
)

_HELP = "expected POOL:COUNT, optionally [1=N,2=N,3=N] and (TYPE,...), e.g. components:6[1=2,2=2,3=2]"


def parse_blueprint(text: str) -> Blueprint:
    """The Blueprint the compact ``text`` describes (syntax in the module docstring).

    Raises BlueprintSyntaxError naming the rule that is wrong and what was expected.
    """
    pieces = _split_rules(text)
    if not pieces:
        raise BlueprintSyntaxError(f"the blueprint is empty: {_HELP}")
    rules: list[PoolRule] = []
    for number, piece in enumerate(pieces, start=1):
        rule = _parse_rule(piece, number)
        if any(existing.pool == rule.pool for existing in rules):
            raise BlueprintSyntaxError(
                f"rule {number} {piece!r}: pool {rule.pool!r} appears twice; "
                "give it one rule (a difficulty mix can split its count)"
            )
        rules.append(rule)
    return Blueprint(tuple(rules))


def _split_rules(text: str) -> list[str]:
    """Split at commas, semicolons and new lines that are not inside [...] or (...)."""
    pieces, current, depth = [], [], 0
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if depth == 0 and char in ",;\n":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    if depth != 0:
        raise BlueprintSyntaxError(f"unbalanced brackets in {text.strip()!r}: {_HELP}")
    return [piece.strip() for piece in pieces if piece.strip()]


def _parse_rule(piece: str, number: int) -> PoolRule:
    match = _RULE.match(piece)
    where = f"rule {number} {piece!r}"
    if not match:
        raise BlueprintSyntaxError(f"{where}: {_HELP}")
    count = int(match["count"])
    if count < 1:
        raise BlueprintSyntaxError(f"{where}: the count must be at least 1")
    mix = _parse_mix(match["mix"], count, where) if match["mix"] is not None else None
    types = _parse_types(match["types"], where) if match["types"] is not None else None
    return PoolRule(match["pool"], count, mix, types)


def _parse_mix(text: str, count: int, where: str) -> dict[int, int]:
    mix: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        level, equals, amount = (s.strip() for s in part.partition("="))
        if not equals or whole_number(level) is None or whole_number(amount) is None:
            raise BlueprintSyntaxError(f"{where}: {part!r} is not LEVEL=COUNT (e.g. 2=3)")
        if int(level) not in DIFFICULTIES:
            raise BlueprintSyntaxError(f"{where}: difficulty {level} is not 1, 2 or 3")
        if int(level) in mix:
            raise BlueprintSyntaxError(f"{where}: difficulty {level} is given twice")
        mix[int(level)] = int(amount)
    if not mix:
        raise BlueprintSyntaxError(f"{where}: the difficulty mix [] is empty")
    if sum(mix.values()) != count:
        raise BlueprintSyntaxError(
            f"{where}: the difficulty mix adds up to {sum(mix.values())}, not to the count {count}"
        )
    return {level: n for level, n in mix.items() if n}


def _parse_types(text: str, where: str) -> frozenset[ItemType]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise BlueprintSyntaxError(f"{where}: the type list () is empty")
    known = ", ".join(t.value for t in ItemType)
    types = set()
    for name in names:
        try:
            types.add(ItemType(name))
        except ValueError:
            raise BlueprintSyntaxError(f"{where}: unknown type {name!r} ({known})") from None
    return frozenset(types)
