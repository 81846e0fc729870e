"""The client's consent to share their case with a partner: give, withdraw, list.

Giving and withdrawing is the case's coordinator's act (like every command on a case);
reading is for whoever may read the case. Both are written to the audit trail. A withdrawal
takes effect at once: the next attempt to notify that partner finds no consent and stops."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from pathway.app.access import visible_case
from pathway.app.context import Context
from pathway.app.errors import not_found
from pathway.app.partners import partner_of_unit
from pathway.app.schemas import ID_PATTERN, Page
from pathway.core.legal_basis import needs_consent
from pathway.security.policy import Action
from pathway.store import consents, queries
from pathway.store.models import Case, Consent


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


def consent_needed(ctx: Context, definition_id: str, partner_kind: str) -> bool:
    """Whether telling a partner of ``partner_kind`` about a case of ``definition_id`` needs the
    client's consent: the pathway's current definition says on which legal bases it works
    (``pathway.core.legal_basis``); a pathway the catalog no longer knows exempts nothing."""
    entry = ctx.services.catalog.get(definition_id)
    return entry is None or needs_consent(partner_kind, entry.definition)


def _out(ctx: Context, case: Case, c: Consent, names: dict[str, tuple[str, str]]) -> ConsentOut:
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
        required=consent_needed(ctx, case.definition_id, kind),
    )


def _partner_names(session: Session, ids: set[str]) -> dict[str, tuple[str, str]]:
    found = {}
    for partner_id in ids:
        p = queries.get_partner(session, partner_id=partner_id)
        if p is not None:
            found[partner_id] = (p.name, p.kind)
    return found


async def give(ctx: Context, case_id: str, body: ConsentIn) -> ConsentOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    partner = partner_of_unit(ctx, body.partner_id)
    consent = consents.give_consent(ctx.session, case_id=case_id, partner_id=partner.id, actor=ctx.actor.id)
    await ctx.record("consent.give", case_id=case_id, consent_id=consent.id, partner_id=partner.id)
    return _out(ctx, case, consent, {partner.id: (partner.name, partner.kind)})


def list_consents(ctx: Context, case_id: str) -> Page[ConsentOut]:
    case = visible_case(ctx, case_id)
    rows = consents.list_consents(ctx.session, case_id=case_id)
    names = _partner_names(ctx.session, {c.partner_id for c in rows})
    return Page(items=[_out(ctx, case, c, names) for c in rows], count=len(rows))


async def withdraw(ctx: Context, case_id: str, consent_id: str) -> ConsentOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    try:
        consent = consents.withdraw_consent(ctx.session, case_id=case_id, consent_id=consent_id, actor=ctx.actor.id)
    except consents.ConsentNotFound:
        raise not_found("consent", consent_id) from None
    await ctx.record("consent.withdraw", case_id=case_id, consent_id=consent.id, partner_id=consent.partner_id)
    return _out(ctx, case, consent, _partner_names(ctx.session, {consent.partner_id}))
