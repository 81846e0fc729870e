"""What a coordinator sees of a case (the ``state`` query and every update's answer): the
moves allowed now, the guards that block the others, what is overdue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from pathway.core.case.base import CaseBase
from pathway.core.overdue import days_overdue as overdue_days
from pathway.core.overdue import due_on
from pathway.core.state import Appointment, Referral, StageRecord


class GuardView(BaseModel):
    trigger: str
    dest: str
    guard: str
    fact: str | None
    reason: str
    reason_pl: str


class OverdueView(BaseModel):
    watch: str
    ref: str | None = None
    due_at: datetime
    due_on: date | None = None  # the last day on time (pathway.core.overdue)
    days_overdue: int
    reminders: int
    escalated: bool


class CaseView(BaseModel):
    """What a coordinator needs to see of a case: the `state` query and every update's answer."""

    id: str
    definition: str
    definition_version: int
    stage: str
    status: str
    outcome: str | None
    coordinator: str
    unit: str
    opened_at: datetime
    stage_entered_at: datetime
    allowed: list[str]
    blocked: list[GuardView]
    outcomes: list[str]
    stage_due_at: datetime | None
    duration_ends_at: datetime | None
    next_visit_due_at: datetime | None
    overdue: list[OverdueView]
    history: list[StageRecord]
    facts: dict[str, Any]
    referrals: list[Referral] = []
    appointments: list[Appointment] = []  # the visits booked, the earliest first
    visits_total: int
    visits_in_stage: int
    # The household's member ids, and those present at a visit at least once (ids only).
    household: list[str] = []
    members_met: list[str] = []
    last_visit_at: datetime | None
    last_activity_at: datetime
    paused_at: datetime | None
    pause_reason: str | None
    seq: int
    runs: int
    as_of: datetime


def overdue(case: CaseBase, now: datetime) -> list[OverdueView]:
    out = []
    for w in case.state.watches.values():
        days = overdue_days(w.due_at, now, case.tz)
        if w.key in ("duration", "certificate", "appointment") or days is None:
            continue
        out.append(
            OverdueView(
                watch=w.key,
                ref=w.ref,
                due_at=w.due_at,
                due_on=due_on(w.due_at, case.tz),
                days_overdue=days,
                reminders=w.reminders,
                escalated=w.escalated,
            )
        )
    return out


def case_view(case: CaseBase, now: datetime) -> CaseView:
    s = case.state
    ctx = case.guard_context(now)
    active = s.status == "active"
    blocked = []
    allowed: list[str] = []
    if active:
        # Each move's guards are evaluated once: a move no guard blocks is allowed.
        moves = case.machine.blocked(ctx)
        blocked_triggers = {move.trigger for move in moves}
        allowed = [trigger for trigger in case.machine.triggers(s.stage) if trigger not in blocked_triggers]
        for move in moves:
            for f in move.failures:
                blocked.append(
                    GuardView(
                        trigger=move.trigger,
                        dest=move.dest,
                        guard=f.guard,
                        fact=f.fact,
                        reason=f.reason,
                        reason_pl=f.reason_pl,
                    )
                )
    deadline = s.watches.get("stage_deadline")
    visit = s.watches.get("visit")
    return CaseView(
        id=s.case_id,
        definition=s.definition.id,
        definition_version=s.definition.version,
        stage=s.stage,
        status=s.status,
        outcome=s.outcome,
        coordinator=s.coordinator_id,
        unit=s.unit_id,
        opened_at=s.opened_at,
        stage_entered_at=s.stage_entered_at,
        allowed=allowed,
        blocked=blocked,
        outcomes=list(case.definition.outcomes) if s.status != "closed" else [],
        stage_due_at=deadline.due_at if deadline else None,
        duration_ends_at=s.duration_ends_at,
        next_visit_due_at=visit.due_at if visit else None,
        overdue=overdue(case, now) if active else [],
        history=list(s.stages),
        facts=dict(s.facts),
        referrals=list(s.referrals.values()),
        appointments=sorted(s.appointments.values(), key=lambda a: (a.at, a.appointment_id)),
        visits_total=s.visits_total,
        visits_in_stage=s.visits_in_stage,
        household=list(s.household),
        members_met=list(s.members_met),
        last_visit_at=s.last_visit_at,
        last_activity_at=s.last_activity_at,
        paused_at=s.paused_at,
        pause_reason=s.pause_reason,
        seq=s.seq,
        runs=s.runs,
        as_of=now,
    )
