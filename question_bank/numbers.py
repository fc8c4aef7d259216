"""Whole numbers as people and files write them.

``str.isdigit()`` also accepts characters such as "²" that ``int()`` refuses, and ``int()``
refuses strings of more than 4,300 digits: a check with ``isdigit()`` followed by ``int()`` turns
such input into an unhandled ValueError (a 500 on a web form). Every count, position or length
read from a form, a custom parameter, a bank file or a header goes through ``whole_number``.
"""

from __future__ import annotations


def whole_number(text: str, max_digits: int = 9) -> int | None:
    """``text`` as a non-negative whole number written in ASCII digits (at most ``max_digits`` of
    them), else None."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None
