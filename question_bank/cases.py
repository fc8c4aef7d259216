"""Unfolding cases: drawn as one unit, recorded with the attempt, shown with the stem growing.

A case (``model.Case``, read from a case pool's ``cases:``; the form is in the banks README) is a
stem and 3-6 items that share it. This module is everything the engine does with cases beyond
reading them, kept apart from the item-by-item drawing in ``randomization``:

* **Drawing** (``draw_form``, ``check_blueprint``, ``explain_blueprint``, ``without_items``: the
  package exports these; without a case rule they are ``randomization``'s own). A blueprint rule
  on a case pool (``cases:1``) counts whole cases. A form never holds half a case: a case whose
  item is excluded cannot be drawn, and its items sit on consecutive slots in the case's order,
  at the rule's place. Enemy rules apply to the case as a whole: an enemy named by the case or by
  any of its items keeps that item (or case) off the form, and an item or case that names the
  case or any of its items as an enemy is kept off. Cases are picked first (unseen ones first,
  from their own seeded generator), then the item rules are drawn from the bank without what the
  chosen cases exclude; a few tries, as for items.
* **Recording**: the form's ``cases`` (``forms.FormCase``) keep each case's id, version, title,
  stem and ``adds`` and which slots are its items, so a resumed attempt shows exactly what it
  showed (randomization and content recorded, not recomputed).
* **Showing**: ``case_view(form, slot_index)`` is the case as the student reads it before that
  slot's item: the stem, every ``adds`` up to this item (the newest marked), the position.
* **Exporting**: no exchange format carries an unfolding case; ``items_for_export`` gives each
  case item as a plain item whose stem starts with the case text so far, and the notes say so.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from math import comb
from typing import Any

from question_bank import randomization
from question_bank.blueprint import Blueprint
from question_bank.blueprint import PoolRule
from question_bank.forms import Form
from question_bank.forms import FormCase
from question_bank.forms import FormSlot
from question_bank.messages import Message
from question_bank.messages import N_
from question_bank.messages import ngettext
from question_bank.model import Bank
from question_bank.model import Case
from question_bank.model import Item

_DRAW_TRIES = 25


# --- the per-bank case index ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CaseIndex:
    #: Pool name -> its cases (only pools that hold cases).
    pools: dict[str, tuple[Case, ...]]
    #: Mutual enemy links over item ids and case ids (each case also linked to its items' enemies).
    links: dict[str, frozenset[str]]

    def closed_by(self, case: Case) -> frozenset[str]:
        """What may not share a form with ``case``: its own ids and everything linked to them."""
        found = set(case.ids)
        for some_id in case.ids:
            found |= self.links.get(some_id, frozenset())
        return frozenset(found)


_CACHE: OrderedDict[int, tuple[Bank, _CaseIndex]] = OrderedDict()
_LOCK = threading.Lock()


def _index(bank: Bank) -> _CaseIndex:
    with _LOCK:
        cached = _CACHE.get(id(bank))
        if cached is not None and cached[0] is bank:
            return cached[1]
    links: dict[str, set[str]] = {}

    def link(a: str, b: str) -> None:
        links.setdefault(a, set()).add(b)
        links.setdefault(b, set()).add(a)

    pools = {name: pool.cases for name, pool in bank.pools.items() if pool.cases}
    for pool in bank.pools.values():
        for item in pool.items:
            for enemy in item.enemies:
                link(item.id, enemy)
        for case in pool.cases:
            for enemy in case.all_enemies:
                link(case.id, enemy)
    index = _CaseIndex(pools, {key: frozenset(value) for key, value in links.items()})
    with _LOCK:
        _CACHE[id(bank)] = (bank, index)
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return index


def is_case_rule(bank: Bank, rule: PoolRule) -> bool:
    pool = bank.pools.get(rule.pool)
    return pool is not None and bool(pool.cases)


def _split(bank: Bank, blueprint: Blueprint) -> tuple[list[PoolRule], Blueprint]:
    case_rules = [rule for rule in blueprint.rules if is_case_rule(bank, rule)]
    return case_rules, Blueprint(tuple(rule for rule in blueprint.rules if not is_case_rule(bank, rule)))


# --- drawing -------------------------------------------------------------------------------------


def draw_form(bank: Bank, blueprint: Blueprint, seed: str, seen: Iterable[str] = ()) -> Form:
    """``randomization.draw_form`` that also draws whole cases for rules on case pools (see the
    module docstring). Raises InfeasibleBlueprint with ``check_blueprint``'s numbers."""
    case_rules, item_blueprint = _split(bank, blueprint)
    if not case_rules:
        return randomization.draw_form(bank, blueprint, seed, seen)
    index = _index(bank)
    rng = random.Random(f"quiztool/v1/cases/{seed}")
    seen_ids = frozenset(seen)
    for preferred in dict.fromkeys((seen_ids, frozenset())):
        for _ in range(_DRAW_TRIES):
            form = _try(bank, index, blueprint, case_rules, item_blueprint, seed, rng, preferred)
            if form is not None:
                return form
    # As in randomization.draw_form: the builder's check accepted the blueprint because its own
    # fixed tries found this form, so a seed whose tries all missed gets that form, laid out anew.
    checked = _checked_form(bank, index, blueprint, case_rules, item_blueprint)
    if checked is not None:
        return _laid_out_for(bank, checked, seed)
    raise randomization.InfeasibleBlueprint(
        check_blueprint(bank, blueprint) or ["enemy links leave too few items and cases that may share a form"])


