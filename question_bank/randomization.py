"""Everything random about an attempt, in one place: its seed, its items, and their layout.

* ``attempt_seed`` derives the seed from a server secret and who/where/which attempt, so the same
  attempt always gets the same seed, no one can predict another student's, and nothing needs to
  be stored before the form is drawn.
* ``draw_form(bank, blueprint, seed, seen)`` is a pure function: same inputs, same Form. It uses
  ``random.Random`` seeded with strings derived from the seed (never ``hash()``, which changes per
  process). Items are taken in a uniformly random order, so over many students each item of a
  pool is drawn about equally often; items the student has already ``seen`` are taken only when
  the unseen ones run out; two enemies never share a form (across pools too).
* Each item's layout comes from its own generator (seed + item ref), so it does not depend on
  which other items were drawn. What is shuffled is each type's own rule (its module's
  ``layout``, ``question_bank/types``): option lists are shuffled; an ordering item is never shown
  in its correct order; true/false has nothing to shuffle; matching keeps its premises in authored
  order and shuffles the responses; classification keeps its categories and shuffles the statements.
* ``check_blueprint`` says, with numbers, why a blueprint cannot be met by a bank.

The per-bank index (pools by difficulty and type, enemy links) is built once per Bank object and
cached, so a server that keeps its loaded Bank draws without rescanning it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from question_bank import types as item_types
from question_bank.blueprint import DIFFICULTY_LABELS
from question_bank.blueprint import TYPE_LABELS
from question_bank.blueprint import Blueprint
from question_bank.blueprint import PoolRule
from question_bank.forms import Form
from question_bank.forms import FormSlot
from question_bank.forms import Layout
from question_bank.messages import Message
from question_bank.messages import N_
from question_bank.messages import ngettext
from question_bank.model import Bank
from question_bank.model import Item
from question_bank.model import ItemType

#: Tries at a form before giving up; only enemy links can make a try fail.
_DRAW_TRIES = 25
#: Enemy groups up to this size get an exact "how many can meet" count; larger ones a safe bound.
_EXACT_GROUP_LIMIT = 18


class InfeasibleBlueprint(ValueError):
    """The bank cannot give this blueprint a form; ``problems`` say why, with the numbers."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def attempt_seed(secret: bytes, resource_link_id: str, user_id: str, attempt_number: int) -> str:
    """The seed of one attempt: HMAC-SHA256(secret, [link, user, attempt]) as 64 hex digits.

    The three values are JSON-encoded as a list, so no choice of ids can make two different
    attempts collide (``"a:b" + "c"`` vs ``"a" + "b:c"``).
    """
    if not secret:
        raise ValueError("attempt_seed needs a non-empty server secret")
    message = json.dumps([resource_link_id, user_id, attempt_number], ensure_ascii=False)
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _rng(seed: str, purpose: str) -> random.Random:
    return random.Random(f"quiztool/v1/{purpose}/{seed}")


# --- the per-bank index ----------------------------------------------------------------------


@dataclass(slots=True)
class _BankIndex:
    pools: dict[str, tuple[Item, ...]]
    enemies: dict[str, frozenset[str]]
    _groups: dict[tuple, tuple[Item, ...]] = field(default_factory=dict)

    def candidates(self, rule: PoolRule, difficulty: int | None) -> tuple[Item, ...]:
        """Items of the rule's pool with the allowed types and (if given) this difficulty."""
        key = (rule.pool, difficulty, rule.types)
        found = self._groups.get(key)
        if found is None:
            found = tuple(
                item
                for item in self.pools.get(rule.pool, ())
                if (difficulty is None or item.difficulty == difficulty)
                and (rule.types is None or item.type in rule.types)
            )
            self._groups[key] = found
        return found


def _build_index(bank: Bank) -> _BankIndex:
    links: dict[str, set[str]] = {}
    for item in bank.items():
        for enemy in item.enemies:
            links.setdefault(item.id, set()).add(enemy)
            links.setdefault(enemy, set()).add(item.id)  # enemies are mutual, whoever declared it
    return _BankIndex(
        {name: pool.items for name, pool in bank.pools.items()},
        {item_id: frozenset(ids) for item_id, ids in links.items()},
    )


_INDEX_CACHE: OrderedDict[int, tuple[Bank, _BankIndex]] = OrderedDict()
_INDEX_CACHE_SIZE = 8
_INDEX_LOCK = threading.Lock()  # web servers draw from several threads at once


