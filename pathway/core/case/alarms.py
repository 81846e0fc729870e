"""Ringing the clocks: the reminders, escalations, elapsed durations and certificate expiries
that are due at a moment (the workflow calls this when a timer wakes it)."""

from __future__ import annotations

from datetime import datetime

from pathway.core import calendar as cal
from pathway.core.case import clocks
from pathway.core.case.appointments import appointment_alarm
from pathway.core.case.base import CaseBase
from pathway.core.case.certificates import certificate_alarm
from pathway.core.events import DurationElapsed, Event, ReminderDue


def fire_due(case: CaseBase, now: datetime) -> list[Event]:
    """Emit the reminders, escalations and elapsed durations that are due at ``now``."""
    s = case.state
    if s.status != "active":
        return []
    start = len(s.outbox)
    # Repeat until nothing is due: an elapsed duration arms a deadline that may be due too.
    while _fire_due_once(case, now):
        pass
    return list(s.outbox[start:])


def _fire_due_once(case: CaseBase, now: datetime) -> bool:
    s = case.state
    fired = False
    esc = case.definition.escalation
    # Booked visits first: a missed one gives the visit clock back its own due moment, which
    # may ring in the same pass. (A stable sort: every other clock keeps its order.)
    for key in sorted(s.watches, key=lambda k: s.watches[k].key != "appointment"):
        if s.status != "active":
            break  # a lapsed certificate suspended the service: its clocks stop here
        w = s.watches.get(key)
        while w is not None and w.next_alarm_at is not None and now >= w.next_alarm_at:
            at = w.next_alarm_at
            if w.key == "certificate":
                certificate_alarm(case, key, w, at, now)
                w = s.watches.get(key)
                continue
            if w.key == "appointment":
                appointment_alarm(case, key, w, at, now)
                w = s.watches.get(key)
                continue
            if w.key == "duration":
                del s.watches["duration"]
                s.duration_elapsed = True
                case.emit(DurationElapsed, at, "system", stage=s.stage)
                if case.stage.deadline is not None:
                    clocks.arm(case, "stage_deadline", cal.deadline_at(w.due_at, case.stage.deadline, case.tz))
                    fired = True
                break
            if w.escalate_at is not None and at >= w.escalate_at:
                w.escalated, w.next_alarm_at = True, None
                case.emit(
                    ReminderDue,
                    at,
                    "system",
                    stage=s.stage,
                    watch=key,
                    level="escalation",
                    n=w.reminders + 1,
                    due_at=w.due_at,
                    coordinator_id=s.coordinator_id,
                )
                break
            w.reminders += 1
            following = cal.after(at, esc.repeat_every, case.tz)
            w.next_alarm_at = min(following, w.escalate_at) if w.escalate_at else following
            if w.next_alarm_at <= now:
                continue  # catching up (a worker was down, a case was imported): one reminder, not a burst
            case.emit(
                ReminderDue,
                at,
                "system",
                stage=s.stage,
                watch=key,
                level="reminder",
                n=w.reminders,
                due_at=w.due_at,
                coordinator_id=s.coordinator_id,
            )
    return fired
