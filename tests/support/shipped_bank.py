"""Figures of the shipped bank that tests must not hard-code: the bank changes with every review
(an enemy link added moves how many questions of a pool can share a form)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from question_bank import explain_blueprint
from question_bank import load_bank
from question_bank import parse_blueprint


@dataclass(frozen=True, slots=True)
class EnemyLimit:
    available: int  # questions in the pool
    together: int  # how many of them enemy links let share one form

    @property
    def too_many(self) -> int:
        """A count the pool holds but enemy links refuse (so the refusal names ``together``)."""
        return self.together + 1


@cache
def enemy_limit(pool: str) -> EnemyLimit:
    """The builder's own numbers (``explain_blueprint``) for a request of the whole pool."""
    bank = load_bank()
    (group,) = explain_blueprint(bank, parse_blueprint(f"{pool}:{len(bank.pools[pool].items)}")).groups
    assert group.together < group.available, f"every question of {pool!r} can share a form: nothing to refuse"
    return EnemyLimit(group.available, group.together)


@cache
def pool_size(pool: str) -> int:
    """How many questions the shipped pool holds (retiring an item changes it)."""
    return len(load_bank().pools[pool].items)


@cache
def distinct_forms(blueprint: str) -> int:
    """How many different sets of questions the builder says ``blueprint`` allows."""
    return explain_blueprint(load_bank(), parse_blueprint(blueprint)).distinct_forms
