"""Every format gives back the items it was given: hand-built items of every type, the whole
shipped bank, and generated items full of characters the formats must escape."""

from __future__ import annotations

import io
import zipfile

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings

from question_bank.bank import load_bank
from question_bank.formats import FORMATS
from question_bank.formats import export_items
from question_bank.formats import export_notes
from question_bank.formats import import_items
from question_bank.model import Item

from .items import ALL_ITEMS
from .strategies import item_lists


def round_trip(items: list[Item] | tuple[Item, ...], fmt: str) -> list[Item]:
    report = import_items(export_items(items, fmt), fmt, pool="unused")
    assert report.problems == []
    return report.items


def by_id(items: list[Item] | tuple[Item, ...]) -> list[Item]:
    """QTI 1.2 writes one assessment per pool, so its items come back grouped by pool."""
    return sorted(items, key=lambda item: item.id)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda item: f"{item.id}-{item.kind}")
def test_each_type_comes_back_unchanged(item: Item, fmt: str) -> None:
    assert round_trip([item], fmt) == [item]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_mixed_export_keeps_order_and_pools(fmt: str) -> None:
    back = round_trip(ALL_ITEMS, fmt)
    if fmt == "qti12":
        assert by_id(back) == by_id(ALL_ITEMS)
    else:
        assert back == list(ALL_ITEMS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_shipped_bank_round_trips(fmt: str) -> None:
    """Real content, every item the authors wrote: exports must lose nothing."""
    bank_items = load_bank().items()
    notes = export_notes(bank_items, fmt)
    skipped = {item.id for item in bank_items if any(n.startswith(f"{item.id}: ") and n.endswith("(skipped)")
                                                    for n in notes)}
    carried = [item for item in bank_items if item.id not in skipped]
    assert by_id(round_trip(bank_items, fmt)) == by_id(carried)


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_text_exports_are_text_and_zip_exports_are_bytes(fmt: str) -> None:
    assert isinstance(export_items(ALL_ITEMS, fmt), str)


@pytest.mark.parametrize("fmt", ["qti12", "qti21"])
def test_qti_exports_are_zip_packages_of_well_formed_xml(fmt: str) -> None:
    package = export_items(ALL_ITEMS, fmt)
    assert isinstance(package, bytes)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = archive.namelist()
        assert "imsmanifest.xml" in names
        for name in names:
            fromstring(archive.read(name))


def test_moodle_xml_export_is_well_formed() -> None:
    fromstring(export_items(ALL_ITEMS, "moodle-xml").encode())


def test_exports_are_reproducible() -> None:
    for fmt in FORMATS:
        assert export_items(ALL_ITEMS, fmt) == export_items(ALL_ITEMS, fmt)


def test_notes_name_what_the_targets_cannot_keep() -> None:
    gift_notes = export_notes(ALL_ITEMS, "gift")
    assert any("comp-011: all-or-nothing" in note for note in gift_notes)
    assert any("ordering items are written as matching" in note for note in gift_notes)
    assert any("Moodle 4.4" in note for note in export_notes(ALL_ITEMS, "moodle-xml"))
    assert any("Canvas" in note for note in export_notes(ALL_ITEMS, "qti12"))
    assert export_notes(ALL_ITEMS, "qti21") == []


_PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_generated_items_round_trip(fmt: str) -> None:
    @_PROPERTY_SETTINGS
    @given(items=item_lists)
    def check(items: list[Item]) -> None:
        assert by_id(round_trip(items, fmt)) == by_id(items)

    check()


@_PROPERTY_SETTINGS
@given(items=item_lists)
def test_generated_exports_are_well_formed_xml(items: list[Item]) -> None:
    fromstring(export_items(items, "moodle-xml").encode())
    for fmt in ("qti12", "qti21"):
        with zipfile.ZipFile(io.BytesIO(export_items(items, fmt))) as archive:
            for name in archive.namelist():
                fromstring(archive.read(name))
