"""`pathway audit stalled|verify`: the supervisors' audits."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from pathway.cli.console import ApiClient, check_format, console, err, fetch_listing, local_time
from pathway.config import Settings

audit_app = typer.Typer(help="Supervisors' audits.", no_args_is_help=True)


# --------------------------------------------------------------------------- audit
@audit_app.command("stalled")
def audit_stalled(
    format: str = typer.Option("table", "--format", help="table, json or csv"),
    coordinator: str | None = typer.Option(None, "--coordinator"),
    definition: str | None = typer.Option(None, "--definition"),
    rule: str | None = typer.Option(None, "--rule", help="stage_overdue, visit_overdue, inactive or paused_too_long"),
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
    table = Table("severity", "rule", "since", "days overdue", "stage", "coordinator", "definition")
    table.add_column("case", no_wrap=True, min_width=32)
    for r in page["items"]:
        table.add_row(
            r.get("severity", ""),
            r["rule"],
            local_time(r["since"]),
            str(r["days_overdue"]),
            r["stage"],
            r["coordinator"],
            r.get("definition", ""),
            r["case_id"],
        )
    console.print(table)
    console.print(f"{page['count']} stalled")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check your unit's tamper-evident audit trail; exit 1 and name the first broken entry."""
    result = ApiClient(Settings()).call("GET", "/audit/verify").json()
    if result["ok"]:
        console.print(f"[green]OK[/green] unit {result['unit']}: {result['entries']} entries, the chain holds")
        return
    err.print(
        f"BROKEN unit {result['unit']} at entry {result['broken_seq']}: {result['problem']}", style="red", markup=False
    )
    raise typer.Exit(1)
