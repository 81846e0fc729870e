"""The case page's booked visits: "Umów wizytę" (a date and a time, in the unit's zone, and a
kind) and cancelling one (thin; see ``pathway.app.appointments``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from pathway.app import appointments
from pathway.app.appointments import AppointmentOut
from pathway.app.context import Context
from pathway.app.schemas import AppointmentRequest
from pathway.web import forms
from pathway.web.page import Page
from pathway.web.pages.case_commands import command_form

router = APIRouter(include_in_schema=False)


def _said(booked: Any) -> str:
    return "book_late" if isinstance(booked, AppointmentOut) and booked.late else "book"


@router.post("/cases/{case_id}/appointments")
async def book(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        day, clock = forms.field(form, "date"), forms.field(form, "time")
        at = forms.local_datetime(f"{day}T{clock}", page.services.settings.tz, "at") if day and clock else None
        if at is None:
            raise forms.invalid("at: a date and a time are needed", field="at")
        body = AppointmentRequest(at=at, kind=forms.field(form, "kind") or "home")
        return await appointments.book(ctx, case_id, body, key)

    return await command_form(request, case_id, _said, run)


@router.post("/cases/{case_id}/appointments/{appointment_id}/cancel")
async def cancel(case_id: str, appointment_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        return await appointments.cancel(ctx, case_id, appointment_id, key)

    return await command_form(request, case_id, "cancel_appointment", run)
