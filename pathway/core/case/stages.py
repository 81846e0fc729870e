"""Entering a stage: the clocks of the stay are armed, partners are told, a terminal stage
closes the case. Opening a case, a move and closing all end here."""

from __future__ import annotations

from datetime import datetime

from pathway.core import calendar as cal
from pathway.core.case import appointments, clocks
from pathway.core.case.base import CaseBase
from pathway.core.events import CaseClosed, NotificationRequested, StageEntered
from pathway.core.state import StageRecord


def notify(case: CaseBase, stage_name: str, moment: str, at: datetime, actor: str) -> None:
    stage = case.definition.stages[stage_name]
    for fact in stage.notify.on_enter if moment == "enter" else stage.notify.on_exit:
        value = case.state.facts.get(fact)
        if isinstance(value, dict) and value.get("partner_id"):
            case.emit(
                NotificationRequested,
                at,
                actor,
                stage=stage_name,
                moment=moment,
                partner_fact=fact,
                partner_id=value["partner_id"],
                partner_kind=value.get("partner_kind", ""),
            )


def enter(
    case: CaseBase,
    dest: str,
    from_stage: str | None,
    trigger: str | None,
    now: datetime,
    actor: str,
    command_id: str | None,
    note_id: str | None,
    outcome: str | None = None,
) -> None:
    s = case.state
    if from_stage is not None:
        notify(case, from_stage, "exit", now, actor)
        if s.stages:
            s.stages[-1].left_at = now
    stage = case.definition.stages[dest]
    s.stage, s.stage_entered_at, s.visits_in_stage = dest, now, 0
    s.duration_ends_at, s.duration_elapsed = None, False
    s.watches.pop("stage_deadline", None)
    s.watches.pop("duration", None)
    if stage.duration is not None:
        s.duration_ends_at = cal.ends_at(now, stage.duration, case.tz)
        clocks.arm(case, "duration", s.duration_ends_at)
    elif stage.deadline is not None:
        clocks.arm(case, "stage_deadline", cal.deadline_at(now, stage.deadline, case.tz))
    if stage.visits is not None:
        # The cadence runs on across stages: moving a case on never clears an overdue
        # visit; the next visit is due from the last one, with the new stage's rhythm.
        if "visit" not in s.watches:
            clocks.arm(case, "visit", cal.deadline_at(now, stage.visits.every, case.tz))
        elif s.last_counted_visit_at is not None:
            due = cal.deadline_at(s.last_counted_visit_at, stage.visits.every, case.tz)
            if due != s.watches["visit"].due_at:
                clocks.arm(case, "visit", due)
        appointments.recount_visit_clock(case, now)  # a booked visit still counts in the new stage
    else:
        s.watches.pop("visit", None)
    deadline = s.watches.get("stage_deadline")
    event = case.emit(
        StageEntered,
        now,
        actor,
        command_id=command_id,
        note_id=note_id,
        from_stage=from_stage,
        stage=dest,
        trigger=trigger,
        due_at=deadline.due_at if deadline else None,
        ends_at=s.duration_ends_at,
    )
    s.stages.append(StageRecord(stage=dest, entered_at=now, trigger=trigger, actor=actor, seq=event.seq))
    notify(case, dest, "enter", now, actor)
    if stage.terminal:
        s.status, s.closed_at, s.watches, s.appointments = "closed", now, {}, {}
        s.outcome = outcome or stage.outcome or dest
        s.paused_at = s.pause_reason = None
        s.stages[-1].left_at = None
        case.emit(CaseClosed, now, actor, command_id=command_id, stage=dest, outcome=s.outcome)
