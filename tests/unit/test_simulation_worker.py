"""The simulation's worker is the real one, spared what it need not redo: the legal bases
of the definition it runs are given to the activities instead of every definition being
parsed again for them."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import make_settings

from activities import build_activities
from pathway.store.db import make_engine

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"


def _bases(acts: list) -> dict[str, frozenset[str]]:  # type: ignore[type-arg]
    return dict(acts[2].__self__.legal_bases)  # notify_partner's NotifyActivities


def test_the_activities_take_the_legal_bases_given_instead_of_reading_the_definitions(tmp_path: Path) -> None:
    definitions = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, definitions)
    settings = make_settings(tmp_path, definitions_dir=definitions)
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    read = _bases(build_activities(engine, settings=settings))
    assert "model-wsparcia" in read and len(read) > 1  # every definition of the directory, read
    given = {"model-wsparcia": read["model-wsparcia"]}
    assert _bases(build_activities(engine, settings=settings, legal_bases=given)) == given
    engine.dispose()
