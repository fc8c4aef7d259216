"""The versions lock: an edit must raise the version, versions never go down, recording is explicit."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lti_tool.cli.bank import bank as bank_cli
from question_bank import BankError
from question_bank import load_bank
from question_bank import record_versions
from question_bank.bank import fingerprint
from tests.question_bank.conftest import build_item
from tests.question_bank.conftest import line_of
from tests.question_bank.conftest import make_item
from tests.question_bank.conftest import problems_of


@pytest.fixture
def recorded(write_pool, tmp_path):
    """A pool of two items whose versions are recorded in tmp_path/versions.lock.json."""
    path = write_pool("components", [make_item("single", "comp-001"), make_item("true_false", "comp-002")])
    record_versions([path])
    return path


def _lock(tmp_path):
    return json.loads((tmp_path / "versions.lock.json").read_text())


def test_recording_writes_version_and_fingerprint_per_item(recorded, tmp_path):
    lock = _lock(tmp_path)
    item = load_bank([recorded]).item("comp-001")
    assert lock["comp-001"] == {"version": 1, "fingerprint": fingerprint(item)}
    assert lock["comp-001"]["fingerprint"].startswith("sha256:")
    assert sorted(lock) == ["comp-001", "comp-002"]


def test_content_changed_without_a_new_version_is_refused(recorded, write_pool):
    path = write_pool(
        "components",
        [make_item("single", "comp-001", stem="An edited stem?"), make_item("true_false", "comp-002")],
    )
    assert problems_of(path) == [
        f"components.yaml:{line_of(path, 'version: 1')}: comp-001: version: content changed but "
        "version is still 1: raise it to 2, then run `quiztool bank validate --update-lock`"
    ]


def test_a_raised_version_is_accepted_and_then_recorded(recorded, write_pool, tmp_path):
    path = write_pool(
        "components",
        [
            make_item("single", "comp-001", stem="An edited stem?", version=2),
            make_item("true_false", "comp-002"),
        ],
    )
    load_bank([path])  # no BankError
    path_written, changed = record_versions([path])
    assert (path_written, changed) == (tmp_path / "versions.lock.json", 1)
    assert _lock(tmp_path)["comp-001"]["version"] == 2


def test_version_going_down_is_refused(write_pool, tmp_path):
    path = write_pool("components", [make_item("single", "comp-001", version=3)])
    record_versions([path])
    write_pool("components", [make_item("single", "comp-001", version=2)])
    (problem,) = problems_of(path)
    assert problem.endswith("comp-001: version: version went down from 3 to 2 "
                            "(versions only go up; a retired id is never reused)")


def test_new_items_need_no_lock_entry_until_recorded(recorded, write_pool, tmp_path):
    path = write_pool(
        "components",
        [make_item("single", "comp-001"), make_item("true_false", "comp-002"), make_item("ordering", "comp-003")],
    )
    load_bank([path])
    assert "comp-003" not in _lock(tmp_path)
    assert record_versions([path])[1] == 1
    assert "comp-003" in _lock(tmp_path)


def test_recording_refuses_a_silent_edit(recorded, write_pool, tmp_path):
    before = _lock(tmp_path)
    path = write_pool(
        "components",
        [make_item("single", "comp-001", rationale="Edited."), make_item("true_false", "comp-002")],
    )
    with pytest.raises(BankError):
        record_versions([path])
    assert _lock(tmp_path) == before


def test_retired_items_stay_in_the_lock(recorded, write_pool, tmp_path):
    path = write_pool("components", [make_item("single", "comp-001")])
    record_versions([path])
    assert "comp-002" in _lock(tmp_path)


@pytest.mark.parametrize(
    "change", [{"difficulty": 3}, {"tags": ["new-tag"]}, {"source": [{"seed": "001_2ad639c469761cea.txt", "section": "X"}]}]
)
def test_metadata_is_not_content(change):
    assert fingerprint(build_item(**change)) == fingerprint(build_item())


@pytest.mark.parametrize(
    "change",
    [{"stem": "Other?"}, {"key": "a"}, {"rationale": "Other."}, {"points": 2}, {"type": "scenario"}],
)
def test_what_students_see_or_are_scored_on_is_content(change):
    assert fingerprint(build_item(**change)) != fingerprint(build_item())


def test_an_unreadable_lock_is_a_problem(write_pool, tmp_path):
    path = write_pool("components", [make_item("single", "comp-001")])
    (tmp_path / "versions.lock.json").write_text("{not json")
    (problem,) = problems_of(path)
    assert problem.startswith("versions.lock.json:1: not valid JSON")


def test_cli_update_lock(write_pool, tmp_path):
    path = write_pool("components", [make_item("single", "comp-001")])
    result = CliRunner().invoke(bank_cli, ["validate", "--update-lock", str(path)])
    assert result.exit_code == 0, result.output
    assert "versions lock: 1 entry recorded" in result.output
    assert list(_lock(tmp_path)) == ["comp-001"]
