"""Outcome reports of the unit's cohorts, for funders: JSON, CSV and accessible SVG charts
(thin; see ``pathway.app.reports``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from pathway.api.csv_export import CSV_ANSWER, csv_response
from pathway.api.deps import ContextDep
from pathway.app import reports
from pathway.app.schemas import ID_PATTERN
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


@router.get("/funnel", response_model=funnels.FunnelReport, responses=CSV_ANSWER)
def funnel(
    ctx: ContextDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    unit: Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """A cohort's funnel over the definition's main path, conversions between consecutive
    stages, exits by outcome and time in stage (median, 90th percentile)."""
    report = reports.funnel(ctx, definition=definition, opened_from=opened_from, opened_to=opened_to, unit=unit)
    if format == "csv":
        return csv_response(funnels.csv_rows(report), funnels.CSV_COLUMNS, f"funnel-{report.definition}.csv")
    return report


@router.get("/funnel.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def funnel_chart(
    ctx: ContextDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    lang: Literal["pl", "en"] = "pl",
) -> Response:
    report = reports.funnel(ctx, definition=definition, opened_from=opened_from, opened_to=opened_to)
    return Response(charts.funnel_svg(report, lang), media_type=SVG)


@router.get("/time-in-stage.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def time_in_stage_chart(
    ctx: ContextDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    lang: Literal["pl", "en"] = "pl",
) -> Response:
    report = reports.funnel(ctx, definition=definition, opened_from=opened_from, opened_to=opened_to)
    return Response(charts.time_in_stage_svg(report, lang), media_type=SVG)


@router.get("/outcomes", response_model=outcome_reports.OutcomesReport, responses=CSV_ANSWER)
def outcomes(
    ctx: ContextDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    unit: Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """A cohort's entries by profile, exits by outcome, employed at exit and 3 months after
    exit, and ended internships ending in employment."""
    report = reports.outcomes(ctx, definition=definition, opened_from=opened_from, opened_to=opened_to, unit=unit)
    if format == "csv":
        rows = outcome_reports.csv_rows(report)
        return csv_response(rows, outcome_reports.CSV_COLUMNS, f"outcomes-{report.definition}.csv")
    return report


@router.get("/outcomes.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def outcomes_chart(
    ctx: ContextDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    lang: Literal["pl", "en"] = "pl",
) -> Response:
    report = reports.outcomes(ctx, definition=definition, opened_from=opened_from, opened_to=opened_to)
    return Response(outcome_charts.outcomes_svg(report, lang), media_type=SVG)
