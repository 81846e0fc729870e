"""The client's consent to share their case with a partner: give, withdraw, list (thin)."""

from __future__ import annotations

from fastapi import APIRouter

from pathway.api.deps import ContextDep
from pathway.app import consents
from pathway.app.consents import ConsentIn, ConsentOut
from pathway.app.schemas import Page

router = APIRouter(prefix="/cases/{case_id}/consents", tags=["consents"])


@router.post("", status_code=201, response_model=ConsentOut)
async def give(case_id: str, body: ConsentIn, ctx: ContextDep) -> ConsentOut:
    return await consents.give(ctx, case_id, body)


@router.get("", response_model=Page[ConsentOut])
def list_(case_id: str, ctx: ContextDep) -> Page[ConsentOut]:
    return consents.list_consents(ctx, case_id)


@router.post("/{consent_id}/withdraw", response_model=ConsentOut)
async def withdraw(case_id: str, consent_id: str, ctx: ContextDep) -> ConsentOut:
    return await consents.withdraw(ctx, case_id, consent_id)
