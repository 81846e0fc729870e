"""Booked visits (appointments) and the visit clock that counts on them, on Model Wsparcia.

Opened Monday 2 March 2026, 09:00 Warsaw (CET, +1). The diagnosis stage wants a visit every
7 days: due on Monday 9 March (first late instant 10 March 00:00 CET). The escalation grace
is 5 working days: the supervisor would be told on Tuesday 17 March 00:00, so the last day a
visit may be booked for is Monday 16 March."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from test_case import FIRST_VISIT_DUE, OPENED, open_case, utc, warsaw

from pathway.core.case import Case
from pathway.core.commands import BookAppointment, CancelAppointment, Close, Pause, RecordVisit, Resume
from pathway.core.errors import IllegalMove, InvalidCommand
from pathway.core.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentFulfilled,
    AppointmentMissed,
    AppointmentReminder,
    ReminderDue,
)
from pathway.core.overdue import due_on


def book(
    case: Case,
    at: datetime,
    now: datetime = OPENED,
    appointment_id: str = "a-1",
    kind: str = "home",
    rebook: bool = False,
) -> list:
    command = BookAppointment(
        command_id=f"book-{appointment_id}-{int(at.timestamp())}",
        actor="coord-1",
        appointment_id=appointment_id,
        at=at,
        kind=kind,
        rebook=rebook,
    )
    return case.apply(command, now)


def cancel(case: Case, now: datetime, appointment_id: str = "a-1") -> list:
    return case.apply(
        CancelAppointment(command_id=f"cancel-{appointment_id}", actor="coord-1", appointment_id=appointment_id), now
    )


def visit_due_on(case: Case, now: datetime = OPENED) -> date:
    due = case.view(now).next_visit_due_at
    assert due is not None
    return due_on(due, "Europe/Warsaw")


def test_a_booking_inside_the_cadence_leaves_the_visit_clock_as_it_is():
    case = open_case()
    [booked] = book(case, warsaw(2026, 3, 5, 10, 0))
    assert isinstance(booked, AppointmentBooked) and not booked.late and not booked.rebooked
    assert visit_due_on(case) == date(2026, 3, 9)
    assert [a.appointment_id for a in case.view(OPENED).appointments] == ["a-1"]


def test_a_late_booking_inside_the_grace_moves_the_visit_due_date_to_the_booked_day():
    case = open_case()
    [booked] = book(case, warsaw(2026, 3, 12, 10, 0))
    assert booked.late
    assert visit_due_on(case) == date(2026, 3, 12)  # the last day on time is the booked day
    # Not overdue on the cadence's day after: the clock counts on the booked visit.
    assert case.fire_due(FIRST_VISIT_DUE + timedelta(hours=1)) == []
    assert case.view(FIRST_VISIT_DUE + timedelta(days=1)).overdue == []


def test_a_booking_after_the_last_day_before_the_supervisor_is_told_is_refused():
    case = open_case()
    book(case, warsaw(2026, 3, 16, 18, 0))  # the last day allowed
    with pytest.raises(InvalidCommand) as refused:
        book(case, warsaw(2026, 3, 17, 9, 0), appointment_id="a-2")
    assert refused.value.details["latest_on"] == "2026-03-16"
    assert refused.value.details["field"] == "at"


@pytest.mark.parametrize("at", [OPENED - timedelta(minutes=1), OPENED])
def test_a_visit_cannot_be_booked_in_the_past(at: datetime):
    with pytest.raises(InvalidCommand) as refused:
        book(open_case(), at)
    assert refused.value.details["field"] == "at"


def test_an_unknown_kind_is_refused():
    with pytest.raises(InvalidCommand) as refused:
        book(open_case(), warsaw(2026, 3, 5, 10, 0), kind="picnic")
    assert refused.value.details["field"] == "kind"


def test_the_coordinator_is_reminded_the_day_before_and_a_visit_logged_fulfils_the_booking():
    case = open_case()
    at = warsaw(2026, 3, 5, 10, 0)
    book(case, at)
    assert case.fire_due(at - timedelta(days=1, minutes=1)) == []
    [reminder] = case.fire_due(at - timedelta(days=1))
    assert isinstance(reminder, AppointmentReminder) and reminder.appointment_at == at
    events = case.apply(
        RecordVisit(command_id="visit-1", actor="coord-1", occurred_at=at, duration_minutes=90, kind="home"),
        at + timedelta(hours=2),
    )
    fulfilled = [e for e in events if isinstance(e, AppointmentFulfilled)]
    assert [e.appointment_id for e in fulfilled] == ["a-1"]
    assert fulfilled[0].visit_seq == events[0].seq
    assert case.view(at).appointments == []
    assert case.fire_due(at + timedelta(days=1)) == []  # nothing missed


def test_a_booked_day_with_no_visit_is_missed_and_the_coordinator_reminded():
    case = open_case()
    at = warsaw(2026, 3, 5, 10, 0)
    book(case, at)
    case.fire_due(at - timedelta(days=1))
    assert case.fire_due(warsaw(2026, 3, 5, 23, 59)) == []
    [missed] = case.fire_due(warsaw(2026, 3, 6, 0, 0))
    assert isinstance(missed, AppointmentMissed) and missed.appointment_id == "a-1"
    assert missed.coordinator_id == "coord-1"
    assert case.view(warsaw(2026, 3, 6, 0, 0)).appointments == []


def test_a_missed_late_booking_gives_the_visit_clock_back_its_own_due_date_at_once():
    case = open_case()
    book(case, warsaw(2026, 3, 12, 10, 0))
    case.fire_due(warsaw(2026, 3, 11, 10, 0))  # the day-before reminder
    events = case.fire_due(warsaw(2026, 3, 13, 0, 0))
    assert [type(e) for e in events] == [AppointmentMissed, ReminderDue]
    assert events[1].watch == "visit" and events[1].due_at == FIRST_VISIT_DUE
    assert visit_due_on(case) == date(2026, 3, 9)
    [late] = case.view(warsaw(2026, 3, 13, 9, 0)).overdue
    assert late.days_overdue == 4


def test_cancelling_a_late_booking_restores_the_cadence():
    case = open_case()
    book(case, warsaw(2026, 3, 12, 10, 0))
    [cancelled] = cancel(case, warsaw(2026, 3, 4, 9, 0))
    assert isinstance(cancelled, AppointmentCancelled)
    assert cancelled.next_visit_due_at == FIRST_VISIT_DUE
    assert case.view(warsaw(2026, 3, 4, 9, 0)).appointments == []
    with pytest.raises(InvalidCommand):
        cancel(case, warsaw(2026, 3, 4, 9, 0))


def test_rebooking_moves_the_same_appointment():
    case = open_case()
    book(case, warsaw(2026, 3, 5, 10, 0))
    with pytest.raises(InvalidCommand):  # booked already: a new booking under its id is refused
        book(case, warsaw(2026, 3, 6, 12, 0), now=warsaw(2026, 3, 3, 9, 0))
    with pytest.raises(InvalidCommand):  # nothing to move
        book(case, warsaw(2026, 3, 6, 12, 0), appointment_id="a-2", rebook=True)
    [moved] = book(case, warsaw(2026, 3, 6, 12, 0), now=warsaw(2026, 3, 3, 9, 0), rebook=True)
    assert moved.rebooked and moved.appointment_id == "a-1"
    [kept] = case.view(OPENED).appointments
    assert kept.at == warsaw(2026, 3, 6, 12, 0)
    # No reminder for the old time; one the day before the new one.
    assert case.fire_due(warsaw(2026, 3, 4, 10, 0)) == []
    [reminder] = case.fire_due(warsaw(2026, 3, 5, 12, 0))
    assert isinstance(reminder, AppointmentReminder)


def test_a_visit_already_overdue_stays_overdue_when_a_visit_is_booked():
    case = open_case()
    late_now = utc(2026, 3, 11, 9, 0)
    case.fire_due(late_now)  # the visit reminder rang
    book(case, warsaw(2026, 3, 13, 10, 0), now=late_now)
    assert visit_due_on(case, late_now) == date(2026, 3, 9)


def test_a_pause_does_not_move_a_booked_time_and_closing_drops_bookings():
    case = open_case()
    at = warsaw(2026, 3, 20, 10, 0)
    case.apply(Pause(command_id="p", actor="coord-1", reason="hospital"), OPENED)
    with pytest.raises(IllegalMove):  # paused: no booking
        book(case, at)
    case.apply(Resume(command_id="r", actor="coord-1"), OPENED + timedelta(days=1))
    book(case, warsaw(2026, 3, 5, 10, 0), now=OPENED + timedelta(days=1))
    case.apply(Pause(command_id="p2", actor="coord-1", reason="hospital"), OPENED + timedelta(days=2))
    case.apply(Resume(command_id="r2", actor="coord-1"), OPENED + timedelta(days=5))
    assert case.state.watches["appointment:a-1"].due_at == warsaw(2026, 3, 6, 0, 0)
    case.apply(Close(command_id="c", actor="coord-1", outcome="dropped_out"), OPENED + timedelta(days=6))
    assert case.state.appointments == {} and case.view(OPENED).appointments == []
