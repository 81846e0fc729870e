"""The pydantic model of a pathway definition: stages, facts, transitions and their guards,
referrals, escalation; the names a definition may use (slugs, partner kinds, field types)."""

from __future__ import annotations

import re
from collections import deque
from typing import Literal
from zoneinfo import available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from pathway.core.calendar import Duration
from pathway.core.definition.profile import ProfilePolicy
from pathway.core.legal_basis import CaseloadLimitBasis

ANY_OPEN_STAGE = "*"
# Names that are commands of their own or that transitions' model methods already use.
RESERVED_TRIGGERS = frozenset({"close", "pause", "resume", "to", "trigger", "state", "ctx", "machine"})
SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

_TIME_ZONES = frozenset(available_timezones())

PARTNER_KINDS: dict[str, tuple[str, str]] = {
    # kind: (Polish, English)
    "police": ("Policja", "Police"),
    "court": ("Sąd / kurator sądowy", "Court / probation officer"),
    "ops": ("Ośrodek pomocy społecznej", "Social welfare centre"),
    "pup": ("Powiatowy urząd pracy", "County labour office"),
    "school": ("Szkoła / pedagog szkolny", "School / school pedagogue"),
    "health": ("Ochrona zdrowia", "Health care"),
    "therapy": ("Terapia", "Therapy"),
    "legal": ("Pomoc prawna", "Legal aid"),
    "training": ("Instytucja szkoleniowa", "Training institution"),
    "ngo": ("Organizacja pozarządowa", "NGO"),
    "employer": ("Pracodawca", "Employer"),
    "zi": ("Zespół Interdyscyplinarny", "Interdisciplinary Team"),
    "housing": ("Mieszkalnictwo", "Housing"),
}

FIELD_TYPES = ("date", "bool", "int", "code", "partner")
# The papers a case can be printed as (pathway/documents/kinds.py lays each one out).
DOCUMENT_KINDS = ("consent", "referral", "transfer", "contract", "plan", "assessment")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Titles(_Strict):
    pl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ChecklistItem(_Strict):
    title: Titles
    # "all_members_met": the item may be ticked only once every household member recorded
    # was present at a visit (pathway.core.household), and a move that needs the checklist
    # complete is refused while one is not.
    requires: Literal["all_members_met"] | None = None


class FactSpec(_Strict):
    """A fact a case may carry. Values hold ids, dates, booleans and short codes only: free
    text (names, addresses, notes) lives in the SQL store, never in the workflow."""

    kind: Literal["checklist", "partner", "certificate", "record", "flag"]
    title: Titles
    items: dict[str, ChecklistItem] = Field(default_factory=dict)
    partner_kind: str | None = None
    fields: dict[str, Literal["date", "bool", "int", "code", "partner"]] = Field(default_factory=dict)
    # certificate only: remind the coordinator this long before it expires, and suspend the
    # service (the clocks stop) when it lapses, until a current one is recorded.
    remind_before_expiry: Duration | None = None
    suspend_when_lapsed: bool = False


class VisitCadence(_Strict):
    every: Duration
    min_minutes: int = Field(default=0, ge=0, le=24 * 60)
    kinds: list[str] = Field(default_factory=lambda: ["home", "office", "phone", "outreach", "accompanying"])


class Notify(_Strict):
    """Partner facts whose partner is told when the case enters / leaves the stage."""

    on_enter: list[str] = Field(default_factory=list)
    on_exit: list[str] = Field(default_factory=list)


class Stage(_Strict):
    title: Titles
    description: Titles | None = None
    terminal: bool = False
    outcome: str | None = None
    deadline: Duration | None = None
    duration: Duration | None = None
    visits: VisitCadence | None = None
    notify: Notify = Field(default_factory=Notify)
    funnel: bool = True


class GuardRef(_Strict):
    guard: str
    fact: str | None = None
    count: int | None = None


class Transition(_Strict):
    trigger: str
    source: str | list[str]
    dest: str
    title: Titles
    guards: list[GuardRef] = Field(default_factory=list)

    def sources(self, definition: Definition) -> list[str]:
        if self.source == ANY_OPEN_STAGE:
            return [name for name, stage in definition.stages.items() if not stage.terminal]
        return [self.source] if isinstance(self.source, str) else list(self.source)