def _index(bank: Bank) -> _BankIndex:
    """The bank's index, cached by identity (the cache holds the bank, so ids are not reused)."""
    with _INDEX_LOCK:
        cached = _INDEX_CACHE.get(id(bank))
        if cached is not None and cached[0] is bank:
            _INDEX_CACHE.move_to_end(id(bank))
            return cached[1]
    index = _build_index(bank)
    with _INDEX_LOCK:
        _INDEX_CACHE[id(bank)] = (bank, index)
        while len(_INDEX_CACHE) > _INDEX_CACHE_SIZE:
            _INDEX_CACHE.popitem(last=False)
    return index


def _groups(rule: PoolRule) -> list[tuple[int | None, int]]:
    """``(difficulty or None, how many)`` for each part of a rule."""
    if rule.difficulty:
        return sorted(rule.difficulty.items())
    return [(None, rule.count)]


# --- drawing ---------------------------------------------------------------------------------


def draw_form(
    bank: Bank, blueprint: Blueprint, seed: str, seen: Iterable[str] = ()
) -> Form:
    """The form for ``seed``: items per ``blueprint``, preferring ids not in ``seen``.

    Not repeating earlier attempts' items is a preference, never a reason to fail: when enemy
    links leave no full form among the unseen items first (a pool nearly used up by the
    blueprint), the draw tries again as for a first attempt, repeating items.
    A blueprint ``check_blueprint`` accepts gives every seed a form; otherwise this raises
    InfeasibleBlueprint with check_blueprint's numbers.
    """
    index = _index(bank)
    rng = _rng(seed, "select")
    # Uniformly random picks first; near the most a pool's enemy links allow, they seldom find a
    # full form, so then picks that spare the items with the fewest enemies left (still random
    # among equals): the form the builder promised, for every student's seed.
    for sparing in (False, True):
        for seen_ids in dict.fromkeys((frozenset(seen), frozenset())):
            for _ in range(_DRAW_TRIES):
                items = _try_draw(index, blueprint, rng, seen_ids, sparing=sparing)
                if items is not None:
                    return Form(seed, tuple(_slot(item, seed) for item in items))
    # Enemy links across pools can leave so few full forms that this seed's tries all miss one,
    # while the builder's check (its own fixed tries) found one and accepted the blueprint. That
    # form keeps the builder's promise, in an order of this seed's own.
    items = _checked_draw(index, blueprint)
    if items is not None:
        _shuffle_within_rules(items, blueprint, rng)
        return Form(seed, tuple(_slot(item, seed) for item in items))
    problems = check_blueprint(bank, blueprint) or [
        "enemy links leave too few items that may share a form"
    ]
    raise InfeasibleBlueprint(problems)


def _try_draw(
    index: _BankIndex, blueprint: Blueprint, rng: random.Random, seen: frozenset[str], *, sparing: bool = False
) -> list[Item] | None:
    pick = _pick_sparing if sparing else _pick
    banned: set[str] = set()
    drawn: list[Item] = []
    for rule in blueprint.rules:
        rule_items: list[Item] = []
        for difficulty, count in _groups(rule):
            picked = pick(index, index.candidates(rule, difficulty), count, rng, seen, banned)
            if picked is None:
                return None
            rule_items.extend(picked)
        if rule.difficulty:
            rng.shuffle(rule_items)  # levels interleaved, not easy-first
        drawn.extend(rule_items)
    return drawn


def _pick(
    index: _BankIndex,
    candidates: Sequence[Item],
    count: int,
    rng: random.Random,
    seen: frozenset[str],
    banned: set[str],
) -> list[Item] | None:
    """``count`` candidates in random order: unseen first, never an enemy of one already taken."""
    picked: list[Item] = []
    held_back: list[Item] = []
    for item in _random_order(candidates, rng):
        if item.id in banned:
            continue
        if item.id in seen:
            held_back.append(item)
            continue
        _take(index, item, picked, banned)
        if len(picked) == count:
            return picked
    for item in held_back:
        if item.id not in banned:
            _take(index, item, picked, banned)
            if len(picked) == count:
                return picked
    return None