def _try(bank: Bank, index: _CaseIndex, blueprint: Blueprint, case_rules: list[PoolRule], item_blueprint: Blueprint,
         seed: str, rng: random.Random, seen: frozenset[str]) -> Form | None:
    banned: set[str] = set()
    chosen: dict[str, list[Case]] = {}
    for rule in case_rules:
        picked = _pick_cases(index, index.pools[rule.pool], rule.count, rng, seen, banned)
        if picked is None:
            return None
        chosen[rule.pool] = picked
    item_slots: list[FormSlot] = []
    if item_blueprint.rules:
        try:
            inner = randomization.draw_form(randomization.without_items(bank, banned), item_blueprint, seed, seen)
        except randomization.InfeasibleBlueprint:
            return None
        item_slots = list(inner.slots)
    slots: list[FormSlot] = []
    form_cases: list[FormCase] = []
    for rule in blueprint.rules:
        if rule.pool in chosen:
            for case in chosen[rule.pool]:
                form_cases.append(FormCase(case.id, case.version, case.title, case.stem, case.adds, len(slots),
                                           len(case.items)))
                slots.extend(FormSlot(item.id, item.version, item.pool, randomization.layout_for(item, seed))
                             for item in case.items)
        else:
            slots.extend(item_slots[:rule.count])
            del item_slots[:rule.count]
    return Form(seed, tuple(slots), tuple(form_cases))


def _pick_cases(index: _CaseIndex, cases: Sequence[Case], count: int, rng: random.Random, seen: frozenset[str],
                banned: set[str]) -> list[Case] | None:
    """``count`` cases in random order, unseen ones first, none kept away by what is taken."""
    order = list(cases)
    rng.shuffle(order)
    order.sort(key=lambda case: bool(case.ids & seen))  # stable: unseen first, each group still random
    picked: list[Case] = []
    for case in order:
        if case.ids & banned:
            continue
        picked.append(case)
        banned |= index.closed_by(case)
        if len(picked) == count:
            return picked
    return None


# --- feasibility -----------------------------------------------------------------------------------


def _together(index: _CaseIndex, cases: Sequence[Case]) -> int:
    """How many of ``cases`` can share a form (greedy: cases are few, and links between them rare)."""
    left = list(cases)
    taken = 0
    while left:
        case = min(left, key=lambda c: (sum(1 for o in left if o is not c and o.ids & index.closed_by(c)), c.id))
        taken += 1
        closed = index.closed_by(case)
        left = [o for o in left if o is not case and not o.ids & closed]
    return taken


