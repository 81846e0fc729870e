"""The case page's plan forms: add a goal with its first action, add an action to a goal, mark
an action done or dropped (a thin adapter over ``pathway.app.plans``; then back to the case, or
the case page again with the refusal in words)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from pathway.app import plans
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.plan_shapes import ActionIn, ActionStatusIn, Owner
from pathway.web import forms
from pathway.web.page import Page
from pathway.web.pages.case_commands import command_form

router = APIRouter(include_in_schema=False)


def _day(form: FormData, name: str) -> date | None:
    text = forms.field(form, name)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise forms.invalid(f"{name}: not a date (YYYY-MM-DD)", field=name) from None


def _owner(form: FormData) -> Owner:
    """``coordinator``, ``member:<id>`` or ``partner:<id>`` (the owner select's values)."""
    owner_kind, _, owner_id = (forms.field(form, "owner") or "coordinator").partition(":")
    if owner_kind not in ("coordinator", "member", "partner"):  # an owner's kind, not a fact's
        raise forms.invalid("owner: the coordinator, a family member or a partner", field="owner")
    return Owner.model_validate({"kind": owner_kind, "id": owner_id or None})


def _action(form: FormData) -> ActionIn:
    title = forms.field(form, "action_title")
    if title is None:
        raise AppError(422, "missing_action_title", "an action has a title", field="action_title")
    return ActionIn(title=title, owner=_owner(form), due_on=_day(form, "due_on"))


def _expected(form: FormData) -> int | None:
    return forms.whole_number(form, "expected_version") if forms.field(form, "expected_version") else None


@router.post("/cases/{case_id}/plan/goals")
async def add_goal(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        goal_title = forms.field(form, "goal_title")
        if goal_title is None:
            raise AppError(422, "missing_goal_title", "a goal has a title", field="goal_title")
        return await plans.add_to_plan(
            ctx,
            case_id,
            action=_action(form),
            goal_title=goal_title,
            agreed_on=_day(form, "agreed_on"),
            expected_version=_expected(form),
            key=key,
        )

    return await command_form(request, case_id, "plan_goal", run)


@router.post("/cases/{case_id}/plan/goals/{goal_id}/actions")
async def add_action(case_id: str, goal_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        return await plans.add_to_plan(
            ctx, case_id, action=_action(form), goal_id=goal_id, expected_version=_expected(form), key=key
        )

    return await command_form(request, case_id, "plan_action", run)


@router.post("/cases/{case_id}/plan/actions/{action_id}/status")
async def action_status(case_id: str, action_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        status = forms.field(form, "status") or ""
        body = ActionStatusIn.model_validate(
            {
                "status": status,
                "reason": forms.field(form, "reason") if status == "dropped" else None,
                "expected_version": _expected(form),
            }
        )
        return await plans.set_action_status(ctx, case_id, action_id, body, key)

    return await command_form(request, case_id, "plan_status", run)
