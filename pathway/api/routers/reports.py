"""Outcome reports of the unit's cohorts, for funders: JSON, CSV and accessible SVG charts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from pathway.api.csv_export import csv_response
from pathway.api.deps import ActorDep, ServicesDep, SessionDep, authorize, own_unit
from pathway.api.errors import ApiError
from pathway.api.schemas import ID_PATTERN
from pathway.readmodels import funnel as reports
from pathway.render import charts
from pathway.security.policy import Action

router = APIRouter(prefix="/reports", tags=["reports"])

# Optional in the signature so that who may read reports is decided before what was asked.
DefinitionParam = Annotated[
    str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN, description="the definition's id")
]
Day = Annotated[
    date | None,
    Query(
        ge=date(1990, 1, 1),
        le=date(2200, 1, 1),
        description="cases opened on or after / before (local dates, included)",
    ),
]
SVG = "image/svg+xml; charset=utf-8"


def _report(
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    definition: str | None,
    opened_from: date | None,
    opened_to: date | None,
    unit: str | None,
) -> reports.FunnelReport:
    authorize(actor, Action.REPORT_READ)
    unit_id = own_unit(actor, unit)
    if definition is None:
        raise ApiError(
            422,
            "definition_required",
            "say which definition: ?definition=ID / podaj definicję ścieżki",
            definitions=services.catalog.ids(),
        )
    entry = services.catalog.get(definition)
    if entry is None:
        raise ApiError(
            422, "unknown_definition", f"no pathway definition '{definition}'", definitions=services.catalog.ids()
        )
    if opened_from is not None and opened_to is not None and opened_to < opened_from:
        raise ApiError(422, "invalid_period", "opened_to is before opened_from / koniec okresu przed początkiem")
    return reports.funnel(
        session, definition=entry.definition, unit_id=unit_id, opened_from=opened_from, opened_to=opened_to
    )


@router.get("/funnel", response_model=reports.FunnelReport)
def funnel(
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    unit: Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """A cohort's funnel over the definition's main path, conversions between consecutive
    stages, exits by outcome and time in stage (median, 90th percentile)."""
    report = _report(services, session, actor, definition, opened_from, opened_to, unit)
    if format == "csv":
        return csv_response(reports.csv_rows(report), reports.CSV_COLUMNS, f"funnel-{report.definition}.csv")
    return report


@router.get("/funnel.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def funnel_chart(
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    lang: Literal["pl", "en"] = "pl",
) -> Response:
    report = _report(services, session, actor, definition, opened_from, opened_to, None)
    return Response(charts.funnel_svg(report, lang), media_type=SVG)


@router.get("/time-in-stage.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}})
def time_in_stage_chart(
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    definition: DefinitionParam = None,
    opened_from: Day = None,
    opened_to: Day = None,
    lang: Literal["pl", "en"] = "pl",
) -> Response:
    report = _report(services, session, actor, definition, opened_from, opened_to, None)
    return Response(charts.time_in_stage_svg(report, lang), media_type=SVG)