def _case_rule_problems(bank: Bank, index: _CaseIndex, rule: PoolRule, teacher: bool) -> list[str]:
    pool = bank.pools[rule.pool]
    title = pool.title or rule.pool
    if rule.difficulty or rule.types:
        return [N_("“%(title)s” holds unfolding cases: ask for a number of cases only (no difficulty mix or types).",
                   title=title)
                if teacher else f"{rule.pool}: a case pool takes a count of cases only ([difficulty] and (types) "
                                "are for pools of items)"]
    cases = index.pools.get(rule.pool, ())
    if rule.count > len(cases):
        return [N_("You asked for %(count)s cases from “%(title)s”, but it has only %(cases)s "
                   "(a case whose question you excluded is not counted).", count=rule.count, title=title,
                   cases=_cases(len(cases))) if teacher
                else f"{rule.pool}: asks for {rule.count} cases but the pool has only {len(cases)}"]
    together = _together(index, cases)
    if together < rule.count:
        return [N_("At most %(together)s of the cases in “%(title)s” can appear together, because some give away "
                   "each other's answers; you asked for %(count)s.", together=together, title=title,
                   count=rule.count) if teacher
                else f"{rule.pool}: asks for {rule.count} cases but enemy links let at most {together} share a form"]
    return []


def _cases(count: int) -> Message:
    return ngettext("%(num)s case", "%(num)s cases", count)


def _drawable(bank: Bank, blueprint: Blueprint) -> bool:
    try:
        draw_form(bank, blueprint, "feasibility-check")
    except randomization.InfeasibleBlueprint:
        return False
    return True


def check_blueprint(bank: Bank, blueprint: Blueprint) -> list[str]:
    """``randomization.check_blueprint``, with rules on case pools counted in whole cases."""
    case_rules, item_blueprint = _split(bank, blueprint)
    if not case_rules:
        return randomization.check_blueprint(bank, blueprint)
    index = _index(bank)
    problems = [p for rule in case_rules for p in _case_rule_problems(bank, index, rule, teacher=False)]
    if item_blueprint.rules:
        problems.extend(randomization.check_blueprint(bank, item_blueprint))
    if not problems and not _draw_possible(bank, blueprint, index, case_rules, item_blueprint):
        problems.append("enemy links between the cases and the chosen pools leave too few items that may share a form")
    return problems


def _draw_possible(bank: Bank, blueprint: Blueprint, index: _CaseIndex, case_rules: list[PoolRule],
                   item_blueprint: Blueprint) -> bool:
    return _checked_form(bank, index, blueprint, case_rules, item_blueprint) is not None


def _checked_form(bank: Bank, index: _CaseIndex, blueprint: Blueprint, case_rules: list[PoolRule],
                  item_blueprint: Blueprint) -> Form | None:
    """The form the feasibility check's fixed tries find (None: none), the same for every seed."""
    rng = random.Random("quiztool/v1/cases/feasibility-check")
    for _ in range(_DRAW_TRIES):
        form = _try(bank, index, blueprint, case_rules, item_blueprint, "feasibility-check", rng, frozenset())
        if form is not None:
            return form
    return None


def _laid_out_for(bank: Bank, form: Form, seed: str) -> Form:
    """``form``'s items and cases with each item's layout (option order) drawn for ``seed``."""
    slots = tuple(FormSlot(slot.item_id, slot.version, slot.pool,
                           randomization.layout_for(bank.item(slot.item_id), seed)) for slot in form.slots)
    return Form(seed, slots, form.cases)


def question_counts(bank: Bank, blueprint: Blueprint) -> tuple[int, int]:
    """The fewest and the most questions a form of ``blueprint`` can have (cases differ in length)."""
    case_rules, item_blueprint = _split(bank, blueprint)
    low = high = item_blueprint.total
    for rule in case_rules:
        lengths = sorted(len(case.items) for case in bank.pools[rule.pool].cases)
        low += sum(lengths[:rule.count])
        high += sum(lengths[-rule.count:]) if rule.count else 0
    return low, high


