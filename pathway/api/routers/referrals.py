"""Referrals of a client to partners, and the partners' answers (thin; see
``pathway.app.referrals``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request

from activities.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER
from pathway.api.deps import ContextDep, IdempotencyKeyDep, ServicesDep, SessionDep, client_address
from pathway.app import referrals
from pathway.app.referrals import CallbackOut, ReferralOut
from pathway.app.schemas import ID_PATTERN, MAX_OFFSET, Page, ReferralAnswerRequest, ReferralRequest
from pathway.store.models import ReferralPublic

router = APIRouter(prefix="/cases", tags=["referrals"])
callbacks = APIRouter(prefix="/callbacks", tags=["callbacks"])
ReferralId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]


@router.post("/{case_id}/referrals", status_code=201, response_model=ReferralOut)
async def refer(case_id: str, body: ReferralRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> ReferralOut:
    return await referrals.refer(ctx, case_id, body, key)


@router.get("/{case_id}/referrals", response_model=Page[ReferralPublic])
def list_referrals(
    case_id: str,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[ReferralPublic]:
    return referrals.list_referrals(ctx, case_id, limit=limit, offset=offset)


@router.post("/{case_id}/referrals/{referral_id}/answer", response_model=ReferralOut)
async def answer(
    case_id: str, referral_id: ReferralId, body: ReferralAnswerRequest, ctx: ContextDep, key: IdempotencyKeyDep
) -> ReferralOut:
    """The coordinator enters the partner's answer (given by phone, on paper)."""
    return await referrals.answer(ctx, case_id, referral_id, body, key)


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
    return await referrals.partner_answer(
        services,
        session,
        referral_id=referral_id,
        raw=await request.body(),
        timestamp=timestamp,
        signature=signature,
        key=key,
        address=client_address(request),
    )
