"""The client's consent to share their case with a partner.

Kept in SQL, not in Temporal, so that it takes effect at once: ``notify_partner`` reads it
at every attempt, so a notification being retried when consent is withdrawn stops at its
next attempt. A consent is never deleted: withdrawing it stamps who and when, and giving it
again adds a new row."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from pathway.store.models import Case, Consent, utcnow

__all__ = ["Consent", "ConsentNotFound", "active_consent", "give_consent", "list_consents", "withdraw_consent"]


class ConsentNotFound(LookupError):
    def __init__(self, case_id: str, consent_id: str) -> None:
        super().__init__(f"no consent {consent_id} on case {case_id}")
        self.case_id, self.consent_id = case_id, consent_id


def active_consent(session: Session, *, case_id: str, partner_id: str) -> Consent | None:
    """The consent in force for this case and partner, if any."""
    stmt = (
        select(Consent)
        .where(
            col(Consent.case_id) == case_id, col(Consent.partner_id) == partner_id, col(Consent.withdrawn_at).is_(None)
        )
        .order_by(col(Consent.given_at).desc())
    )
    return session.exec(stmt).first()


def give_consent(session: Session, *, case_id: str, partner_id: str, actor: str) -> Consent:
    """Record the client's consent for this partner; the one in force if there is one."""
    current = active_consent(session, case_id=case_id, partner_id=partner_id)
    if current is not None:
        return current
    client_id = session.exec(select(Case.client_id).where(col(Case.id) == case_id)).first()
    consent = Consent(
        id=uuid.uuid4().hex,
        case_id=case_id,
        client_id=client_id,
        partner_id=partner_id,
        given_at=utcnow(),
        given_by=actor,
    )
    session.add(consent)
    session.commit()
    session.refresh(consent)
    return consent


def withdraw_consent(session: Session, *, case_id: str, consent_id: str, actor: str) -> Consent:
    """Withdraw a consent of this case (from now on nothing more is shared under it).
    Withdrawing one already withdrawn changes nothing. Raises ``ConsentNotFound``."""
    consent = session.get(Consent, consent_id)
    if consent is None or consent.case_id != case_id:
        raise ConsentNotFound(case_id, consent_id)
    if consent.withdrawn_at is None:
        consent.withdrawn_at, consent.withdrawn_by = utcnow(), actor
        session.add(consent)
        session.commit()
        session.refresh(consent)
    return consent


def list_consents(session: Session, *, case_id: str) -> list[Consent]:
    """Every consent of the case, withdrawn ones too, oldest first."""
    stmt = select(Consent).where(col(Consent.case_id) == case_id).order_by(col(Consent.given_at), col(Consent.id))
    return list(session.exec(stmt).all())