def explain_blueprint(bank: Bank, blueprint: Blueprint, *, excluded: Iterable[str] = (),
                      attempts: int = 1) -> randomization.BlueprintReport:
    """``randomization.explain_blueprint`` with cases: problems and notes in an instructor's words,
    ``question_count`` the most questions a form can have."""
    excluded_ids = frozenset(excluded)
    usable = without_items(bank, excluded_ids)
    case_rules, item_blueprint = _split(usable, blueprint)
    if not case_rules:
        return randomization.explain_blueprint(bank, blueprint, excluded=excluded_ids, attempts=attempts)
    index = _index(usable)
    problems = [p for rule in case_rules for p in _case_rule_problems(usable, index, rule, teacher=True)]
    notes: list[str] = []
    groups: tuple[randomization.GroupCount, ...] = ()
    forms = 1
    if item_blueprint.rules:
        inner = randomization.explain_blueprint(bank, item_blueprint, excluded=excluded_ids, attempts=attempts)
        problems.extend(inner.problems)
        groups, forms = inner.groups, inner.distinct_forms
        notes.extend(note for note in inner.notes if getattr(note, "msgid", None) != randomization.FULL_FORM)
    if not problems and not _draw_possible(usable, blueprint, index, case_rules, item_blueprint):
        problems.append(N_("Some questions give away the answers of a case's questions (or another case's), so no "
                           "form can hold all you asked for: ask for fewer questions or cases."))
    low, high = question_counts(usable, blueprint) if not problems else (0, 0)
    if not problems:
        size = (N_("%(high)s questions", high=high) if low == high
                else N_("%(low)s to %(high)s questions (cases differ in length)", low=low, high=high))
        count = sum(rule.count for rule in case_rules)
        notes.insert(0, N_("Every student can get a full form of %(size)s, with %(cases)s: each case's questions "
                           "come together and in order, the case growing as it goes.", size=size, cases=_cases(count)))
        for rule in case_rules:
            available = len(index.pools.get(rule.pool, ()))
            if available >= rule.count:
                forms *= comb(available, rule.count)
            if attempts > 1 and available < rule.count * attempts:
                title = usable.pools[rule.pool].title or rule.pool
                notes.append(N_("Later attempts will repeat a case: “%(title)s” has %(cases)s for %(attempts)s "
                                "attempts of %(count)s.", title=title, cases=_cases(available), attempts=attempts,
                                count=rule.count))
    return randomization.BlueprintReport(not problems, tuple(problems), tuple(notes), high,
                                         forms if not problems else 0, groups)


def without_items(bank: Bank, excluded: Iterable[str]) -> Bank:
    """``randomization.without_items`` that also leaves out every case one of whose ids (the case's
    or an item's) is excluded: a form never holds half a case."""
    ids = frozenset(excluded)
    restricted = randomization.without_items(bank, ids)
    if not ids or not any(pool.cases for pool in bank.pools.values()):
        return restricted
    key = (id(bank), ids)
    with _LOCK:
        cached = _RESTRICTED.get(key)
        if cached is not None and cached[0] is bank:
            return cached[1]
    result = Bank({name: replace(pool, cases=tuple(c for c in pool.cases if not c.ids & ids))
                   for name, pool in restricted.pools.items()})
    with _LOCK:
        _RESTRICTED[key] = (bank, result)
        while len(_RESTRICTED) > 64:
            _RESTRICTED.popitem(last=False)
    return result


_RESTRICTED: OrderedDict[tuple[int, frozenset[str]], tuple[Bank, Bank]] = OrderedDict()


# --- showing -------------------------------------------------------------------------------------


def case_of(form: Form, slot_index: int) -> FormCase | None:
    """The case whose item is on slot ``slot_index`` (0-based), if any."""
    for case in form.cases:
        if case.first <= slot_index < case.first + case.count:
            return case
    return None


def case_view(form: Form, slot_index: int) -> dict[str, Any] | None:
    """The case as the student reads it before the item on slot ``slot_index`` (0-based): keys
    ``id, version, title, stem, earlier`` (the ``adds`` of the case's earlier items, in order),
    ``new`` (what this item adds; "" for none), ``position`` (1-based) and ``count``; None for a
    slot outside any case."""
    case = case_of(form, slot_index)
    if case is None:
        return None
    position = slot_index - case.first
    return {
        "id": case.case_id, "version": case.version, "title": case.title, "stem": case.stem,
        "earlier": [text for text in case.adds[:position] if text],
        "new": case.adds[position] if position < len(case.adds) else "",
        "position": position + 1, "count": case.count,
    }


