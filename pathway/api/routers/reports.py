"""Outcome reports of the unit's cohorts, for funders: JSON, CSV and accessible SVG charts
(thin; see ``pathway.app.reports``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from pathway.api.csv_export import CSV_ANSWER, csv_response
from pathway.api.deps import ContextDep
from pathway.app import forecasts, reports
from pathway.app.schemas import ID_PATTERN
from pathway.core.forecast import weeks as forecast_weeks
from pathway.readmodels import funnel as funnels
from pathway.readmodels import outcomes as outcome_reports
from pathway.render import charts, outcome_charts

router = APIRouter(prefix="/reports", tags=["reports"])

# Optional in the signature so that who may read reports is decided before what was asked.
DefinitionParam = Annotated[
    str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN, description="the definition's id")
]
Day = Annotated[
    date | None,
    Query(
        ge=date(1990, 1, 1),
        le=date(2199, 12, 31),
        description="cases opened on or after / before (local dates, included), 1990-2199",
        # A date's bounds cannot be written in the document's schema: the year, as a pattern.
        json_schema_extra={"pattern": r"^(199\d|2[01]\d\d)-"},
    ),
]
SVG = "image/svg+xml; charset=utf-8"
UnitParam = Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)]


class Cohort:
    """The cases a report counts (query parameters): one definition's, opened between two
    local days (both included)."""

    def __init__(self, definition: DefinitionParam = None, opened_from: Day = None, opened_to: Day = None) -> None:
        self.definition, self.opened_from, self.opened_to = definition, opened_from, opened_to

    def args(self) -> dict[str, Any]:
        return {"definition": self.definition, "opened_from": self.opened_from, "opened_to": self.opened_to}


CohortQuery = Annotated[Cohort, Depends()]


@router.get("/funnel", response_model=funnels.FunnelReport, responses=CSV_ANSWER)
def funnel(
    ctx: ContextDep, cohort: CohortQuery, unit: UnitParam = None, format: Literal["json", "csv"] = "json"
) -> Any:
    """A cohort's funnel over the definition's main path, conversions between consecutive
    stages, exits by outcome and time in stage (median, 90th percentile)."""
    report = reports.funnel(ctx, **cohort.args(), unit=unit)
    if format == "csv":
        return csv_response(funnels.csv_rows(report), funnels.CSV_COLUMNS, f"funnel-{report.definition}.csv")
    return report


@router.get("/funnel.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def funnel_chart(ctx: ContextDep, cohort: CohortQuery, lang: Literal["pl", "en"] = "pl") -> Response:
    report = reports.funnel(ctx, **cohort.args())
    return Response(charts.funnel_svg(report, lang), media_type=SVG)


@router.get("/time-in-stage.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def time_in_stage_chart(ctx: ContextDep, cohort: CohortQuery, lang: Literal["pl", "en"] = "pl") -> Response:
    report = reports.funnel(ctx, **cohort.args())
    return Response(charts.time_in_stage_svg(report, lang), media_type=SVG)


VisitsPerWeek = Annotated[float, Query(ge=0, le=7, description="assumed visits per week per case (0: none)")]
Weeks = Annotated[int, Query(ge=1, le=104, description="weeks forecast, from this week")]
Absences = Annotated[
    list[str],
    Query(
        max_length=200,
        description="a coordinator away: COORDINATOR:YYYY-MM-DD:YYYY-MM-DD (first and last day), repeated",
    ),
]
Coordinator = Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)]


async def _forecast(
    ctx: ContextDep, visits_per_week: float, weeks: int, absence: list[str], coordinator: str | None, unit: str | None
) -> forecast_weeks.Forecast:
    return await forecasts.forecast(
        ctx,
        visits_per_week=visits_per_week,
        absences=[forecasts.parse_absence(a) for a in absence],
        weeks=weeks,
        coordinator=coordinator,
        unit=unit,
    )


@router.get("/forecast", response_model=forecast_weeks.Forecast, responses=CSV_ANSWER)
async def forecast(
    ctx: ContextDep,
    visits_per_week: VisitsPerWeek = 1.0,
    weeks: Weeks = 26,
    absence: Absences = [],  # noqa: B006 - FastAPI copies a query list's default
    coordinator: Coordinator = None,
    unit: UnitParam = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Every open case of the unit run forward through its own definition under an assumed
    visit rate and staff absences: per coordinator per week, what falls due (visits, stage
    deadlines), what the clocks ring, and the overdue load at the week's end."""
    report = await _forecast(ctx, visits_per_week, weeks, absence, coordinator, unit)
    if format == "csv":
        return csv_response(forecast_weeks.csv_rows(report), forecast_weeks.CSV_COLUMNS, "forecast.csv")
    return report


@router.get("/forecast.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
async def forecast_chart(
    ctx: ContextDep,
    visits_per_week: VisitsPerWeek = 1.0,
    weeks: Weeks = 26,
    absence: Absences = [],  # noqa: B006 - FastAPI copies a query list's default
    coordinator: Coordinator = None,
    lang: Literal["pl", "en"] = "pl",
) -> Response:
    report = await _forecast(ctx, visits_per_week, weeks, absence, coordinator, None)
    return Response(charts.forecast_svg(report, lang), media_type=SVG)


@router.get("/outcomes", response_model=outcome_reports.OutcomesReport, responses=CSV_ANSWER)
def outcomes(
    ctx: ContextDep, cohort: CohortQuery, unit: UnitParam = None, format: Literal["json", "csv"] = "json"
) -> Any:
    """A cohort's entries by profile, exits by outcome, employed at exit and 3 months after
    exit, and ended internships ending in employment."""
    report = reports.outcomes(ctx, **cohort.args(), unit=unit)
    if format == "csv":
        rows = outcome_reports.csv_rows(report)
        return csv_response(rows, outcome_reports.CSV_COLUMNS, f"outcomes-{report.definition}.csv")
    return report


@router.get("/outcomes.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def outcomes_chart(ctx: ContextDep, cohort: CohortQuery, lang: Literal["pl", "en"] = "pl") -> Response:
    report = reports.outcomes(ctx, **cohort.args())
    return Response(outcome_charts.outcomes_svg(report, lang), media_type=SVG)