def _pick_sparing(
    index: _BankIndex,
    candidates: Sequence[Item],
    count: int,
    rng: random.Random,
    seen: frozenset[str],
    banned: set[str],
) -> list[Item] | None:
    """``count`` candidates, each time one with the fewest enemies still open (unseen first,
    random among equals): the greedy that finds the largest enemy-free sets, for when random
    picks keep failing near a pool's limit."""
    picked: list[Item] = []
    for allowed_seen in (False, True):
        while len(picked) < count:
            open_items = [item for item in candidates if item.id not in banned and (allowed_seen or item.id not in seen)]
            if not open_items:
                break
            open_ids = {item.id for item in open_items}
            degree = {item.id: len(index.enemies.get(item.id, frozenset()) & open_ids) for item in open_items}
            fewest = min(degree.values())
            _take(index, rng.choice([item for item in open_items if degree[item.id] == fewest]), picked, banned)
        if len(picked) == count:
            return picked
    return None


def _take(index: _BankIndex, item: Item, picked: list[Item], banned: set[str]) -> None:
    picked.append(item)
    banned.add(item.id)
    banned.update(index.enemies.get(item.id, ()))


def _random_order(items: Sequence[Item], rng: random.Random) -> Iterator[Item]:
    """A uniformly random permutation, produced lazily (Fisher-Yates with a sparse swap table),
    so taking 5 of 2,500 items costs 5 steps, not a shuffle of all 2,500."""
    n = len(items)
    moved: dict[int, int] = {}
    for i in range(n):
        j = rng.randrange(i, n)
        chosen = moved.get(j, j)
        moved[j] = moved.get(i, i)
        yield items[chosen]


def _slot(item: Item, seed: str) -> FormSlot:
    return FormSlot(item.id, item.version, item.pool, layout_for(item, seed))


def layout_for(item: Item, seed: str) -> Layout:
    """The layout of ``item`` in the attempt with ``seed`` (depends on nothing else)."""
    rng = _rng(seed, f"layout/{item.ref}")
    return item_types.spec_for(item).layout(item.body, rng)


# --- feasibility -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupCount:
    """The numbers behind one part of a rule (a pool, or one difficulty level of it).

    ``available``: items matching the rule's filters; ``together``: how many of them can share a
    form (enemy links keep the rest apart); ``pool_size``: every item of the pool.
    """

    pool: str
    difficulty: int | None
    asked: int
    available: int
    together: int
    pool_size: int
    linked: bool

    @property
    def forms(self) -> int:
        """Different sets of items this part can give (enemy links ignored: an upper bound)."""
        return math.comb(self.available, self.asked) if self.asked <= self.available else 0


def _group_counts(bank: Bank, index: _BankIndex, rule: PoolRule) -> list[GroupCount]:
    pool = bank.pools.get(rule.pool)
    size = len(pool.items) if pool else 0
    counts = []
    for difficulty, asked in _groups(rule):
        candidates = index.candidates(rule, difficulty)
        together = _most_that_can_meet(index, candidates) if asked <= len(candidates) else len(candidates)
        ids = {item.id for item in candidates}
        linked = any(index.enemies.get(item_id, frozenset()) & ids for item_id in ids)
        counts.append(GroupCount(rule.pool, difficulty, asked, len(candidates), together, size, linked))
    return counts


def check_blueprint(bank: Bank, blueprint: Blueprint) -> list[str]:
    """Why ``bank`` cannot give ``blueprint`` a form, with the numbers available; [] if it can.
    In an author's terms (``explain_blueprint`` says the same to an instructor)."""
    if not blueprint.rules:
        return ["the blueprint asks for no items"]
    index = _index(bank)
    problems: list[str] = []
    for rule in blueprint.rules:
        problems.extend(_rule_problems(bank, index, rule))
    if not problems and _draw_possible(index, blueprint) is False:
        problems.append(
            "enemy links between the chosen pools leave too few items that may share a form"
        )
    return problems


def _rule_problems(bank: Bank, index: _BankIndex, rule: PoolRule) -> list[str]:
    pool = bank.pools.get(rule.pool)
    if pool is None:
        names = ", ".join(sorted(bank.pools)) or "none"
        return [f"pool {rule.pool!r} does not exist (pools: {names})"]
    problems = []
    filtered = index.candidates(rule, None)
    of_types = (
        f" of type {', '.join(sorted(t.value for t in rule.types))}" if rule.types else ""
    )
    if rule.count > len(filtered):
        problems.append(
            f"{rule.pool}: asks for {rule.count} items but the pool has only "
            f"{len(filtered)}{of_types}" + (f" ({len(pool.items)} in all)" if rule.types else "")
        )
    for group in _group_counts(bank, index, rule):
        level = f" of difficulty {group.difficulty}" if group.difficulty is not None else ""
        if group.difficulty is not None and group.asked > group.available:
            problems.append(
                f"{rule.pool}: asks for {group.asked} items{level} but the pool has only "
                f"{group.available}{level}{of_types}"
            )
        elif group.asked <= group.available and group.together < group.asked:
            problems.append(
                f"{rule.pool}: asks for {group.asked} items{level} but enemy links let at most "
                f"{group.together} of the {group.available} available{of_types} share a form"
            )
    return problems


