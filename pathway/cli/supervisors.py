"""Supervisors' commands of `pathway`: `caseload`, `case reassign`, `report funnel`.

Like every other command they talk to the API, so the same rules hold."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from pathway.cli.cases import case_id_of
from pathway.cli.console import (
    FILTER_FLAGS,
    FORMAT_HELP,
    ApiClient,
    _,
    centre_zone,
    check_format,
    console,
    err,
    fetch_listing,
    n_,
    words,
)
from pathway.cli.ids import short_ids
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

report_app = typer.Typer(help="Outcome reports for funders.", no_args_is_help=True)

REASSIGN_CHUNK = 10  # cases per API call: the progress bar moves per call


def pct(x: float | None) -> str:
    return words().percent(x)


def _days(x: float | None) -> str:
    return "—" if x is None else words().number(x)


def caseload(
    coordinator: str | None = typer.Option(None, "--coordinator"),
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
) -> None:
    """Open cases per coordinator, what is overdue, and each definition's caseload limit."""
    check_format(format)
    params: dict[str, Any] = {"coordinator": coordinator} if coordinator else {}
    page = fetch_listing(ApiClient(Settings()), "/caseloads", params, format)
    if page is None:
        return
    print_table(
        page["items"],
        [
            Column(_("coordinator"), lambda r: r["coordinator"]),
            Column(_("open"), lambda r: str(r["open"]), justify="right"),
            Column(_("stalled"), lambda r: str(r["stalled_cases"]), justify="right"),
            Column(_("stage overdue"), lambda r: str(r["stage_overdue"]), justify="right", drop=1),
            Column(_("visit overdue"), lambda r: str(r["visit_overdue"]), justify="right", drop=1),
            Column(_("paused"), lambda r: str(r["paused"]), justify="right", drop=2),
            Column(_("limits"), _limits, drop=3),
        ],
    )


def _limits(row: dict[str, Any]) -> str:
    limits = ", ".join(
        f"{d['definition']} {d['open']}/{d['limit']}" + (" " + _("FULL") if d["full"] else "")
        for d in row["definitions"]
        if d["limit"] is not None
    )
    return limits or "—"


def _open_cases_of(api: ApiClient, coordinator: str) -> list[str]:
    ids: list[str] = []
    for status in ("active", "paused"):
        offset = 0
        while True:
            page = api.call(
                "GET", "/cases", params={"coordinator": coordinator, "status": status, "limit": 500, "offset": offset}
            ).json()
            ids += [c["id"] for c in page["items"]]
            offset += len(page["items"])
            if not page["items"] or offset >= page["count"]:
                break
    return ids


