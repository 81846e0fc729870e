"""The pathway definitions available to open cases with: the YAML files of a directory; and
the earlier versions kept in its ``versions/`` folder (what running cases opened on them
declare, e.g. which kind of partner a record's field names)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

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
# In VERSIONS_DIR: for each kept block, the version of each definition from which on it uses the
# current block (a version kept after the block changed is composed with the current one).
BLOCK_CHANGES = "block-changes.yaml"


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


def _entry(path: Path, blocks: dict[str, BlockText]) -> CatalogEntry:
    definition = load_file(path, blocks)
    if path.stem != definition.id:
        raise DefinitionError(
            str(path), [Problem("id", f"the id '{definition.id}' must match the file name '{path.stem}'")]
        )
    return CatalogEntry(definition, snapshot(definition), path)


class Catalog:
    def __init__(self, entries: dict[str, CatalogEntry], directory: Path | None = None) -> None:
        self._entries = entries
        self._kept = KeptVersions(directory / VERSIONS_DIR) if directory is not None else None

    @classmethod
    def load(cls, directory: Path) -> Catalog:
        """Load every ``*.yaml`` file; one wrong file stops the load with its error, so that
        a broken definition is noticed at start-up rather than when a case is opened."""
        entries: dict[str, CatalogEntry] = {}
        blocks = load_blocks(directory)
        for path in sorted(directory.glob("*.yaml")):
            entry = _entry(path, blocks)
            entries[entry.definition.id] = entry
        return cls(entries, directory)

    @classmethod
    def load_one(cls, directory: Path, definition_id: str) -> CatalogEntry | None:
        """Only the definition ``definition_id`` of ``directory`` (with the blocks), for a
        command that runs one (``pathway simulate``): the others are not parsed. None if the
        directory has no such definition."""
        path = directory / f"{definition_id}.yaml"
        if Path(definition_id).name != definition_id or not path.is_file():
            return None
        return _entry(path, load_blocks(directory))

    def get(self, definition_id: str) -> CatalogEntry | None:
        return self._entries.get(definition_id)

    def version(self, definition_id: str, version: int) -> Definition | None:
        """Version ``version`` of a definition: the current one or one kept in ``versions/``."""
        entry = self._entries.get(definition_id)
        if entry is not None and entry.definition.version == version:
            return entry.definition
        return self._kept.get(definition_id, version) if self._kept is not None else None

    def ids(self) -> list[str]:
        return sorted(self._entries)

    def definitions(self) -> dict[str, Definition]:
        """id -> current definition (what the audits and reports take their limits from)."""
        return {i: e.definition for i, e in self._entries.items()}

    def entries(self) -> list[CatalogEntry]:
        return [self._entries[i] for i in self.ids()]


class KeptVersions:
    """The earlier versions kept in ``folder`` as ``<id>-v<N>.yaml``, composed with the blocks
    as they used them (``folder/blocks`` over the current ones), each read when first asked
    for (most cases run on the current version: the catalog loads no more than it did)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._read: dict[tuple[str, int], Definition | None] = {}

    def get(self, definition_id: str, version: int) -> Definition | None:
        key = (definition_id, version)
        if key not in self._read:
            self._read[key] = self._load(definition_id, version)
        return self._read[key]

    def _load(self, definition_id: str, version: int) -> Definition | None:
        path = self.folder / f"{definition_id}-v{version}.yaml"
        if not path.is_file():
            return None
        current, kept_blocks = load_blocks(self.folder.parent), load_blocks(self.folder)
        since = self._changes().get
        blocks = {
            **current,
            **{n: b for n, b in kept_blocks.items() if version < since(n, {}).get(definition_id, version + 1)},
        }
        kept = load_file(path, blocks)
        return kept if (kept.id, kept.version) == (definition_id, version) else None

    def _changes(self) -> dict[str, dict[str, int]]:
        """``block-changes.yaml``: block -> definition id -> the first version on the current block."""
        path = self.folder / BLOCK_CHANGES
        if not path.is_file():
            return {}
        raw = yaml.safe_load(_read(path)) or {}
        return {str(b): {str(d): int(v) for d, v in (ids or {}).items()} for b, ids in raw.items()}
