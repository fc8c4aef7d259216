"""Reading untrusted XML and zip uploads safely, and writing XML and zips reproducibly.

Reading: every XML upload goes through defusedxml's expat parser with entity declarations and
external references refused (no billion laughs, no external DTD or file fetched). A plain
``<!DOCTYPE ... SYSTEM "ims_qtiasiv1p2.dtd">`` line, common in older QTI files, is allowed: with
external references refused nothing is loaded. Element names lose their namespace (QTI files
come with and without one), and each element remembers its line for problem messages.

Sizes are capped (file, zip members, unpacked total) before anything is parsed, and zip members
are read with a hard limit so a member lying about its size cannot unpack a bomb.

Writing: ElementTree with two-space indentation, an XML declaration, and characters XML 1.0
cannot carry removed (the exporters report them). Zips get fixed timestamps so the same items
always export to the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError
from xml.etree.ElementTree import TreeBuilder
from xml.etree.ElementTree import indent
from xml.etree.ElementTree import tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from question_bank.formats._text import without_xml_invalid_chars

#: Largest upload (file or zip) an import reads; question banks are text, far below this.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Largest total a zip may unpack to, and most members it may have.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


class InputRejected(Exception):
    """An upload that cannot be read at all; the message says why (and where, if known)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def local_name(name: str) -> str:
    return name.rsplit("}", 1)[-1]


class XmlDocument:
    """A parsed document whose elements know the line they started on."""

    def __init__(self, root: Element, lines: dict[int, int]) -> None:
        self.root = root
        self._lines = lines

    def line(self, element: Element) -> int | None:
        return self._lines.get(id(element))


class _LineRecordingTarget:
    """Builds the tree like ``TreeBuilder``, dropping namespaces and noting start lines."""

    def __init__(self) -> None:
        self._builder = TreeBuilder()
        self.expat = None
        self.lines: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = self._builder.start(
            local_name(tag), {local_name(k): v for k, v in attrs.items()}
        )
        if self.expat is not None:
            self.lines[id(element)] = self.expat.CurrentLineNumber
        return element

    def end(self, tag: str) -> Element:
        return self._builder.end(local_name(tag))

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> Element:
        return self._builder.close()


def parse_xml(data: str | bytes) -> XmlDocument:
    """Parse untrusted XML; raises ``InputRejected`` with a reason and line if it is not usable."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputRejected(f"larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    target = _LineRecordingTarget()
    parser = DefusedXMLParser(
        target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    target.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        raise InputRejected(f"not well-formed XML ({_expat_reason(error)})", line) from None
    except DefusedXmlException as error:
        raise InputRejected(
            f"refused: {type(error).__name__} (entity declarations and external references "
            "are not allowed in uploads)",
            target.expat.CurrentLineNumber,
        ) from None
    except (ValueError, LookupError) as error:  # e.g. an unknown encoding in the declaration
        raise InputRejected(f"cannot be read as XML ({error})") from None
    return XmlDocument(root, target.lines)


def _expat_reason(error: ParseError) -> str:
    return str(error).split(":", 1)[0]


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if child.tag == name]


def child(element: Element, name: str) -> Element | None:
    for candidate in element:
        if candidate.tag == name:
            return candidate
    return None


def descendants(element: Element, name: str) -> Iterator[Element]:
    return (e for e in element.iter(name) if e is not element)


def text_of(element: Element | None) -> str:
    """All character data inside ``element`` (no markup), or "" if there is no element."""
    return "" if element is None else "".join(element.itertext())


def serialise(root: Element) -> str:
    """An indented XML document with declaration, safe for XML 1.0 whatever the item texts hold.

    Writers build elements with plain names and put the ``xmlns``/``xmlns:xsi`` declarations on
    the root as attributes (``namespaced_root``): ElementTree would otherwise invent ``ns0:``
    prefixes, and its ``default_namespace`` option rejects unprefixed attributes.
    """
    indent(root, space="  ")
    return without_xml_invalid_chars(XML_DECLARATION + tostring(root, encoding="unicode") + "\n")


XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"


def namespaced_root(
    tag: str, namespace: str, schema_locations: str, extra: dict[str, str] | None = None
) -> Element:
    """A root element declaring ``namespace`` as default, xsi, and its schema locations."""
    attributes = {"xmlns": namespace, "xmlns:xsi": XSI_NAMESPACE}
    attributes.update(extra or {})
    attributes["xsi:schemaLocation"] = schema_locations
    return Element(tag, attributes)


def read_zip(data: bytes) -> dict[str, bytes]:
    """The members of an uploaded zip (directories skipped), within the size caps."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputRejected(f"larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as error:
        raise InputRejected(f"not a readable zip ({error})") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_ZIP_MEMBERS:
            raise InputRejected(f"zip has {len(infos)} files; at most {MAX_ZIP_MEMBERS} are read")
        members: dict[str, bytes] = {}
        budget = MAX_UNPACKED_BYTES
        for info in infos:
            if info.file_size > budget:
                raise InputRejected(f"zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")
            try:
                with archive.open(info) as member:
                    content = member.read(budget + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as e:
                raise InputRejected(f"zip member {info.filename!r} cannot be read ({e})") from None
            if len(content) > budget:
                raise InputRejected(f"zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")
            budget -= len(content)
            members[info.filename.replace("\\", "/")] = content
    return members


def write_zip(files: list[tuple[str, str | bytes]]) -> bytes:
    """A zip of ``(path, content)`` with fixed timestamps, so exports are reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in files:
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


def is_zip(data: str | bytes) -> bool:
    return isinstance(data, bytes) and data[:4] == b"PK\x03\x04"


def path_text(element: Element, *names: str) -> str:
    """Character data at ``element/names[0]/names[1]...``, or "" if any step is missing."""
    current: Element | None = element
    for name in names:
        if current is None:
            return ""
        current = child(current, name)
    return text_of(current)
