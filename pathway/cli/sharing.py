"""`pathway case consent ...` and `pathway case referral ...`: what is shared with partners, and referrals to them."""

from __future__ import annotations

from typing import Any

import typer

from pathway.cli.cases import case_id_of
from pathway.cli.console import (
    FORMAT_HELP,
    ApiClient,
    _,
    check_format,
    code,
    console,
    due_date,
    due_day,
    fetch_all,
    local_time,
    print_csv,
    print_json,
    styled,
)
from pathway.cli.ids import resolve, short_ids
from pathway.cli.partners import partner_id_of
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

# --------------------------------------------------------------------------- consent
consent_app = typer.Typer(help="The client's consent to share the case with a partner.", no_args_is_help=True)

CONSENT_COLUMNS = [
    "id",
    "case_id",
    "partner_id",
    "partner_name",
    "given_at",
    "given_by",
    "withdrawn_at",
    "withdrawn_by",
    "active",
    "required",
]


@consent_app.command("give")
def consent_give(case_id: str, partner_id: str) -> None:
    """Record the client's consent for this partner (the case's coordinator)."""
    api = ApiClient(Settings())
    body = {"partner_id": partner_id_of(api, partner_id)}
    c = api.call("POST", f"/cases/{case_id_of(api, case_id)}/consents", json_body=body).json()
    console.print(
        styled("green", _("consent given"))
        + " "
        + _("%(id)s for %(partner)s", id=c["id"], partner=c.get("partner_name") or c["partner_id"])
    )


@consent_app.command("withdraw")
def consent_withdraw(case_id: str, consent_id: str) -> None:
    """Withdraw a consent: nothing more is shared with that partner from now on."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    consent_id = resolve(consent_id, lambda: (c["id"] for c in _consents(api, case_id)), "consent of this case")
    c = api.call("POST", f"/cases/{case_id}/consents/{consent_id}/withdraw").json()
    console.print(styled("yellow", _("consent withdrawn")) + f" {c['id']} ({c.get('partner_name') or c['partner_id']})")


def _consents(api: ApiClient, case_id: str) -> list[dict[str, Any]]:
    return list(api.call("GET", f"/cases/{case_id}/consents").json()["items"])


@consent_app.command("list")
def consent_list(case_id: str, format: str = typer.Option("table", "--format", help=FORMAT_HELP)) -> None:
    """The case's consents, withdrawn ones too."""
    check_format(format)
    api = ApiClient(Settings())
    items = _consents(api, case_id_of(api, case_id))
    if format == "json":
        print_json({"items": items, "count": len(items)})
        return
    if format == "csv":
        print_csv(items, CONSENT_COLUMNS)
        return
    short = short_ids(c["id"] for c in items)
    print_table(
        items,
        [
            Column("id", lambda c: short[c["id"]], no_wrap=True),
            Column(_("partner"), lambda c: c.get("partner_name") or c["partner_id"]),
            Column(_("active"), lambda c: _("yes") if c["active"] else _("no"), no_wrap=True),
            Column(_("given"), lambda c: local_time(c["given_at"]), drop=1, no_wrap=True),
            Column(_("withdrawn"), lambda c: local_time(c.get("withdrawn_at")), drop=2, no_wrap=True),
            Column(_("by"), lambda c: c["given_by"], drop=3),
        ],
    )


# --------------------------------------------------------------------------- referrals
referral_app = typer.Typer(help="Referrals of the client to partners, and their answers.", no_args_is_help=True)

REFERRAL_COLUMNS = [
    "id",
    "case_id",
    "partner_id",
    "partner_kind",
    "service",
    "consent_id",
    "status",
    "made_at",
    "answer_due_at",
    "answered_at",
    "answered_by",
    "reason",
]


@referral_app.command("make")
def referral_make(
    case_id: str,
    partner_id: str,
    service: str,
    note: str | None = typer.Option(None, "--note", help="Stays in the centre's store; never sent to the partner."),
) -> None:
    """Refer the client to a partner for a service (needs the client's consent for that partner)."""
    api = ApiClient(Settings())
    body: dict[str, Any] = {"partner_id": partner_id_of(api, partner_id), "service": service}
    if note:
        body["note"] = note
    r = api.call("POST", f"/cases/{case_id_of(api, case_id)}/referrals", json_body=body).json()
    console.print(
        styled("green", _("referral made"))
        + " "
        + _("%(id)s: answer due %(due)s", id=r["referral_id"], due=due_day(r["answer_due_at"]))
    )


@referral_app.command("answer")
def referral_answer(
    case_id: str,
    referral_id: str,
    answer: str = typer.Argument(..., help="accepted, rejected or done"),
    reason: str | None = typer.Option(None, "--reason", help="a code, required for a rejection (e.g. no_places)"),
) -> None:
    """Enter the partner's answer (given by phone or on paper)."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    referral_id = resolve(
        referral_id, lambda: (r["id"] for r in fetch_all(api, f"/cases/{case_id}/referrals", {})), "referral"
    )
    body: dict[str, Any] = {"answer": answer}
    if reason:
        body["reason"] = reason
    r = api.call("POST", f"/cases/{case_id}/referrals/{referral_id}/answer", json_body=body).json()
    console.print(
        _("referral %(id)s: %(status)s", id=r["referral_id"], status=styled("bold", code("referral", r["status"])))
    )


@referral_app.command("list")
def referral_list(case_id: str, format: str = typer.Option("table", "--format", help=FORMAT_HELP)) -> None:
    """The case's referrals and where each stands."""
    check_format(format)
    api = ApiClient(Settings())
    items = list(fetch_all(api, f"/cases/{case_id_of(api, case_id)}/referrals", {}))
    if format == "json":
        print_json({"items": items, "count": len(items)})
        return
    if format == "csv":
        print_csv(items, REFERRAL_COLUMNS)
        return
    short = short_ids(r["id"] for r in items)
    partners = short_ids(r["partner_id"] for r in items)
    print_table(
        items,
        [
            Column(_("referral"), lambda r: short[r["id"]], no_wrap=True),
            Column(_("partner"), lambda r: partners[r["partner_id"]], no_wrap=True),
            Column(_("service"), lambda r: r["service"]),
            Column(_("status"), lambda r: code("referral", r["status"])),
            Column(_("answer due"), lambda r: due_date(r["answer_due_at"]), drop=1, no_wrap=True),
            Column(_("answered"), lambda r: local_time(r["answered_at"]), drop=2, no_wrap=True),
            Column(_("reason"), lambda r: code("reject", r["reason"]) if r["reason"] else "", drop=3),
        ],
    )
