"""Read YAML into plain dicts and lists that remember the line each piece started on.

Why our own small builder instead of ``yaml.safe_load``: an error must say *where* it is
(``components.yaml:123``), and PyYAML throws the marks away once it has built Python objects. We
let PyYAML's parser (libyaml when present) produce events and build the values ourselves,
keeping the start line of every mapping and sequence and of every mapping key. Building from
events rather than from PyYAML's node tree is also what makes a 10,000-item bank load in well
under the two seconds validation may take: composing nodes costs five times the parse.

It is stricter than ``safe_load`` where that helps authors: a key written twice in one mapping
is reported instead of silently keeping the last value. Tags are resolved as YAML 1.1 does
(PyYAML's own resolver; ``yes`` is true, ``010`` is 8); anchors, aliases and ``<<`` merges work.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml import events

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"


class LineDict(dict):
    """A dict from YAML: ``line`` is where the mapping starts, ``key_lines`` where each key is."""

    __slots__ = ("line", "key_lines")

    line: int
    key_lines: dict[object, int]


class LineList(list):
    """A list from YAML: ``line`` is where the sequence starts, ``item_lines`` each entry."""

    __slots__ = ("line", "item_lines")

    line: int
    item_lines: list[int]


@dataclass(frozen=True, slots=True)
class YamlIssue:
    """Something wrong with the YAML itself (not with what it says)."""

    line: int
    message: str


class YamlSyntaxError(Exception):
    """The text is not YAML at all; ``line`` is where the parser gave up."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_yaml(text: str) -> tuple[object, list[YamlIssue]]:
    """Parse one YAML document into LineDict/LineList/scalars plus the issues found on the way.

    An empty document gives ``None``. Raises YamlSyntaxError when the text cannot be parsed.
    """
    loader = _Loader(text)
    builder = _Builder(loader)
    try:
        return builder.document(), builder.issues
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


class _Builder:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self._loader = loader
        self._next = loader.get_event
        self._anchors: dict[str, object] = {}
        self._tags: dict[str, str] = {}
        self._first_chars = loader.yaml_implicit_resolvers
        self.issues: list[YamlIssue] = []

    def document(self) -> object:
        self._next()  # StreamStart
        event = self._next()
        if isinstance(event, events.StreamEndEvent):
            return None
        value = self._value(self._next())  # after DocumentStart
        self._next()  # DocumentEnd
        event = self._next()
        if not isinstance(event, events.StreamEndEvent):
            line = event.start_mark.line + 1
            raise YamlSyntaxError(line, "a bank file holds one YAML document, not several")
        return value

    def _value(self, event: events.Event) -> object:
        kind = type(event)
        if kind is events.ScalarEvent and event.tag is None and event.anchor is None:
            # The common case, inline: text that is quoted or starts with a character no
            # implicit type (number, bool, null...) can start with.
            value = event.value
            if not event.implicit[0] or (value and value[0] not in self._first_chars):
                return value
        if kind is events.ScalarEvent:
            value = self._scalar(event)
        elif kind is events.MappingStartEvent:
            value = self._mapping(event)
        elif kind is events.SequenceStartEvent:
            value = self._sequence(event)
        elif kind is events.AliasEvent:
            if event.anchor not in self._anchors:
                raise YamlSyntaxError(event.start_mark.line + 1, f"unknown alias *{event.anchor}")
            return self._anchors[event.anchor]
        else:  # pragma: no cover - the parser only emits the events above here
            raise YamlSyntaxError(event.start_mark.line + 1, f"unexpected {kind.__name__}")
        if event.anchor is not None:
            self._anchors[event.anchor] = value
        return value

    def _sequence(self, start: events.SequenceStartEvent) -> LineList:
        result = LineList()
        result.line = start.start_mark.line + 1
        lines = result.item_lines = []
        if start.anchor is not None:
            self._anchors[start.anchor] = result
        append, add_line, value, next_event = result.append, lines.append, self._value, self._next
        event = next_event()
        while type(event) is not events.SequenceEndEvent:
            add_line(event.start_mark.line + 1)
            append(value(event))
            event = next_event()
        return result

    def _mapping(self, start: events.MappingStartEvent) -> LineDict:
        result = LineDict()
        result.line = start.start_mark.line + 1
        key_lines = result.key_lines = {}
        if start.anchor is not None:
            self._anchors[start.anchor] = result
        merges: list[object] = []
        value_of, next_event, scalar_event = self._value, self._next, events.ScalarEvent
        event = next_event()
        while type(event) is not events.MappingEndEvent:
            line = event.start_mark.line + 1
            if type(event) is scalar_event and event.value == "<<" and event.implicit[0]:
                merges.append(value_of(next_event()))
                event = next_event()
                continue
            key = value_of(event)
            value = value_of(next_event())
            event = next_event()
            try:
                known = key in result
            except TypeError:
                self.issues.append(YamlIssue(line, "a mapping key must be a plain value"))
                continue
            if known:
                self.issues.append(YamlIssue(line, f"key {key!r} appears twice in one mapping"))
                continue
            result[key] = value
            key_lines[key] = line
        for merged in merges:
            self._merge(result, merged, start.start_mark.line + 1)
        return result

    def _merge(self, target: LineDict, merged: object, line: int) -> None:
        """``<<: *base`` (or a list of them): keys the mapping lacks come from the merged ones."""
        sources = merged if isinstance(merged, list) else [merged]
        for source in sources:
            if not isinstance(source, LineDict):
                self.issues.append(YamlIssue(line, "<< merges only mappings"))
                continue
            for key, value in source.items():
                if key not in target:
                    target[key] = value
                    target.key_lines[key] = source.key_lines.get(key, line)

    def _scalar(self, event: events.ScalarEvent) -> object:
        value = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return value  # quoted or block scalar without a tag: text
            tag = self._plain_tag(value)
            if tag == _STR:
                return value
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        try:
            return self._loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlSyntaxError(event.start_mark.line + 1, f"not valid YAML: {exc.problem}") from None

    def _plain_tag(self, value: str) -> str:
        """YAML 1.1 implicit typing of a plain scalar (``12`` int, ``no`` bool, ``~`` null)."""
        if value and value[0] not in self._first_chars:
            return _STR  # no implicit type starts with this character: text, no regex needed
        tag = self._tags.get(value)
        if tag is None:
            tag = self._loader.resolve(yaml.ScalarNode, value, (True, False))
            if len(value) < 32:
                self._tags[value] = tag
        return tag
