"""The case page's forms: every command a coordinator gives a case, then back to the case
(post/redirect/get), or the case page again with the refusal in words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from pathway.api.errors import ApiError
from pathway.api.routers import cases as case_api
from pathway.api.routers import consents as consents_api
from pathway.api.routers import referrals as referrals_api
from pathway.api.schemas import (
    CloseRequest,
    FactRequest,
    PauseRequest,
    ReferralAnswerRequest,
    ReferralRequest,
    TransitionRequest,
    VisitRequest,
)
from pathway.security.policy import Action
from pathway.web import forms
from pathway.web.page import Page, form_key, form_of, redirect
from pathway.web.pages.cases import case_page_response, catalog_entry

router = APIRouter(include_in_schema=False)

Command = Callable[[Page, Session, FormData, str | None], Awaitable[Any]]


async def _command(request: Request, case_id: str, done: str, run: Command) -> Response:
    """Run a case command from a form; on success back to the case (post/redirect/get), on a
    refusal the case page again with the refusal in words."""
    page, form = await form_of(request)
    try:
        key = form_key(form)
        with page.session() as session:
            await run(page, session, form, key)
    except ValidationError as exc:
        return await case_page_response(page, case_id, error=forms.from_validation(exc), status=422)
    except ApiError as exc:
        if exc.status in (403, 404):
            return page.error(exc)
        return await case_page_response(page, case_id, error=exc, status=exc.status)
    return redirect(f"/cases/{case_id}?done={done}#top")


@router.post("/cases/{case_id}/move")
async def move(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = TransitionRequest(
            trigger=forms.field(form, "trigger") or "",
            note=forms.field(form, "note"),
            expected_stage=forms.field(form, "expected_stage"),
        )
        return await case_api.transition(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "advance", run)


@router.post("/cases/{case_id}/visit")
async def visit(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = VisitRequest(
            occurred_at=forms.local_datetime(
                forms.field(form, "occurred_at"), page.services.settings.tz, "occurred_at"
            ),  # type: ignore[arg-type]
            duration_minutes=forms.field(form, "duration_minutes"),  # type: ignore[arg-type]
            kind=forms.field(form, "kind") or "home",
            note=forms.field(form, "note"),
        )
        return await case_api.record_visit(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "visit", run)


@router.post("/cases/{case_id}/facts/{name}")
async def fact(case_id: str, name: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        case = case_api._case_row(session, case_id, page.actor, Action.CASE_ACT)
        entry = catalog_entry(page, case.definition_id)
        spec = entry.definition.facts.get(name) if entry else None
        if spec is None:
            raise forms.invalid(f"no fact '{name}' in this pathway")
        body = FactRequest(value=forms.fact_value(spec, form))
        return await case_api.set_fact(case_id, name, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "fact", run)


@router.post("/cases/{case_id}/pause")
async def pause(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = PauseRequest(reason=forms.field(form, "reason") or "other", note=forms.field(form, "note"))
        return await case_api.pause(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "pause", run)


@router.post("/cases/{case_id}/resume")
async def resume(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        return await case_api.resume(case_id, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "resume", run)


@router.post("/cases/{case_id}/close")
async def close(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = CloseRequest(outcome=forms.field(form, "outcome") or "", note=forms.field(form, "note"))
        return await case_api.close(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "close", run)


@router.post("/cases/{case_id}/consents")
async def give_consent(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = consents_api.ConsentIn(partner_id=forms.field(form, "partner_id") or "")
        return consents_api.give(case_id, body, session, page.actor, page.auditor())

    return await _command(request, case_id, "consent", run)


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw")
async def withdraw_consent(case_id: str, consent_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        return consents_api.withdraw(case_id, consent_id, session, page.actor, page.auditor())

    return await _command(request, case_id, "withdraw", run)


@router.post("/cases/{case_id}/referrals")
async def refer(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = ReferralRequest(
            partner_id=forms.field(form, "partner_id") or "",
            service=forms.field(form, "service") or "",
            note=forms.field(form, "note"),
        )
        return await referrals_api.refer(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "refer", run)


@router.post("/cases/{case_id}/referrals/{referral_id}/answer")
async def answer_referral(case_id: str, referral_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = ReferralAnswerRequest(
            answer=forms.field(form, "answer") or "",
            reason=forms.field(form, "reason"),  # type: ignore[arg-type]
            note=forms.field(form, "note"),
        )
        return await referrals_api.answer(
            case_id, referral_id, body, page.services, session, page.actor, key, page.auditor()
        )

    return await _command(request, case_id, "answer", run)
