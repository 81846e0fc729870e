"""The dashboard's chart slot: the funnel and time-in-stage charts of ``pathway.reports``.

The one place the web UI meets the reports module. While that module is not installed the
slot stays empty and the dashboard says so; once it is, each chart is the SVG it draws for
one definition of the unit. Expected there (keyword-only, returning SVG text):

    pathway.reports.funnel_svg(session, *, unit_id, definition_id, lang) -> str
    pathway.reports.time_in_stage_svg(session, *, unit_id, definition_id, lang) -> str

A different signature is adapted here, nowhere else."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from sqlmodel import Session

CHARTS = ("funnel_svg", "time_in_stage_svg")


@dataclass(frozen=True)
class Chart:
    definition_id: str
    name: str  # one of CHARTS
    svg: str


def reports_available() -> bool:
    return importlib.util.find_spec("pathway.reports") is not None


def charts(session: Session, *, unit_id: str, definition_ids: list[str], lang: str) -> list[Chart]:
    if not reports_available():
        return []
    reports = importlib.import_module("pathway.reports")
    out = []
    for definition_id in definition_ids:
        for name in CHARTS:
            draw = getattr(reports, name, None)
            if draw is not None:
                out.append(Chart(definition_id, name, draw(session, unit_id=unit_id, definition_id=definition_id, lang=lang)))
    return out
