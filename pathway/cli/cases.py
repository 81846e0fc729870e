"""`pathway case open|advance|visit|book|unbook|fact|close|pause|resume|show|list`: one client's case,
through the API. A case id may be given as the unique start that tables print."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from pathway.cli.console import (
    FORMAT_HELP,
    ApiClient,
    _,
    centre_zone,
    check_format,
    code,
    console,
    due_date,
    due_day,
    err,
    fetch_all,
    local_time,
    n_,
    parse_when,
    print_csv,
    print_json,
    styled,
)
from pathway.cli.ids import resolve, short_ids
from pathway.cli.tables import Column, print_table
from pathway.config import Settings
from pathway.readmodels.urgency import CaseRow, rows_by_urgency

if TYPE_CHECKING:
    from pathway.app.schemas import CaseListItem

case_app = typer.Typer(
    help="Cases: open, advance, visit, book, unbook, close, pause, resume, show, list.", no_args_is_help=True
)

OPEN_STATUSES = ("active", "paused", "opening")
EXIT_STATUS_HELP = (
    "the client's employment status when the case ends: registered_unemployed, unemployed_not_registered, "
    "inactive or employed (required where the pathway asks for it)"
)


def case_id_of(api: ApiClient, given: str) -> str:
    """The whole id of the case ``given`` names (a whole id, or the start of one: open cases
    are searched first, then closed ones)."""
    return resolve(given, lambda: _case_ids(api, OPEN_STATUSES), "case", fallback=lambda: _case_ids(api, ("closed",)))


def _case_ids(api: ApiClient, statuses: tuple[str, ...]) -> Iterator[str]:
    for status in statuses:
        yield from (c["id"] for c in fetch_all(api, "/cases", {"status": status}))


def _print_case(case: dict[str, Any]) -> None:
    client = case.get("client") or {}
    console.print(
        styled("bold", _("Case %(id)s", id=case["id"])) + f" — {client.get('name', '')} ({case['definition']} "
        f"v{case['definition_version']})"
    )
    console.print(
        _("stage: %(stage)s", stage=f"[bold]{case['stage']}[/bold]")
        + "  "
        + _("status: %(status)s", status=case_status(case["status"]))
        + "  "
        + _("coordinator: %(login)s", login=case["coordinator"])
    )
    console.print(
        _("stage due: %(due)s", due=due_day(case.get("stage_due_at")))
        + "  "
        + _("next visit due: %(due)s", due=due_day(case.get("next_visit_due_at")))
        + (
            "  " + _("internship/stage ends: %(at)s", at=local_time(ends))
            if (ends := case.get("duration_ends_at"))
            else ""
        )
    )
    if case.get("allowed"):
        console.print(_("moves now: %(moves)s", moves=", ".join(case["allowed"])))
    for b in case.get("blocked", []):
        console.print(
            "  "
            + _(
                "blocked %(move)s → %(dest)s: %(reason)s",
                move=f"[yellow]{b['trigger']}[/yellow]",
                dest=b["dest"],
                reason=b["reason"],
            ),
            markup=True,
            highlight=False,
        )
    for a in case.get("appointments", []):
        console.print(
            "  "
            + _(
                "booked visit %(id)s: %(when)s (%(kind)s)",
                id=a["appointment_id"][:8],
                when=local_time(a["at"]),
                kind=code("visit_kind", a["kind"]),
            ),
            markup=False,
            highlight=False,
        )
    for o in case.get("overdue", []):
        console.print(
            "  "
            + styled("red", _("OVERDUE"))
            + " "
            + _("%(watch)s: due %(due)s", watch=o["watch"], due=due_day(o["due_at"]))
            + (_(", escalated to supervisor") if o["escalated"] else "")
        )
    history = Table(_("stage"), _("entered"), _("left"), _("by move"))
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
    sex: str | None = typer.Option(None, "--sex", help="female or male"),
    birth_year: int | None = typer.Option(None, "--birth-year"),
    labour_status: str | None = typer.Option(
        None, "--labour-status", help="registered_unemployed, unemployed_not_registered, inactive or employed"
    ),
    disability: bool | None = typer.Option(None, "--disability/--no-disability"),
    disability_degree: str | None = typer.Option(None, "--disability-degree", help="light, moderate or severe"),
    confirm_eligibility: bool = typer.Option(
        False, "--confirm-eligibility", help="open even if the pathway warns the client is not who it is for"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a case for a client (with the profile the pathway asks for)."""
    profile = {
        "sex": sex,
        "birth_year": birth_year,
        "labour_status": labour_status,
        "disability": disability,
        "disability_degree": disability_degree,
    }
    body: dict[str, Any] = {
        "definition": definition,
        "coordinator": coordinator,
        "client": {
            "name": client_name,
            "address": address,
            "phone": phone,
            "perpetrator_name": perpetrator_name,
            "perpetrator_contacts": perpetrator_contact,
        },
        "profile": {k: v for k, v in profile.items() if v is not None} or None,
        "eligibility_confirmed": confirm_eligibility,
    }
    case = ApiClient(Settings()).call("POST", "/cases", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("advance")
def case_advance(
    case_id: str,
    trigger: str = typer.Argument("advance"),
    note: str | None = typer.Option(None, "--note"),
    exit_status: str | None = typer.Option(None, "--exit-status", help=EXIT_STATUS_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make a move (a trigger of the pathway) on a case."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    current = api.call("GET", f"/cases/{case_id}").json()
    body = {"trigger": trigger, "note": note, "expected_stage": current["stage"], "exit_status": exit_status}
    case = api.call("POST", f"/cases/{case_id}/transitions", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


def _when(value: str | None) -> datetime | None:
    """``--at``: a local time in PATHWAY_TZ, or ISO 8601 with an offset."""
    if value is None:
        return None
    try:
        return parse_when(value, Settings().tz)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@case_app.command("visit")
def case_visit(
    case_id: str,
    minutes: int = typer.Option(60, "--minutes"),
    kind: str = typer.Option("home", "--kind"),
    at: datetime | None = typer.Option(
        None,
        "--at",
        parser=_when,
        help='when it took place: "2026-12-06 14:30" (local time in PATHWAY_TZ) or ISO 8601 with an offset; '
        "default now",
    ),
    note: str | None = typer.Option(None, "--note"),
    present: list[str] = typer.Option(
        [], "--present", help="a household member who was present (their id, see `case member list`; repeat)"
    ),
) -> None:
    """Log a visit."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    occurred = (at or datetime.now(UTC)).isoformat()
    body = {
        "occurred_at": occurred,
        "duration_minutes": minutes,
        "kind": kind,
        "note": note,
        "present_member_ids": present,
    }
    result = api.call("POST", f"/cases/{case_id}/visits", json_body=body, idempotent=True).json()
    if result.get("counted") is False:
        console.print(styled("yellow", _("recorded, not counted:")) + f" {result['not_counted_reason']}")
    else:
        console.print(
            styled("green", _("visit recorded"))
            + "; "
            + _("next visit due %(due)s", due=due_day(result.get("next_visit_due_at")))
        )


@case_app.command("fact")
def case_fact(
    case_id: str, name: str, value: str = typer.Argument(..., help="JSON, e.g. '{\"needs\": true}' or true")
) -> None:
    """Set a fact (checklist items, a partner, a certificate, a record)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        err.print(_("the value is not JSON: %(error)s", error=exc), style="red", markup=False)
        raise typer.Exit(2) from None
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    case = api.call("PUT", f"/cases/{case_id}/facts/{name}", json_body={"value": parsed}, idempotent=True).json()
    _print_case(case)


@case_app.command("close")
def case_close(
    case_id: str,
    outcome: str = typer.Argument(
        ..., help="how it ended: an outcome of the case's pathway, e.g. transferred or dropped_out"
    ),
    note: str | None = typer.Option(None, "--note", help="why, in words (stays in the centre's store)"),
    exit_status: str | None = typer.Option(None, "--exit-status", help=EXIT_STATUS_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Close a case with an outcome (its pathway's `outcomes`; `pathway definitions show ID`)."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    body = {"outcome": outcome, "note": note, "exit_status": exit_status}
    case = api.call("POST", f"/cases/{case_id}/close", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("pause")
def case_pause(
    case_id: str,
    reason: str = typer.Option("other", "--reason", help="a code, e.g. hospital or shelter"),
    note: str | None = typer.Option(None, "--note", help="why, in words (stays in the centre's store)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pause a case: its deadlines and visit clock stop until it is resumed."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    body = {"reason": reason, "note": note}
    case = api.call("POST", f"/cases/{case_id}/pause", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("resume")
def case_resume(case_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Resume a paused case: its clocks run again."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    case = api.call("POST", f"/cases/{case_id}/resume", idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("show")
def case_show(case_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a case: stage, moves allowed and blocked, deadlines, history."""
    api = ApiClient(Settings())
    case = api.call("GET", f"/cases/{case_id_of(api, case_id)}").json()
    console.print_json(data=case) if as_json else _print_case(case)


# --------------------------------------------------------------------------- case list
LIST_STATUSES = {
    "open": ("active", "paused"),
    "all": (None,),
    **{s: (s,) for s in ("active", "paused", "opening", "closed")},
}
CSV_COLUMNS = [
    "id",
    "client_name",
    "definition",
    "definition_version",
    "stage",
    "status",
    "outcome",
    "coordinator",
    "opened_at",
    "stage_entered_at",
    "stage_due_at",
    "next_visit_due_at",
    "last_activity_at",
    "days_in_stage",
    "stage_overdue_days",
    "visit_overdue_days",
]


def _state(row: CaseRow[CaseListItem]) -> Text:
    """What the web's badges say, in words, one per line: what is overdue and by how many
    days; else paused, closed (with the outcome) or active."""
    late = [
        what
        for what, days in (
            (
                _("OVERDUE stage %(days)s", days=n_("%(num)d d", "%(num)d d", row.stage_overdue_days or 0)),
                row.stage_overdue_days,
            ),
            (
                _("OVERDUE visit %(days)s", days=n_("%(num)d d", "%(num)d d", row.visit_overdue_days or 0)),
                row.visit_overdue_days,
            ),
        )
        if days is not None
    ]
    if late:
        return Text("\n".join(late), style="bold red")
    item = row.item
    if item.status == "closed" and item.outcome:
        return Text(_("%(status)s (%(outcome)s)", status=case_status("closed"), outcome=item.outcome))
    return Text(case_status(item.status), style="yellow" if item.status == "paused" else "")


def case_status(status: str) -> str:
    """A case's status in words (the code where it is not one of these)."""
    names = {"active": _("active"), "paused": _("paused"), "closed": _("closed"), "opening": _("opening")}
    return names.get(status, status)


def _list_columns(short: dict[str, str]) -> list[Column]:
    return [
        Column("id", lambda r: short[r.item.id], no_wrap=True),
        Column(_("client"), lambda r: r.item.client_name or "", max_width=24),
        Column(_("stage"), lambda r: r.item.stage),
        Column(_("state"), _state),
        Column(_("stage due"), lambda r: due_date(r.item.stage_due_at), drop=2, no_wrap=True),
        Column(_("next visit"), lambda r: due_date(r.item.next_visit_due_at), drop=2, no_wrap=True),
        Column(_("coordinator"), lambda r: r.item.coordinator, drop=3),
        Column(
            _("in stage"),
            lambda r: n_("%(num)d d", "%(num)d d", r.days_in_stage),
            drop=4,
            justify="right",
            no_wrap=True,
        ),
        Column(_("pathway"), lambda r: r.item.definition, drop=5),
    ]


@case_app.command("list")
def case_list(
    coordinator: str | None = typer.Option(None, "--coordinator"),
    status: str = typer.Option(
        "open", "--status", help="open (active and paused, like the web), active, paused, opening, closed or all"
    ),
    definition: str | None = typer.Option(None, "--definition"),
    limit: int = typer.Option(50, "--limit", min=1, help="show the N most urgent"),
    format: str = typer.Option("table", "--format", help=FORMAT_HELP),
) -> None:
    """Cases, most urgent first (overdue ones marked, with what is overdue and by how many
    days; then the nearest due date; paused and closed ones last), like the web's list."""
    from pathway.app.schemas import CaseListItem  # the API's own item: ~0.3 s to import, so only here

    check_format(format)
    if status not in LIST_STATUSES:
        err.print(
            _("--status: '%(value)s' is not one of %(known)s", value=status, known=", ".join(LIST_STATUSES)),
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    api = ApiClient(Settings())
    filters = {k: v for k, v in {"coordinator": coordinator, "definition": definition}.items() if v is not None}
    items = [
        CaseListItem.model_validate(c)
        for one in LIST_STATUSES[status]
        for c in fetch_all(api, "/cases", {**filters, **({"status": one} if one else {})})
    ]
    rows = rows_by_urgency(items, datetime.now(UTC), centre_zone().key)
    shown = rows[:limit]
    listed = [
        {
            **r.item.model_dump(mode="json"),
            "days_in_stage": r.days_in_stage,
            "stage_overdue_days": r.stage_overdue_days,
            "visit_overdue_days": r.visit_overdue_days,
        }
        for r in shown
    ]
    if format == "json":
        print_json({"items": listed, "count": len(rows)})
        return
    if format == "csv":
        print_csv(listed, CSV_COLUMNS)
        return
    print_table(shown, _list_columns(short_ids(r.item.id for r in shown)))
    overdue = sum(r.overdue for r in rows)
    console.print(
        n_(
            "%(shown)s of %(num)d case (%(status)s), most urgent first; %(overdue)s overdue",
            "%(shown)s of %(num)d cases (%(status)s), most urgent first; %(overdue)s overdue",
            len(rows),
            shown=len(shown),
            status=status,
            overdue=overdue,
        ),
        highlight=False,
    )
