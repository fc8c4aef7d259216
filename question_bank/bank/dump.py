"""Write items as a bank file (the README format), so imported questions become editable YAML.

The output reads back to equal items (``load_pool_text(dump_items_to_yaml(...))``): every field
the loader reads is written, in the README's order, with the pieces the README writes on one line
(options, premises, sources) in flow style so the file looks like the hand-written ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from question_bank.bank.build import item_to_data
from question_bank.model import Item

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _OneLine(dict):
    """A mapping written on one line: ``{id: a, text: Trust, rationale: ...}``."""


class _BankDumper(_Dumper):  # type: ignore[misc, valid-type]
    pass


def _represent_one_line(dumper: yaml.SafeDumper, data: _OneLine) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


class _OneLineList(list):
    """A short list written on one line: ``key: [a, c]``."""


def _represent_one_line_list(dumper: yaml.SafeDumper, data: _OneLineList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_text(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BankDumper.add_representer(_OneLine, _represent_one_line)
_BankDumper.add_representer(_OneLineList, _represent_one_line_list)
_BankDumper.add_representer(str, _represent_text)

_ONE_LINE_LISTS = ("options", "premises", "responses", "categories", "statements", "source")


def _for_yaml(item: Item) -> dict[str, Any]:
    data = item_to_data(item)
    for field in _ONE_LINE_LISTS:
        if field in data:
            data[field] = [_OneLine(entry) for entry in data[field]]
    if isinstance(data["key"], dict):
        data["key"] = _OneLine(data["key"])
    elif isinstance(data["key"], list):
        data["key"] = _OneLineList(data["key"])
    for field in ("tags", "enemies", "covers"):
        if field in data:
            data[field] = _OneLineList(data[field])
    return data


def dump_items_to_yaml(pool_name: str, title: str, items: Iterable[Item]) -> str:
    """The bank file for pool ``pool_name`` holding ``items`` (their ``pool`` is not written)."""
    document = {
        "pool": pool_name,
        "title": title,
        "items": [_for_yaml(item) for item in items],
    }
    return yaml.dump(
        document,
        Dumper=_BankDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
        indent=2,
    )
