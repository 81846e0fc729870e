"""Appointments: visits booked for a date and time, and how the visit clock counts on them.

The rules (docs/DOMAIN.md, "Appointments"):

- A visit is booked for a moment in the future, of a kind the stage allows, at most
  ``APPOINTMENT_HORIZON`` ahead, and never after the last day before the supervisor would be
  told of an overdue visit (the cadence's due day plus the definition's escalation grace):
  a later booking is refused (``appointment_too_late``, naming the last day allowed).
- A booking after the cadence's last day on time but inside that grace is accepted and marked
  ``late``. While a visit is booked, the visit clock counts on the earliest booked day: the
  visit is due on that day (not overdue before it), if the clock was still on time when the
  booking was made. Cancelling, or the booked day passing, gives the clock back its own due
  moment (``Watch.deferred_from``).
- The coordinator is reminded the day before a booked visit; a booked day that ends with no
  visit logged is a missed appointment, and the coordinator is reminded of it.
- A visit logged fulfils every appointment booked up to the end of the visit's day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pathway.core import calendar as cal
from pathway.core.case.base import CODE, CaseBase
from pathway.core.commands import BookAppointment, CancelAppointment
from pathway.core.errors import InvalidCommand
from pathway.core.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentFulfilled,
    AppointmentMissed,
    AppointmentReminder,
)
from pathway.core.state import Appointment, Watch

APPOINTMENT_HORIZON = timedelta(days=92)
REMIND_BEFORE = timedelta(days=1)
DEFAULT_KINDS = ("home", "office", "phone", "outreach", "accompanying")


def watch_key(appointment_id: str) -> str:
    return f"appointment:{appointment_id}"


def day_end(moment: datetime, tz: str) -> datetime:
    """The first moment after ``moment``'s local day: a booked visit is missed then."""
    return cal.end_of_day(cal.local_date(moment, tz), tz)


def latest_booking_end(case: CaseBase, now: datetime) -> datetime:
    """The end of the last day a visit may be booked for (exclusive)."""
    horizon = day_end(now + APPOINTMENT_HORIZON, case.tz)
    visit = case.state.watches.get("visit")
    if visit is None:
        return horizon
    base = visit.deferred_from or visit.due_at
    grace_end = cal.after(base, case.definition.escalation.escalate_after, case.tz)
    return min(horizon, grace_end)


def check_book(case: CaseBase, command: BookAppointment, now: datetime) -> None:
    if command.rebook != (command.appointment_id in case.state.appointments):
        raise InvalidCommand(
            f"no booked visit '{command.appointment_id}' on this case"
            if command.rebook
            else f"visit '{command.appointment_id}' is already booked",
            field="appointment_id",
            appointment_id=command.appointment_id,
        )
    if command.at <= now:
        raise InvalidCommand(
            "a visit can only be booked for a time still to come",
            problem="appointment_in_the_past",
            field="at",
            at=command.at.isoformat(),
        )
    kinds = case.stage.visits.kinds if case.stage.visits else list(DEFAULT_KINDS)
    if command.kind not in kinds or not CODE.match(command.kind):
        raise InvalidCommand(
            f"unknown visit kind '{command.kind}'; use one of: {', '.join(kinds)}", field="kind", kind=command.kind
        )
    latest = latest_booking_end(case, now)
    if day_end(command.at, case.tz) > latest:
        last_day = cal.due_date(latest, case.tz)
        raise InvalidCommand(
            f"a visit can be booked up to {last_day.isoformat()}: later, the visit would be overdue past the "
            "time the supervisor is told (or too far ahead to plan)",
            problem="appointment_too_late",
            field="at",
            at=command.at.isoformat(),
            latest_on=last_day.isoformat(),
        )


def apply_book(case: CaseBase, command: BookAppointment, now: datetime, checked: None) -> None:
    s = case.state
    rebooked = command.rebook
    s.appointments[command.appointment_id] = Appointment(
        appointment_id=command.appointment_id, at=command.at, kind=command.kind, booked_at=now, booked_by=command.actor
    )
    missed_at = day_end(command.at, case.tz)
    remind_at = command.at - REMIND_BEFORE
    s.watches[watch_key(command.appointment_id)] = Watch(
        key="appointment",
        ref=command.appointment_id,
        due_at=missed_at,
        next_alarm_at=remind_at if remind_at > now else missed_at,
    )
    visit = s.watches.get("visit")
    late = visit is not None and missed_at > (visit.deferred_from or visit.due_at)
    case.emit(
        AppointmentBooked,
        now,
        command.actor,
        command_id=command.command_id,
        stage=s.stage,
        appointment_id=command.appointment_id,
        appointment_at=command.at,
        visit_kind=command.kind,
        rebooked=rebooked,
        late=late,
        coordinator_id=s.coordinator_id,
        next_visit_due_at=_recounted(case, now),
    )


