"""Item analysis over submitted attempts: facility, discrimination, option counts, flags, and the
distribution of scores. Pure arithmetic.

The caller scores every response (with its one scoring entry point, regrade rules applied) and
hands over each attempt's ``SlotScore``s, so a regrade changes these statistics exactly as it
changes the grades; the sums are taken in one pass over them (thousands of attempts in a
fraction of a second), or a database sums the same stored numbers (``ItemSums``). Definitions, as in classical test theory:

* **facility**: the mean share of the item earned (for an all-or-nothing item, the proportion of
  attempts that got it right), 0..1.
* **discrimination**: the item-rest correlation, Pearson's r between the points earned on the
  item and the points earned on the *rest* of the attempt (the point-biserial correlation when
  the item is right-or-wrong). Leaving the item out of the total keeps an item from correlating
  with itself. None when fewer than two attempts or when either side never varies.
* **option counts**: for single, multiple and true/false items, how many attempts chose each
  option (ticked, for multiple response); the key is marked.
* **flags**: negative discrimination (students who did well elsewhere did worse here: often a
  wrong key or an ambiguous stem), and an option nobody chose (a distractor that distracts no one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from fractions import Fraction

from question_bank import types as item_types
from question_bank.model import Item


@dataclass(frozen=True, slots=True)
class SlotScore:
    """One slot of a submitted attempt, as scoring leaves it: the item version shown, its points,
    the share earned (0..1), whether it counts (False for an item dropped by a regrade: it is
    analysed, but adds nothing to the rest score of the others), and the options chosen (choice
    items). Small and plain, so an attempt can store its slots once and an analysis of thousands
    of attempts reads numbers instead of scoring every response again."""

    item_id: str
    version: int
    points: float
    credit: float
    counted: bool = True
    chosen: tuple[str, ...] = ()

    @property
    def earned(self) -> float:
        return self.credit * self.points

    @classmethod
    def of(cls, item: Item, response: object, credit: Fraction | float, counted: bool = True) -> SlotScore:
        return cls(item.id, item.version, float(item.points), float(credit), counted, tuple(chosen_options(item, response)))



@dataclass(frozen=True, slots=True)
class OptionCount:
    id: str
    text: str
    is_key: bool
    chosen: int


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    item_id: str
    #: The newest version seen: its stem, options and key are what the page shows.
    item: Item
    #: Attempts that were given this item.
    attempts: int
    facility: float
    discrimination: float | None
    options: tuple[OptionCount, ...]
    flags: tuple[str, ...]


@dataclass(slots=True)
class ItemSums:
    """What the statistics of one item need, summed over the attempts that were given it: the
    count, the credit, and for Pearson's r the sums of the item's points ``x``, of the rest of
    the attempt's points ``r``, of their squares and of their product; and how often each option
    was chosen. Summed in one pass here (``item_statistics``), or by a database query."""

    n: int = 0
    credit: float = 0.0
    x: float = 0.0
    xx: float = 0.0
    r: float = 0.0
    rr: float = 0.0
    xr: float = 0.0
    tally: dict[str, int] = field(default_factory=dict)

    def add(self, slot: SlotScore, total: float) -> None:
        x = slot.credit * slot.points
        rest = total - x if slot.counted else total
        self.n += 1
        self.credit += slot.credit
        self.x += x
        self.xx += x * x
        self.r += rest
        self.rr += rest * rest
        self.xr += x * rest
        for chosen in slot.chosen:
            self.tally[chosen] = self.tally.get(chosen, 0) + 1

    @property
    def discrimination(self) -> float | None:
        """Pearson's r of ``x`` and ``r``; None when undefined (one attempt, or no variation)."""
        n = self.n
        if n < 2:
            return None
        sxx = self.xx - self.x * self.x / n
        srr = self.rr - self.r * self.r / n
        if sxx <= 1e-9 * max(1.0, self.xx) or srr <= 1e-9 * max(1.0, self.rr):
            return None
        return (self.xr - self.x * self.r / n) / math.sqrt(sxx * srr)


def item_statistics(attempts: Iterable[Sequence[SlotScore]], items: Mapping[str, Item]) -> list[ItemStatistics]:
    """One entry per item id, in the order first met. ``items`` gives, by id, the item version
    whose text and key the statistics are shown with (the newest one)."""
    sums: dict[str, ItemSums] = {}
    for slots in attempts:
        total = math.fsum(slot.credit * slot.points for slot in slots if slot.counted)
        for slot in slots:
            found = sums.get(slot.item_id)
            if found is None:
                found = sums[slot.item_id] = ItemSums()
            found.add(slot, total)
    return [statistics_of(item_id, items[item_id], found) for item_id, found in sums.items()]


def statistics_of(item_id: str, item: Item, sums: ItemSums) -> ItemStatistics:
    """The statistics of one item from its sums (and its options and key from ``item``)."""
    options = tuple(
        OptionCount(option_id, text, is_key, sums.tally.get(option_id, 0))
        for option_id, text, is_key in option_list(item)
    )
    discrimination = sums.discrimination
    flags = []
    if discrimination is not None and discrimination < 0:
        flags.append(
            "Negative discrimination: students who did well on the rest of the quiz did worse on "
            "this question. Check the key and the wording."
        )
    for option in options:
        if option.chosen == 0 and not option.is_key:
            flags.append(f"Nobody chose “{option.text}”: it distracts no one.")
        elif option.chosen == 0:
            flags.append(f"Nobody chose the keyed answer “{option.text}”.")
    return ItemStatistics(item_id, item, sums.n, sums.credit / sums.n, discrimination, options, tuple(flags))


def option_list(item: Item) -> list[tuple[str, str, bool]]:
    """``(id, text, is_key)`` of the options a choice item offers, in authored order; [] for
    kinds whose answer is not a choice among options (matching, ordering, classification)."""
    return item_types.spec_for(item).option_list(item.body)


def chosen_options(item: Item, response: object) -> list[str]:
    """The option ids a response chose (ticked), for the kinds ``option_list`` covers."""
    if response is None:
        return []
    return item_types.spec_for(item).chosen_options(item.body, response)


@dataclass(frozen=True, slots=True)
class ScoreBin:
    """Attempts scoring from ``low`` (included) to ``high`` percent (excluded, except 100)."""

    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}%"


def score_distribution(fractions: Iterable[float], bins: int = 10) -> list[ScoreBin]:
    """How many attempts scored in each band of ``100 / bins`` percent (a full score falls in
    the last band)."""
    width = 100 // bins
    counts = [0] * bins
    for fraction in fractions:
        index = min(bins - 1, max(0, int(fraction * 100 + 1e-9) // width))
        counts[index] += 1
    return [ScoreBin(i * width, 100 if i == bins - 1 else (i + 1) * width, count) for i, count in enumerate(counts)]
