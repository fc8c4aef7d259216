"""The one protocol every item type implements, and the small vocabulary the formats share.

A type module (``question_bank/types/<type>.py``) holds everything one item type means:

* **bank file**: ``schema`` (marshmallow, the shape of its fields; ``unknown = RAISE``),
  ``check`` (rules relating its fields, as ``(path, message)`` findings the loader turns into
  ``file:line: item: field: message``), ``build`` (bank-file dict -> body) and ``to_data`` (its
  inverse, in the README's key order);
* **layout**: ``layout`` (what is shuffled for one student, recorded in the attempt as a
  ``forms.Layout``; drawing never recomputes it);
* **views**: ``lists`` (the body's lists in the recorded order), ``student_extra`` (what else a
  student needs; never a key), ``key``, ``review_choice`` and ``review_extra`` (key, what was
  given, right/wrong per part);
* **response**: ``response_field`` (what a student may send, as a marshmallow field built
  against the ids shown; the HTTP form and the autosave JSON both go through it) and
  ``response_from_form`` (the plain HTML form's fields read into that shape);
* **scoring**: ``credit`` (a ``Fraction`` 0..1 of the item's points) and ``partial_credit`` (the
  rule's name, as the review and the docs say it);
* **exchange formats**: ``pieces`` / ``with_pieces`` (the labelled pieces whose feedback the
  formats fold into general feedback), ``import_problem`` (why a body read from a file cannot
  be an item), and ``exchange`` (the body as one of the shapes GIFT, Moodle XML, QTI 1.2 and
  QTI 2.1 know: a choice, a set of pairs, an order), or ``None`` with ``exchange_note`` saying
  why the item is skipped (reported in the export notes, never silently dropped). A type whose
  format mapping goes beyond the shared shapes overrides ``export_native`` / reads back through
  ``from_native`` for that format.

The registry (``question_bank.types``) maps each ``ItemType`` to its module's ``TYPE``. Nothing
outside ``question_bank/types`` looks at a body's class.
"""

from __future__ import annotations

import random
from abc import ABC
from abc import abstractmethod
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from fractions import Fraction
from typing import Any
from typing import ClassVar

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate

from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ItemType
from question_bank.model import MultipleScoring

ZERO = Fraction(0)
ONE = Fraction(1)

Path = tuple[str | int, ...]
Finding = tuple[Path, str]


# --------------------------------------------------------------------------- exchange shapes


@dataclass(frozen=True, slots=True)
class ChoiceShape:
    """Choose among options: one (``multiple=False``) or several. True/false is a choice of
    ``true``/``false`` with ``true_false=True``; ``scoring`` is set for multiple response."""

    choices: tuple[Choice, ...]
    key: tuple[str, ...]
    multiple: bool = False
    scoring: MultipleScoring | None = None
    true_false: bool = False
    #: The bank type to mark when plain single/multiple is not what it is, and its variant.
    kind: ItemType | None = None
    variant: str | None = None
    #: Whether a wrong tick costs (right-minus-wrong); False: it only earns nothing.
    penalty: bool = True
    #: How many ticks a student may make (0: any number).
    max_choices: int = 0


@dataclass(frozen=True, slots=True)
class PairShape:
    """Pair each left piece with one right piece (``key``: left id -> right id). ``kind`` is the
    bank type to mark when plain matching is not what it is (classification); ``reusable``: a
    right piece may take any number of left ones."""

    left_role: str
    left: tuple[Choice, ...]
    right_role: str
    right: tuple[Choice, ...]
    key: Mapping[str, str]
    kind: ItemType | None = None
    reusable: bool = False


@dataclass(frozen=True, slots=True)
class OrderShape:
    """Put the options in the keyed order."""

    options: tuple[Choice, ...]
    key: tuple[str, ...]


Shape = ChoiceShape | PairShape | OrderShape


# --------------------------------------------------------------------------- the protocol


