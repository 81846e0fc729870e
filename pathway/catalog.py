"""The pathway definitions available to open cases with: the YAML files of a directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathway.core.definition import Definition, DefinitionSnapshot, parse_definition, snapshot
from pathway.core.errors import DefinitionError, Problem


@dataclass(frozen=True)
class CatalogEntry:
    definition: Definition
    snapshot: DefinitionSnapshot
    path: Path


def load_file(path: Path) -> Definition:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(str(path), [Problem("", f"cannot read the file: {exc}")]) from None
    return parse_definition(text, str(path))


class Catalog:
    def __init__(self, entries: dict[str, CatalogEntry]) -> None:
        self._entries = entries

    @classmethod
    def load(cls, directory: Path) -> "Catalog":
        """Load every ``*.yaml`` file; one wrong file stops the load with its error, so that
        a broken definition is noticed at start-up rather than when a case is opened."""
        entries: dict[str, CatalogEntry] = {}
        for path in sorted(directory.glob("*.yaml")):
            definition = load_file(path)
            if path.stem != definition.id:
                raise DefinitionError(str(path), [Problem("id", f"the id '{definition.id}' must match the file name '{path.stem}'")])
            entries[definition.id] = CatalogEntry(definition, snapshot(definition), path)
        return cls(entries)

    def get(self, definition_id: str) -> CatalogEntry | None:
        return self._entries.get(definition_id)

    def ids(self) -> list[str]:
        return sorted(self._entries)

    def definitions(self) -> dict[str, Definition]:
        """id -> current definition (what the audits and reports take their limits from)."""
        return {i: e.definition for i, e in self._entries.items()}

    def entries(self) -> list[CatalogEntry]:
        return [self._entries[i] for i in self.ids()]
