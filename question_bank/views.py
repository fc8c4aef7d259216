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

from typing import Any

from question_bank import types as item_types
from question_bank.forms import Layout
from question_bank.model import Item
from question_bank.scoring import score_item


def student_view(item: Item, layout: Layout | None = None) -> dict[str, Any]:
    """The item as a student answering it sees it: no key, no rationale.

    Keys: ``id, version, ref, type, kind, template, points, vignette, stem`` and, by kind,
    ``options`` (single, multiple, ordering; true/false gets ``true``/``false``), ``scoring``
    (multiple), ``premises`` and ``responses`` (matching), ``categories`` and ``statements``
    (classification): each type module's ``lists`` and ``student_extra``. Every list entry is
    ``{"id", "text"}``.
    """
    layout = layout or Layout()
    spec = item_types.spec_for(item)
    view = _header(item, spec.template)
    for name, choices in spec.lists(item.body, layout).items():
        view[name] = [{"id": c.id, "text": c.text} for c in choices]
    view.update(spec.student_extra(item.body, layout))
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
    ``given`` on premises and statements. Types with parts add their per-part right/wrong
    (their module's ``review_extra``).
    """
    layout = layout or Layout()
    spec = item_types.spec_for(item)
    body = item.body
    shown = answered or response is not None
    view = _header(item, spec.template)
    view["key"] = spec.key(body)
    view["rationale"] = item.rationale
    view["sources"] = [{"seed": s.seed, "section": s.section} for s in item.sources]
    for name, choices in spec.lists(body, layout).items():
        view[name] = [
            {"id": c.id, "text": c.text, "rationale": c.rationale}
            | spec.review_choice(body, name, c, response, shown)
            for c in choices
        ]
    view.update(spec.review_extra(body, layout, response, shown))
    if shown:
        view["response"] = response
        view["score"] = score_item(item, response)
    return view


def _header(item: Item, template: str) -> dict[str, Any]:
    return {
        "id": item.id,
        "version": item.version,
        "ref": item.ref,
        "type": item.type.value,
        "kind": item.kind.value,
        "template": template,
        "points": item.points,
        "vignette": item.vignette,
        "stem": item.stem,
    }
