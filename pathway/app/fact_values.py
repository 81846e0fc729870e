"""The bounds of a fact's value as a request carries it: any JSON, but not nested deeper than
``MAX_DEPTH`` levels, no text longer than ``MAX_TEXT``, no object or list with more than
``MAX_ENTRIES`` entries. A fact holds ids, codes, dates, flags and numbers (a checklist, a
certificate, a record): the bounds leave room for every definition and none for a body
built to exhaust the parser, the data converter or Temporal's payload (a value nested 300
levels deep was a 500 and a dropped connection). The bounds are in the OpenAPI document too:
its schema of a value is the same nesting, written out level by level."""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

MAX_DEPTH = 4
MAX_TEXT = 256
MAX_ENTRIES = 64


def bounded(value: Any) -> Any:
    """``value`` if it keeps within the bounds; a validation error naming the bound if not."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise PydanticCustomError("value_too_deep", "nested deeper than {limit} levels", {"limit": MAX_DEPTH})
            if len(node) > MAX_ENTRIES:
                raise PydanticCustomError("value_too_big", "more than {limit} entries", {"limit": MAX_ENTRIES})
            children = list(node.items()) if isinstance(node, dict) else [(None, v) for v in node]
            for key, child in children:
                if key is not None and len(str(key)) > MAX_TEXT:
                    raise PydanticCustomError(
                        "value_too_big", "a key longer than {limit} characters", {"limit": MAX_TEXT}
                    )
                stack.append((child, depth + 1))
        elif isinstance(node, str) and len(node) > MAX_TEXT:
            raise PydanticCustomError("value_too_big", "a text longer than {limit} characters", {"limit": MAX_TEXT})
    return value


def json_schema(depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The schema of a bounded value: scalars, and objects and lists of values one level less
    deep, down to scalars."""
    scalar: dict[str, Any] = {
        "anyOf": [
            {"type": "string", "maxLength": MAX_TEXT},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
        ]
    }
    if depth <= 1:
        return scalar
    inner = json_schema(depth - 1)
    return {
        "anyOf": [
            *scalar["anyOf"],
            {"type": "object", "maxProperties": MAX_ENTRIES, "additionalProperties": inner},
            {"type": "array", "maxItems": MAX_ENTRIES, "items": inner},
        ],
        "description": f"any JSON, nested at most {depth} levels deep, texts of at most {MAX_TEXT} characters, "
        f"at most {MAX_ENTRIES} entries in an object or a list",
    }
