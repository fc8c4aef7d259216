"""Hand-built items covering every type and option the formats must carry.

Texts use the characters GIFT escapes (``~ = # { } : \\``) and HTML escapes (``< > &``), ids
that differ from the ones an importer would invent, and a few that do not, so both paths of the
marker logic are exercised.
"""

from __future__ import annotations

from question_bank.model import Choice
from question_bank.model import ClassificationBody
from question_bank.model import Item
from question_bank.model import ItemType
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import MultipleScoring
from question_bank.model import OrderingBody
from question_bank.model import SingleBody
from question_bank.model import Source
from question_bank.model import TrueFalseBody

SEED_000 = "000_f0ef994ccb1e3b55.txt"
SEED_002 = "002_5c1d0a7a39c41f10.txt"


def _source(section: str, seed: str = SEED_000) -> Source:
    return Source(seed, section)


SINGLE = Item(
    id="comp-001",
    version=2,
    pool="components",
    type=ItemType.SINGLE,
    difficulty=1,
    stem="Which of these is a key component in the psychiatric-nursing list: {pick one}?",
    body=SingleBody(
        options=(
            Choice("a", "Sympathy", "Sympathy is a barrier = not a component."),
            Choice("b", "Trust", "Correct: trust is listed first ~ see the seed."),
            Choice("c", "Dependency #1", "Encouraging dependency is a barrier."),
        ),
        key="b",
    ),
    rationale="Trust heads the list.\nSympathy & dependency are barriers <not components>.",
    sources=(_source("Key Components of a Therapeutic Relationship"),),
    tags=("trust", "key-components"),
    enemies=("comp-002",),
)

MULTIPLE_RIGHT_MINUS_WRONG = Item(
    id="comp-010",
    version=1,
    pool="components",
    type=ItemType.MULTIPLE,
    difficulty=2,
    stem="Which of these belong to EARS? Tick all that apply.",
    body=MultipleBody(
        options=(
            Choice("empathy", "Empathy", "E stands for empathy."),
            Choice("awareness", "Awareness of self", "A stands for awareness of self."),
            Choice("sympathy", "Sympathy", "Sympathy is a barrier."),
            Choice("respect", "Respect", "R stands for respect."),
        ),
        key=frozenset({"empathy", "awareness", "respect"}),
        scoring=MultipleScoring.RIGHT_MINUS_WRONG,
    ),
    rationale="EARS: empathy, awareness of self, respect, self-disclosure.\n\nA second paragraph.",
    sources=(_source("Therapeutic use of self"), _source("Five components", SEED_002)),
    points=2,
)

MULTIPLE_ALL_OR_NOTHING = Item(
    id="comp-011",
    version=1,
    pool="components",
    type=ItemType.MULTIPLE,
    difficulty=2,
    stem="Which two are components in the therapy list?",
    body=MultipleBody(
        options=(
            Choice("a", "Collaboration", "Listed."),
            Choice("b", "Dependency", "A barrier."),
            Choice("c", "Communication", "Listed."),
        ),
        key=frozenset({"a", "c"}),
        scoring=MultipleScoring.ALL_OR_NOTHING,
    ),
    rationale="Collaboration and communication are in the five components of therapy.",
    sources=(_source("Five components", SEED_002),),
)

TRUE_FALSE = Item(
    id="tvs-001",
    version=1,
    pool="comparison",
    type=ItemType.TRUE_FALSE,
    difficulty=1,
    stem="In a social relationship, termination is defined at initiation.",
    body=TrueFalseBody(False),
    rationale="Termination is defined only in the therapeutic relationship.",
    sources=(_source("Therapeutic vs social relationships"),),
    tags=("termination",),
)

