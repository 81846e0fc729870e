"""The pathway definitions available to open cases with: the YAML files of a directory; and
the earlier versions kept in its ``versions/`` folder (what running cases opened on them
declare, e.g. which kind of partner a record's field names)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathway.core.blocks import BlockText
from pathway.core.definition import Definition, DefinitionSnapshot, parse_definition, snapshot
from pathway.core.errors import DefinitionError, Problem


@dataclass(frozen=True)
class CatalogEntry:
    definition: Definition
    snapshot: DefinitionSnapshot
    path: Path


BLOCKS_DIR = "blocks"
VERSIONS_DIR = "versions"  # earlier versions, word for word, with the blocks as they used them


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(str(path), [Problem("", f"cannot read the file: {exc}")]) from None


def load_blocks(directory: Path) -> dict[str, BlockText]:
    """The building blocks beside a definition: ``<its directory>/blocks/<name>.yaml``."""
    folder = directory / BLOCKS_DIR
    return {p.stem: BlockText(str(p), _read(p)) for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def load_file(path: Path, blocks: dict[str, BlockText] | None = None) -> Definition:
    if blocks is None:
        blocks = load_blocks(path.parent)
    return parse_definition(_read(path), str(path), blocks)


class Catalog:
    def __init__(
        self, entries: dict[str, CatalogEntry], earlier: dict[tuple[str, int], Definition] | None = None
    ) -> None:
        self._entries = entries
        self._earlier = earlier or {}

    @classmethod
    def load(cls, directory: Path) -> Catalog:
        """Load every ``*.yaml`` file; one wrong file stops the load with its error, so that
        a broken definition is noticed at start-up rather than when a case is opened."""
        entries: dict[str, CatalogEntry] = {}
        blocks = load_blocks(directory)
        for path in sorted(directory.glob("*.yaml")):
            definition = load_file(path, blocks)
            if path.stem != definition.id:
                raise DefinitionError(
                    str(path), [Problem("id", f"the id '{definition.id}' must match the file name '{path.stem}'")]
                )
            entries[definition.id] = CatalogEntry(definition, snapshot(definition), path)
        return cls(entries, _earlier_versions(directory / VERSIONS_DIR, blocks))

    def get(self, definition_id: str) -> CatalogEntry | None:
        return self._entries.get(definition_id)

    def version(self, definition_id: str, version: int) -> Definition | None:
        """Version ``version`` of a definition: the current one or one kept in ``versions/``."""
        entry = self._entries.get(definition_id)
        if entry is not None and entry.definition.version == version:
            return entry.definition
        return self._earlier.get((definition_id, version))

    def ids(self) -> list[str]:
        return sorted(self._entries)

    def definitions(self) -> dict[str, Definition]:
        """id -> current definition (what the audits and reports take their limits from)."""
        return {i: e.definition for i, e in self._entries.items()}

    def entries(self) -> list[CatalogEntry]:
        return [self._entries[i] for i in self.ids()]


def _earlier_versions(folder: Path, blocks: dict[str, BlockText]) -> dict[tuple[str, int], Definition]:
    """The versions kept in ``folder``, composed with the blocks as they were (``versions/blocks``)."""
    if not folder.is_dir():
        return {}
    kept = {**blocks, **load_blocks(folder)}
    return {(d.id, d.version): d for d in (load_file(path, kept) for path in sorted(folder.glob("*.yaml")))}
