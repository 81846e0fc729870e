"""`pathway report outcomes` and `pathway case follow-up`: the outcomes funders ask for
(issue 14, section 5), through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from pathway.cli.cases import case_id_of
from pathway.cli.console import FORMAT_HELP, ApiClient, _, check_format, code, console, fetch_listing, n_, words
from pathway.cli.supervisors import cohort_params, cohort_period, pct, write_chart
from pathway.config import Settings


def report_outcomes(
    definition: str = typer.Option(..., "--definition", "-d"),
    opened_from: str | None = typer.Option(None, "--from", help="cases opened on or after (YYYY-MM-DD)"),
    opened_to: str | None = typer.Option(None, "--to", help="cases opened on or before (YYYY-MM-DD)"),
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
    svg: Path | None = typer.Option(None, "--svg", help="also write the outcomes chart (SVG) here"),
    lang: str | None = typer.Option(None, "--lang", help="pl or en (the chart; by default PATHWAY_LANG)"),
) -> None:
    """A cohort's entries by profile, exits, employed at exit and 3 months after, internships
    ending in employment."""
    check_format(format)
    params = cohort_params(definition, opened_from, opened_to)
    api = ApiClient(Settings())
    write_chart(api, "/reports/outcomes.svg", {**params, "lang": lang or words().lang}, svg)
    report = fetch_listing(api, "/reports/outcomes", params, format)
    if report is None:
        return
    print_outcomes(report)


# The code group each profile dimension's values are stored in (as the web's outcomes table);
# an exit ("outcome") is a code of the pathway itself, shown as it is.
VALUE_GROUPS = {
    "sex": "sex",
    "age_band": "age_band",
    "labour_status": "labour_status",
    "exit_status": "labour_status",
    "disability": "disability_degree",
}


def value_words(dimension: str, value: str | None) -> str:
    group = VALUE_GROUPS.get(dimension)
    return str(value) if group is None and value is not None else code(group or "labour_status", value)


def print_outcomes(report: dict[str, Any]) -> None:
    """The report for people: its cohort in a sentence, the rates and the counts in words."""
    w = words()
    title = report["definition_title_en"] if w.lang == "en" else report["definition_title_pl"]
    cohort = n_(
        "%(num)d entry opened %(period)s",
        "%(num)d entries opened %(period)s",
        report["entries"],
        period=cohort_period(report),
    )
    ended = n_("%(num)d ended", "%(num)d ended", report["ended"])
    due = n_(
        "%(num)d follow-up due (%(recorded)s recorded)",
        "%(num)d follow-ups due (%(recorded)s recorded)",
        report["follow_ups_due"],
        recorded=w.number(report["follow_ups_recorded"]),
    )
    said = f"{cohort}, {ended}, {due}"
    console.print(f"[bold]{escape(title)}[/bold] ({escape(report['definition'])}): {escape(said)}", highlight=False)
    rates = Table(_("measure"), _("count"), _("of"), _("share"))
    for r in report["rates"]:
        rates.add_row(code("outcome_rate", r["measure"]), w.number(r["count"]), w.number(r["of"]), pct(r["rate"]))
    console.print(rates)
    counts = Table(_("group"), _("value"), _("count"), _("share"))
    for c in report["by_profile"] + report["exits"] + report["exit_status"]:
        counts.add_row(
            code("profile_dimension", c["dimension"]),
            value_words(c["dimension"], c["value"]),
            w.number(c["count"]),
            pct(c["share"]),
        )
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
    console.print(follow_up_words(got), markup=False, highlight=False)


def follow_up_words(got: dict[str, Any]) -> str:
    """``sprawa …: status 3 miesiące po wyjściu: zatrudniony/a (przy wyjściu: …)``."""
    return _(
        "case %(case)s: status 3 months after exit: %(status)s (at exit: %(exit)s)",
        case=got["case_id"],
        status=code("labour_status", got["follow_up_status"]),
        exit=code("labour_status", got.get("exit_status")),
    )


def register(report_app: typer.Typer, case_app: typer.Typer) -> None:
    report_app.command("outcomes")(report_outcomes)
    case_app.command("follow-up")(case_follow_up)
