"""`pathway case consent ...` and `pathway case referral ...`: what is shared with partners, and referrals to them."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from pathway.cli.console import ApiClient, console, local_time
from pathway.config import Settings

# --------------------------------------------------------------------------- consent
consent_app = typer.Typer(help="The client's consent to share the case with a partner.", no_args_is_help=True)


def _print_consents(items: list[dict[str, Any]]) -> None:
    table = Table("partner", "given", "by", "withdrawn", "active")
    table.add_column("id", no_wrap=True, min_width=32)
    for c in items:
        table.add_row(
            c.get("partner_name") or c["partner_id"],
            local_time(c["given_at"]),
            c["given_by"],
            local_time(c.get("withdrawn_at")),
            "yes / tak" if c["active"] else "no / nie",
            c["id"],
        )
    console.print(table)


@consent_app.command("give")
def consent_give(case_id: str, partner_id: str) -> None:
    """Record the client's consent for this partner (the case's coordinator)."""
    c = ApiClient(Settings()).call("POST", f"/cases/{case_id}/consents", json_body={"partner_id": partner_id}).json()
    console.print(f"[green]consent given[/green] {c['id']} for {c.get('partner_name') or c['partner_id']}")


@consent_app.command("withdraw")
def consent_withdraw(case_id: str, consent_id: str) -> None:
    """Withdraw a consent: nothing more is shared with that partner from now on."""
    c = ApiClient(Settings()).call("POST", f"/cases/{case_id}/consents/{consent_id}/withdraw").json()
    console.print(f"[yellow]consent withdrawn[/yellow] {c['id']} ({c.get('partner_name') or c['partner_id']})")


@consent_app.command("list")
def consent_list(case_id: str) -> None:
    """The case's consents, withdrawn ones too."""
    _print_consents(ApiClient(Settings()).call("GET", f"/cases/{case_id}/consents").json()["items"])


# --------------------------------------------------------------------------- referrals
referral_app = typer.Typer(help="Referrals of the client to partners, and their answers.", no_args_is_help=True)


@referral_app.command("make")
def referral_make(
    case_id: str,
    partner_id: str,
    service: str,
    note: str | None = typer.Option(None, "--note", help="Stays in the centre's store; never sent to the partner."),
) -> None:
    """Refer the client to a partner for a service (needs the client's consent for that partner)."""
    body: dict[str, Any] = {"partner_id": partner_id, "service": service}
    if note:
        body["note"] = note
    r = ApiClient(Settings()).call("POST", f"/cases/{case_id}/referrals", json_body=body).json()
    console.print(f"[green]referral made[/green] {r['referral_id']}: answer due {r['answer_due_at']}")


@referral_app.command("answer")
def referral_answer(
    case_id: str,
    referral_id: str,
    answer: str = typer.Argument(..., help="accepted, rejected or done"),
    reason: str | None = typer.Option(None, "--reason", help="a code, required for a rejection (e.g. no_places)"),
) -> None:
    """Enter the partner's answer (given by phone or on paper)."""
    body: dict[str, Any] = {"answer": answer}
    if reason:
        body["reason"] = reason
    r = ApiClient(Settings()).call("POST", f"/cases/{case_id}/referrals/{referral_id}/answer", json_body=body).json()
    console.print(f"referral {r['referral_id']}: [bold]{r['status']}[/bold]")


@referral_app.command("list")
def referral_list(case_id: str) -> None:
    """The case's referrals and where each stands."""
    items = ApiClient(Settings()).call("GET", f"/cases/{case_id}/referrals").json()["items"]
    table = Table("referral", "partner", "service", "status", "answer due", "answered", "reason")
    for r in items:
        table.add_row(
            r["id"],
            r["partner_id"],
            r["service"],
            r["status"],
            local_time(r["answer_due_at"]),
            local_time(r["answered_at"]),
            r["reason"] or "",
        )
    console.print(table)