MATCHING = Item(
    id="barr-020",
    version=3,
    pool="barriers",
    type=ItemType.MATCHING,
    difficulty=2,
    stem="Match each barrier to its description.",
    body=MatchingBody(
        premises=(
            Choice("p1", "Countertransference"),
            Choice("p2", "Transference", "Feelings move client -> nurse."),
            Choice("p3", "Sympathy"),
        ),
        responses=(
            Choice("r1", "The client transfers feelings onto the nurse"),
            Choice("r2", "The nurse transfers feelings onto the client", "Direction: nurse first."),
            Choice("r3", "Feeling sorry for the client instead of empathy"),
        ),
        key={"p1": "r2", "p2": "r1", "p3": "r3"},
    ),
    rationale="Direction decides: nurse to client is countertransference.",
    sources=(_source("Barriers to Therapeutic Relationships"),),
    enemies=("barr-001", "barr-002"),
)

ORDERING = Item(
    id="phase-001",
    version=1,
    pool="phases",
    type=ItemType.ORDERING,
    difficulty=1,
    stem="Put the phases of the nurse-client relationship in order.",
    body=OrderingBody(
        options=(
            Choice("a", "Working phase", "Third: the problems are worked on."),
            Choice("b", "Pre-interaction phase", "First: before meeting the client."),
            Choice("c", "Introductory (orientation) phase"),
            Choice("d", "Termination phase"),
        ),
        key=("b", "c", "a", "d"),
    ),
    rationale="Pre-interaction, introductory, working, termination.",
    sources=(_source("Phases of the Therapeutic Relationship"),),
)

CLASSIFICATION = Item(
    id="tvs-010",
    version=1,
    pool="comparison",
    type=ItemType.CLASSIFICATION,
    difficulty=2,
    stem="Sort each statement: therapeutic or social relationship?",
    body=ClassificationBody(
        categories=(
            Choice("therapeutic", "Therapeutic relationship"),
            Choice("social", "Social relationship"),
        ),
        statements=(
            Choice("s1", "Goal: meet the client's needs",
                   "The relationship exists for the client."),
            Choice("s2", "Termination is not defined", "Social relationships end without a plan."),
            Choice("s3", "Identification of needs is present"),
        ),
        key={"s1": "therapeutic", "s2": "social", "s3": "therapeutic"},
    ),
    rationale="Only the therapeutic relationship is built around the client's needs.",
    sources=(_source("Therapeutic vs social relationships"),),
    tags=("comparison-table",),
)

SCENARIO_SINGLE = Item(
    id="barr-030",
    version=1,
    pool="barriers",
    type=ItemType.SCENARIO,
    carries=ItemType.SINGLE,
    vignette="A nurse tells a client about her own divorce to comfort him.\nHe looks uneasy.",
    difficulty=3,
    stem="Which barrier does the nurse's behaviour show?",
    body=SingleBody(
        options=(
            Choice("a", "Inappropriate boundaries", "Correct: personal problems are not shared."),
            Choice("b", "Transference", "Transference runs from client to nurse."),
        ),
        key="a",
    ),
    rationale="Sharing personal problems crosses a professional boundary.",
    sources=(_source("Barriers to Therapeutic Relationships"),),
    tags=("boundaries", "scenario"),
)

SCENARIO_MULTIPLE = Item(
    id="barr-031",
    version=1,
    pool="barriers",
    type=ItemType.SCENARIO,
    carries=ItemType.MULTIPLE,
    vignette="A care worker is offered an expensive watch by a client's family.",
    difficulty=3,
    stem="What should the care worker do? Tick all that apply.",
    body=MultipleBody(
        options=(
            Choice("a", "Decline politely", "Personal offers are declined politely."),
            Choice("b", "Accept to avoid offence", "Expensive gifts are not accepted."),
            Choice("c", "Document and tell the supervisor", "Unusual requests are documented."),
        ),
        key=frozenset({"a", "c"}),
    ),
    rationale="Boundaries protect the relationship.",
    sources=(_source("Professional boundaries", SEED_002),),
)

ALL_ITEMS = (
    SINGLE,
    MULTIPLE_RIGHT_MINUS_WRONG,
    MULTIPLE_ALL_OR_NOTHING,
    TRUE_FALSE,
    MATCHING,
    ORDERING,
    CLASSIFICATION,
    SCENARIO_SINGLE,
    SCENARIO_MULTIPLE,
)
