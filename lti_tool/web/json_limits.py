"""JSON request bodies with a depth limit.

Python's parser recurses once per nesting level: ``[[[[...]]]]`` 100,000 deep raised
RecursionError, which ``request.get_json(silent=True)`` does not catch (it catches ValueError),
so an autosave body of brackets was a 500. Here a body too deep for the parser, or deeper than
MAX_JSON_DEPTH once parsed (the schemas below would recurse into it too), is a ValueError like any
malformed JSON: the view answers 400. The size of a body is capped before it is read
(MAX_CONTENT_LENGTH: 413).
"""

from __future__ import annotations

import json
from typing import Any

from flask.json.provider import DefaultJSONProvider


class JsonTooDeep(ValueError):
    pass


def depth_of(value: Any, limit: int) -> int:
    """Nesting depth of a parsed JSON value, without recursion; stops counting past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


class LimitedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as error:
            raise JsonTooDeep("JSON nested too deeply") from error
        limit = int(self._app.config.get("MAX_JSON_DEPTH", 32))
        if depth_of(value, limit) > limit:
            raise JsonTooDeep(f"JSON nested deeper than {limit} levels")
        return value
