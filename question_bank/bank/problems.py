"""How the bank reports what is wrong with it: every problem at once, each with its place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a bank file.

    ``str(problem)`` is the line an author reads:
    ``components.yaml:123: comp-014: options[2].text: duplicate option text "Trust"``.
    ``item_id`` and ``field`` are empty when the problem is about the file as a whole.
    """

    file: str
    line: int
    item_id: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}"]
        if self.item_id:
            parts.append(self.item_id)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class BankError(Exception):
    """A bank that did not validate. It is refused whole; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = f"the bank has {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([heading, *self.messages]))

    @property
    def messages(self) -> list[str]:
        return [str(problem) for problem in self.problems]


def format_path(path: Iterable[str | int]) -> str:
    """``("options", 2, "text")`` -> ``options[2].text``: the field as an author would point at it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