class ReferralService(_Strict):
    """A service a client can be referred to, and the kinds of partner that provide it."""

    title: Titles
    partner_kinds: list[str] = Field(min_length=1)


class ReferralPolicy(_Strict):
    """Referrals of the client to partners, and how long a partner has to answer before the
    coordinator is reminded (then the supervisor told, as for an overdue visit)."""

    answer_within: Duration = Duration(amount=10, unit="working_days")
    services: dict[str, ReferralService] = Field(min_length=1)


class Escalation(_Strict):
    """How an overdue item escalates: a reminder to the coordinator when it falls due, the
    reminder repeated every ``repeat_every``, and the supervisor told ``escalate_after`` the
    due moment (the grace period)."""

    repeat_every: Duration = Duration(amount=2, unit="working_days")
    escalate_after: Duration = Duration(amount=5, unit="working_days")


class PlanPolicy(_Strict):
    """What the case's plan (goals, each with actions) needs before a guard lets it pass, and
    how often it is reviewed: ``review_every`` after the day it was agreed, a new agreed
    version is due (missed, it is overdue like a visit: reminded, then escalated)."""

    min_goals: int = Field(default=1, ge=0, le=50)
    actions_per_goal: int = Field(default=1, ge=0, le=50)
    agreed: bool = True  # agreed with the client / family on a date
    review_every: Duration | None = None


class PausePolicy(_Strict):
    max: Duration = Duration(amount=3, unit="months")


class Definition(_Strict):
    id: str
    version: int = Field(ge=1)
    title: Titles
    description: Titles | None = None
    initial: str
    stages: dict[str, Stage]
    transitions: list[Transition]
    facts: dict[str, FactSpec] = Field(default_factory=dict)
    outcomes: dict[str, str] = Field(default_factory=dict)
    escalation: Escalation = Field(default_factory=Escalation)
    pause: PausePolicy = Field(default_factory=PausePolicy)
    inactivity_alert: Duration = Duration(amount=30, unit="days")
    caseload_limit: int | None = Field(default=None, ge=1)
    # Issue 13 (items 13, 14): see pathway/core/legal_basis.py. None: an assumed limit / no basis.
    caseload_limit_basis: CaseloadLimitBasis | None = None
    legal_bases: list[str] | None = None
    referrals: ReferralPolicy | None = None
    # The client's profile at opening, eligibility, the status at exit and after (issue 14).
    profile: ProfilePolicy | None = None
    # None: the case has no structured plan (only facts).
    plan: PlanPolicy | None = None
    # The papers the pathway prints (DOCUMENT_KINDS); None: consent, transfer (and referral
    # letters for a pathway that refers).
    documents: list[str] | None = None
    # The roles a household member may have (pathway.core.household.ROLES); None: the default
    # of pathway.core.household.allowed_roles.
    household_roles: list[str] | None = Field(default=None, min_length=1)
    timezone: str = "Europe/Warsaw"
    # The building blocks (definitions/blocks/) merged into this definition when it was loaded.
    composed_from: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _TIME_ZONES:
            raise ValueError(f"unknown time zone '{value}' (e.g. Europe/Warsaw)")
        return value

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("an id is lowercase letters, digits, '-' or '_', starting with a letter")
        return value

    # ----- lookups used by the machine and the case rules -----
    def stage(self, name: str) -> Stage:
        return self.stages[name]

    def transitions_from(self, stage: str) -> list[Transition]:
        return [t for t in self.transitions if stage in t.sources(self)]

    def terminal_stages(self) -> list[str]:
        return [name for name, stage in self.stages.items() if stage.terminal]

    def main_path(self) -> list[str]:
        """Stages in the order a client meets them (breadth-first from the initial stage)."""
        order: list[str] = []
        queue = deque([self.initial])
        while queue:
            name = queue.popleft()
            if name in order:
                continue
            order.append(name)
            for t in self.transitions:
                if name in t.sources(self) and t.source != ANY_OPEN_STAGE:
                    queue.append(t.dest)
        order += [n for n in self.stages if n not in order]
        return order
