"""The supervisor's dashboard: stalled pathways, caseloads, open cases by stage, one
definition's funnel and outcomes (by default the first with open cases), and the forecast of
the unit's open cases at an assumed visit rate."""

from __future__ import annotations

from dataclasses import dataclass

from pathway.app import audits, caseloads, forecasts, reports
from pathway.app.access import authorize
from pathway.app.caseload_shapes import CaseloadRow
from pathway.app.context import Context
from pathway.app.schemas import StalledItem
from pathway.core.forecast import Forecast
from pathway.readmodels import caseload
from pathway.readmodels.funnel import FunnelReport
from pathway.readmodels.outcomes import OutcomesReport
from pathway.security.policy import Action


@dataclass(frozen=True)
class Dashboard:
    stalled: list[StalledItem]
    loads: list[CaseloadRow]
    by_stage: dict[str, dict[str, int]]
    chosen: str
    report: FunnelReport
    forecast: Forecast
    outcomes: OutcomesReport


async def dashboard(ctx: Context, *, definition: str | None = None, visits_per_week: float = 1.0) -> Dashboard:
    authorize(ctx.actor, Action.REPORT_READ)
    catalog = ctx.services.catalog
    loads = caseloads.list_caseloads(ctx)
    by_stage = caseload.open_cases_by_stage(ctx.session, unit_id=ctx.unit_id)
    chosen = definition if definition in catalog.ids() else next(iter(sorted(by_stage)), None) or catalog.ids()[0]
    report = reports.funnel(ctx, definition=chosen)
    stalled = await audits.stalled(ctx)
    forecast = await forecasts.forecast(ctx, visits_per_week=visits_per_week)
    return Dashboard(
        stalled=stalled.items,
        loads=loads.items,
        by_stage=by_stage,
        chosen=chosen,
        report=report,
        outcomes=reports.outcomes(ctx, definition=chosen),
        forecast=forecast,
    )