def _most_that_can_meet(index: _BankIndex, candidates: Sequence[Item]) -> int:
    """How many candidates can share a form: the size of a largest set without enemy pairs.

    Exact for each linked group up to _EXACT_GROUP_LIMIT items (enemy groups are small: a handful
    of items that give each other away); a greedy lower bound beyond, so a refusal is never wrong
    by excess of caution about small groups.
    """
    ids = {item.id for item in candidates}
    links = {
        item_id: index.enemies.get(item_id, frozenset()) & ids for item_id in ids
    }
    total, unvisited = 0, set(ids)
    while unvisited:
        start = unvisited.pop()
        if not links[start]:
            total += 1
            continue
        group, frontier = {start}, [start]
        while frontier:
            for other in links[frontier.pop()]:
                if other not in group:
                    group.add(other)
                    frontier.append(other)
        unvisited -= group
        total += (
            _largest_free_set(group, links)
            if len(group) <= _EXACT_GROUP_LIMIT
            else _greedy_free_set(group, links)
        )
    return total


def _largest_free_set(group: set[str], links: dict[str, frozenset[str]]) -> int:
    """Exact: branch on an item with enemies, taking it (dropping its enemies) or leaving it."""
    if not group:
        return 0
    item = max(group, key=lambda i: len(links[i] & group))
    if not links[item] & group:
        return len(group)
    rest = group - {item}
    return max(
        _largest_free_set(rest, links),
        1 + _largest_free_set(rest - links[item], links),
    )


def _greedy_free_set(group: set[str], links: dict[str, frozenset[str]]) -> int:
    left, taken = set(group), 0
    while left:
        item = min(left, key=lambda i: (len(links[i] & left), i))
        taken += 1
        left -= {item} | links[item]
    return taken


def _draw_possible(index: _BankIndex, blueprint: Blueprint) -> bool:
    """Whether a few fixed tries find a form (enemy links across pools are only caught here)."""
    return _checked_draw(index, blueprint) is not None


def _checked_draw(index: _BankIndex, blueprint: Blueprint) -> list[Item] | None:
    """The form the feasibility check's fixed tries find (None: they find none). The same for
    every seed, so that a blueprint the check accepts gives every seed a form (``draw_form``)."""
    rng = _rng("feasibility-check", "select")
    for sparing in (False, True):
        for _ in range(_DRAW_TRIES):
            items = _try_draw(index, blueprint, rng, frozenset(), sparing=sparing)
            if items is not None:
                return items
    return None


def _shuffle_within_rules(items: list[Item], blueprint: Blueprint, rng: random.Random) -> None:
    """Reorder each rule's items in place, so seeds that share a form do not share its order."""
    start = 0
    for rule in blueprint.rules:
        part = items[start:start + rule.count]
        rng.shuffle(part)
        items[start:start + rule.count] = part
        start += rule.count


# --- exclusions and the instructor's view of feasibility ----------------------------------------


_RESTRICTED_CACHE: OrderedDict[tuple[int, frozenset[str]], tuple[Bank, Bank]] = OrderedDict()
_RESTRICTED_LOCK = threading.Lock()


def without_items(bank: Bank, excluded: Iterable[str]) -> Bank:
    """``bank`` without the ``excluded`` item ids (an instructor's per-assignment exclusions):
    draw from it and check blueprints against it. Cached by bank identity and exclusion set, so
    every draw of an assignment reuses one restricted bank and its index."""
    ids = frozenset(excluded)
    if not ids:
        return bank
    key = (id(bank), ids)
    with _RESTRICTED_LOCK:
        cached = _RESTRICTED_CACHE.get(key)
        if cached is not None and cached[0] is bank:
            _RESTRICTED_CACHE.move_to_end(key)
            return cached[1]
    restricted = Bank({
        name: replace(pool, items=tuple(item for item in pool.items if item.id not in ids))
        for name, pool in bank.pools.items()
    })
    with _RESTRICTED_LOCK:
        _RESTRICTED_CACHE[key] = (bank, restricted)
        while len(_RESTRICTED_CACHE) > 64:
            _RESTRICTED_CACHE.popitem(last=False)
    return restricted


