"""The definitions a worker runs, as its activities need them: each pathway's declared legal
bases (what a partner may be told) and its stalled-audit limits (what the projection stores
with a case). Read once, with the core's parser: activities stand below the app's catalog."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pathway.core.blocks import BlockText
from pathway.core.definition import Definition, parse_definition
from pathway.core.legal_basis import declared_bases
from pathway.readmodels.stalled_limits import Limits

SHIPPED = Path(__file__).resolve().parent.parent / "definitions"


def definitions_in(directory: Path) -> list[Definition]:
    """Every current definition of ``directory`` (its ``blocks/`` shared)."""
    folder = directory / "blocks"
    blocks = {b.stem: BlockText(str(b), b.read_text("utf-8")) for b in sorted(folder.glob("*.yaml"))}
    return [parse_definition(p.read_text("utf-8"), str(p), blocks) for p in sorted(directory.glob("*.yaml"))]


def legal_bases_of(definitions: Iterable[Definition]) -> dict[str, frozenset[str]]:
    return {d.id: declared_bases(d) for d in definitions}


def audit_limits_of(definitions: Iterable[Definition]) -> dict[str, Limits]:
    return {d.id: Limits.of(d) for d in definitions}


def shipped_legal_bases() -> dict[str, frozenset[str]]:
    return legal_bases_of(definitions_in(SHIPPED))
