"""The simulation's worker is the real one, spared what it need not redo: the definition it
runs is given to the activities (its legal bases, its audit limits) instead of every
definition being parsed again for them."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import make_settings

from activities import build_activities
from activities.definitions import definitions_in
from pathway.store.db import make_engine

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"


def _bases(acts: list) -> dict[str, frozenset[str]]:  # type: ignore[type-arg]
    return dict(acts[2].__self__.legal_bases)  # notify_partner's NotifyActivities


def _limits(acts: list) -> set[str]:  # type: ignore[type-arg]
    return set(acts[0].__self__.limits)  # project_events' ProjectionActivities


def test_the_activities_take_the_definitions_given_instead_of_reading_the_directory(tmp_path: Path) -> None:
    definitions = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, definitions)
    settings = make_settings(tmp_path, definitions_dir=definitions)
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    acts = build_activities(engine, settings=settings)
    read = _bases(acts)
    assert "model-wsparcia" in read and len(read) > 1  # every definition of the directory, read
    assert _limits(acts) == set(read)
    (one,) = [d for d in definitions_in(definitions) if d.id == "model-wsparcia"]
    given = build_activities(engine, settings=settings, definitions=[one])
    assert _bases(given) == {"model-wsparcia": read["model-wsparcia"]}
    assert _limits(given) == {"model-wsparcia"}
    engine.dispose()