@dataclass(frozen=True, slots=True)
class BlueprintReport:
    """A blueprint as an instructor needs to hear about it: whether every student can get a full
    form and, if not, why in words a teacher can act on (``problems``, with the numbers); how
    many different sets of questions it allows and what later attempts will see (``notes``)."""

    feasible: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    question_count: int
    #: Different sets of items the blueprint allows, enemy links ignored (an upper bound).
    distinct_forms: int
    groups: tuple[GroupCount, ...]


def explain_blueprint(
    bank: Bank, blueprint: Blueprint, *, excluded: Iterable[str] = (), attempts: int = 1
) -> BlueprintReport:
    """The same numbers as ``check_blueprint`` (on ``bank`` without the ``excluded`` items), said
    to an instructor: "At most 38 of the 57 questions in “Barriers …” can appear together,
    because some questions give away each other's answers; you asked for 40.".

    Problems and notes are ``messages.Message``s: English as strings, translated by the web layer."""
    excluded_ids = frozenset(excluded)
    usable = without_items(bank, excluded_ids)
    if not blueprint.rules:
        return BlueprintReport(False, (N_("Choose at least one question from a pool."),), (), 0, 0, ())
    index = _index(usable)
    problems: list[str] = []
    groups: list[GroupCount] = []
    for rule in blueprint.rules:
        pool = usable.pools.get(rule.pool)
        if pool is None:
            names = ", ".join(sorted(usable.pools))
            problems.append(N_("There is no question pool called “%(pool)s” (the pools are: %(names)s).",
                               pool=rule.pool, names=names) if names
                            else N_("There is no question pool called “%(pool)s” (the bank has no pools).", pool=rule.pool))
            continue
        rule_groups = _group_counts(usable, index, rule)
        groups.extend(rule_groups)
        problems.extend(_teacher_problems(bank, rule, rule_groups, excluded_ids))
    if not problems and _draw_possible(index, blueprint) is False:
        names = ", ".join(f"“{_title(usable, r.pool)}”" for r in blueprint.rules)
        problems.append(N_(
            "Some questions in different pools give away each other's answers, so no form can hold "
            "all the questions you asked for: ask for fewer from %(names)s.", names=names))
    forms = math.prod(group.forms for group in groups) if groups and not problems else 0
    notes: list[str] = []
    if not problems:
        notes.append(full_form(_questions(blueprint.total)))
        notes.append(_forms_in_words(forms, any(group.linked for group in groups)))
        if attempts > 1:
            notes.append(_later_attempts(usable, groups, attempts))
    return BlueprintReport(not problems, tuple(problems), tuple(notes), blueprint.total, forms, tuple(groups))


#: The first note of a feasible blueprint (``cases`` says it again with the cases counted).
FULL_FORM = "Every student can get a full form of %(questions)s."


def full_form(questions: Message) -> Message:
    """"Every student can get a full form of 12 questions." (its msgid is ``FULL_FORM``)."""
    return N_("Every student can get a full form of %(questions)s.", questions=questions)


def _title(bank: Bank, pool: str) -> str:
    found = bank.pools.get(pool)
    return found.title if found and found.title else pool


def _level(difficulty: int) -> Message:
    return N_("%(label)s (difficulty %(level)s)", label=DIFFICULTY_LABELS[difficulty], level=difficulty)


