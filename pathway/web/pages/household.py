"""The case page's family forms: add a member, change one, erase one (then back to the case, or
the case page again with the refusal in words)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from pathway.app import household
from pathway.app.context import Context
from pathway.app.household import MemberChange, MemberIn
from pathway.web import forms
from pathway.web.page import Page
from pathway.web.pages.case_commands import command_form

router = APIRouter(include_in_schema=False)


@router.post("/cases/{case_id}/members")
async def add_member(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = MemberIn(
            role=forms.field(form, "role") or "",
            name=forms.field(form, "name") or "",
            birth_year=forms.whole_number(form, "birth_year"),
            school=forms.field(form, "school"),
        )
        return await household.add_member(ctx, case_id, body, key)

    return await command_form(request, case_id, "member_add", run)


@router.post("/cases/{case_id}/members/{member_id}")
async def change_member(case_id: str, member_id: str, request: Request) -> Response:
    """The member's details as the edit form sends them all (PATCH through the use case; an
    emptied school clears it)."""

    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = MemberChange(
            role=forms.field(form, "role"),
            name=forms.field(form, "name"),
            birth_year=forms.whole_number(form, "birth_year"),
            school=forms.field(form, "school") or "",
        )
        return await household.change_member(ctx, case_id, member_id, body, key)

    return await command_form(request, case_id, "member_change", run)


@router.post("/cases/{case_id}/members/{member_id}/erase")
async def erase_member(case_id: str, member_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        return await household.erase_member(ctx, case_id, member_id, key)

    return await command_form(request, case_id, "member_erase", run)
