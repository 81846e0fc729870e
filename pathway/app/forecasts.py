"""The forecast for supervisors: the unit's open cases run forward through their own
definitions (``pathway.core.forecast``) under an assumed visit rate and staff absences."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pathway.app.access import authorize, own_unit
from pathway.app.catalog import Catalog, load_file
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.core.definition import DefinitionSnapshot, snapshot
from pathway.core.errors import DefinitionError
from pathway.core.forecast import Absence, Assumptions, Forecast
from pathway.core.forecast import forecast as run_forecast
from pathway.readmodels import forecast as starts
from pathway.security.policy import Action
from pathway.store.models import utcnow

VERSIONS_DIR = "versions"  # earlier versions of the definitions, kept word for word


@lru_cache(maxsize=64)
def _earlier(directory: Path, definition_id: str, version: int) -> DefinitionSnapshot | None:
    path = directory / VERSIONS_DIR / f"{definition_id}-v{version}.yaml"
    if not path.is_file():
        return None
    try:
        definition = load_file(path)
    except DefinitionError:
        return None
    return snapshot(definition) if definition.version == version else None


def parse_absence(text: str) -> Absence:
    """``COORDINATOR:FIRST:LAST`` (local days, ``YYYY-MM-DD``, both included)."""
    try:
        who, first, last = text.rsplit(":", 2)
        return Absence(coordinator_id=who, first_day=first, last_day=last)
    except ValueError as exc:
        raise AppError(
            422,
            "invalid_absence",
            f"an absence is COORDINATOR:YYYY-MM-DD:YYYY-MM-DD (first and last day away); got '{text}' ({exc})",
        ) from None


def snapshots(catalog: Catalog, directory: Path) -> dict[tuple[str, int], DefinitionSnapshot | None]:
    """What each (definition, version) runs on: the catalog's current version, or the earlier
    one kept in ``definitions/versions`` (looked up once per version asked for)."""
    known: dict[tuple[str, int], DefinitionSnapshot | None] = {
        (e.definition.id, e.definition.version): e.snapshot for e in catalog.entries()
    }

    class _Lookup(dict[tuple[str, int], DefinitionSnapshot | None]):
        def __missing__(self, key: tuple[str, int]) -> DefinitionSnapshot | None:
            self[key] = found = _earlier(directory, *key)
            return found

    return _Lookup(known)


async def forecast(
    ctx: Context,
    *,
    visits_per_week: float = 1.0,
    absences: list[Absence] | None = None,
    weeks: int = 26,
    unit: str | None = None,
    coordinator: str | None = None,
) -> Forecast:
    """Per coordinator per week: what falls due and the overdue load if nothing else changes."""
    authorize(ctx.actor, Action.REPORT_READ)
    unit_id = own_unit(ctx.actor, unit)
    try:
        assumptions = Assumptions(visits_per_week=visits_per_week, absences=tuple(absences or ()), weeks=weeks)
    except ValueError as exc:
        raise AppError(422, "invalid_assumptions", f"the forecast's assumptions do not hold: {exc}") from None
    cases = starts.open_cases(ctx.session, unit_id=unit_id, coordinator_id=coordinator)
    paused = starts.paused_cases(ctx.session, unit_id=unit_id, coordinator_id=coordinator)
    # Seconds of work for a city's caseload, the same answer while no open case moved: the key
    # is everything the forecast reads (each case's projected clocks), so a visit, a move or a
    # new case anywhere in the unit computes it afresh; otherwise it is kept for FORECAST_TTL.
    # The hour too: a week starts at a local midnight, a whole hour of UTC, so a forecast kept
    # never shows last week's grid after the week has turned.
    now = utcnow()
    key = (unit_id, coordinator, assumptions, paused, tuple(cases), now.replace(minute=0, second=0, microsecond=0))
    kept = ctx.services.forecasts.get(key)
    if kept is not None:
        return kept
    known = snapshots(ctx.services.catalog, ctx.services.settings.resolved_definitions_dir)
    # Pure work: off the event loop (the connection goes back first).
    result = await ctx.apart(run_forecast, cases, lambda d, v: known[d, v], assumptions, now=now, paused=paused)
    ctx.services.forecasts[key] = result
    return result
