"""Outcome reports of the unit's cohorts, for funders (the surfaces draw them as JSON, CSV or
accessible SVG charts)."""

from __future__ import annotations

from datetime import date

from pathway.app.access import authorize, own_unit
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.core.definition import Definition
from pathway.readmodels import funnel as funnels
from pathway.readmodels import outcomes as outcome_reports
from pathway.security.policy import Action
from pathway.store.models import utcnow


def _cohort(
    ctx: Context, definition: str | None, opened_from: date | None, opened_to: date | None, unit: str | None
) -> tuple[str, Definition]:
    """Who may read reports, of which unit, and the definition and period asked for (422s)."""
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
    return unit_id, entry.definition


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
    unit_id, chosen = _cohort(ctx, definition, opened_from, opened_to, unit)
    return funnels.funnel(ctx.session, definition=chosen, unit_id=unit_id, opened_from=opened_from, opened_to=opened_to)


def outcomes(
    ctx: Context,
    *,
    definition: str | None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    unit: str | None = None,
) -> outcome_reports.OutcomesReport:
    """A cohort's entries by profile, exits by outcome, employed at exit and 3 months after,
    and internships ending in employment (the profiles are opened to be counted)."""
    unit_id, chosen = _cohort(ctx, definition, opened_from, opened_to, unit)
    return outcome_reports.outcomes(
        ctx.session,
        vault=ctx.vault,
        definition=chosen,
        unit_id=unit_id,
        now=utcnow(),
        opened_from=opened_from,
        opened_to=opened_to,
    )
