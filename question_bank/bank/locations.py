"""Where the bank files, the seed list and the versions lock are.

The shipped bank is found through ``importlib.resources`` so it works from an installed wheel as
well as from a checkout. Explicit paths (``quiztool bank validate some/dir``) bring their own
``sources.yaml`` and ``versions.lock.json`` when those sit beside the first file; otherwise the
shipped seed list applies and no lock is checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from question_bank.bank.versions import LOCK_FILE_NAME

SOURCES_FILE_NAME = "sources.yaml"
#: The coverage map (facts of the seeds) sits beside the bank files but is not one.
COVERAGE_FILE_NAME = "coverage.yaml"
_NOT_BANK_FILES = (SOURCES_FILE_NAME, COVERAGE_FILE_NAME)


@dataclass(frozen=True, slots=True)
class BankFiles:
    """The files one load reads: bank files, the seed list, and the lock (which may not exist)."""

    bank_files: tuple[Traversable, ...]
    sources: Traversable
    lock: Traversable | None


def shipped_dir() -> Traversable:
    return resources.files("question_bank").joinpath("banks")


def _bank_files_in(directory: Traversable) -> list[Traversable]:
    return sorted(
        (f for f in directory.iterdir() if f.name.endswith(".yaml") and f.name not in _NOT_BANK_FILES),
        key=lambda f: f.name,
    )


def resolve(paths: Iterable[str | os.PathLike[str]] | None) -> BankFiles:
    """The files to read for ``paths`` (files or directories), or for the shipped bank if None."""
    if paths is None:
        directory = shipped_dir()
        return BankFiles(
            tuple(_bank_files_in(directory)),
            directory.joinpath(SOURCES_FILE_NAME),
            directory.joinpath(LOCK_FILE_NAME),
        )
    given = [Path(p) for p in paths]
    files: list[Traversable] = []
    for path in given:
        files.extend(_bank_files_in(path) if path.is_dir() else [path])
    first_dir = None
    if given:
        first_dir = given[0] if given[0].is_dir() else given[0].parent
    sources: Traversable = shipped_dir().joinpath(SOURCES_FILE_NAME)
    lock: Traversable | None = None
    if first_dir is not None:
        if (first_dir / SOURCES_FILE_NAME).is_file():
            sources = first_dir / SOURCES_FILE_NAME
        lock = first_dir / LOCK_FILE_NAME
    return BankFiles(tuple(files), sources, lock)
