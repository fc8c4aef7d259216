"""Item analysis over submitted attempts: facility, discrimination, option counts, flags, and the
distribution of scores. Pure arithmetic.

The caller scores every response (with its one scoring entry point, regrade rules applied) and
hands over ``ScoredAttempt``s, so a regrade changes these statistics exactly as it changes the
grades. Definitions, as in classical test theory:

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
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from question_bank.model import Item
from question_bank.model import MultipleBody
from question_bank.model import SingleBody
from question_bank.model import TrueFalseBody
from question_bank.scoring import as_answer


@dataclass(frozen=True, slots=True)
class ScoredResponse:
    """One slot of a submitted attempt: the item version shown, the response, the share earned.

    ``counted`` is False for an item dropped by a regrade: it is analysed, but adds nothing to
    the rest score of the other items.
    """

    item: Item
    response: object
    credit: Fraction
    counted: bool = True

    @property
    def points(self) -> Fraction:
        return self.credit * self.item.points


@dataclass(frozen=True, slots=True)
class ScoredAttempt:
    responses: tuple[ScoredResponse, ...]

    @property
    def total(self) -> Fraction:
        return sum((r.points for r in self.responses if r.counted), Fraction(0))


@dataclass(frozen=True, slots=True)
class OptionCount:
    id: str
    text: str
    is_key: bool
    chosen: int


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    item_id: str
    item: Item
    #: Attempts that were given this item.
    attempts: int
    facility: float
    discrimination: float | None
    options: tuple[OptionCount, ...]
    flags: tuple[str, ...]


def item_statistics(attempts: Iterable[ScoredAttempt]) -> list[ItemStatistics]:
    """One entry per item id (the newest version seen names it), in the order first met."""
    scores: dict[str, list[tuple[float, float]]] = {}
    credits: dict[str, list[Fraction]] = {}
    choices: dict[str, dict[str, int]] = {}
    newest: dict[str, Item] = {}
    for attempt in attempts:
        total = attempt.total
        for scored in attempt.responses:
            item = scored.item
            known = newest.get(item.id)
            if known is None or item.version > known.version:
                newest[item.id] = item
            own = scored.points if scored.counted else Fraction(0)
            scores.setdefault(item.id, []).append((float(scored.points), float(total - own)))
            credits.setdefault(item.id, []).append(scored.credit)
            tally = choices.setdefault(item.id, {})
            for chosen in chosen_options(item, scored.response):
                tally[chosen] = tally.get(chosen, 0) + 1
    return [
        _statistics(item_id, newest[item_id], credits[item_id], scores[item_id], choices[item_id])
        for item_id in scores
    ]


def _statistics(item_id: str, item: Item, credits: list[Fraction], pairs: list[tuple[float, float]],
                tally: dict[str, int]) -> ItemStatistics:
    facility = float(sum(credits, Fraction(0)) / len(credits))
    discrimination = correlation([p[0] for p in pairs], [p[1] for p in pairs])
    options = tuple(
        OptionCount(option_id, text, is_key, tally.get(option_id, 0))
        for option_id, text, is_key in option_list(item)
    )
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
    return ItemStatistics(item_id, item, len(credits), facility, discrimination, options, tuple(flags))


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when it is undefined (fewer than two pairs, or no variation)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    syy = math.fsum((y - mean_y) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def option_list(item: Item) -> list[tuple[str, str, bool]]:
    """``(id, text, is_key)`` of the options a choice item offers, in authored order; [] for
    kinds whose answer is not a choice among options (matching, ordering, classification)."""
    body = item.body
    if isinstance(body, SingleBody):
        return [(o.id, o.text, o.id == body.key) for o in body.options]
    if isinstance(body, MultipleBody):
        return [(o.id, o.text, o.id in body.key) for o in body.options]
    if isinstance(body, TrueFalseBody):
        return [("true", "True", body.answer is True), ("false", "False", body.answer is False)]
    return []


def chosen_options(item: Item, response: object) -> list[str]:
    """The option ids a response chose (ticked), for the kinds ``option_list`` covers."""
    body = item.body
    if response is None:
        return []
    if isinstance(body, SingleBody):
        return [response] if isinstance(response, str) else []
    if isinstance(body, MultipleBody):
        ticked = [response] if isinstance(response, str) else response
        if not isinstance(ticked, list | tuple | set | frozenset):
            return []
        return sorted({entry for entry in ticked if isinstance(entry, str)})
    if isinstance(body, TrueFalseBody):
        answer = as_answer(response)
        return [] if answer is None else ["true" if answer else "false"]
    return []


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
