"""Loading a definition from YAML: building blocks merged, the pydantic model validated, the
semantic checks run; every problem names the file, the path inside it
(``stages.plan.deadline``) and, where the YAML parser can tell, the line."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

import yaml
from pydantic import (
    ValidationError,
)

from pathway.core.blocks import BlockText, compose, origin_of
from pathway.core.definition.models import Definition
from pathway.core.definition.semantics import check_semantics
from pathway.core.errors import DefinitionError, Problem


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# libyaml's parser where PyYAML was built with it (the same documents, the same values): a
# definition loads in 2-3 ms instead of 20-26 ms with the pure-Python parser and the line index
# built up front. Its error messages are worded differently, so a document it refuses is parsed
# again by the pure one, whose words people see.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

LineIndex = dict[tuple[str, ...], int]


def _line_index(text: str) -> LineIndex:
    """Map each path in the YAML document to its line number (1-based)."""
    index: LineIndex = {}
    try:
        root = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return index

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (str(key.value),)
                index[child] = key.start_mark.line + 1
                walk(value, child)
                index[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (str(i),))

    if root is not None:
        walk(root, ())
    return index


def _nearest_line(index: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    while path:
        if path in index:
            return index[path]
        path = path[:-1]
    return index.get(())


def parse_definition(text: str, source: str, blocks: dict[str, BlockText] | None = None) -> Definition:
    """Parse and validate a definition, merging the building blocks it uses. Raises
    DefinitionError naming ``source`` (and the block a problem comes from)."""
    try:
        raw = yaml.load(text, Loader=_FAST_LOADER)  # a safe loader: CSafeLoader or SafeLoader
    except yaml.YAMLError as fast_exc:
        exc = _pure_error(text) or fast_exc
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(source, [Problem("", f"not valid YAML: {problem}", line)]) from None
    if not isinstance(raw, dict):
        raise DefinitionError(
            source, [Problem("", "a definition is a mapping (id, version, stages, transitions, ...)", 1)]
        )
    composition = compose(_json_safe(raw), blocks or {}, source)
    # The lines are looked up only to name where a problem is: not indexed for a valid file.
    return definition_from_data(
        composition.data, source, functools.cache(lambda: _line_index(text)), composition.origins
    )


def _pure_error(text: str) -> yaml.YAMLError | None:
    """The pure-Python parser's error for ``text`` (None if it takes the document)."""
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return exc
    return None


def definition_from_data(
    data: dict[str, Any],
    source: str,
    lines: LineIndex | Callable[[], LineIndex] | None = None,
    origins: dict[tuple[str, str], str] | None = None,
) -> Definition:
    """The definition ``data`` holds, validated; ``lines`` (or a function that indexes them)
    name the line of a problem."""
    origins = origins or {}

    def located(path: str, message: str, loc: tuple[str, ...]) -> Problem:
        block = origin_of(path, origins)
        if block is not None:  # the line numbers are the definition file's, not the block's
            return Problem(path, f"{message} (from building block {block})", None)
        index = lines() if callable(lines) else lines
        return Problem(path, message, _nearest_line(index or {}, loc))

    try:
        definition = Definition.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(str(p) for p in err["loc"] if not str(p).startswith("function-"))
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field (check its spelling and indentation)"
            elif err["type"] == "missing":
                message = "required field is missing"
            problems.append(located(".".join(loc), message, loc))
        raise DefinitionError(source, problems) from None
    problems = check_semantics(definition)
    if problems:
        raise DefinitionError(
            source, [located(p.path, p.message, tuple(p.path.split(".")) if p.path else ()) for p in problems]
        )
    return definition


def load_definition(path: str, text: str) -> Definition:
    return parse_definition(text, path)
