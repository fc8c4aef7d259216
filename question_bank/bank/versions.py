"""The versions lock: which content each item version had when it was last recorded.

An attempt stores ``id@version`` and later shows and regrades that version, so a version must
never change meaning. ``versions.lock.json`` (beside the bank files) maps every recorded item id
to ``{"version": N, "fingerprint": "sha256:..."}``. Validation then refuses

* an item whose content differs from the recorded fingerprint while its version is unchanged
  (edited without raising the version), and
* an item whose version is lower than the recorded one (a version went down, or a retired id
  was reused).

A raised version, or an item the lock does not know yet, is fine; ``quiztool bank validate
--update-lock`` (``loader.record_versions``) then records it. Recording happens only when the
whole bank validates, so a silent edit can never be recorded as if it were the old version.
Entries of items no longer in the bank are kept, so a retired id cannot come back as version 1.

The fingerprint covers what a student sees and how it is scored: type, carried type, vignette,
stem, the type's fields (texts, ids, rationales, key, scoring) in file order, overall rationale
and points. It leaves out metadata that changes neither: difficulty, tags, enemies, sources, covers and lint_ok.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from question_bank.bank.build import item_to_data
from question_bank.model import Item

LOCK_FILE_NAME = "versions.lock.json"

_METADATA_FIELDS = ("id", "version", "difficulty", "tags", "enemies", "source", "covers", "lint_ok")


@dataclass(frozen=True, slots=True)
class LockEntry:
    version: int
    fingerprint: str


def fingerprint(item: Item) -> str:
    """``sha256:<hex>`` of the item's canonical content (see the module docstring)."""
    content = {k: v for k, v in item_to_data(item).items() if k not in _METADATA_FIELDS}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class LockFileError(ValueError):
    """The lock file itself is unreadable; the message says why."""


def parse_lock(text: str) -> dict[str, LockEntry]:
    try:
        raw = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise LockFileError(f"not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise LockFileError("must be a JSON object mapping item id to {version, fingerprint}")
    lock = {}
    for item_id, entry in raw.items():
        if (
            not isinstance(entry, dict)
            or set(entry) != {"version", "fingerprint"}
            or not isinstance(entry["version"], int)
            or not isinstance(entry["fingerprint"], str)
        ):
            raise LockFileError(f"entry {item_id!r} must be {{\"version\": N, \"fingerprint\": \"...\"}}")
        lock[item_id] = LockEntry(entry["version"], entry["fingerprint"])
    return lock


def render_lock(lock: dict[str, LockEntry]) -> str:
    """The lock as committed: sorted ids, one entry per line, so diffs show exactly what moved."""
    lines = [
        f"  {json.dumps(item_id)}: "
        + json.dumps({"version": entry.version, "fingerprint": entry.fingerprint})
        for item_id, entry in sorted(lock.items())
    ]
    return "{\n" + ",\n".join(lines) + ("\n" if lines else "") + "}\n"


def version_problem(item: Item, entry: LockEntry | None) -> str | None:
    """Why ``item`` contradicts its lock entry, or None when it does not."""
    if entry is None or item.version > entry.version:
        return None
    if item.version < entry.version:
        return (
            f"version went down from {entry.version} to {item.version} "
            "(versions only go up; a retired id is never reused)"
        )
    if fingerprint(item) != entry.fingerprint:
        return (
            f"content changed but version is still {item.version}: "
            f"raise it to {item.version + 1}, then run `quiztool bank validate --update-lock`"
        )
    return None


def updated_lock(lock: dict[str, LockEntry], items: list[Item]) -> dict[str, LockEntry]:
    """``lock`` with every item's current version and fingerprint recorded."""
    new = dict(lock)
    for item in items:
        new[item.id] = LockEntry(item.version, fingerprint(item))
    return new