def _teacher_problems(bank: Bank, rule: PoolRule, groups: list[GroupCount], excluded: frozenset[str]) -> list[str]:
    title = _title(bank, rule.pool)
    kinds = tuple(TYPE_LABELS[t] for t in sorted(rule.types)) if rule.types else ()
    left_out = sum(1 for item in bank.pools[rule.pool].items if item.id in excluded) if rule.pool in bank.pools else 0
    not_counted = (ngettext("(%(num)s question you excluded from this assignment is not counted.)",
                            "(%(num)s questions you excluded from this assignment are not counted.)", left_out)
                   if left_out else None)
    problems: list[str] = []
    for group in groups:
        known = dict(asked=group.asked, title=title, types=kinds)
        if group.difficulty is not None:
            known["level"] = _level(group.difficulty)
        if group.asked > group.available:
            has = _questions(group.available)
            if group.difficulty is None and not kinds:
                said = N_("You asked for %(asked)s questions from “%(title)s”, but it has only %(has)s.",
                          has=has, **known)
            elif not kinds:
                said = N_("You asked for %(asked)s %(level)s questions from “%(title)s”, but it has only "
                          "%(has)s at that level.", has=has, **known)
            elif group.difficulty is None:
                said = N_("You asked for %(asked)s questions from “%(title)s”, but it has only %(has)s of the "
                          "chosen types (%(types)s), of %(all)s in all.", has=has, all=group.pool_size, **known)
            else:
                said = N_("You asked for %(asked)s %(level)s questions from “%(title)s”, but it has only %(has)s "
                          "at that level of the chosen types (%(types)s), of %(all)s in all.",
                          has=has, all=group.pool_size, **known)
            problems.append(said if not_counted is None
                            else N_("%(problem)s %(excluded)s", problem=said, excluded=not_counted))
        elif group.together < group.asked:
            known.update(together=group.together, available=group.available)
            if group.difficulty is None and not kinds:
                said = N_("At most %(together)s of the %(available)s questions in “%(title)s” can appear "
                          "together, because some questions give away each other's answers; you asked for "
                          "%(asked)s.", **known)
            elif not kinds:
                said = N_("At most %(together)s of the %(available)s %(level)s questions in “%(title)s” can "
                          "appear together, because some questions give away each other's answers; you asked "
                          "for %(asked)s.", **known)
            elif group.difficulty is None:
                said = N_("At most %(together)s of the %(available)s questions of the chosen types (%(types)s) "
                          "in “%(title)s” can appear together, because some questions give away each other's "
                          "answers; you asked for %(asked)s.", **known)
            else:
                said = N_("At most %(together)s of the %(available)s %(level)s questions of the chosen types "
                          "(%(types)s) in “%(title)s” can appear together, because some questions give away "
                          "each other's answers; you asked for %(asked)s.", **known)
            problems.append(said)
    return problems


def _questions(count: int) -> Message:
    return ngettext("%(num)s question", "%(num)s questions", count)


def _forms_in_words(forms: int, linked: bool) -> Message:
    if forms <= 1:
        return N_("Every student gets the same questions (each in their own order).")
    if forms < 1000:
        if linked:
            return N_("At most %(forms)s different sets of questions are possible: students will often get the "
                      "same questions as each other.", forms=forms)
        return N_("Only %(forms)s different sets of questions are possible: students will often get the same "
                  "questions as each other.", forms=forms)
    return _large_number(forms)


def _large_number(n: int) -> Message:
    """How many sets, as a teacher reads it: "More than 3 billion", "More than 10^24"."""
    if n >= 10**18:
        return N_("More than 10^%(power)s (a 1 followed by %(power)s zeros) different sets of questions are "
                  "possible, so students rarely get the same set.", power=len(str(n)) - 1)
    if n >= 10**15:
        return ngettext("More than %(num)s quadrillion different sets of questions are possible, so students "
                        "rarely get the same set.", "More than %(num)s quadrillion different sets of questions "
                        "are possible, so students rarely get the same set.", n // 10**15)
    if n >= 10**12:
        return ngettext("More than %(num)s trillion different sets of questions are possible, so students "
                        "rarely get the same set.", "More than %(num)s trillion different sets of questions "
                        "are possible, so students rarely get the same set.", n // 10**12)
    if n >= 10**9:
        return ngettext("More than %(num)s billion different sets of questions are possible, so students "
                        "rarely get the same set.", "More than %(num)s billion different sets of questions "
                        "are possible, so students rarely get the same set.", n // 10**9)
    if n >= 10**6:
        return ngettext("More than %(num)s million different sets of questions are possible, so students "
                        "rarely get the same set.", "More than %(num)s million different sets of questions "
                        "are possible, so students rarely get the same set.", n // 10**6)
    return N_("%(forms)s different sets of questions are possible, so students rarely get the same set.", forms=n)


def _later_attempts(bank: Bank, groups: list[GroupCount], attempts: int) -> Message:
    short = [group for group in groups if group.available < group.asked * attempts]
    if not short:
        return N_("Each of the %(attempts)s attempts can have questions the student has not seen before.",
                  attempts=attempts)
    group = short[0]
    return N_("Later attempts will repeat some questions: “%(title)s” has %(available)s questions for "
              "%(attempts)s attempts of %(asked)s.", title=_title(bank, group.pool), available=group.available,
              attempts=attempts, asked=group.asked)
