"""Rules that relate one field of an item to another, run after the schema accepted its shape.

Each check yields ``(path, message)``; the loader turns the path into a line number and adds the
file and item id. The checks look only at one item: rules across items (duplicate ids, enemies
that exist) and against other files (seeds in ``sources.yaml``) are the loader's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence

from question_bank.model import ItemType

Path = tuple[str | int, ...]
Finding = tuple[Path, str]


def check_item(kind: ItemType, data: Mapping, *, shape_checked: bool = True) -> list[Finding]:
    """Every cross-field problem of one item whose body is of type ``kind``.

    With ``shape_checked=False`` the item failed its schema and ``data`` is the raw mapping: each
    check then reports what it can and gives up quietly where the shape is wrong (the schema
    errors already say why), so one bad field does not hide the item's other problems.
    """
    findings: list[Finding] = []
    for check in (_CHECKS[kind], _check_enemies):
        try:
            findings.extend(check(data))
        except (KeyError, TypeError, AttributeError, IndexError):
            if shape_checked:
                raise
    return findings


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_choice_list(data: Mapping, field: str) -> Iterator[Finding]:
    """No two choices of one list share an id or (ignoring case and spacing) a text."""
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for index, choice in enumerate(data[field]):
        if choice["id"] in seen_ids:
            yield (field, index, "id"), f"duplicate id {choice['id']!r}"
        seen_ids.add(choice["id"])
        text = _normalised(choice["text"])
        if text in seen_texts:
            yield (field, index, "text"), f"duplicate {_singular(field)} text \"{choice['text']}\""
        seen_texts.add(text)


def _singular(field: str) -> str:
    return {"options": "option", "premises": "premise", "responses": "response"}.get(
        field, field.rstrip("s")
    )


def _ids(data: Mapping, field: str) -> list[str]:
    return [choice["id"] for choice in data[field]]


def _listing(ids: Sequence[str]) -> str:
    return ", ".join(ids)


def _check_single(data: Mapping) -> Iterator[Finding]:
    yield from _check_choice_list(data, "options")
    options = _ids(data, "options")
    if data["key"] not in options:
        yield ("key",), f"key {data['key']!r} is not among the options ({_listing(options)})"


def _check_multiple(data: Mapping) -> Iterator[Finding]:
    yield from _check_choice_list(data, "options")
    options = _ids(data, "options")
    for index, key in enumerate(data["key"]):
        if key not in options:
            yield ("key", index), f"key {key!r} is not among the options ({_listing(options)})"
    for key, count in Counter(data["key"]).items():
        if count > 1:
            yield ("key",), f"key {key!r} is listed {count} times"


def _check_true_false(data: Mapping) -> Iterator[Finding]:
    return iter(())


def _check_matching(data: Mapping) -> Iterator[Finding]:
    yield from _check_choice_list(data, "premises")
    yield from _check_choice_list(data, "responses")
    premises, responses = _ids(data, "premises"), _ids(data, "responses")
    if len(responses) < len(premises):
        # More responses than premises is the rule's point (one or two extra, so the last pair
        # does not fall out by elimination: `quiztool bank lint` asks for it); fewer cannot work.
        yield (
            ("responses",),
            f"fewer responses than premises: {len(premises)} premises but {len(responses)} responses",
        )
    yield from _check_mapping_key(data["key"], premises, responses, "premise", "response")


def _check_classification(data: Mapping) -> Iterator[Finding]:
    yield from _check_choice_list(data, "categories")
    yield from _check_choice_list(data, "statements")
    statements, categories = _ids(data, "statements"), _ids(data, "categories")
    yield from _check_mapping_key(data["key"], statements, categories, "statement", "category")


def _check_mapping_key(
    key: Mapping[str, str], sources: list[str], targets: list[str], source: str, target: str
) -> Iterator[Finding]:
    """A key ``{source_id: target_id}`` names every source once and only known targets."""
    for source_id, target_id in key.items():
        if source_id not in sources:
            yield ("key", source_id), f"{source_id!r} is not a {source} ({_listing(sources)})"
        elif target_id not in targets:
            yield ("key", source_id), f"{target_id!r} is not a {target} ({_listing(targets)})"
    missing = [source_id for source_id in sources if source_id not in key]
    if missing:
        yield ("key",), f"no {target} given for {source} {_listing(missing)}"


def _check_ordering(data: Mapping) -> Iterator[Finding]:
    yield from _check_choice_list(data, "options")
    options = _ids(data, "options")
    key = data["key"]
    if sorted(key) == sorted(options):
        return
    missing = [option for option in options if option not in key]
    unknown = [k for k in key if k not in options]
    repeated = [k for k, count in Counter(key).items() if count > 1]
    details = []
    if missing:
        details.append(f"missing {_listing(missing)}")
    if unknown:
        details.append(f"not options: {_listing(unknown)}")
    if repeated:
        details.append(f"repeated: {_listing(repeated)}")
    yield ("key",), "key must list every option exactly once (" + "; ".join(details) + ")"


def _check_enemies(data: Mapping) -> Iterator[Finding]:
    for index, enemy in enumerate(data["enemies"]):
        if enemy == data["id"]:
            yield ("enemies", index), "an item cannot be its own enemy"


_CHECKS = {
    ItemType.SINGLE: _check_single,
    ItemType.MULTIPLE: _check_multiple,
    ItemType.TRUE_FALSE: _check_true_false,
    ItemType.MATCHING: _check_matching,
    ItemType.ORDERING: _check_ordering,
    ItemType.CLASSIFICATION: _check_classification,
}
