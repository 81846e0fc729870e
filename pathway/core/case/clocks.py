"""The case's clocks (watches): arm one, shift them all by a pause. Public, for the rules and
for the running-case upgrade (``pathway.core.migration``); ``alarms.fire_due`` rings them."""

from __future__ import annotations

from datetime import datetime, timedelta

from pathway.core import calendar as cal
from pathway.core.case.base import CaseBase
from pathway.core.state import Watch


def arm(case: CaseBase, key: str, due_at: datetime, ref: str | None = None) -> None:
    """Watch ``key`` (``kind`` or ``kind:ref``) falling due at ``due_at``, with the definition's
    reminders and escalation (none for a fixed duration)."""
    esc = case.definition.escalation
    kind = key.split(":", 1)[0]
    case.state.watches[key] = Watch(
        key=kind,
        ref=ref,
        due_at=due_at,
        next_alarm_at=due_at,
        escalate_at=None if kind == "duration" else cal.after(due_at, esc.escalate_after, case.tz),
    )


def shift(case: CaseBase, delta: timedelta) -> None:
    """A pause stops the clocks: everything still to come moves by the paused time."""
    s = case.state
    for w in s.watches.values():
        if w.key in ("certificate", "action", "plan_review", "appointment"):
            # a certificate's validity date is the authority's, the plan's dates the plan's,
            # a booked visit's time the family's: not ours to move
            continue
        w.due_at += delta
        if w.deferred_from is not None:
            w.deferred_from += delta
        if w.next_alarm_at is not None:
            w.next_alarm_at += delta
        if w.escalate_at is not None:
            w.escalate_at += delta
    if s.duration_ends_at is not None and not s.duration_elapsed:
        s.duration_ends_at += delta


def next_alarm_at(case: CaseBase) -> datetime | None:
    if case.state.status != "active":
        return None
    times = [w.next_alarm_at for w in case.state.watches.values() if w.next_alarm_at is not None]
    return min(times) if times else None
