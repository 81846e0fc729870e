"""Supervisors' commands of `pathway`: `caseload`, `case reassign`, `report funnel`.

Like every other command they talk to the API, so the same rules hold."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from pathway.cli.cases import case_id_of
from pathway.cli.console import FILTER_FLAGS, FORMAT_HELP, ApiClient, check_format, console, err, fetch_listing
from pathway.cli.ids import short_ids
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

report_app = typer.Typer(help="Outcome reports for funders.", no_args_is_help=True)

REASSIGN_CHUNK = 10  # cases per API call: the progress bar moves per call


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


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
            Column("coordinator", lambda r: r["coordinator"]),
            Column("open", lambda r: str(r["open"]), justify="right"),
            Column("stalled", lambda r: str(r["stalled_cases"]), justify="right"),
            Column("stage overdue", lambda r: str(r["stage_overdue"]), justify="right", drop=1),
            Column("visit overdue", lambda r: str(r["visit_overdue"]), justify="right", drop=1),
            Column("paused", lambda r: str(r["paused"]), justify="right", drop=2),
            Column("limits", _limits, drop=3),
        ],
    )


def _limits(row: dict[str, Any]) -> str:
    limits = ", ".join(
        f"{d['definition']} {d['open']}/{d['limit']}" + (" FULL" if d["full"] else "")
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
        TextColumn("moving cases"),
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
        print_table(
            outcomes,
            [
                Column("case", lambda o: short[o[1]["case_id"]], no_wrap=True),
                Column("result", lambda o: Text(o[0], style="green" if o[0] == "moved" else "red")),
                Column("to", lambda o: o[1].get("to") or "—"),
                Column("why", lambda o: f"{o[1]['code']}: {o[1]['message']}" if o[0] == "refused" else ""),
                Column("pathway", lambda o: o[1].get("definition") or "—", drop=1),
            ],
        )
        console.print(f"{len(moved)} moved, {len(refused)} refused")
    if refused:
        raise typer.Exit(1)


def cohort_params(definition: str, opened_from: str | None, opened_to: str | None) -> dict[str, str]:
    """A report's query: the definition and the period the cohort was opened in."""
    asked = {"definition": definition, "opened_from": opened_from, "opened_to": opened_to}
    return {k: v for k, v in asked.items() if v}


def write_chart(api: ApiClient, path: str, params: dict[str, str], target: Path | None) -> None:
    """Write a report's SVG chart to ``target`` (nothing when no file was asked for)."""
    if target is not None:
        target.write_text(api.call("GET", path, params=params, flags=FILTER_FLAGS).text, encoding="utf-8")
        err.print(f"chart written to {target}")


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
    period = f"{report['opened_from'] or '…'} – {report['opened_to'] or '…'}"
    console.print(
        f"[bold]{report['definition_title_pl']}[/bold] ({report['definition']}): cohort of {report['cohort']} "
        f"cases opened {period}, {report['still_open']} still open"
    )
    # "from previous": of the cases whose stay in the stage before ended; "still here" apart.
    steps = Table("stage", "reached", "of cohort", "from previous (ended)", "still here")
    for s in report["steps"]:
        steps.add_row(s["stage"], str(s["reached"]), pct(s["share"]), pct(s["conversion"]), str(s.get("running", 0)))
    console.print(steps)
    exits = Table("exit (outcome)", "cases", "of cohort")
    for e in report["exits"]:
        exits.add_row(e["outcome"], str(e["count"]), pct(e["share"]))
    console.print(exits)
    times = Table("stage", "completed stays", "median days", "90th percentile days")
    for t in report["time_in_stage"]:
        times.add_row(
            t["stage"],
            str(t["stays"]),
            "—" if t["median_days"] is None else f"{t['median_days']:g}",
            "—" if t["p90_days"] is None else f"{t['p90_days']:g}",
        )
    console.print(times)


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    """``pathway caseload``, ``pathway case reassign`` and ``pathway report ...``."""
    app.command("caseload")(caseload)
    case_app.command("reassign")(case_reassign)
    app.add_typer(report_app, name="report")
