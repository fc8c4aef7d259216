"""What a page may show of an item, as plain dicts, so the web layer never handles keys itself.

``student_view`` is what a student sees while answering: stem, vignette and the item's lists in
the order the attempt's Layout recorded, with no key and no rationale anywhere in it (the web
layer can send it to the browser as JSON). ``review_view`` adds, for feedback after submission,
the key (in the response shape of ``model``), every rationale, the sources and, given the
student's response, what they chose and the score.

Both tolerate a layout that no longer matches the item (ids gone or added since): listed ids
that exist come first in the recorded order, the rest follow in authored order.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from question_bank.forms import Layout
from question_bank.model import Choice
from question_bank.model import ClassificationBody
from question_bank.model import Item
from question_bank.model import MatchingBody
from question_bank.model import MultipleBody
from question_bank.model import OrderingBody
from question_bank.model import SingleBody
from question_bank.model import TrueFalseBody
from question_bank.scoring import as_answer
from question_bank.scoring import score_item

_TRUE_FALSE_OPTIONS = ({"id": "true", "text": "True"}, {"id": "false", "text": "False"})


def student_view(item: Item, layout: Layout | None = None) -> dict[str, Any]:
    """The item as a student answering it sees it: no key, no rationale.

    Keys: ``id, version, ref, type, kind, points, vignette, stem`` and, by kind, ``options``
    (single, multiple, ordering; true/false gets ``true``/``false``), ``scoring`` (multiple),
    ``premises`` and ``responses`` (matching), ``categories`` and ``statements``
    (classification). Every list entry is ``{"id", "text"}``.
    """
    layout = layout or Layout()
    view = _header(item)
    for name, choices in _lists(item, layout).items():
        view[name] = [{"id": c.id, "text": c.text} for c in choices]
    if isinstance(item.body, TrueFalseBody):
        view["options"] = [dict(option) for option in _TRUE_FALSE_OPTIONS]
    if isinstance(item.body, MultipleBody):
        view["scoring"] = item.body.scoring.value
    return view


def review_view(
    item: Item, layout: Layout | None = None, response: object = None, *, answered: bool = False
) -> dict[str, Any]:
    """The item with its key and feedback, for review after submission.

    Adds to ``student_view``: ``key`` (shaped like a response), ``rationale``, ``sources``, a
    ``rationale`` on every list entry, ``is_key`` on options of single/multiple items and ``key``
    (the keyed response or category id) on premises and statements. With a response (or
    ``answered=True`` for an empty one) also ``response``, ``score`` (a ``fractions.Fraction``
    of the item's points: ``float()`` or ``str()`` it to display), ``chosen`` on options and
    ``given`` on premises and statements.
    """
    layout = layout or Layout()
    body = item.body
    shown = answered or response is not None
    view = _header(item)
    view["key"] = _key(item)
    view["rationale"] = item.rationale
    view["sources"] = [{"seed": s.seed, "section": s.section} for s in item.sources]
    for name, choices in _lists(item, layout).items():
        view[name] = [_reviewed_choice(body, name, c, response, shown) for c in choices]
    if isinstance(body, TrueFalseBody):
        view["options"] = [
            {**option, "is_key": (option["id"] == "true") is body.answer}
            | ({"chosen": (option["id"] == "true") is as_answer(response)} if shown else {})
            for option in _TRUE_FALSE_OPTIONS
        ]
    if isinstance(body, MultipleBody):
        view["scoring"] = body.scoring.value
    if shown:
        view["response"] = response
        view["score"] = score_item(item, response)
    return view


def _header(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "version": item.version,
        "ref": item.ref,
        "type": item.type.value,
        "kind": item.kind.value,
        "points": item.points,
        "vignette": item.vignette,
        "stem": item.stem,
    }


def _lists(item: Item, layout: Layout) -> dict[str, list[Choice]]:
    """The item's lists, each in the order the layout recorded for it."""
    body = item.body
    if isinstance(body, SingleBody | MultipleBody | OrderingBody):
        return {"options": _in_order(body.options, layout.option_order)}
    if isinstance(body, MatchingBody):
        return {
            "premises": _in_order(body.premises, layout.premise_order),
            "responses": _in_order(body.responses, layout.response_order),
        }
    if isinstance(body, ClassificationBody):
        return {
            "categories": list(body.categories),
            "statements": _in_order(body.statements, layout.statement_order),
        }
    return {}


def _in_order(choices: Sequence[Choice], order: Sequence[str]) -> list[Choice]:
    by_id = {c.id: c for c in choices}
    ordered = [by_id.pop(choice_id) for choice_id in order if choice_id in by_id]
    return ordered + [c for c in choices if c.id in by_id]


def _key(item: Item) -> object:
    body = item.body
    if isinstance(body, SingleBody):
        return body.key
    if isinstance(body, MultipleBody):
        return [c.id for c in body.options if c.id in body.key]
    if isinstance(body, TrueFalseBody):
        return body.answer
    if isinstance(body, OrderingBody):
        return list(body.key)
    if isinstance(body, MatchingBody | ClassificationBody):
        return dict(body.key)
    raise TypeError(f"no key shape for {type(body).__name__}")


def _reviewed_choice(
    body: object, list_name: str, choice: Choice, response: object, shown: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": choice.id, "text": choice.text, "rationale": choice.rationale}
    if isinstance(body, SingleBody):
        entry["is_key"] = choice.id == body.key
        if shown:
            entry["chosen"] = response == choice.id
    elif isinstance(body, MultipleBody):
        entry["is_key"] = choice.id in body.key
        if shown:
            ticked = response if isinstance(response, list | tuple | set | frozenset) else [response]
            entry["chosen"] = choice.id in ticked
    elif isinstance(body, MatchingBody | ClassificationBody) and list_name in (
        "premises",
        "statements",
    ):
        entry["key"] = body.key.get(choice.id)
        if shown:
            entry["given"] = response.get(choice.id) if isinstance(response, Mapping) else None
    return entry
