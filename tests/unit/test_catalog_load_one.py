"""``Catalog.load_one``: one definition of a directory without parsing the others
(``pathway simulate`` runs one), the same entry as the whole catalog's."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathway.app.catalog import Catalog
from pathway.core.errors import DefinitionError

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"


def test_each_definition_alone_is_the_catalogs_entry() -> None:
    catalog = Catalog.load(DEFINITIONS)
    assert catalog.ids()
    for entry in catalog.entries():
        alone = Catalog.load_one(DEFINITIONS, entry.definition.id)
        assert alone is not None
        assert alone.path == entry.path and alone.snapshot == entry.snapshot


def test_no_such_definition_and_no_path_outside_the_directory() -> None:
    assert Catalog.load_one(DEFINITIONS, "no-such-pathway") is None
    assert Catalog.load_one(DEFINITIONS, "../definitions/model-wsparcia") is None


def test_the_file_name_must_still_be_the_id(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text((DEFINITIONS / "model-wsparcia.yaml").read_text("utf-8"), "utf-8")
    for name in ("blocks",):
        if (DEFINITIONS / name).is_dir():
            (tmp_path / name).symlink_to(DEFINITIONS / name)
    with pytest.raises(DefinitionError, match="must match the file name"):
        Catalog.load_one(tmp_path, "other")
