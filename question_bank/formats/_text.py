"""Plain text (what the bank stores) to and from the HTML that Moodle, Canvas and QTI carry.

Bank text is plain text: paragraphs separated by a blank line, line breaks inside a paragraph.
The HTML formats get ``<p>`` per paragraph and ``<br>`` per line break, nothing else, so reading
our own output back is exact for *normalised* text (see ``normalise_text``): HTML collapses runs
of spaces and drops spaces at line ends, so those cannot survive a trip through HTML anyway, and
the importers normalise every text they read so a foreign file and our own file come back alike.

Foreign HTML (a Moodle question edited in TinyMCE, a Canvas export) is reduced to the same plain
shape: block elements end paragraphs, ``<br>`` and list items end lines, other tags are dropped
with their text kept. Media (images, audio, video, embedded objects) cannot be kept in a text-only
bank; ``html_to_text`` says which it dropped so the importer can report them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser

_SPACE_RUN = re.compile(r"[ \t\f\v\xa0]+")
_BLANK_LINE_RUN = re.compile(r"\n{3,}")
#: Characters XML 1.0 forbids anywhere in a document; ElementTree would write them raw.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|&[a-zA-Z]+;|&#[0-9]+;")

_BLOCK_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 ul ol dl table tr blockquote section article header footer "
    "aside figure figcaption hr pre address nav main".split()
)
_LINE_TAGS = frozenset({"li", "dt", "dd"})
_CELL_TAGS = frozenset({"td", "th"})
_MEDIA_TAGS = frozenset({"img", "audio", "video", "iframe", "object", "embed", "svg", "math"})
_SKIPPED_CONTENT_TAGS = frozenset({"script", "style", "head", "title"})


def normalise_text(text: str) -> str:
    """The canonical form of a bank text: what survives HTML, and what every importer returns.

    Line endings become ``\\n``; runs of spaces (and tabs, non-breaking spaces) become one space;
    lines lose surrounding spaces; more than one blank line becomes one; the whole is stripped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINE_RUN.sub("\n\n", "\n".join(lines)).strip()


def without_xml_invalid_chars(text: str) -> str:
    """``text`` minus the control characters XML 1.0 cannot carry (exports report them)."""
    return _NOT_XML_CHAR.sub("", text)


def has_xml_invalid_chars(text: str) -> bool:
    return bool(_NOT_XML_CHAR.search(text))


def looks_like_html(text: str) -> bool:
    """Does a text of unknown format (Moodle's "auto" format, GIFT without [plain]) hold HTML?"""
    return bool(_LOOKS_LIKE_HTML.search(text))


def text_to_html(text: str) -> str:
    """``<p>`` per paragraph, ``<br>`` per line break, everything else escaped."""
    if not text:
        return ""
    paragraphs = text.split("\n\n")
    return "".join(
        "<p>" + "<br>".join(html.escape(line, quote=False) for line in paragraph.split("\n"))
        + "</p>"
        for paragraph in paragraphs
    )


class TextCollector:
    """Builds plain text from a stream of HTML-ish events (tags and character data).

    Shared by the HTML-string reader below and by the QTI 2.1 reader, which walks XHTML
    elements that are already parsed, so both turn markup into text by the same rules.
    """

    def __init__(self) -> None:
        self._paragraphs: list[list[str]] = []
        self._lines: list[str] = []
        self._line: list[str] = []
        self._skip_depth = 0
        self.dropped: set[str] = set()

    def start(self, tag: str) -> None:
        tag = tag.lower()
        if tag in _SKIPPED_CONTENT_TAGS:
            self._skip_depth += 1
        elif tag in _MEDIA_TAGS:
            self.dropped.add(tag)
        elif tag == "br":
            self._end_line()
        elif tag in _BLOCK_TAGS:
            self._end_paragraph()
        elif tag in _LINE_TAGS:
            self._end_line(only_if_started=True)
        elif tag in _CELL_TAGS:
            self._line.append(" ")

    def end(self, tag: str) -> None:
        tag = tag.lower()
        if tag in _SKIPPED_CONTENT_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._end_paragraph()
        elif tag in _LINE_TAGS:
            self._end_line(only_if_started=True)

    def data(self, text: str) -> None:
        if not self._skip_depth:
            self._line.append(text.replace("\n", " ").replace("\r", " "))

    def text(self) -> str:
        self._end_paragraph()
        paragraphs = ("\n".join(lines) for lines in self._paragraphs)
        return normalise_text("\n\n".join(paragraphs))

    def _end_line(self, *, only_if_started: bool = False) -> None:
        line = _SPACE_RUN.sub(" ", "".join(self._line)).strip()
        if only_if_started and not line:
            return
        self._lines.append(line)
        self._line = []

    def _end_paragraph(self) -> None:
        self._end_line(only_if_started=True)
        while self._lines and not self._lines[-1]:
            self._lines.pop()
        while self._lines and not self._lines[0]:
            self._lines.pop(0)
        if self._lines:
            self._paragraphs.append(self._lines)
        self._lines = []


class _HtmlReader(HTMLParser):
    def __init__(self, collector: TextCollector) -> None:
        super().__init__(convert_charrefs=True)
        self.collector = collector

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.collector.start(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.collector.start(tag)
        if tag.lower() not in ("br",):
            self.collector.end(tag)

    def handle_endtag(self, tag: str) -> None:
        self.collector.end(tag)

    def handle_data(self, data: str) -> None:
        self.collector.data(data)


def html_to_text(markup: str) -> tuple[str, set[str]]:
    """Plain text of an HTML fragment, and the names of media tags that had to be dropped."""
    collector = TextCollector()
    reader = _HtmlReader(collector)
    reader.feed(markup)
    reader.close()
    return collector.text(), collector.dropped


def paragraphs_from_end(text: str) -> Iterator[tuple[str, str]]:
    """``(head, last_paragraph)`` pairs, peeling one paragraph at a time off the end of ``text``."""
    head = text
    while head:
        before, _, last = head.rpartition("\n\n")
        yield before, last
        head = before
