"""Counts that tell an instructor what a bank can offer: items by pool, type and difficulty."""

from __future__ import annotations

from collections import Counter
from typing import Any

from question_bank.model import Bank
from question_bank.model import ItemType


def bank_stats(bank: Bank) -> dict[str, Any]:
    """Counts per pool and for the whole bank, as plain JSON-ready data.

    ``types`` counts declared types (a scenario counts as ``scenario``); ``scenario_carries``
    breaks the scenarios down by the type they carry; ``difficulty`` is keyed ``"1"``..``"3"``.
    A case pool's items are counted with their pool, and ``cases`` says how many cases it has.
    """
    pools = {name: _counts([*pool.items, *(i for case in pool.cases for i in case.items)])
             | ({"cases": len(pool.cases)} if pool.cases else {})
             for name, pool in sorted(bank.pools.items())}
    return {"total": _counts(bank.items()) | {"cases": len(bank.cases())}, "pools": pools}


def _counts(items: Any) -> dict[str, Any]:
    items = list(items)
    types = Counter(item.type.value for item in items)
    carries = Counter(item.kind.value for item in items if item.type is ItemType.SCENARIO)
    difficulty = Counter(str(item.difficulty) for item in items)
    return {
        "items": len(items),
        "types": {t.value: types[t.value] for t in ItemType if types[t.value]},
        "scenario_carries": dict(sorted(carries.items())),
        "difficulty": {level: difficulty[level] for level in ("1", "2", "3")},
    }