class ItemTypeSpec(ABC):
    """One item type, behind the interface every caller uses (see the module docstring)."""

    #: The bank-file ``type`` value, and how an instructor reads it ("single answer").
    type: ClassVar[ItemType]
    label: ClassVar[str]
    #: The model class of this type's body.
    body_class: ClassVar[type]
    #: The marshmallow schema class of this type's bank-file item (built once by the registry).
    schema: ClassVar[type[Schema]]
    #: How partial credit is given, in words (docs, review).
    partial_credit: ClassVar[str]
    #: Whether every exchange format has per-option feedback for this type's pieces.
    native_option_feedback: ClassVar[bool] = False
    #: Whether a scenario may carry this type.
    carriable: ClassVar[bool] = True

    @property
    def template(self) -> str:
        """The template partial's name: ``items/<name>.html`` and ``items/review/<name>.html``."""
        return self.type.value

    # bank file -----------------------------------------------------------------------------

    @abstractmethod
    def check(self, data: Mapping) -> Iterable[Finding]:
        """Cross-field problems of a schema-valid item dict (see ``bank/rules.py``)."""

    @abstractmethod
    def build(self, data: Mapping[str, Any]) -> Any:
        """The body of a schema- and rule-valid item dict."""

    @abstractmethod
    def to_data(self, body: Any) -> dict[str, Any]:
        """The bank-file fields of ``body`` (the inverse of ``build``)."""

    # layout --------------------------------------------------------------------------------

    def layout(self, body: Any, rng: random.Random) -> Layout:
        """What this student sees shuffled; default: nothing."""
        return Layout()

    # views ---------------------------------------------------------------------------------

    def lists(self, body: Any, layout: Layout) -> dict[str, list[Choice]]:
        """The body's lists shown to students, each in the order ``layout`` recorded."""
        return {}

    def student_extra(self, body: Any, layout: Layout) -> dict[str, Any]:
        """More of the student view (never a key)."""
        return {}

    @abstractmethod
    def key(self, body: Any) -> object:
        """The key, shaped like a response."""

    def review_choice(
        self, body: Any, list_name: str, choice: Choice, response: object, shown: bool
    ) -> dict[str, Any]:
        """Review fields of one list entry (``is_key``, ``chosen``, ``key``, ``given``...)."""
        return {}

    def review_extra(self, body: Any, layout: Layout, response: object, shown: bool) -> dict[str, Any]:
        """More of the review view (per-part right/wrong for types with parts)."""
        return {}

    # response ------------------------------------------------------------------------------

    @abstractmethod
    def response_field(self, view: Mapping[str, Any]) -> fields.Field:
        """The marshmallow field accepting a response to the item shown as ``view``."""

    @abstractmethod
    def response_from_form(self, view: Mapping[str, Any], name: str, form: Any) -> object:
        """The raw response the no-JavaScript form posted under field prefix ``name``."""

    # scoring -------------------------------------------------------------------------------

    @abstractmethod
    def credit(self, body: Any, response: object) -> Fraction:
        """The share 0..1 of the item earned. Never raises for student input."""

    # statistics ----------------------------------------------------------------------------

    def option_list(self, body: Any) -> list[tuple[str, str, bool]]:
        """``(id, text, is_key)`` of the options of a choice among options; [] otherwise."""
        return []

    def chosen_options(self, body: Any, response: object) -> list[str]:
        """The option ids ``response`` chose, for the types ``option_list`` covers."""
        return []

    # exchange formats ----------------------------------------------------------------------

    def pieces(self, body: Any) -> list[tuple[str, Choice]]:
        """Every labelled piece with its role, in the body's own order."""
        return []

    def with_pieces(self, body: Any, filled: Mapping[tuple[str, str], str]) -> Any:
        """``body`` with the rationale of each ``(role, id)`` in ``filled`` set."""
        return body

    def import_problem(self, body: Any) -> str | None:
        """Why a body read from a foreign file cannot be an item, or None."""
        return None

    def exchange(self, body: Any) -> Shape | None:
        """The body as a shared exchange shape, or None when the formats cannot carry it."""
        return None

    #: The roles of a PairShape's two sides (importers name the marked ids by them).
    pair_roles: ClassVar[tuple[str, str] | None] = None

    def from_exchange(self, shape: Shape) -> Any:
        """The body an imported shape marked as this type stands for (None: it cannot be)."""
        return None

    #: Why ``exchange`` gave None (written to the export notes).
    exchange_note: ClassVar[str] = "no exchange format carries this type (skipped)"

    def export_notes(self, body: Any, fmt: str) -> list[str]:
        """What format ``fmt`` will not keep exactly for this body (beyond the shared notes)."""
        return []

    def export_native(self, item: Any, fmt: str) -> Any:
        """A format-specific export for types beyond the shared shapes (None: not carried)."""
        return None

    def from_native(self, fmt: str, data: Any) -> Any:
        """The body a format-specific export reads back as (None: not this type's)."""
        return None


