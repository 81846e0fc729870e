"""The projection of booked visits (SQLite and PostgreSQL): booked, moved, fulfilled, missed
and cancelled rows; a batch retried out of order never rolls a booking back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment
from test_activities import T0, batch, opened

from activities.projection import ProjectionActivities
from pathway.core.events import AppointmentBooked, AppointmentCancelled, AppointmentFulfilled, AppointmentMissed
from pathway.store.models import Appointment

AT = T0 + timedelta(days=3)


def booked(seq: int, appointment_id: str, at=AT, rebooked: bool = False) -> AppointmentBooked:  # type: ignore[no-untyped-def]
    return AppointmentBooked(
        seq=seq,
        at=T0,
        actor="coord-a",
        stage="diagnosis",
        appointment_id=appointment_id,
        appointment_at=at,
        visit_kind="home",
        rebooked=rebooked,
        coordinator_id="coord-a",
    )


def rows(engine: Engine) -> dict[str, tuple[str, object, int | None]]:
    with Session(engine) as s:
        return {a.id: (a.status, a.at, a.visit_seq) for a in s.exec(select(Appointment)).all()}


async def test_each_booking_ends_as_its_last_event_says_even_when_batches_come_back_late(
    store_engine: Engine,
) -> None:
    env, proj = ActivityEnvironment(), ProjectionActivities(store_engine)
    later = AT + timedelta(days=1)
    first = [*opened(), booked(3, "a-1"), booked(4, "a-2"), booked(5, "a-3")]
    second = [
        booked(6, "a-1", at=later, rebooked=True),
        AppointmentFulfilled(seq=8, at=T0, actor="coord-a", stage="diagnosis", appointment_id="a-1", visit_seq=7),
        AppointmentMissed(
            seq=9, at=T0, actor="system", stage="diagnosis", appointment_id="a-2", appointment_at=AT, coordinator_id="c"
        ),
        AppointmentCancelled(seq=10, at=T0, actor="coord-a", stage="diagnosis", appointment_id="a-3"),
    ]
    await env.run(proj.project_events, batch("k1", first))
    await env.run(proj.project_events, batch("k1", second))
    expected = {"a-1": ("fulfilled", later, 7), "a-2": ("missed", AT, None), "a-3": ("cancelled", AT, None)}
    assert rows(store_engine) == expected
    await env.run(proj.project_events, batch("k1", first))  # the first batch retried, late
    assert rows(store_engine) == expected


def test_the_morning_digest_names_a_booked_visit_with_its_time_and_kind_only() -> None:
    from datetime import date, datetime

    from activities.digest import digest_email
    from pathway.readmodels.agenda import AgendaItem

    at = datetime(2026, 12, 10, 9, 30, tzinfo=T0.tzinfo)  # 10:30 in Warsaw
    item = AgendaItem(
        case_id="c" * 32,
        coordinator_id="coord-a",
        definition_id="model-wsparcia",
        stage="diagnosis",
        what="appointment",
        due_at=at,
        due_on=date(2026, 12, 10),
        days_overdue=None,
        appointment_id="a-1",
        visit_kind="office",
    )
    mail = digest_email(
        [item], day=date(2026, 12, 10), to="e@x.invalid", user_id="coord-a", from_address="p@x.invalid", public_url="/"
    )
    body = mail.get_content()
    assert f"sprawa {'c' * 32}: umówiona wizyta (office), 10.12.2026 o 10:30" in body
    assert f"case {'c' * 32}: a booked visit (office), 2026-12-10 at 10:30" in body
