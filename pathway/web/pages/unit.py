"""The unit: the resource map, and the supervisor's dashboard."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from pathway.app import partners
from pathway.app.dashboard import dashboard as dashboard_of
from pathway.app.errors import AppError
from pathway.core.definition import PARTNER_KINDS
from pathway.i18n import Words
from pathway.render import charts, outcome_charts
from pathway.store.models import SECTORS
from pathway.web.page import signed_in

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------------- the unit
@router.get("/partners")
async def resource_map(request: Request) -> Response:
    page = await signed_in(request)
    kind = request.query_params.get("kind") or None
    sector = request.query_params.get("sector") or None
    kind = kind if kind in PARTNER_KINDS else None
    sector = sector if sector in SECTORS else None
    with page.context() as ctx:
        try:
            found = partners.list_partners(ctx, kind=kind, sector=sector, limit=500, offset=0)
        except AppError as exc:
            return page.error(exc)
    grouped: dict[str, dict[str, list[Any]]] = {}
    for p in found.items:
        grouped.setdefault(p.sector, {}).setdefault(p.kind, []).append(p)
    employers = [p for p in found.items if p.kind == "employer"]
    return page.render(
        "partners.html",
        grouped=[(s, grouped[s]) for s in SECTORS if s in grouped],
        employers=employers,
        kinds=PARTNER_KINDS,
        sectors=SECTORS,
        kind=kind,
        sector=sector,
        capacity=sum(p.internship_capacity for p in employers),
        free=sum(p.internship_capacity if p.places_free is None else p.places_free for p in employers),
    )


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    """Stalled pathways, caseloads, open cases by stage, one definition's funnel and
    time-in-stage charts (``?definition=``; by default the first with open cases), and the
    forecast at ``?visits=`` visits a week per case."""
    page = await signed_in(request)
    catalog = page.services.catalog
    visits_per_week = _rate(request.query_params.get("visits"))
    with page.context() as ctx:
        try:
            board = await dashboard_of(
                ctx, definition=request.query_params.get("definition"), visits_per_week=visits_per_week
            )
        except AppError as exc:
            return page.error(exc)
    lang: Literal["pl", "en"] = "pl" if page.lang == "pl" else "en"
    report = board.report
    return page.render(
        "dashboard.html",
        stalled=board.stalled,
        loads=board.loads,
        by_stage=board.by_stage,
        chosen=board.chosen,
        definitions={e.definition.id: e.definition for e in catalog.entries()},
        charts=[charts.funnel_svg(report, lang), charts.time_in_stage_svg(report, lang)],
        forecast=board.forecast,
        forecast_chart=charts.forecast_svg(board.forecast, lang),
        visits_per_week=visits_per_week,
        outcomes=board.outcomes,
        outcomes_chart=outcome_charts.outcomes_svg(board.outcomes, lang),
        outcome_words=Words(lang),
    )


def _rate(text: str | None) -> float:
    """The forecast's assumed visits a week per case (``?visits=``): 1 unless a number 0-7."""
    try:
        rate = float((text or "1").replace(",", "."))
    except ValueError:
        return 1.0
    return rate if 0 <= rate <= 7 else 1.0
