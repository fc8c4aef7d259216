"""What the domain says to a person, as data a web layer can translate.

``question_bank`` stays free of Flask and Babel: a sentence it says to an instructor is a
``Message`` — an English msgid with named parameters (``%(name)s``), or a singular/plural pair
with its count. A ``Message`` *is* its English text (a ``str``), so the CLI, logs and tests read
it unchanged; the web layer translates it with the page's catalogue and formats its numbers for
the page's locale (``lti_tool.web.i18n.say``).

``N_`` and ``ngettext`` here translate nothing: they are named after the keywords ``pybabel
extract`` looks for (``-k N_``; ``ngettext`` takes the singular and plural), so every msgid of
this package lands in the catalogue. A parameter is an int (a number the locale formats), a
``Message`` (translated in turn), a tuple of Messages (a list, joined with ", ") or plain text
(a pool's title, an id: shown as written).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Message(str):
    """An English sentence (the ``str`` value) that knows its msgid and parameters."""

    msgid: str
    plural: str | None
    n: int | None
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None, *, plural: str | None = None,
                n: int | None = None) -> Message:
        values = dict(params or {})
        template = msgid if plural is None or n == 1 else plural
        text = template % {name: english(value) for name, value in values.items()} if values else template
        self = super().__new__(cls, text)
        self.msgid, self.plural, self.n, self.params = msgid, plural, n, values
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, dict(self.params), self.plural, self.n))


def _rebuild(msgid: str, params: dict[str, Any], plural: str | None, n: int | None) -> Message:
    return Message(msgid, params, plural=plural, n=n)


def english(value: Any) -> str:
    """A parameter as the English text shows it (1,234; a list joined with ", ")."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, tuple):
        return ", ".join(english(part) for part in value)
    return str(value)


def N_(msgid: str, /, **params: Any) -> Message:  # noqa: N802 - the name pybabel extracts
    """A sentence to translate later, with its named parameters."""
    return Message(msgid, params)


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> Message:
    """A sentence whose form follows ``n`` (``num`` in the text, as in gettext), translated later."""
    params.setdefault("num", n)
    return Message(singular, params, plural=plural, n=n)