def check_cancel(case: CaseBase, command: CancelAppointment, now: datetime) -> None:
    if command.appointment_id not in case.state.appointments:
        raise InvalidCommand(
            f"no booked visit '{command.appointment_id}' on this case",
            field="appointment_id",
            appointment_id=command.appointment_id,
        )


def apply_cancel(case: CaseBase, command: CancelAppointment, now: datetime, checked: None) -> None:
    _drop(case, command.appointment_id)
    case.emit(
        AppointmentCancelled,
        now,
        command.actor,
        command_id=command.command_id,
        stage=case.state.stage,
        appointment_id=command.appointment_id,
        next_visit_due_at=_recounted(case, now),
    )


def settle(case: CaseBase, occurred_at: datetime, now: datetime) -> list[str]:
    """A visit logged at ``occurred_at`` fulfils the appointments booked up to its day's end:
    they are dropped and the visit clock recounted. Returns their ids, in booked order."""
    until = day_end(occurred_at, case.tz)
    done = sorted((a for a in case.state.appointments.values() if a.at < until), key=lambda a: (a.at, a.appointment_id))
    for a in done:
        _drop(case, a.appointment_id)
    if done:
        recount_visit_clock(case, now)
    return [a.appointment_id for a in done]


def announce_fulfilled(case: CaseBase, ids: list[str], visit_seq: int, now: datetime, actor: str) -> None:
    for appointment_id in ids:
        case.emit(
            AppointmentFulfilled, now, actor, stage=case.state.stage, appointment_id=appointment_id, visit_seq=visit_seq
        )


def appointment_alarm(case: CaseBase, key: str, w: Watch, at: datetime, now: datetime) -> None:
    """The day before a booked visit: remind. Its day over with no visit: missed."""
    s = case.state
    a = s.appointments.get(w.ref or "")
    if a is None:  # pragma: no cover - a watch always has its appointment
        del s.watches[key]
        return
    about = {"stage": s.stage, "appointment_id": a.appointment_id, "appointment_at": a.at}
    if at < w.due_at:
        w.next_alarm_at = w.due_at
        case.emit(AppointmentReminder, at, "system", coordinator_id=s.coordinator_id, **about)
        return
    _drop(case, a.appointment_id)
    case.emit(
        AppointmentMissed,
        at,
        "system",
        coordinator_id=s.coordinator_id,
        next_visit_due_at=_recounted(case, now),
        **about,
    )


def _recounted(case: CaseBase, now: datetime) -> datetime | None:
    """The visit clock recounted after a booking changed: its due moment (None: no cadence)."""
    recount_visit_clock(case, now)
    visit = case.state.watches.get("visit")
    return visit.due_at if visit else None


def recount_visit_clock(case: CaseBase, now: datetime) -> None:
    """The visit clock counts on the earliest booked day if that is after the cadence's due
    moment and inside the grace; otherwise on its own due moment."""
    s = case.state
    visit = s.watches.get("visit")
    if visit is None:
        return
    base = visit.deferred_from or visit.due_at
    grace_end = cal.after(base, case.definition.escalation.escalate_after, case.tz)
    booked = [day_end(a.at, case.tz) for a in s.appointments.values()]
    target = base
    # Only a clock still on time (never rung) starts waiting for a booked visit.
    on_time = visit.deferred_from is not None or (base > now and visit.reminders == 0 and not visit.escalated)
    if booked and on_time and base < min(booked) <= grace_end:
        target = min(booked)
    if target == visit.due_at:
        return
    visit.deferred_from = base if target != base else None
    visit.due_at = target
    visit.next_alarm_at = max(target, now)


def _drop(case: CaseBase, appointment_id: str) -> None:
    case.state.appointments.pop(appointment_id, None)
    case.state.watches.pop(watch_key(appointment_id), None)
