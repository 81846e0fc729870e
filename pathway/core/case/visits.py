"""Visits: what a recorded visit must be (not in the future, a known kind), whether it counts
toward the stage's cadence, and the next visit's due date."""

from __future__ import annotations

from datetime import datetime, timedelta

from pathway.core import calendar as cal
from pathway.core.case import appointments, clocks, household
from pathway.core.case.base import CODE, CaseBase
from pathway.core.commands import RecordVisit
from pathway.core.errors import InvalidCommand
from pathway.core.events import VisitRecorded

# A visit logged a little "in the future" is clock skew between a phone and the server.
VISIT_CLOCK_SKEW = timedelta(minutes=15)


def check_visit(case: CaseBase, command: RecordVisit, now: datetime) -> None:
    if command.occurred_at > now + VISIT_CLOCK_SKEW:
        raise InvalidCommand("a visit cannot be recorded in the future", occurred_at=command.occurred_at.isoformat())
    if command.occurred_at < case.state.opened_at - timedelta(days=1):
        raise InvalidCommand(
            "the visit is dated before the case was opened", occurred_at=command.occurred_at.isoformat()
        )
    kinds = case.stage.visits.kinds if case.stage.visits else None
    if kinds is not None and command.kind not in kinds:
        raise InvalidCommand(f"unknown visit kind '{command.kind}'; use one of: {', '.join(kinds)}", kind=command.kind)
    if not CODE.match(command.kind):
        raise InvalidCommand("a visit kind is a short code", kind=command.kind)
    household.check_present(case, command)


def apply_visit(case: CaseBase, command: RecordVisit, now: datetime, checked: None) -> None:
    s = case.state
    cadence = case.stage.visits
    counted, reason = True, None
    if cadence is not None and command.duration_minutes < cadence.min_minutes:
        counted = False
        reason = (
            f"shorter than the {cadence.min_minutes} minutes a visit needs in this stage; "
            "it does not count toward the visit cadence"
        )
    s.visits_total += 1
    household.record_present(case, command)
    if counted:  # a visit too short to count does not satisfy "N visits in this stage" either
        s.visits_in_stage += 1
    if s.last_visit_at is None or command.occurred_at > s.last_visit_at:
        s.last_visit_at = command.occurred_at
    if counted and (s.last_counted_visit_at is None or command.occurred_at > s.last_counted_visit_at):
        s.last_counted_visit_at = command.occurred_at
        if cadence is not None:
            clocks.arm(case, "visit", cal.deadline_at(command.occurred_at, cadence.every, case.tz))
    fulfilled = appointments.settle(case, command.occurred_at, now)
    visit = s.watches.get("visit")
    recorded = case.emit(
        VisitRecorded,
        now,
        command.actor,
        command_id=command.command_id,
        stage=s.stage,
        visit_id=command.visit_id,
        occurred_at=command.occurred_at,
        duration_minutes=command.duration_minutes,
        visit_kind=command.kind,
        counted=counted,
        not_counted_reason=reason,
        next_visit_due_at=visit.due_at if visit else None,
        present_member_ids=list(command.present_member_ids),
    )
    appointments.announce_fulfilled(case, fulfilled, recorded.seq, now, command.actor)
