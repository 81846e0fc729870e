"""Referrals of a client to partners, and the partners' answers.

A referral is sent only with the client's consent for that partner (the consent lives in the
SQL store, where a withdrawal takes effect at once); partners with a statutory role (the
Interdisciplinary Team, police, court, social welfare) are told on the legal basis of the
domestic-violence act, in the pathways that declare that basis (``pathway.core.legal_basis``).
The answer comes back through the partner's signed callback or is entered by the coordinator;
until then the workflow reminds and escalates."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from activities.channels.webhook import verify
from pathway.app.access import visible_case
from pathway.app.command_keys import one_command_per_key
from pathway.app.consents import consent_needed
from pathway.app.context import Context
from pathway.app.errors import AppError, not_found
from pathway.app.gateway import new_command_id
from pathway.app.notes import keep_note
from pathway.app.partners import partner_of_unit
from pathway.app.schemas import CaseOut, Page, PartnerAnswerRequest, ReferralAnswerRequest, ReferralRequest
from pathway.app.sending import Done, send
from pathway.app.services import Services
from pathway.security.policy import Action
from pathway.store import audit_trail, queries
from pathway.store.consents import active_consent
from pathway.store.models import Case, Partner, Referral, ReferralPublic
from pathway.store.partner_secrets import open_secret
from workflows.messages import AnswerReferralInput, ReferClientInput
from workflows.pathway import PathwayWorkflow

_REFERRAL_NS = uuid.UUID("5d0c7a52-0f7e-4f0a-8d8e-2b7f6a3c9e11")
# A signed callback older than this is refused, so a captured request cannot be replayed later.
CALLBACK_MAX_AGE_SECONDS = 300


class ReferralOut(BaseModel):
    referral_id: str
    status: str
    answer_due_at: datetime | None
    case: CaseOut


class CallbackOut(BaseModel):
    referral_id: str
    status: str
    duplicate: bool


def _referral_out(done: Done, referral_id: str) -> ReferralOut:
    referral = next((r for r in done.result.case.referrals if r.referral_id == referral_id), None)
    return ReferralOut(
        referral_id=referral_id,
        status=referral.status if referral else "unknown",
        answer_due_at=referral.answer_due_at if referral else None,
        case=done.case_out(),
    )


async def refer(ctx: Context, case_id: str, body: ReferralRequest, key: str | None) -> ReferralOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    partner = partner_of_unit(ctx, body.partner_id)
    consent_id = None
    if consent_needed(ctx, case.definition_id, partner.kind):
        consent = active_consent(ctx.session, case_id=case_id, partner_id=partner.id)
        if consent is None:
            raise AppError(
                409,
                "consent_required",
                f"the client has not consented to sharing with '{partner.name}'; record the consent first",
                partner_id=partner.id,
            )
        consent_id = consent.id
    async with one_command_per_key(ctx, key, command="refer", case_id=case_id, body=body):
        return await _refer(ctx, case, body, key, partner, consent_id)


async def _refer(
    ctx: Context, case: Case, body: ReferralRequest, key: str | None, partner: Partner, consent_id: str | None
) -> ReferralOut:
    case_id = case.id
    referral_id = uuid.uuid5(_REFERRAL_NS, f"{case_id}\x00{ctx.actor.id}\x00{key}").hex if key else uuid.uuid4().hex
    note_id = keep_note(ctx, case_id, body.note, "refer", key)
    command = ReferClientInput(
        command_id=key or new_command_id(),
        actor=ctx.actor.id,
        referral_id=referral_id,
        partner_id=partner.id,
        partner_kind=partner.kind,
        service=body.service,
        consent_id=consent_id,
        note_id=note_id,
    )
    return _referral_out(await send(ctx, case, PathwayWorkflow.refer, command, note_id), referral_id)


def list_referrals(ctx: Context, case_id: str, *, limit: int = 100, offset: int = 0) -> Page[ReferralPublic]:
    visible_case(ctx, case_id)
    rows = ctx.session.exec(
        select(Referral).where(col(Referral.case_id) == case_id).order_by(col(Referral.seq)).offset(offset).limit(limit)
    ).all()
    total = ctx.session.exec(select(func.count()).select_from(Referral).where(col(Referral.case_id) == case_id)).one()
    return Page(items=[ReferralPublic.model_validate(r, from_attributes=True) for r in rows], count=int(total))


async def answer(
    ctx: Context, case_id: str, referral_id: str, body: ReferralAnswerRequest, key: str | None
) -> ReferralOut:
    """The coordinator enters the partner's answer (given by phone, on paper)."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command=f"answer_referral:{referral_id}", case_id=case_id, body=body):
        note_id = keep_note(ctx, case_id, body.note, f"answer:{referral_id}", key)
        command = AnswerReferralInput(
            command_id=key or new_command_id(),
            actor=ctx.actor.id,
            referral_id=referral_id,
            answer=body.answer,
            reason=body.reason,
            note_id=note_id,
        )
        return _referral_out(await send(ctx, case, PathwayWorkflow.answer_referral, command, note_id), referral_id)


def _unauthenticated() -> AppError:
    # One answer for an unknown referral, a wrong signature and a stale one: nothing leaks.
    return AppError(401, "invalid_signature", "the callback's signature or timestamp is not valid for this referral")


async def partner_answer(
    services: Services,
    session: Session,
    *,
    referral_id: str,
    raw: bytes,
    timestamp: str | None,
    signature: str | None,
    key: str | None,
    address: str | None,
) -> CallbackOut:
    """A partner answers a referral: the body is signed with the partner's webhook key
    (HMAC-SHA256 over ``<timestamp>.<body>``, as on the messages we send it). No person signs
    in here: the signature is the partner's identity."""
    referral = session.get(Referral, referral_id)
    partner = queries.get_partner(session, partner_id=referral.partner_id) if referral is not None else None
    secret = open_secret(services.vault, partner.id, partner.webhook_secret) if partner is not None else None
    if referral is None or partner is None or not secret or not timestamp or not signature:
        raise _unauthenticated()
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        raise _unauthenticated() from None
    if age > CALLBACK_MAX_AGE_SECONDS or not verify(secret, timestamp, raw, signature):
        raise _unauthenticated()
    try:
        body = PartnerAnswerRequest.model_validate_json(raw)
    except ValueError as exc:
        raise AppError(
            422,
            "invalid_request",
            'the answer is {"answer": accepted|rejected|done, "reason": code}',
            errors=str(exc)[:500],
        ) from None
    case = queries.get_case(session, case_id=referral.case_id)
    if case is None:  # pragma: no cover - a projected referral always has its case row
        raise not_found("referral", referral_id)
    actor = f"partner:{partner.id}"
    command = AnswerReferralInput(
        command_id=key or uuid.uuid5(_REFERRAL_NS, f"callback\x00{referral_id}\x00{timestamp}\x00{signature}").hex,
        actor=actor,
        referral_id=referral_id,
        answer=body.answer,
        reason=body.reason,
    )
    if session.in_transaction():
        session.commit()
    result = await services.gateway.update(case.id, PathwayWorkflow.answer_referral, command)
    await asyncio.to_thread(
        audit_trail.append,
        services.engine,
        unit_id=case.unit_id,
        actor=actor,
        action="case.answer_referral",
        case_id=case.id,
        details={
            "referral_id": referral_id,
            "answer": body.answer,
            "reason": body.reason,
            "seq": result.seq,
            "duplicate": result.duplicate,
            "address": address,
        },
    )
    status = next((r.status for r in result.case.referrals if r.referral_id == referral_id), body.answer)
    return CallbackOut(referral_id=referral_id, status=status, duplicate=result.duplicate)
