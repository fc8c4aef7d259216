"""What an import hands back, and how its problem lines are written.

Uploads are untrusted and foreign files are messy, so an import never raises for bad input: it
returns the items it could read and one line per problem, each saying where (file, line,
question number, name) and what was done about it, e.g.
``quiz.gift:42: question 7 (Essay 1): unsupported type essay (skipped)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from question_bank.model import Item


@dataclass
class ImportReport:
    """The items read from a file, and everything the importing user should know about them.

    ``problems`` lists what was skipped, changed or guessed, and what is still missing before
    the bank will validate (a foreign question has no sources, often no rationale).
    """

    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a question sits in the imported file: ``source:line: question n (name)``."""

    source: str
    line: int | None = None
    number: int | None = None
    name: str = ""

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        if self.number is None:
            return where
        label = f" ({self.name})" if self.name else ""
        return f"{where}: question {self.number}{label}"

    def named(self, name: str) -> Place:
        return Place(self.source, self.line, self.number, name)


class ProblemLog:
    """Collects problem lines for one import, in the order they were found."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, place: Place | str, message: str) -> None:
        self.lines.append(f"{place}: {message}")
