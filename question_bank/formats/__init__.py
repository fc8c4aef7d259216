"""Question bank import and export: GIFT, Moodle XML, QTI 1.2 (Canvas) and QTI 2.1.

Pure Python (standard library, defusedxml); each format is one module that knows only its own
syntax and the item model. The public API, which the CLI calls:

* ``FORMATS``: the format names, ``("gift", "moodle-xml", "qti12", "qti21")``.
* ``export_items(items, fmt) -> str | bytes``: GIFT and Moodle XML are text (``str``); both QTI
  formats are zip content packages (``bytes``), because that is what Canvas and QTI players
  import (an IMS manifest plus the XML), so the caller writes bytes for them.
* ``export_notes(items, fmt) -> list[str]``: what the format (or the LMS reading it) cannot
  keep exactly, one line per item and problem; empty when the export is faithful. GIFT and
  Moodle XML also list these notes in a comment at the top of the file.
* ``import_items(data, fmt, pool, *, source=None) -> ImportReport``: the items read and a
  problem line for everything skipped, changed, guessed or still missing (foreign files have no
  sources and often no rationale: the items come back with ``rationale=""``/``sources=()`` and
  a line saying what to add before the bank validates). ``pool`` is the pool for questions the
  file puts in no usable category; ``source`` names the file in problem lines. Bad input never
  raises; only an unknown ``fmt`` does (``ValueError`` naming the known formats).

Round trips through any format keep ids, version, keys, choice ids, feedback, sources, tags,
enemies, covers, lint_ok, difficulty, points and pools (see each module for how; covers and
lint_ok travel as ``qb:cover`` and ``qb:lint_ok`` markers). Texts come back normalised
(``_text.normalise_text``): what HTML cannot tell apart (runs of spaces) is not kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from question_bank.formats import gift
from question_bank.formats import moodle_xml
from question_bank.formats import qti12
from question_bank.formats import qti21
from question_bank.formats._report import ImportReport
from question_bank.model import Item

_MODULES: dict[str, ModuleType] = {
    gift.NAME: gift,
    moodle_xml.NAME: moodle_xml,
    qti12.NAME: qti12,
    qti21.NAME: qti21,
}

FORMATS: tuple[str, ...] = tuple(_MODULES)

_DEFAULT_SOURCE = {
    gift.NAME: "import.gift",
    moodle_xml.NAME: "import.xml",
    qti12.NAME: "import.zip",
    qti21.NAME: "import.zip",
}


def _module(fmt: str) -> ModuleType:
    try:
        return _MODULES[fmt]
    except KeyError:
        raise ValueError(
            f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}"
        ) from None


def export_items(items: Sequence[Item], fmt: str) -> str | bytes:
    """``items`` (a pool or a whole bank) in format ``fmt``: text for GIFT and Moodle XML, zip bytes
    for the QTI formats."""
    return _module(fmt).export_items(items)


def export_notes(items: Sequence[Item], fmt: str) -> list[str]:
    """What exporting ``items`` to ``fmt`` cannot represent exactly (empty if nothing)."""
    return _module(fmt).export_notes(items)


def import_items(
    data: str | bytes, fmt: str, pool: str, *, source: str | None = None
) -> ImportReport:
    """Read items from ``data``; never raises for bad input (see the module docstring)."""
    module = _module(fmt)
    name = source or _DEFAULT_SOURCE[fmt]
    try:
        return module.import_items(data, pool, name)
    except Exception as error:  # noqa: BLE001 (last line of defence: bad input never raises)
        return ImportReport([], [f"{name}: could not be read ({type(error).__name__}: {error}); "
                                 "nothing imported"])


__all__ = ["FORMATS", "ImportReport", "export_items", "export_notes", "import_items"]
