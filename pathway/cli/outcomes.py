"""`pathway report outcomes` and `pathway case follow-up`: the outcomes funders ask for
(issue 14, section 5), through the API."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from pathway.cli.cases import case_id_of
from pathway.cli.console import FORMAT_HELP, ApiClient, check_format, console, fetch_listing
from pathway.cli.supervisors import cohort_params, pct, write_chart
from pathway.config import Settings


def report_outcomes(
    definition: str = typer.Option(..., "--definition", "-d"),
    opened_from: str | None = typer.Option(None, "--from", help="cases opened on or after (YYYY-MM-DD)"),
    opened_to: str | None = typer.Option(None, "--to", help="cases opened on or before (YYYY-MM-DD)"),
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
    svg: Path | None = typer.Option(None, "--svg", help="also write the outcomes chart (SVG) here"),
    lang: str = typer.Option("pl", "--lang", help="pl or en (the chart)"),
) -> None:
    """A cohort's entries by profile, exits, employed at exit and 3 months after, internships
    ending in employment."""
    check_format(format)
    params = cohort_params(definition, opened_from, opened_to)
    api = ApiClient(Settings())
    write_chart(api, "/reports/outcomes.svg", {**params, "lang": lang}, svg)
    report = fetch_listing(api, "/reports/outcomes", params, format)
    if report is None:
        return
    period = f"{report['opened_from'] or '…'} – {report['opened_to'] or '…'}"
    console.print(
        f"[bold]{report['definition_title_pl']}[/bold] ({report['definition']}): {report['entries']} entries "
        f"opened {period}, {report['ended']} ended, {report['follow_ups_due']} follow-ups due "
        f"({report['follow_ups_recorded']} recorded)"
    )
    rates = Table("measure", "count", "of", "share")
    for r in report["rates"]:
        rates.add_row(r["measure"], str(r["count"]), str(r["of"]), pct(r["rate"]))
    console.print(rates)
    counts = Table("group", "value", "count", "share")
    for c in report["by_profile"] + report["exits"] + report["exit_status"]:
        counts.add_row(c["dimension"], c["value"], str(c["count"]), pct(c["share"]))
    console.print(counts)


def case_follow_up(
    case_id: str,
    status: str = typer.Argument(
        ..., help="registered_unemployed, unemployed_not_registered, inactive, employed or unknown"
    ),
) -> None:
    """Record an ended case's client status 3 months after exit (the inbox reminds you)."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    body = {"status": status}
    got = api.call("PUT", f"/cases/{case_id}/profile/follow-up", json_body=body, idempotent=True).json()
    console.print(f"case {got['case_id']}: status after exit {got['follow_up_status']} (at exit {got['exit_status']})")


def register(report_app: typer.Typer, case_app: typer.Typer) -> None:
    report_app.command("outcomes")(report_outcomes)
    case_app.command("follow-up")(case_follow_up)
