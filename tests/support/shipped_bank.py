"""Figures of the shipped bank that tests must not hard-code: the bank changes with every review
(an enemy link added moves how many questions of a pool can share a form)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from question_bank import check_blueprint
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
    bank = load_bank()
    available = len(bank.pools[pool].items)
    problems = check_blueprint(bank, parse_blueprint(f"{pool}:{available}"))
    found = re.search(r"at most (\d+) of the (\d+)", " ".join(problems))
    assert found, f"every question of {pool!r} can share a form, so no count is refused for enemies: {problems}"
    assert int(found.group(2)) == available
    return EnemyLimit(available, int(found.group(1)))
