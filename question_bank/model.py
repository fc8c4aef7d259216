"""The item model: what one question *is*, independent of any file format or web page.

Every reader (YAML bank files, GIFT, Moodle XML, QTI) produces these objects and every writer
consumes them, so a format never needs to know about another. The objects are frozen: an item
that changes is a new version, never a mutated old one (attempts keep the version they drew).

A response (what a student submits) has one plain-JSON shape per kind of body, documented on
each body class, so the web layer can store it as JSON and the scorer can read it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum


class ItemType(StrEnum):
    """The item types of CONTENT.md. SCENARIO carries one of the others behind a vignette."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    MATCHING = "matching"
    ORDERING = "ordering"
    CLASSIFICATION = "classification"
    SCENARIO = "scenario"
    MATRIX = "matrix"
    EXTENDED_MULTIPLE = "extended_multiple"
    CLOZE = "cloze"
    BOWTIE = "bowtie"
    HIGHLIGHT = "highlight"


#: The types a scenario may carry (a scenario inside a scenario is not a thing).
CARRIABLE_TYPES = tuple(t for t in ItemType if t is not ItemType.SCENARIO)


class MultipleScoring(StrEnum):
    """How a multiple-response item turns a set of ticks into a fraction."""

    ALL_OR_NOTHING = "all_or_nothing"
    RIGHT_MINUS_WRONG = "right_minus_wrong"


@dataclass(frozen=True, slots=True)
class Source:
    """Where in the seed material an item's key comes from."""

    seed: str
    section: str


@dataclass(frozen=True, slots=True)
class Choice:
    """One labelled piece of an item: an option, a premise, a response, a statement or a category.

    ``rationale`` is the feedback for this piece (why a distractor is wrong, why the key is right).
    """

    id: str
    text: str
    rationale: str = ""


@dataclass(frozen=True, slots=True)
class SingleBody:
    """Single best answer. Response: the chosen option id (``"b"``)."""

    options: tuple[Choice, ...]
    key: str


@dataclass(frozen=True, slots=True)
class MultipleBody:
    """Multiple response. Response: a list of ticked option ids (``["a", "c"]``)."""

    options: tuple[Choice, ...]
    key: frozenset[str]
    scoring: MultipleScoring = MultipleScoring.RIGHT_MINUS_WRONG


@dataclass(frozen=True, slots=True)
class TrueFalseBody:
    """A statement judged true or false. Response: a boolean."""

    answer: bool


@dataclass(frozen=True, slots=True)
class MatchingBody:
    """Match each premise to one response. Response: ``{premise_id: response_id}``."""

    premises: tuple[Choice, ...]
    responses: tuple[Choice, ...]
    key: dict[str, str]


@dataclass(frozen=True, slots=True)
class OrderingBody:
    """Put the options in order. Response: the option ids in the student's order."""

    options: tuple[Choice, ...]
    key: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClassificationBody:
    """Sort statements into categories. Response: ``{statement_id: category_id}``."""

    categories: tuple[Choice, ...]
    statements: tuple[Choice, ...]
    key: dict[str, str]


Body = SingleBody | MultipleBody | TrueFalseBody | MatchingBody | OrderingBody | ClassificationBody

#: Which body class goes with which (carried) type.
BODY_FOR_TYPE: dict[ItemType, type] = {
    ItemType.SINGLE: SingleBody,
    ItemType.MULTIPLE: MultipleBody,
    ItemType.TRUE_FALSE: TrueFalseBody,
    ItemType.MATCHING: MatchingBody,
    ItemType.ORDERING: OrderingBody,
    ItemType.CLASSIFICATION: ClassificationBody,
}


@dataclass(frozen=True, slots=True)
class Item:
    """One versioned question.

    ``type`` is what the author declared; for a scenario, ``carries`` names the type of ``body``
    and ``vignette`` holds the case text shown before the stem. ``kind`` is the type that decides
    rendering and scoring (the carried one for a scenario).
    """

    id: str
    version: int
    pool: str
    type: ItemType
    difficulty: int
    stem: str
    body: Body
    rationale: str
    sources: tuple[Source, ...]
    points: int = 1
    tags: tuple[str, ...] = ()
    enemies: tuple[str, ...] = ()
    vignette: str | None = None
    carries: ItemType | None = None
    #: Ids of the coverage map's facts (``banks/coverage.yaml``) this item tests.
    covers: tuple[str, ...] = ()
    #: Why the lint's warnings on this item are acceptable (silences them; errors stay).
    lint_ok: str | None = None

    @property
    def kind(self) -> ItemType:
        return self.carries if self.type is ItemType.SCENARIO and self.carries else self.type

    @property
    def ref(self) -> str:
        """``id@version``: how an attempt names the exact item it drew."""
        return f"{self.id}@{self.version}"


@dataclass(frozen=True, slots=True)
class Case:
    """An unfolding case: a stem (the client, the setting) and 3-6 items delivered together and in
    order, each adding information to the stem (``adds[i]`` goes with ``items[i]``; the first may
    be empty). Drawn as one unit; its ``enemies`` and its items' keep other units off its form.
    ``question_bank.cases`` draws, records and shows it."""

    id: str
    version: int
    pool: str
    title: str
    difficulty: int
    stem: str
    items: tuple[Item, ...]
    adds: tuple[str, ...]
    sources: tuple[Source, ...]
    tags: tuple[str, ...] = ()
    enemies: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def ids(self) -> frozenset[str]:
        """The case's id and its items' ids: what an enemy may name to keep the case away."""
        return frozenset((self.id, *(item.id for item in self.items)))

    @property
    def all_enemies(self) -> frozenset[str]:
        """What the case and its items name as enemies (the case counts as one unit)."""
        return frozenset(self.enemies).union(*(item.enemies for item in self.items))


@dataclass(frozen=True, slots=True)
class Pool:
    """The items of one pool, as read from one bank file: loose items, or (a case pool) cases."""

    name: str
    title: str
    items: tuple[Item, ...]
    path: str = ""
    cases: tuple[Case, ...] = ()


@dataclass(frozen=True, slots=True)
class Bank:
    """Every pool the tool can draw from. Built only from input that validated completely."""

    pools: dict[str, Pool] = field(default_factory=dict)

    def items(self) -> list[Item]:
        """Every item: the loose ones and those of cases (a case pool's items are drawn only with
        their case: draws read ``Pool.items``, which holds the loose ones)."""
        return [item for pool in self.pools.values() for item in (*pool.items, *(i for c in pool.cases for i in c.items))]

    def cases(self) -> list[Case]:
        return [case for pool in self.pools.values() for case in pool.cases]

    def item(self, item_id: str) -> Item:
        for pool in self.pools.values():
            for item in pool.items:
                if item.id == item_id:
                    return item
            for case in pool.cases:
                for item in case.items:
                    if item.id == item_id:
                        return item
        raise KeyError(item_id)
