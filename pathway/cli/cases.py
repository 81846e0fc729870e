"""`pathway case open|advance|visit|fact|show|list`: one client's case, through the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table

from pathway.cli.console import ApiClient, console, err, local_time
from pathway.config import Settings

case_app = typer.Typer(help="Cases: open, advance, visit, show, list.", no_args_is_help=True)


def _print_case(case: dict[str, Any]) -> None:
    client = case.get("client") or {}
    console.print(
        f"[bold]Case {case['id']}[/bold] — {client.get('name', '')} ({case['definition']} "
        f"v{case['definition_version']})"
    )
    console.print(f"stage: [bold]{case['stage']}[/bold]  status: {case['status']}  coordinator: {case['coordinator']}")
    console.print(
        f"stage due: {local_time(case.get('stage_due_at'))}  "
        f"next visit due: {local_time(case.get('next_visit_due_at'))}"
        + (f"  internship/stage ends: {local_time(ends)}" if (ends := case.get("duration_ends_at")) else "")
    )
    if case.get("allowed"):
        console.print("moves now: " + ", ".join(case["allowed"]))
    for b in case.get("blocked", []):
        console.print(
            f"  blocked [yellow]{b['trigger']}[/yellow] → {b['dest']}: {b['reason']}", markup=True, highlight=False
        )
    for o in case.get("overdue", []):
        console.print(
            f"  [red]OVERDUE[/red] {o['watch']}: due {local_time(o['due_at'])}, {o['days_overdue']} day(s)"
            + (", escalated to supervisor" if o["escalated"] else "")
        )
    history = Table("stage", "entered", "left", "by move")
    for h in case.get("history", []):
        history.add_row(h["stage"], local_time(h["entered_at"]), local_time(h.get("left_at")), h.get("trigger") or "—")
    console.print(history)


@case_app.command("open")
def case_open(
    definition: str = typer.Option(..., "--definition", "-d"),
    coordinator: str = typer.Option(..., "--coordinator", "-c"),
    client_name: str = typer.Option(..., "--client-name"),
    address: str | None = typer.Option(None, "--address"),
    phone: str | None = typer.Option(None, "--phone"),
    perpetrator_name: str | None = typer.Option(None, "--perpetrator-name", help="never shown to partners"),
    perpetrator_contact: list[str] = typer.Option(
        [], "--perpetrator-contact", help="e-mail or phone; nothing is ever sent there (repeat)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a case for a client."""
    body = {
        "definition": definition,
        "coordinator": coordinator,
        "client": {
            "name": client_name,
            "address": address,
            "phone": phone,
            "perpetrator_name": perpetrator_name,
            "perpetrator_contacts": perpetrator_contact,
        },
    }
    case = ApiClient(Settings()).call("POST", "/cases", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("advance")
def case_advance(
    case_id: str,
    trigger: str = typer.Argument("advance"),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make a move (a trigger of the pathway) on a case."""
    api = ApiClient(Settings())
    current = api.call("GET", f"/cases/{case_id}").json()
    body = {"trigger": trigger, "note": note, "expected_stage": current["stage"]}
    case = api.call("POST", f"/cases/{case_id}/transitions", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("visit")
def case_visit(
    case_id: str,
    minutes: int = typer.Option(60, "--minutes"),
    kind: str = typer.Option("home", "--kind"),
    at: str | None = typer.Option(None, "--at", help="ISO 8601 with a time zone; default now"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Log a visit."""
    occurred = at or datetime.now(UTC).isoformat()
    body = {"occurred_at": occurred, "duration_minutes": minutes, "kind": kind, "note": note}
    result = ApiClient(Settings()).call("POST", f"/cases/{case_id}/visits", json_body=body, idempotent=True).json()
    if result.get("counted") is False:
        console.print(f"[yellow]recorded, not counted:[/yellow] {result['not_counted_reason']}")
    else:
        console.print(f"[green]visit recorded[/green]; next visit due {local_time(result.get('next_visit_due_at'))}")


@case_app.command("fact")
def case_fact(
    case_id: str, name: str, value: str = typer.Argument(..., help="JSON, e.g. '{\"needs\": true}' or true")
) -> None:
    """Set a fact (checklist items, a partner, a certificate, a record)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        err.print(f"the value is not JSON: {exc}", style="red")
        raise typer.Exit(2) from None
    case = (
        ApiClient(Settings())
        .call("PUT", f"/cases/{case_id}/facts/{name}", json_body={"value": parsed}, idempotent=True)
        .json()
    )
    _print_case(case)


@case_app.command("show")
def case_show(case_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a case: stage, moves allowed and blocked, deadlines, history."""
    case = ApiClient(Settings()).call("GET", f"/cases/{case_id}").json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("list")
def case_list(
    coordinator: str | None = typer.Option(None, "--coordinator"),
    status: str | None = typer.Option(None, "--status"),
    definition: str | None = typer.Option(None, "--definition"),
    limit: int = typer.Option(50, "--limit"),
) -> None:
    """List cases."""
    params = {
        k: v
        for k, v in {"coordinator": coordinator, "status": status, "definition": definition, "limit": limit}.items()
        if v is not None
    }
    page = ApiClient(Settings()).call("GET", "/cases", params=params).json()
    table = Table("client", "pathway", "stage", "status", "coordinator", "stage due", "next visit")
    table.add_column("id", no_wrap=True, min_width=32)
    for c in page["items"]:
        table.add_row(
            c.get("client_name") or "",
            c["definition"],
            c["stage"],
            c["status"],
            c["coordinator"],
            local_time(c.get("stage_due_at")),
            local_time(c.get("next_visit_due_at")),
            c["id"],
        )
    console.print(table)
    console.print(f"{len(page['items'])} of {page['count']}")
