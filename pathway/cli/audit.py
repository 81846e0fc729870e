"""`pathway audit stalled|verify`: the supervisors' audits."""

from __future__ import annotations

from typing import Any

import typer

from pathway.cli.console import (
    FORMAT_HELP,
    ApiClient,
    _,
    check_format,
    code,
    console,
    err,
    fetch_listing,
    local_time,
    n_,
)
from pathway.cli.ids import short_ids
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

audit_app = typer.Typer(help="Supervisors' audits.", no_args_is_help=True)


# --------------------------------------------------------------------------- audit
@audit_app.command("stalled")
def audit_stalled(
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
    coordinator: str | None = typer.Option(None, "--coordinator"),
    definition: str | None = typer.Option(None, "--definition"),
    rule: str | None = typer.Option(
        None, "--rule", help="stage_overdue, visit_overdue, inactive, paused_too_long, action_overdue or review_overdue"
    ),
    unit: str | None = typer.Option(None, "--unit", help="your unit (the only one you may audit)"),
    inactive_days: int | None = typer.Option(
        None, "--inactive-days", min=1, help="instead of each definition's inactivity_alert"
    ),
    source: str = typer.Option(
        "store", "--source", help="store, or temporal (stage_overdue from Temporal's visibility)"
    ),
) -> None:
    """Pathways that have stalled, most severe first: which rule fired, since when, for whom."""
    check_format(format)
    params: dict[str, Any] = {
        k: v
        for k, v in {
            "coordinator": coordinator,
            "definition": definition,
            "rule": rule,
            "unit": unit,
            "inactive_days": inactive_days,
            "source": source,
        }.items()
        if v
    }
    page = fetch_listing(ApiClient(Settings()), "/audit/stalled", params, format)
    if page is None:
        return
    short = short_ids(r["case_id"] for r in page["items"])
    print_table(
        page["items"],
        [
            Column(_("case"), lambda r: short[r["case_id"]], no_wrap=True),
            Column(_("rule"), lambda r: code("rule", r["rule"])),
            Column(_("days over"), lambda r: str(r["days_overdue"]), justify="right", no_wrap=True),
            Column(_("coordinator"), lambda r: r["coordinator"], drop=1),
            Column(_("severity"), lambda r: code("severity", r.get("severity")), drop=2),
            Column(_("stage"), lambda r: r["stage"], drop=3),
            Column(_("since"), lambda r: local_time(r["since"]), drop=4, no_wrap=True),
            Column(_("pathway"), lambda r: r.get("definition", ""), drop=5),
        ],
    )
    console.print(n_("%(num)d stalled", "%(num)d stalled", page["count"]))


@audit_app.command("verify")
def audit_verify() -> None:
    """Check your unit's tamper-evident audit trail; exit 1 and name the first broken entry."""
    result = ApiClient(Settings()).call("GET", "/audit/verify").json()
    if result["ok"]:
        console.print(
            "[green]OK[/green] "
            + n_(
                "unit %(unit)s: %(num)d entry, the chain holds",
                "unit %(unit)s: %(num)d entries, the chain holds",
                result["entries"],
                unit=result["unit"],
            )
        )
        return
    err.print(
        _(
            "BROKEN unit %(unit)s at entry %(seq)s: %(problem)s",
            unit=result["unit"],
            seq=result["broken_seq"],
            problem=result["problem"],
        ),
        style="red",
        markup=False,
    )
    raise typer.Exit(1)
