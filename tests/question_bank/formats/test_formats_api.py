"""The public API the CLI calls, and its promise: bad input never raises."""

from __future__ import annotations

import io
import zipfile
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from question_bank.formats import FORMATS
from question_bank.formats import ImportReport
from question_bank.formats import export_items
from question_bank.formats import export_notes
from question_bank.formats import import_items

from .items import ALL_ITEMS


def test_formats_and_report_shape() -> None:
    assert FORMATS == ("gift", "moodle-xml", "qti12", "qti21")
    assert [f.name for f in fields(ImportReport)] == ["items", "problems"]


@pytest.mark.parametrize("call", [
    lambda: export_items(ALL_ITEMS, "csv"),
    lambda: export_notes(ALL_ITEMS, "csv"),
    lambda: import_items("", "csv", "components"),
])
def test_unknown_format_names_the_known_ones(call) -> None:
    with pytest.raises(ValueError, match="unknown format 'csv'; known formats: gift, moodle-xml, "
                                         "qti12, qti21"):
        call()


def test_empty_export_is_still_a_valid_file() -> None:
    for fmt in FORMATS:
        report = import_items(export_items([], fmt), fmt, "components")
        assert report.items == []


def test_source_names_the_file_in_problem_lines() -> None:
    report = import_items("::q::Essay{}", "gift", "components", source="uploads/week2.gift")
    assert report.problems == [
        "uploads/week2.gift:1: question 1 (q): unsupported type essay (skipped)"
    ]


@settings(max_examples=75, deadline=None)
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=400)),
       fmt=st.sampled_from(FORMATS))
def test_garbage_never_raises(data: str | bytes, fmt: str) -> None:
    report = import_items(data, fmt, "components")
    assert isinstance(report, ImportReport)
    assert all(isinstance(problem, str) for problem in report.problems)


XML_LIKE = st.lists(st.sampled_from([
    "<quiz>", "</quiz>", "<question type='multichoice'>", "<question type='truefalse'>",
    "<question type='matching'>", "<question type='ordering'>", "</question>",
    "<answer fraction='100'>", "<answer fraction='-50'>", "</answer>", "<text>", "</text>",
    "<subquestion>", "</subquestion>", "<single>false</single>", "<tags><tag><text>qb:kind="
    "ordering</text></tag></tags>", "x", "1", "<questiontext format='html'>", "</questiontext>",
]), max_size=40).map("".join)


@settings(max_examples=75, deadline=None)
@given(data=XML_LIKE)
def test_half_right_moodle_xml_never_raises(data: str) -> None:
    assert isinstance(import_items(data, "moodle-xml", "components"), ImportReport)


GIFT_LIKE = st.lists(st.sampled_from([
    "::", "q", "{", "}", "=", "~", "#", "####", "->", "%50%", "%-100%", "\\", "\\:", "\n", "\n\n",
    "TRUE", "F", "[html]", "<p>", "// [tag:qb:kind=ordering]\n", "// [id:x-001]\n", "$CATEGORY:",
    " ", "1", "2",
]), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(data=GIFT_LIKE)
def test_half_right_gift_never_raises(data: str) -> None:
    assert isinstance(import_items(data, "gift", "components"), ImportReport)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["qti12", "qti21"])
def test_zip_bomb_is_refused(fmt: str) -> None:
    bomb = _zip({"imsmanifest.xml": b"<manifest/>", "big.xml": b"\0" * (51 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    report = import_items(bomb, fmt, "p", source="bomb.zip")
    assert report.items == []
    assert report.problems == ["bomb.zip: zip unpacks to more than 50 MB; nothing imported"]


def test_zip_with_too_many_members_is_refused() -> None:
    crowded = _zip({f"f{n}.xml": b"" for n in range(5001)})
    assert import_items(crowded, "qti12", "p", source="c.zip").problems == [
        "c.zip: zip has 5001 files; at most 5000 are read; nothing imported"
    ]
