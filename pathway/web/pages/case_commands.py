"""The case page's forms: every command a coordinator gives a case, then back to the case
(post/redirect/get), or the case page again with the refusal in words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from pathway.app import commands, consents, profiles, referrals, visit_repeats
from pathway.app.consents import ConsentIn
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.profiles import FollowUpRequest
from pathway.app.schemas import (
    CloseRequest,
    FactRequest,
    PauseRequest,
    ReferralAnswerRequest,
    ReferralRequest,
    TransitionRequest,
    VisitRequest,
)
from pathway.web import forms
from pathway.web.page import Page, form_key, form_of, redirect
from pathway.web.pages.cases import case_page_response
from pathway.web.session import from_script

router = APIRouter(include_in_schema=False)

Command = Callable[[Page, Context, FormData, str | None], Awaitable[Any]]


async def command_form(request: Request, case_id: str, done: str | Callable[[Any], str], run: Command) -> Response:
    """Run a case command from a form; on success back to the case (post/redirect/get), on a
    refusal the case page again with the refusal in words. The page's own script (a visit
    kept on the device, sent later) is answered in JSON: where to go, or the refusal."""
    page, form = await form_of(request)
    try:
        key = form_key(form)
        with page.context() as ctx:
            result = await run(page, ctx, form, key)
    except (ValidationError, AppError) as exc:
        refused = forms.from_validation(exc) if isinstance(exc, ValidationError) else exc
        if from_script(request):
            words = page.error_message(refused) if refused.status in (403, 404, 503) else page.refusal(refused)
            return JSONResponse({"code": refused.code, "message": words}, status_code=refused.status)
        if refused.status in (403, 404):
            return page.error(refused)
        return await case_page_response(page, case_id, error=refused, status=refused.status)
    said = done(result) if callable(done) else done
    back = f"/cases/{case_id}?done={said}#top"
    return JSONResponse({"location": back}) if from_script(request) else redirect(back)


@router.post("/cases/{case_id}/move")
async def move(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = TransitionRequest(
            trigger=forms.field(form, "trigger") or "",
            note=forms.field(form, "note"),
            expected_stage=forms.field(form, "expected_stage"),
            exit_status=forms.field(form, "exit_status"),
        )
        return await commands.advance(ctx, case_id, body, key)

    return await command_form(request, case_id, "advance", run)


@router.post("/cases/{case_id}/visit")
async def visit(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = VisitRequest(
            occurred_at=forms.local_datetime(
                forms.field(form, "occurred_at"), page.services.settings.tz, "occurred_at"
            ),
            duration_minutes=forms.whole_number(form, "duration_minutes"),
            kind=forms.field(form, "kind") or "home",
            note=forms.field(form, "note"),
            present_member_ids=[str(v) for v in form.getlist("present")],
        )
        try:
            visit_repeats.refuse_a_repeat(ctx, case_id, body, confirmed=form.get("repeat") == forms.CHECKED, key=key)
        except AppError as repeated:  # the form again, as it was sent, with a box to confirm
            repeated.extra["again"] = {k: forms.field(form, k) for k in ("occurred_at", "duration_minutes", "kind")}
            raise
        return await commands.record_visit(ctx, case_id, body, key)

    return await command_form(request, case_id, "visit", run)


@router.post("/cases/{case_id}/facts/{name}")
async def fact(case_id: str, name: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        spec = commands.fact_spec(ctx, case_id, name)
        body = FactRequest(value=forms.fact_value(spec, form))
        return await commands.set_fact(ctx, case_id, name, body, key)

    return await command_form(request, case_id, "fact", run)


@router.post("/cases/{case_id}/pause")
async def pause(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = PauseRequest(reason=forms.field(form, "reason") or "other", note=forms.field(form, "note"))
        return await commands.pause(ctx, case_id, body, key)

    return await command_form(request, case_id, "pause", run)


@router.post("/cases/{case_id}/resume")
async def resume(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        return await commands.resume(ctx, case_id, key)

    return await command_form(request, case_id, "resume", run)


@router.post("/cases/{case_id}/close")
async def close(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = CloseRequest(
            outcome=forms.field(form, "outcome") or "",
            note=forms.field(form, "note"),
            exit_status=forms.field(form, "exit_status"),
        )
        return await commands.close(ctx, case_id, body, key)

    return await command_form(request, case_id, "close", run)


@router.post("/cases/{case_id}/consents")
async def give_consent(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = ConsentIn(partner_id=forms.field(form, "partner_id") or "")
        return await consents.give(ctx, case_id, body)

    return await command_form(request, case_id, "consent", run)


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw")
async def withdraw_consent(case_id: str, consent_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        return await consents.withdraw(ctx, case_id, consent_id)

    return await command_form(request, case_id, "withdraw", run)


@router.post("/cases/{case_id}/referrals")
async def refer(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = ReferralRequest(
            partner_id=forms.field(form, "partner_id") or "",
            service=forms.field(form, "service") or "",
            note=forms.field(form, "note"),
        )
        return await referrals.refer(ctx, case_id, body, key)

    return await command_form(request, case_id, "refer", run)


@router.post("/cases/{case_id}/referrals/{referral_id}/answer")
async def answer_referral(case_id: str, referral_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = ReferralAnswerRequest(
            answer=forms.field(form, "answer") or "",
            reason=forms.field(form, "reason"),
            note=forms.field(form, "note"),
        )
        return await referrals.answer(ctx, case_id, referral_id, body, key)

    return await command_form(request, case_id, "answer", run)


@router.post("/cases/{case_id}/follow-up")
async def follow_up(case_id: str, request: Request) -> Response:
    async def run(page: Page, ctx: Context, form: FormData, key: str | None) -> Any:
        body = FollowUpRequest.model_validate({"status": forms.field(form, "status") or ""})
        return await profiles.record_follow_up(ctx, case_id, body, key)

    return await command_form(request, case_id, "follow_up", run)
