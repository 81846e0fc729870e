"""Booked visits on the time-skipping server: the reminder the day before, a logged visit
fulfilling the booking, a missed one reminding the coordinator, the store keeping them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from harness import Refused, running_worker
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType

from pathway.store.models import Appointment

WARSAW = ZoneInfo("Europe/Warsaw")


def at_local(moment: datetime, days: int, hour: int) -> datetime:
    """``days`` after ``moment``'s Warsaw day, at ``hour``:00 Warsaw time (in UTC)."""
    day = moment.astimezone(WARSAW).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=WARSAW).astimezone(UTC)


def stored(case) -> dict[str, tuple[str, datetime, str]]:
    with Session(case.engine) as session:
        rows = session.exec(select(Appointment).where(Appointment.case_id == case.case_id)).all()
        return {r.id: (r.status, r.at, r.kind) for r in rows}


async def test_a_booked_visit_reminds_the_day_before_and_a_logged_visit_fulfils_it(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        now = await case.now()
        booked_at = at_local(now, 3, 10)
        result = await case.book(booked_at, kind="office")
        assert [(a.appointment_id, a.at, a.kind) for a in result.case.appointments] == [("a-1", booked_at, "office")]

        await case.sleep(booked_at - timedelta(days=1) - await case.now() - timedelta(minutes=5))
        assert [r for r in case.reminders() if r.kind == "appointment_reminder"] == []
        await case.sleep(timedelta(minutes=10))
        [reminder] = [r for r in case.reminders() if r.kind == "appointment_reminder"]
        assert (reminder.watch, reminder.due_at, reminder.at) == (
            "appointment:a-1",
            booked_at,
            booked_at - timedelta(days=1),
        )
        assert reminder.recipient == "coord-1"

        await case.sleep(booked_at + timedelta(hours=1) - await case.now())
        visited = await case.visit(minutes=90, at=booked_at)
        assert visited.case.appointments == []
        await case.sleep(timedelta(days=2))  # past the booked day: nothing missed
        assert [r.kind for r in case.reminders() if r.kind.startswith("appointment")] == ["appointment_reminder"]
        await case.settled_history()
        assert stored(case) == {"a-1": ("fulfilled", booked_at, "office")}


async def test_a_missed_visit_reminds_the_coordinator_and_a_cancelled_one_is_gone(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        now = await case.now()
        missed_at = at_local(now, 2, 9)
        await case.book(missed_at, appointment_id="a-missed")
        await case.book(at_local(now, 4, 12), appointment_id="a-cancelled")
        moved = at_local(now, 5, 15)
        rebooked = await case.book(moved, appointment_id="a-cancelled", rebook=True)  # a rebooking moves it
        assert [a.at for a in rebooked.case.appointments if a.appointment_id == "a-cancelled"] == [moved]
        await case.cancel("a-cancelled")

        day_end = at_local(missed_at, 1, 0)
        await case.sleep(day_end - await case.now() + timedelta(minutes=1))
        missed = [r for r in case.reminders() if r.kind == "appointment_missed"]
        assert [(r.watch, r.at, r.recipient) for r in missed] == [("appointment:a-missed", day_end, "coord-1")]
        assert (await case.state()).appointments == []
        await case.settled_history()
        assert {k: v[0] for k, v in stored(case).items()} == {"a-missed": "missed", "a-cancelled": "cancelled"}


async def test_a_booking_in_the_past_or_past_the_grace_is_refused_and_leaves_no_trace(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        before = await case.settled_history()
        now = await case.now()
        for at in (now - timedelta(hours=1), at_local(now, 40, 10)):
            try:
                await case.book(at)
            except Refused as refused:
                assert refused.code == "invalid_command" and refused.details["field"] == "at"
            else:
                raise AssertionError(f"a booking at {at} was accepted")
        after = await case.settled_history()
        # Only the (empty) workflow tasks that ran the validators, as for a refused move.
        added = {EventType.Name(e.event_type) for e in after[len(before) :]}
        assert added <= {
            "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
            "EVENT_TYPE_WORKFLOW_TASK_STARTED",
            "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
        }, added
