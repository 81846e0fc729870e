"""``pathway case book`` and ``unbook``: a visit booked for a date and time (an appointment
the visit clock counts on), moved or cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from rich.markup import escape

from pathway.cli.cases import _when, case_id_of
from pathway.cli.console import ApiClient, code, console, local_time, styled
from pathway.config import Settings

_BOOK_FLAGS = {"at": "--at", "kind": "--kind", "appointment_id": "--move"}


def case_book(
    case_id: str,
    at: datetime = typer.Option(
        ...,
        "--at",
        parser=_when,
        help='when the visit is booked for: "2026-12-10 10:00" (local time in PATHWAY_TZ) or ISO 8601 with an offset',
    ),
    kind: str = typer.Option("home", "--kind"),
    appointment: str | None = typer.Option(None, "--move", help="move this booked visit (its id) instead"),
) -> None:
    """Book a visit for a date and time (or move a booked one with --move)."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    body = {"at": at.isoformat(), "kind": kind}
    if appointment is None:
        result = api.call(
            "POST", f"/cases/{case_id}/appointments", json_body=body, idempotent=True, flags=_BOOK_FLAGS
        ).json()
    else:
        path = f"/cases/{case_id}/appointments/{appointment}"
        result = api.call("PUT", path, json_body=body, idempotent=True, flags=_BOOK_FLAGS).json()
    console.print(booked_words(result), highlight=False)


def booked_words(result: dict[str, Any]) -> str:
    """What ``case book`` says: the visit booked, when (in words, the centre's time) and how."""
    done = styled("green", code("done", "book_late" if result.get("late") else "book"))
    return f"{done} {escape(_booked(result))}"


def _booked(a: dict[str, Any]) -> str:
    return f"{a['appointment_id']}: {local_time(a['at'])} ({code('visit_kind', a['kind'])})"


def case_unbook(case_id: str, appointment: str) -> None:
    """Cancel a booked visit (its id, as `pathway case show` lists it)."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    api.call("DELETE", f"/cases/{case_id}/appointments/{appointment}", idempotent=True)
    console.print(styled("green", code("done", "cancel_appointment")))


def register(case_app: typer.Typer) -> None:
    case_app.command("book")(case_book)
    case_app.command("unbook")(case_unbook)
