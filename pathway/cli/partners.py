"""`pathway partners list|add|show`: the resource map."""

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
    fetch_all,
    n_,
    print_csv,
    print_json,
    styled,
    words,
)
from pathway.cli.ids import resolve, short_ids
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

partners_app = typer.Typer(help="The resource map.", no_args_is_help=True)


# --------------------------------------------------------------------------- partners
CSV_COLUMNS = [
    "id",
    "name",
    "kind",
    "sector",
    "services",
    "channel",
    "email",
    "webhook_url",
    "data_scope",
    "internship_capacity",
    "places_in_use",
    "places_free",
    "unit_id",
    "created_at",
]


def partner_id_of(api: ApiClient, given: str) -> str:
    """The whole id of the partner ``given`` names (a whole id, or the start that tables print)."""
    return resolve(given, lambda: (p["id"] for p in fetch_all(api, "/partners", {})), "partner")


@partners_app.command("list")
def partners_list(
    kind: str | None = typer.Option(None, "--kind"),
    sector: str | None = typer.Option(None, "--sector"),
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
) -> None:
    """Partners of the resource map."""
    check_format(format)
    params = {k: v for k, v in {"kind": kind, "sector": sector}.items() if v}
    items = list(fetch_all(ApiClient(Settings()), "/partners", params))
    if format == "json":
        print_json({"items": items, "count": len(items)})
        return
    if format == "csv":
        print_csv(items, CSV_COLUMNS)
        return
    short = short_ids(p["id"] for p in items)
    print_table(
        items,
        [
            Column("id", lambda p: short[p["id"]], no_wrap=True),
            Column(_("name"), lambda p: p["name"], max_width=32),
            Column(_("kind"), lambda p: p["kind"]),
            Column(_("internship places"), _places, drop=1),
            Column(_("channel"), lambda p: p.get("channel", ""), drop=2),
            Column(_("services"), lambda p: ", ".join(p.get("services") or []), drop=3),
            Column(_("sector"), lambda p: code("sector", p["sector"]), drop=4),
            Column(_("may be told"), lambda p: ", ".join(p.get("data_scope") or []), drop=5),
        ],
    )
    console.print(n_("%(num)d partner", "%(num)d partners", len(items)))


def _places(p: dict[str, Any]) -> str:
    """An employer's internship places: in use / capacity (free)."""
    if p.get("places_in_use") is None:
        return "—"
    return _(
        "%(used)s / %(capacity)s (%(free)s free)",
        used=p["places_in_use"],
        capacity=p["internship_capacity"],
        free=p["places_free"],
    )


@partners_app.command("add")
def partners_add(
    name: str = typer.Option(..., "--name"),
    kind: str = typer.Option(..., "--kind"),
    sector: str = typer.Option(..., "--sector", help="public, non_public or private"),
    email: str | None = typer.Option(None, "--email"),
    capacity: int = typer.Option(0, "--capacity", help="internship places (employers)"),
    service: list[str] = typer.Option([], "--service"),
    channel: str = typer.Option("outbox", "--channel", help="outbox, smtp, webhook or none"),
    webhook_url: str | None = typer.Option(None, "--webhook-url"),
    scope: list[str] = typer.Option(
        [],
        "--scope",
        help="a field the partner may be told (repeat); default: case_reference, stage, dates, coordinator_contact",
    ),
) -> None:
    """Add a partner to the resource map (admin). Its webhook signing key is shown once."""
    body: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "sector": sector,
        "email": email,
        "internship_capacity": capacity,
        "services": service,
        "channel": channel,
        "webhook_url": webhook_url,
    }
    if scope:
        body["data_scope"] = scope
    p = ApiClient(Settings()).call("POST", "/partners", json_body=body).json()
    console.print(
        styled("green", _("added"))
        + f" {p['id']} {p['name']} ({p['kind']}, {code('sector', p['sector'])}); "
        + _("may be told: %(fields)s", fields=", ".join(p["data_scope"]))
    )
    console.print(_("webhook signing key (shown once; give it to the partner):"), markup=False)
    console.print(p["webhook_secret"], markup=False, highlight=False)


@partners_app.command("show")
def partners_show(partner_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One partner: kind, channel, what it may be told, internship places."""
    from pathway.core.sharing import SCOPE_FIELDS

    api = ApiClient(Settings())
    p = api.call("GET", f"/partners/{partner_id_of(api, partner_id)}").json()
    if as_json:
        console.print_json(data=p)
        return
    console.print(
        f"[bold]{p['name']}[/bold] ({p['kind']}, {code('sector', p['sector'])})  id {p['id']}", highlight=False
    )
    console.print(
        _("channel: %(channel)s", channel=p["channel"])
        + f"  e-mail: {p.get('email') or '—'}  webhook: {p.get('webhook_url') or '—'}",
        markup=False,
    )
    console.print(_("services: %(services)s", services=", ".join(p.get("services") or []) or "—"), markup=False)
    console.print(_("internship places: %(places)s", places=_places(p)), markup=False)
    console.print(_("may be told:"))
    for field in p.get("data_scope") or []:
        pl, en = SCOPE_FIELDS.get(field, (field, field))
        console.print(f"  - {field}: {en if words().lang == 'en' else pl}", markup=False)
