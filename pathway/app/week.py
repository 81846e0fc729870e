"""A person's week: what falls due each day of it (stage deadlines, visits and booked visits of
their active cases), the late items first; and the calendar feed of the same, which a phone
subscribes to at a secret, revocable URL.

The feed is synced to phones and third-party calendars: its events carry the case reference,
the stage and what is due (a booked visit: its kind) — never the client's name, address or
reason for support. A booked visit is an event at its time whose UID is the appointment's, so
a rebooking moves the event a calendar already shows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from icalendar import Calendar, Event
from pydantic import BaseModel

from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.services import Services
from pathway.core import calendar as cal
from pathway.i18n import Words
from pathway.readmodels.agenda import AgendaItem, agenda
from pathway.store import calendar_feeds
from pathway.store.models import utcnow

FEED_DAYS_BACK, FEED_DAYS_AHEAD = 14, 56
WHAT = {
    "visit": ("Wizyta", "Visit"),
    "stage_deadline": ("Termin etapu", "Stage deadline"),
    "appointment": ("Umówiona wizyta", "Booked visit"),
}
# How long a booked visit's event lasts in a calendar (the seeds: visits of 1-2 hours).
APPOINTMENT_LENGTH = timedelta(hours=1, minutes=30)


@dataclass(frozen=True)
class Week:
    start: date  # a Monday
    today: date
    overdue: list[AgendaItem]  # due before today
    days: list[tuple[date, list[AgendaItem]]]  # Monday..Sunday, each day's items


class FeedOut(BaseModel):
    url: str  # shown once: the store keeps only its hash


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week(ctx: Context, start: date | None = None) -> Week:
    tz = ctx.services.settings.tz
    now = utcnow()
    today = cal.local_date(now, tz)
    monday = monday_of(start or today)
    last = monday + timedelta(days=6)
    items = agenda(ctx.session.connection(), coordinator_ids=[ctx.actor.id], last_day=last, now=now, tz=tz)
    overdue = [i for i in items if i.due_on < today]
    days = [
        (day, [i for i in items if i.due_on == day and i not in overdue])
        for day in (monday + timedelta(days=n) for n in range(7))
    ]
    return Week(start=monday, today=today, overdue=overdue, days=days)


async def new_feed(ctx: Context) -> FeedOut:
    """A new secret URL for the person's feed; the old one stops working."""
    token = secrets.token_urlsafe(32)
    calendar_feeds.replace_feed(ctx.session.connection(), user_id=ctx.actor.id, token=token)
    ctx.session.commit()
    await ctx.record("calendar.feed_created")
    return FeedOut(url=f"{ctx.services.settings.public_url.rstrip('/')}/api/v1/calendar/{token}.ics")


async def revoke_feed(ctx: Context) -> None:
    gone = calendar_feeds.revoke_feed(ctx.session.connection(), user_id=ctx.actor.id)
    ctx.session.commit()
    if not gone:
        raise AppError(404, "not_found", "there is no calendar feed to revoke")
    await ctx.record("calendar.feed_revoked")


def has_feed(ctx: Context) -> bool:
    return calendar_feeds.has_feed(ctx.session.connection(), user_id=ctx.actor.id)


def _stage_title(services: Services, definition_id: str, stage: str) -> str:
    entry = services.catalog.get(definition_id)
    found = entry.definition.stages.get(stage) if entry else None
    return found.title.pl if found else stage


def feed_ics(services: Services, token: str) -> bytes:
    """The feed at ``token``: an all-day event on the last day on time of each item due from
    two weeks back to eight weeks ahead. An unknown or revoked token is not found."""
    tz = services.settings.tz
    with services.engine.connect() as conn:
        owner = calendar_feeds.owner_of(conn, token=token)
        if owner is None:
            raise AppError(404, "not_found", "no such calendar")
        now = utcnow()
        today = cal.local_date(now, tz)
        items = agenda(conn, coordinator_ids=[owner], last_day=today + timedelta(days=FEED_DAYS_AHEAD), now=now, tz=tz)
    feed = Calendar()
    feed.add("prodid", "-//pathway//sciezki wsparcia//PL")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", "Ścieżki wsparcia")
    for item in items:
        if item.due_on < today - timedelta(days=FEED_DAYS_BACK):
            continue
        event = _booked_event(services, item) if item.what == "appointment" else _due_event(services, item)
        event.add("dtstamp", now)
        event.add("url", f"{services.settings.public_url.rstrip('/')}/cases/{item.case_id}")
        feed.add_component(event)
    ics: bytes = feed.to_ical()
    return ics


def _due_event(services: Services, item: AgendaItem) -> Event:
    """An all-day event on the last day on time of a deadline or a due visit."""
    pl, en = WHAT[item.what]
    stage = _stage_title(services, item.definition_id, item.stage)
    event = Event()
    event.add("uid", f"{item.case_id}-{item.what}-{item.due_on.isoformat()}@pathway")
    event.add("dtstart", item.due_on)
    event.add("dtend", item.due_on + timedelta(days=1))
    event.add("summary", f"{pl}: sprawa {item.case_id}")
    event.add("description", f"{pl} / {en}. Etap / stage: {stage}. Ostatni dzień w terminie / last day on time.")
    return event


def _booked_event(services: Services, item: AgendaItem) -> Event:
    """A booked visit at its time: the case, the stage and the kind of visit, nothing else."""
    pl, en = WHAT[item.what]
    stage = _stage_title(services, item.definition_id, item.stage)
    kind_pl, kind_en = (Words(lang).code("visit_kind", item.visit_kind) for lang in ("pl", "en"))
    event = Event()
    event.add("uid", f"appointment-{item.appointment_id}@pathway")  # stable: a rebooking moves it
    event.add("dtstart", item.due_at)
    event.add("dtend", item.due_at + APPOINTMENT_LENGTH)
    event.add("summary", f"{pl} ({kind_pl}): sprawa {item.case_id}")
    event.add("description", f"{pl} / {en}: {kind_pl} / {kind_en}. Etap / stage: {stage}.")
    return event
