"""`pathway forecast`: the supervisor's forecast of the unit's open cases (through the API,
``GET /reports/forecast``): per week (or per coordinator and week) what falls due and how many
cases will be overdue at the assumed visit rate and absences, if nothing else changes."""

from __future__ import annotations

from pathlib import Path

import typer

from pathway.cli.console import (
    FILTER_FLAGS,
    FORMAT_HELP,
    ApiClient,
    centre_zone,
    check_format,
    err,
    fetch_listing,
    words,
)
from pathway.cli.tables import Column, print_table
from pathway.config import Settings
from pathway.core.forecast import Forecast, WeekRow

FLAGS = {**FILTER_FLAGS, "absence": "--absence", "visits_per_week": "--visits-per-week", "weeks": "--weeks"}


def forecast(
    visits_per_week: float = typer.Option(1.0, "--visits-per-week", help="assumed visits a week per case (0-7)"),
    weeks: int = typer.Option(26, "--weeks", help="weeks forecast, from this week (1-104)"),
    absence: list[str] = typer.Option(
        [], "--absence", help="a coordinator away: COORDINATOR:YYYY-MM-DD:YYYY-MM-DD (first and last day); repeat"
    ),
    coordinator: str | None = typer.Option(None, "--coordinator", help="only this coordinator's cases"),
    per_coordinator: bool = typer.Option(False, "--per-coordinator", help="a row per coordinator and week"),
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
    svg: Path | None = typer.Option(None, "--svg", help="also write the chart (SVG) here"),
) -> None:
    """Every open case of the unit run forward through its pathway's rules (supervisor)."""
    check_format(format)
    params: dict[str, object] = {"visits_per_week": visits_per_week, "weeks": weeks, "absence": absence}
    if coordinator:
        params["coordinator"] = coordinator
    api = ApiClient(Settings())
    w = words()
    if svg is not None:
        chart = api.call("GET", "/reports/forecast.svg", params={**params, "lang": w.lang}, flags=FLAGS)
        svg.write_text(chart.text, encoding="utf-8")
        err.print(w._("chart written to %(path)s", path=str(svg)))
    answer = fetch_listing(api, "/reports/forecast", params, format)
    if answer is None:
        return
    report = Forecast.model_validate(answer)
    today = report.generated_at.date()

    def week(r: WeekRow) -> str:
        return w.day(r.week_start, centre_zone(), today=today) + (" *" if r.absent else "")

    columns = [Column(w._("Week"), week, no_wrap=True)]
    if per_coordinator:
        columns.append(Column(w._("Coordinator"), lambda r: r.coordinator_id))
    columns += [
        Column(w._("Overdue at the week's end"), lambda r: w.number(r.overdue_cases), justify="right"),
        Column(w._("Visits due"), lambda r: w.number(r.visits_due), justify="right"),
        Column(w._("Stage deadlines due"), lambda r: w.number(r.deadlines_due), justify="right"),
        Column(w._("Visits made"), lambda r: w.number(r.visits_planned), justify="right", drop=1),
        Column(w._("Reminders"), lambda r: w.number(r.reminders), justify="right", drop=2),
        Column(w._("Escalations"), lambda r: w.number(r.escalations), justify="right", drop=1),
    ]
    rows = sorted(report.rows, key=lambda r: (r.week_start, r.coordinator_id)) if per_coordinator else report.totals()
    print_table(rows, columns)
    err.print(
        w._(
            "%(cases)s open cases run forward at %(rate)s visits a week per case (paused, their clocks standing: "
            "%(paused)s; of a pathway version not known: %(unknown)s). * someone away that week.",
            cases=w.number(report.cases),
            rate=w.number(report.visits_per_week),
            paused=w.number(report.paused),
            unknown=w.number(report.unknown_definition),
        )
    )


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast)
