"""The client's consent to share their case with a partner: give, withdraw, list.

Giving and withdrawing is the case's coordinator's act (like every command on a case);
reading is for whoever may read the case. Both are written to the audit trail. A withdrawal
takes effect at once: the next attempt to notify that partner finds no consent and stops."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from pathway.api.deps import ActorDep, AuditDep, SessionDep
from pathway.api.errors import ApiError, not_found
from pathway.api.routers.cases import _case_row
from pathway.api.schemas import ID_PATTERN, Page
from pathway.core.sharing import needs_consent
from pathway.security.policy import Action
from pathway.store import consents, queries
from pathway.store.models import Consent

router = APIRouter(prefix="/cases/{case_id}/consents", tags=["consents"])


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)


class ConsentOut(BaseModel):
    id: str
    case_id: str
    partner_id: str
    partner_name: str | None = None
    given_at: datetime
    given_by: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    active: bool
    # False: the partner is told on the legal basis of the domestic-violence act anyway.
    required: bool = True


def _out(c: Consent, names: dict[str, tuple[str, str]]) -> ConsentOut:
    name, kind = names.get(c.partner_id, (None, ""))
    return ConsentOut(
        id=c.id,
        case_id=c.case_id,
        partner_id=c.partner_id,
        partner_name=name,
        given_at=c.given_at,
        given_by=c.given_by,
        withdrawn_at=c.withdrawn_at,
        withdrawn_by=c.withdrawn_by,
        active=c.withdrawn_at is None,
        required=needs_consent(kind),
    )


def _partner_names(session: SessionDep, ids: set[str]) -> dict[str, tuple[str, str]]:
    found = {}
    for partner_id in ids:
        p = queries.get_partner(session, partner_id=partner_id)
        if p is not None:
            found[partner_id] = (p.name, p.kind)
    return found


@router.post("", status_code=201, response_model=ConsentOut)
def give(case_id: str, body: ConsentIn, session: SessionDep, actor: ActorDep, audit: AuditDep) -> ConsentOut:
    _case_row(session, case_id, actor, Action.CASE_ACT)
    partner = queries.get_partner(session, partner_id=body.partner_id)
    if partner is None or (partner.unit_id is not None and partner.unit_id != actor.unit_id):
        raise ApiError(
            422, "unknown_partner", f"no partner '{body.partner_id}' in the resource map", field="partner_id"
        )
    consent = consents.give_consent(session, case_id=case_id, partner_id=partner.id, actor=actor.id)
    audit.record("consent.give", case_id=case_id, consent_id=consent.id, partner_id=partner.id)
    return _out(consent, {partner.id: (partner.name, partner.kind)})


@router.get("", response_model=Page[ConsentOut])
def list_(case_id: str, session: SessionDep, actor: ActorDep) -> Page[ConsentOut]:
    _case_row(session, case_id, actor)
    rows = consents.list_consents(session, case_id=case_id)
    names = _partner_names(session, {c.partner_id for c in rows})
    return Page(items=[_out(c, names) for c in rows], count=len(rows))


@router.post("/{consent_id}/withdraw", response_model=ConsentOut)
def withdraw(case_id: str, consent_id: str, session: SessionDep, actor: ActorDep, audit: AuditDep) -> ConsentOut:
    _case_row(session, case_id, actor, Action.CASE_ACT)
    try:
        consent = consents.withdraw_consent(session, case_id=case_id, consent_id=consent_id, actor=actor.id)
    except consents.ConsentNotFound:
        raise not_found("consent", consent_id) from None
    audit.record("consent.withdraw", case_id=case_id, consent_id=consent.id, partner_id=consent.partner_id)
    return _out(consent, _partner_names(session, {consent.partner_id}))
