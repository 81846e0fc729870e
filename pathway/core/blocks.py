"""Building blocks: parts that several pathway definitions share (common exits, a common
first stage, the facts every assistant records), written once in ``definitions/blocks/``.

A definition names the blocks it uses (``use: [common-exits]``); composing copies their
``facts``, ``stages``, ``outcomes`` and ``transitions`` into it. What the definition itself
says wins over a block (a pathway may override a shared stage's title or deadline); two
blocks that define the same entry are an error, because neither can be said to win.

The composed content is what a case snapshots: editing a block, like editing a definition,
never changes a running case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from pathway.core.errors import DefinitionError, Problem

SECTIONS = ("facts", "stages", "outcomes")
ALLOWED = frozenset({*SECTIONS, "transitions", "title", "description"})


@dataclass(frozen=True)
class BlockText:
    """A block as read from disk: where it came from and its YAML text."""

    source: str
    text: str


@dataclass
class Composition:
    data: dict[str, Any]
    # (section, key-or-index) -> the block source that provided it, for error messages
    origins: dict[tuple[str, str], str] = field(default_factory=dict)


def _load_block(name: str, block: BlockText) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(block.text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise DefinitionError(
            block.source, [Problem("", f"not valid YAML: {getattr(exc, 'problem', None) or exc}", line)]
        ) from None
    if not isinstance(raw, dict):
        raise DefinitionError(
            block.source, [Problem("", "a block is a mapping (facts, stages, transitions, outcomes)", 1)]
        )
    unknown = sorted(set(raw) - ALLOWED)
    if unknown:
        raise DefinitionError(
            block.source,
            [Problem(key, "a block may hold facts, stages, transitions and outcomes only") for key in unknown],
        )
    for section in SECTIONS:
        if section in raw and not isinstance(raw[section], dict):
            raise DefinitionError(block.source, [Problem(section, "must be a mapping")])
    if "transitions" in raw and not isinstance(raw["transitions"], list):
        raise DefinitionError(block.source, [Problem("transitions", "must be a list")])
    return raw


def compose(data: dict[str, Any], blocks: dict[str, BlockText], source: str) -> Composition:
    """``data`` with the blocks it names under ``use`` merged in (``use`` itself is replaced
    by ``composed_from``, the list of block names, kept for people reading the snapshot)."""
    names = data.get("use")
    if names is None:
        return Composition(dict(data))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DefinitionError(source, [Problem("use", "use lists building block names, e.g. [common-exits]")])
    out: dict[str, Any] = {k: v for k, v in data.items() if k != "use"}
    origins: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    own = {
        section: dict(data.get(section) or {}) if isinstance(data.get(section), dict) else data.get(section)
        for section in SECTIONS
    }
    merged: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    block_transitions: list[tuple[str, Any]] = []
    for i, name in enumerate(names):
        block = blocks.get(name)
        if block is None:
            known = ", ".join(sorted(blocks)) or "none"
            problems.append(Problem(f"use.{i}", f"unknown building block '{name}'; known blocks: {known}"))
            continue
        raw = _load_block(name, block)
        for section in SECTIONS:
            for key, value in (raw.get(section) or {}).items():
                key = str(key)
                if key in merged[section] and (section, key) in origins:
                    problems.append(
                        Problem(
                            f"use.{i}",
                            f"blocks '{origins[(section, key)]}' and '{block.source}' both define {section}.{key}",
                        )
                    )
                    continue
                merged[section][key] = value
                origins[(section, key)] = block.source
        for t in raw.get("transitions") or []:
            block_transitions.append((block.source, t))
    if problems:
        raise DefinitionError(source, problems)
    for section in SECTIONS:
        mine = own[section]
        if mine is not None and not isinstance(mine, dict):
            continue  # the definition's own type error is reported by validation
        combined = dict(merged[section])
        for key in mine or {}:
            origins.pop((section, str(key)), None)  # the definition's own entry wins
        combined.update(mine or {})
        if combined:
            out[section] = combined
    if block_transitions:
        transitions = (
            list(data.get("transitions") or [])
            if isinstance(data.get("transitions"), list)
            else data.get("transitions")
        )
        if isinstance(transitions, list):
            start = len(transitions)
            for offset, (block_source, t) in enumerate(block_transitions):
                transitions.append(t)
                origins[("transitions", str(start + offset))] = block_source
            out["transitions"] = transitions
    out["composed_from"] = list(names)
    return Composition(out, origins)


def origin_of(path: str, origins: dict[tuple[str, str], str]) -> str | None:
    """The block a problem's dotted path points into, if any."""
    parts = path.split(".")
    if len(parts) >= 2:
        return origins.get((parts[0], parts[1]))
    return None
