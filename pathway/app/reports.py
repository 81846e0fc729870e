"""Outcome reports of the unit's cohorts, for funders (the surfaces draw them as JSON, CSV or
accessible SVG charts)."""

from __future__ import annotations

from datetime import date

from pathway.app.access import authorize, own_unit
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.readmodels import funnel as funnels
from pathway.security.policy import Action


def funnel(
    ctx: Context,
    *,
    definition: str | None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    unit: str | None = None,
) -> funnels.FunnelReport:
    """A cohort's funnel over the definition's main path, conversions between consecutive
    stages, exits by outcome and time in stage (median, 90th percentile)."""
    authorize(ctx.actor, Action.REPORT_READ)
    unit_id = own_unit(ctx.actor, unit)
    catalog = ctx.services.catalog
    if definition is None:
        raise AppError(
            422,
            "definition_required",
            "say which definition: ?definition=ID / podaj definicję ścieżki",
            definitions=catalog.ids(),
        )
    entry = catalog.get(definition)
    if entry is None:
        raise AppError(422, "unknown_definition", f"no pathway definition '{definition}'", definitions=catalog.ids())
    if opened_from is not None and opened_to is not None and opened_to < opened_from:
        raise AppError(422, "invalid_period", "opened_to is before opened_from / koniec okresu przed początkiem")
    return funnels.funnel(
        ctx.session, definition=entry.definition, unit_id=unit_id, opened_from=opened_from, opened_to=opened_to
    )
