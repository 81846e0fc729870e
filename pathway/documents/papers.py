"""What each paper is made from: plain data the app layer has already read, opened and cut
down to what the paper may say (a referral letter holds only the partner's scope). Titles
that exist in both languages travel as ``Bilingual``; the renderer picks one.

A new paper (the plan, the household, the assessment) is a model here, a template and a
``Kind`` in ``kinds.py``; the renderer does not change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from pathway.core.sharing import EMPLOYER_FORBIDDEN

Lang = Literal["pl", "en"]


class _Paper(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Paper):
    pl: str
    en: str


class Stamp(_Paper):
    """What every page carries: which paper of which case, its template's version, its own id
    (the audit trail's record of it) and when it was made."""

    kind: str
    version: int
    document_id: str
    # The case id; a referral letter to a partner not told the case reference carries the
    # referral's id instead.
    reference: str
    reference_kind: Literal["case", "referral"] = "case"
    made_at: datetime
    tz: str


class Sharing(_Paper):
    """One partner the case shares with: what (scope field codes), on what basis."""

    partner_name: str
    partner_kind: str
    fields: list[str]
    basis: Literal["law", "consent"]
    consent_given_at: datetime | None = None
    consent_withdrawn_at: datetime | None = None


class ConsentPaper(_Paper):
    stamp: Stamp
    client_name: str | None
    pathway: Bilingual
    coordinator_name: str
    sharing: list[Sharing]


class Disclosed(_Paper):
    """What a referral letter tells its partner: each field only where the partner's scope
    names it (``None``: not told)."""

    case_reference: str | None = None
    stage: Bilingual | None = None
    opened_at: datetime | None = None
    stage_entered_at: datetime | None = None
    coordinator_name: str | None = None
    coordinator_id: str | None = None
    client_name: str | None = None
    client_phone: str | None = None
    client_address: str | None = None
    support_reason: Bilingual | None = None
    zi_reference: str | None = None


# The Disclosed fields each scope code stands for.
DISCLOSED_BY_SCOPE: dict[str, tuple[str, ...]] = {
    "case_reference": ("case_reference",),
    "stage": ("stage",),
    "dates": ("opened_at", "stage_entered_at"),
    "coordinator_contact": ("coordinator_name", "coordinator_id"),
    "client_name": ("client_name",),
    "client_phone": ("client_phone",),
    "client_address": ("client_address",),
    "support_reason": ("support_reason",),
    "violence_context": ("zi_reference",),
}


class ReferralPaper(_Paper):
    stamp: Stamp
    partner_name: str
    partner_kind: str
    service: Bilingual
    referral_id: str
    made_at: datetime
    answer_due_on: date | None
    told: Disclosed

    @model_validator(mode="after")
    def _never_to_an_employer(self) -> ReferralPaper:
        if self.partner_kind == "employer":
            told = {f for code in EMPLOYER_FORBIDDEN for f in DISCLOSED_BY_SCOPE[code] if getattr(self.told, f)}
            if told:
                raise ValueError(f"an employer's letter may never carry {', '.join(sorted(told))}")
        return self


class StageLine(_Paper):
    stage: Bilingual
    entered_at: datetime
    left_at: datetime | None


class ReferralLine(_Paper):
    partner_name: str
    service: Bilingual
    status: str
    made_at: datetime


class TransferPaper(_Paper):
    """The case summary a case is handed over with: who, which pathway, where it stands, what
    was done and who is told what. Never a note, never the perpetrator's data."""

    stamp: Stamp
    client_name: str | None
    client_address: str | None
    client_phone: str | None
    pathway: Bilingual
    definition_version: int
    status: str
    stage: Bilingual
    opened_at: datetime
    coordinator_name: str
    stage_due_on: date | None
    next_visit_due_on: date | None
    visits_total: int
    last_visit_at: datetime | None
    history: list[StageLine]
    referrals: list[ReferralLine]
    sharing: list[Sharing]


class PlanActionLine(_Paper):
    title: str
    owner: str  # in words: the coordinator's name, "a family member", the partner's name
    owner_kind: Literal["coordinator", "member", "partner"]
    due_on: date | None
    status: Literal["planned", "done", "dropped"]
    days_overdue: int | None = None


class PlanGoalLine(_Paper):
    title: str
    actions: list[PlanActionLine]


class PlanPaper(_Paper):
    """The plan as it was agreed (its latest version), to be signed by the client and the
    coordinator. Never an address, never a note."""

    stamp: Stamp
    client_name: str | None
    pathway: Bilingual
    coordinator_name: str
    plan_version: int
    agreed_on: date | None
    review_due_on: date | None
    goals: list[PlanGoalLine]


class ContractPaper(_Paper):
    """The family assistant's contract with the family (seed 002): who, with whom, how often
    they meet, what they work on; signed by both."""

    stamp: Stamp
    client_name: str | None
    pathway: Bilingual
    coordinator_name: str
    signed_on: date | None
    family_members: int | None
    visits_every_days: int | None
    visit_minutes: int | None


class AssessmentPaper(_Paper):
    """The periodic assessment of the family's situation: where the case stands, how the plan
    went (actions done, dropped, late), and room for the assistant's assessment in words."""

    stamp: Stamp
    client_name: str | None
    pathway: Bilingual
    coordinator_name: str
    stage: Bilingual
    opened_at: datetime
    plan_version: int
    agreed_on: date | None
    review_due_on: date | None
    visits_total: int
    last_visit_at: datetime | None
    done: int
    planned: int
    dropped: int
    late: int
    goals: list[PlanGoalLine]


Paper = ConsentPaper | ReferralPaper | TransferPaper | PlanPaper | ContractPaper | AssessmentPaper
