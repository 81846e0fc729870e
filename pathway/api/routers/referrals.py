"""Referrals of a client to partners, and the partners' answers.

A referral is sent only with the client's consent for that partner (the consent lives in the
SQL store, where a withdrawal takes effect at once); partners with a statutory role (the
Interdisciplinary Team, police, court, social welfare) are told on the legal basis of the
domestic-violence act. The answer comes back through the partner's signed callback or is
entered by the coordinator; until then the workflow reminds and escalates."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from pydantic import BaseModel
from sqlmodel import select

from activities.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from pathway.api.deps import ActorDep, AuditDep, IdempotencyKeyDep, ServicesDep, SessionDep, vault_of
from pathway.api.errors import ApiError, not_found
from pathway.api.routers.cases import Done, _case_row, _command, _gateway, _note
from pathway.api.schemas import (
    ID_PATTERN,
    MAX_OFFSET,
    CaseOut,
    Page,
    PartnerAnswerRequest,
    ReferralAnswerRequest,
    ReferralRequest,
)
from pathway.core.sharing import needs_consent
from pathway.security.partner_keys import open_secret
from pathway.security.policy import Action
from pathway.store import audit_trail, queries
from pathway.store.consents import active_consent
from pathway.store.models import Referral, ReferralPublic
from workflows.messages import AnswerReferralInput, ReferClientInput

router = APIRouter(prefix="/cases", tags=["referrals"])
callbacks = APIRouter(prefix="/callbacks", tags=["callbacks"])

_REFERRAL_NS = uuid.UUID("5d0c7a52-0f7e-4f0a-8d8e-2b7f6a3c9e11")
# A signed callback older than this is refused, so a captured request cannot be replayed later.
CALLBACK_MAX_AGE_SECONDS = 300
ReferralId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]


class ReferralOut(BaseModel):
    referral_id: str
    status: str
    answer_due_at: datetime | None
    case: CaseOut


def _referral_out(done: Done, referral_id: str) -> ReferralOut:
    referral = next((r for r in done.result.case.referrals if r.referral_id == referral_id), None)
    return ReferralOut(
        referral_id=referral_id,
        status=referral.status if referral else "unknown",
        answer_due_at=referral.answer_due_at if referral else None,
        case=done.case_out(),
    )


@router.post("/{case_id}/referrals", status_code=201, response_model=ReferralOut)
async def refer(
    case_id: str,
    body: ReferralRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> ReferralOut:
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    partner = queries.get_partner(session, partner_id=body.partner_id)
    if partner is None or (partner.unit_id is not None and partner.unit_id != actor.unit_id):
        raise ApiError(
            422, "unknown_partner", f"no partner '{body.partner_id}' in the resource map", field="partner_id"
        )
    consent_id = None
    if needs_consent(partner.kind):
        consent = active_consent(session, case_id=case_id, partner_id=partner.id)
        if consent is None:
            raise ApiError(
                409,
                "consent_required",
                f"the client has not consented to sharing with '{partner.name}'; record the consent first",
                partner_id=partner.id,
            )
        consent_id = consent.id
    referral_id = uuid.uuid5(_REFERRAL_NS, f"{case_id}\x00{actor.id}\x00{key}").hex if key else uuid.uuid4().hex
    note_id = _note(session, case_id, actor, body.note, "refer", key)
    command = ReferClientInput(
        command_id=key or uuid.uuid4().hex,
        actor=actor.id,
        referral_id=referral_id,
        partner_id=partner.id,
        partner_kind=partner.kind,
        service=body.service,
        consent_id=consent_id,
        note_id=note_id,
    )
    return _referral_out(
        await _command(session, _gateway(services), case, "refer", command, audit, note_id), referral_id
    )


@router.get("/{case_id}/referrals", response_model=Page[ReferralPublic])
def list_referrals(
    case_id: str,
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[ReferralPublic]:
    _case_row(session, case_id, actor)
    rows = session.exec(
        select(Referral).where(Referral.case_id == case_id).order_by(Referral.seq).offset(offset).limit(limit)  # type: ignore[arg-type]
    ).all()
    total = len(session.exec(select(Referral.id).where(Referral.case_id == case_id)).all())
    return Page(items=[ReferralPublic.model_validate(r, from_attributes=True) for r in rows], count=total)


@router.post("/{case_id}/referrals/{referral_id}/answer", response_model=ReferralOut)
async def answer(
    case_id: str,
    referral_id: ReferralId,
    body: ReferralAnswerRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> ReferralOut:
    """The coordinator enters the partner's answer (given by phone, on paper)."""
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    note_id = _note(session, case_id, actor, body.note, f"answer:{referral_id}", key)
    command = AnswerReferralInput(
        command_id=key or uuid.uuid4().hex,
        actor=actor.id,
        referral_id=referral_id,
        answer=body.answer,
        reason=body.reason,
        note_id=note_id,
    )
    done = await _command(session, _gateway(services), case, "answer_referral", command, audit, note_id)
    return _referral_out(done, referral_id)


class CallbackOut(BaseModel):
    referral_id: str
    status: str
    duplicate: bool


def _unauthenticated() -> ApiError:
    # One answer for an unknown referral, a wrong signature and a stale one: nothing leaks.
    return ApiError(401, "invalid_signature", "the callback's signature or timestamp is not valid for this referral")


@callbacks.post("/referrals/{referral_id}", response_model=CallbackOut)
async def partner_answer(
    referral_id: ReferralId,
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    timestamp: Annotated[str | None, Header(alias=TIMESTAMP_HEADER)] = None,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
    key: IdempotencyKeyDep = None,
) -> CallbackOut:
    """A partner answers a referral: the body is signed with the partner's webhook key
    (HMAC-SHA256 over ``<timestamp>.<body>``, as on the messages we send it)."""
    raw = await request.body()
    referral = session.get(Referral, referral_id)
    partner = queries.get_partner(session, partner_id=referral.partner_id) if referral is not None else None
    secret = open_secret(vault_of(session), partner.id, partner.webhook_secret) if partner is not None else None
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
        raise ApiError(
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
    result = await _gateway(services).update(case.id, "answer_referral", command)
    audit_trail.append(
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
            "address": request.client.host if request.client else None,
        },
    )
    status = next((r.status for r in result.case.referrals if r.referral_id == referral_id), body.answer)
    return CallbackOut(referral_id=referral_id, status=status, duplicate=result.duplicate)