# --- unfolding in order --------------------------------------------------------------------------
#
# A case's later parts tell what happened next, and the story follows the keyed path (the nurse
# declined the gift; the client was referred on). So, as on the Next Generation NCLEX, a student
# reads a part's new information only by going on with the case, and going on closes the parts
# before it: their answers stay as saved. ``reached`` is what the attempt records: per case (its
# first slot, 0-based, as a string: JSON keys) the furthest slot the student has opened.

#: A slot's place in the unfolding: answerable, closed (a later part of its case was opened), or
#: not yet opened (its new information is not shown until the student goes on).
OPEN, CLOSED, AHEAD = "open", "closed", "ahead"


def unfolding_state(form: Form, reached: Mapping[str, int] | None, slot_index: int) -> str:
    """OPEN, CLOSED or AHEAD for the slot ``slot_index`` (0-based); a slot outside any case is OPEN."""
    case = case_of(form, slot_index)
    if case is None:
        return OPEN
    furthest = _furthest(case, reached)
    if slot_index < furthest:
        return CLOSED
    return OPEN if slot_index == furthest else AHEAD


def next_part(form: Form, reached: Mapping[str, int] | None, slot_index: int) -> tuple[int, int] | None:
    """For a slot that is AHEAD: ``(current, following)``, the open part of its case (which going
    on closes) and the part going on opens. Parts are opened one at a time, in order, so a student
    never skips new information. None for a slot that is not AHEAD."""
    if unfolding_state(form, reached, slot_index) != AHEAD:
        return None
    case = case_of(form, slot_index)
    assert case is not None
    current = _furthest(case, reached)
    return current, current + 1


def go_on(form: Form, reached: Mapping[str, int] | None, slot_index: int) -> dict[str, int]:
    """``reached`` after the student goes on to slot ``slot_index``, the next part of its case.
    Raises ValueError for a slot outside any case or not the next part (opened parts stay opened;
    parts are opened in order)."""
    case = case_of(form, slot_index)
    if case is None:
        raise ValueError(f"slot {slot_index} is not part of a case")
    current = _furthest(case, reached)
    if slot_index <= current:
        return {key: int(value) for key, value in (reached or {}).items()}
    if slot_index != current + 1:
        raise ValueError(f"slot {slot_index} is not the next part of its case (that is slot {current + 1})")
    result = {key: int(value) for key, value in (reached or {}).items()}
    result[str(case.first)] = slot_index
    return result


def _furthest(case: FormCase, reached: Mapping[str, int] | None) -> int:
    value = (reached or {}).get(str(case.first), case.first)
    return min(max(int(value), case.first), case.first + case.count - 1)


def bank_case_view(case: Case, position: int) -> dict[str, Any]:
    """``case_view`` for a case of the bank (not of a form): before its item ``position`` (1-based)."""
    return {
        "id": case.id, "version": case.version, "title": case.title, "stem": case.stem,
        "earlier": [text for text in case.adds[:position - 1] if text], "new": case.adds[position - 1],
        "position": position, "count": len(case.items),
    }


def case_text(title: str, stem: str, adds: Sequence[str]) -> str:
    """The case so far as one text (exports): title, stem, then what each item added."""
    return "\n\n".join(part for part in (title, stem, *adds) if part)


# --- exporting -----------------------------------------------------------------------------------


def items_for_export(bank: Bank, pools: Iterable[str] = ()) -> tuple[list[Item], list[str]]:
    """The bank's items for an exchange format (only ``pools`` when given): loose items as they
    are, each case item as a plain item whose stem starts with the case so far, and a note per
    case saying so (no format carries an unfolding case)."""
    wanted = set(pools)
    items: list[Item] = []
    notes: list[str] = []
    for name, pool in bank.pools.items():
        if wanted and name not in wanted:
            continue
        items.extend(pool.items)
        for case in pool.cases:
            for position, item in enumerate(case.items):
                text = case_text(case.title, case.stem, case.adds[:position + 1])
                items.append(replace(item, stem=f"{text}\n\n{item.stem}"))
            notes.append(f"{case.id}: unfolding case exported as {len(case.items)} separate questions "
                         f"({', '.join(i.id for i in case.items)}), each with the case text so far before its stem: "
                         "the format has no unfolding case, so they are no longer delivered together or in order, "
                         "and an import reads them back as plain questions")
    return items, notes