def case_reassign(
    source: str = typer.Option(..., "--from", help="the coordinator whose cases move"),
    targets: list[str] = typer.Option(..., "--to", help="who takes them (repeat: split evenly)"),
    cases: list[str] = typer.Option([], "--case", help="only these cases (repeat); default: all their open cases"),
    override_reason: str | None = typer.Option(
        None, "--override-reason", help="a code: allow going past the caseload limit (audited)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Move a coordinator's cases to colleagues (supervisor): each move is the case's own
    update; prints what moved and what was refused, and why. Exit 1 if anything was refused."""
    api = ApiClient(Settings())
    todo = list(dict.fromkeys(case_id_of(api, c) for c in cases)) or _open_cases_of(api, source)
    moved: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    with Progress(
        TextColumn(_("moving cases")),
        BarColumn(),
        MofNCompleteColumn(),
        console=console if not as_json else err,
        transient=True,
    ) as progress:
        task = progress.add_task("reassign", total=len(todo))
        for i in range(0, len(todo), REASSIGN_CHUNK):
            chunk = todo[i : i + REASSIGN_CHUNK]
            body = {"from": source, "to": targets, "cases": chunk, "override_reason": override_reason}
            # One key per chunk: a retried chunk repeats each move's own key and moves nothing twice.
            result = api.call("POST", "/caseloads/reassign", json_body=body, idempotent=True).json()
            moved += result["moved"]
            refused += result["refused"]
            progress.advance(task, len(chunk))
    if as_json:
        sys.stdout.write(
            json.dumps(
                {"moved": moved, "refused": refused, "moved_count": len(moved), "refused_count": len(refused)},
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    else:
        short = short_ids([m["case_id"] for m in moved] + [r["case_id"] for r in refused])
        outcomes = [("moved", m) for m in moved] + [("refused", r) for r in refused]
        result = {"moved": _("moved"), "refused": _("refused")}
        print_table(
            outcomes,
            [
                Column(_("case"), lambda o: short[o[1]["case_id"]], no_wrap=True),
                Column(_("result"), lambda o: Text(result[o[0]], style="green" if o[0] == "moved" else "red")),
                Column(_("to"), lambda o: o[1].get("to") or "—"),
                Column(_("why"), lambda o: f"{o[1]['code']}: {o[1]['message']}" if o[0] == "refused" else ""),
                Column(_("pathway"), lambda o: o[1].get("definition") or "—", drop=1),
            ],
        )
        console.print(_("%(moved)s moved, %(refused)s refused", moved=len(moved), refused=len(refused)))
    if refused:
        raise typer.Exit(1)


def cohort_params(definition: str, opened_from: str | None, opened_to: str | None) -> dict[str, str]:
    """A report's query: the definition and the period the cohort was opened in."""
    asked = {"definition": definition, "opened_from": opened_from, "opened_to": opened_to}
    return {k: v for k, v in asked.items() if v}


def cohort_period(report: Mapping[str, Any]) -> str:
    """The days a report's cohort was opened in, in words (``1 grudnia 2025 – do dziś``), as
    the charts say it (``pathway.render.charts.period_words``)."""
    w, zone = words(), centre_zone()
    start, end = report.get("opened_from"), report.get("opened_to")
    first = w.day(date.fromisoformat(start), zone) if start else w._("from the start")
    last = w.day(date.fromisoformat(end), zone) if end else w._("until today")
    return f"{first} – {last}"


def write_chart(api: ApiClient, path: str, params: dict[str, str], target: Path | None) -> None:
    """Write a report's SVG chart to ``target`` (nothing when no file was asked for)."""
    if target is not None:
        target.write_text(api.call("GET", path, params=params, flags=FILTER_FLAGS).text, encoding="utf-8")
        err.print(_("chart written to %(file)s", file=target), markup=False)


@report_app.command("funnel")
def report_funnel(
    definition: str = typer.Option(..., "--definition", "-d"),
    opened_from: str | None = typer.Option(None, "--from", help="cases opened on or after (YYYY-MM-DD)"),
    opened_to: str | None = typer.Option(None, "--to", help="cases opened on or before (YYYY-MM-DD)"),
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
    svg: Path | None = typer.Option(None, "--svg", help="also write the funnel chart (SVG) here"),
    time_svg: Path | None = typer.Option(None, "--time-svg", help="also write the time-in-stage chart (SVG) here"),
    lang: str = typer.Option("pl", "--lang", help="pl or en (charts)"),
) -> None:
    """A cohort's funnel, conversions, exits by reason and time in stage."""
    check_format(format)
    params = cohort_params(definition, opened_from, opened_to)
    api = ApiClient(Settings())
    for path, target in (("/reports/funnel.svg", svg), ("/reports/time-in-stage.svg", time_svg)):
        write_chart(api, path, {**params, "lang": lang}, target)
    report = fetch_listing(api, "/reports/funnel", params, format)
    if report is None:
        return
    period = cohort_period(report)
    title = report["definition_title_en"] if words().lang == "en" else report["definition_title_pl"]
    console.print(
        f"[bold]{title}[/bold] ({report['definition']}): "
        + n_(
            "cohort of %(num)d case opened %(period)s, %(open)s still open",
            "cohort of %(num)d cases opened %(period)s, %(open)s still open",
            report["cohort"],
            period=period,
            open=report["still_open"],
        )
    )
    # "from previous": of the cases whose stay in the stage before ended; "still here" apart.
    steps = Table(_("stage"), _("reached"), _("of cohort"), _("from previous (ended)"), _("still here"))
    for s in report["steps"]:
        steps.add_row(s["stage"], str(s["reached"]), pct(s["share"]), pct(s["conversion"]), str(s.get("running", 0)))
    console.print(steps)
    exits = Table(_("exit (outcome)"), _("cases"), _("of cohort"))
    for e in report["exits"]:
        exits.add_row(e["outcome"], str(e["count"]), pct(e["share"]))
    console.print(exits)
    times = Table(_("stage"), _("completed stays"), _("median days"), _("90th percentile days"))
    for t in report["time_in_stage"]:
        times.add_row(
            t["stage"],
            str(t["stays"]),
            _days(t["median_days"]),
            _days(t["p90_days"]),
        )
    console.print(times)


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """``pathway caseload``, ``pathway case reassign`` and ``pathway report ...``."""
    app.command("caseload")(caseload)
    case_app.command("reassign")(case_reassign)
    app.add_typer(report_app, name="report")