# --------------------------------------------------------------------------- shared helpers


def in_order(choices: Sequence[Choice], order: Sequence[str]) -> list[Choice]:
    """``choices`` in the recorded ``order``; ids not in it follow in authored order."""
    by_id = {c.id: c for c in choices}
    ordered = [by_id.pop(choice_id) for choice_id in order if choice_id in by_id]
    return ordered + [c for c in choices if c.id in by_id]


def shuffled(ids: list[str], rng: random.Random) -> tuple[str, ...]:
    rng.shuffle(ids)
    return tuple(ids)


def choices(raw: Iterable[Mapping[str, str]]) -> tuple[Choice, ...]:
    """Choices from schema-valid bank-file records."""
    return tuple(Choice(c["id"], c["text"], c.get("rationale", "")) for c in raw)


def choices_to_data(items: Iterable[Choice]) -> list[dict[str, str]]:
    out = []
    for choice in items:
        entry = {"id": choice.id, "text": choice.text}
        if choice.rationale:
            entry["rationale"] = choice.rationale
        out.append(entry)
    return out


def filled(role: str, items: tuple[Choice, ...], found: Mapping[tuple[str, str], str]) -> tuple[Choice, ...]:
    """``items`` with rationales from ``found`` (keyed ``(role, id)``) filled in."""
    return tuple(
        replace(c, rationale=found[(role, c.id)]) if (role, c.id) in found else c for c in items
    )


def ids_of(view: Mapping[str, Any], name: str) -> list[str]:
    """The ids of list ``name`` of a student view."""
    return [entry["id"] for entry in view.get(name, [])]


def one_of(ids: list[str], what: str) -> validate.OneOf:
    return validate.OneOf(ids, error=f"{{input!r}} is not one of this question's {what}")


def no_repeats(values: list[str]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("an id appears more than once")


def ticks(response: object) -> tuple[set[str], int]:
    """The ticked ids of a tick-list answer, and how many entries were not ids at all."""
    if isinstance(response, str):
        return {response}, 0
    if not isinstance(response, list | tuple | set | frozenset):
        return set(), 0
    ids = {entry for entry in response if isinstance(entry, str)}
    return ids, sum(1 for entry in response if not isinstance(entry, str))


def placement_credit(key: Mapping[str, str], response: object) -> Fraction:
    """Share of ``key``'s sources placed on their keyed target."""
    if not isinstance(response, Mapping) or not key:
        return ZERO
    right = sum(1 for source, target in key.items() if response.get(source) == target)
    return Fraction(right, len(key))


def role_problems(roles: Iterable[tuple[str, Sequence[Choice]]]) -> str | None:
    """Shared import checks: no two pieces of a role share an id, every piece has text."""
    for role, items in roles:
        ids = [c.id for c in items]
        if len(set(ids)) != len(ids):
            return f"two {role}s share an id"
        if any(not c.text for c in items):
            return f"a {role} has no text"
    return None
