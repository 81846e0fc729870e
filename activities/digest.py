"""The morning digest: each person who chose e-mail gets, on a working day, what falls due
that day and what is overdue — a coordinator for her own cases, a supervisor the unit's
overdue items. Case ids and what is due only, never a client's data.

At most one digest per (person, day): claimed in the store before sending, given back if
the SMTP server does not take it, so a retried or re-run activity never doubles one."""

from __future__ import annotations

import asyncio
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate

import structlog
from sqlalchemy import Engine
from temporalio import activity

from activities.channels.smtp import SmtpChannel, SmtpSettings, message_id
from activities.contracts import Digests
from activities.messages import SendDigestsInput, SendDigestsResult
from activities.staff_mail import watch_words
from pathway.core import calendar as cal
from pathway.readmodels.agenda import AgendaItem, agenda
from pathway.store import inbox
from pathway.store.models import utcnow

log = structlog.get_logger()


def _line(item: AgendaItem, lang: str, tz: str) -> str:
    pl, en = watch_words(item.what)
    day = item.due_on.strftime("%d.%m.%Y") if lang == "pl" else item.due_on.isoformat()
    if item.what == "appointment":  # a booked visit: its day and time, and its kind (a code)
        clock = item.due_at.astimezone(cal.zone(tz)).strftime("%H:%M")
        if lang == "pl":
            return f"- sprawa {item.case_id}: {pl} ({item.visit_kind}), {day} o {clock}"
        return f"- case {item.case_id}: {en} ({item.visit_kind}), {day} at {clock}"
    if lang == "pl":
        late = f", po terminie (dni: {item.days_overdue})" if item.days_overdue else ""
        return f"- sprawa {item.case_id}: {pl}, ostatni dzień w terminie {day}{late}"
    late = f", overdue (days: {item.days_overdue})" if item.days_overdue else ""
    return f"- case {item.case_id}: {en}, last day on time {day}{late}"


def digest_email(
    items: list[AgendaItem],
    *,
    day: date,
    to: str,
    user_id: str,
    from_address: str,
    public_url: str,
    tz: str = "Europe/Warsaw",
) -> EmailMessage:
    shown = day.strftime("%d.%m.%Y")
    late = sum(1 for i in items if i.days_overdue)
    body = (
        ["Dzień dobry,", "", f"plan na {shown}: pozycji {len(items)}, w tym po terminie {late}.", ""]
        + [_line(i, "pl", tz) for i in items]
        + ["", f"Sprawy: {public_url.rstrip('/')}/cases", "", "---- English ----", ""]
        + [f"The plan for {day.isoformat()}: {len(items)} items, {late} overdue.", ""]
        + [_line(i, "en", tz) for i in items]
        + ["", "Wiadomość wysłana automatycznie. / Sent automatically."]
    )
    key = f"digest:{user_id}:{day.isoformat()}"
    mail = EmailMessage()
    mail["From"] = from_address
    mail["To"] = to
    mail["Subject"] = f"Plan dnia {shown} / Today's plan {day.isoformat()}"
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(key, from_address)
    mail["X-Pathway-Key"] = key
    mail["Content-Language"] = "pl, en"
    mail.set_content("\n".join(body) + "\n", charset="utf-8")
    return mail


class DigestActivities(Digests):
    def __init__(self, engine: Engine, smtp: SmtpSettings | None, *, tz: str, public_url: str) -> None:
        self.engine = engine
        self.smtp = SmtpChannel(smtp) if smtp else None
        self.tz, self.public_url = tz, public_url

    def _plans(self, day: date) -> list[tuple[str, str, list[AgendaItem]]]:
        """(person, address, items) of everyone who chose e-mail and has something due."""
        now = utcnow()
        out = []
        with self.engine.connect() as conn:
            for user_id, address, unit_id, roles in inbox.people_told_by_mail(conn):
                items: dict[tuple[str, str, str | None], AgendaItem] = {}
                if "coordinator" in roles:
                    for i in agenda(conn, coordinator_ids=[user_id], last_day=day, now=now, tz=self.tz):
                        items[(i.case_id, i.what, i.appointment_id)] = i
                if "supervisor" in roles:
                    team = inbox.coordinators_in(conn, unit_id=unit_id)
                    for i in agenda(conn, coordinator_ids=team, last_day=day, now=now, tz=self.tz):
                        if i.days_overdue:
                            items.setdefault((i.case_id, i.what, i.appointment_id), i)
                if items:
                    ordered = sorted(items.values(), key=lambda i: (-(i.days_overdue or 0), i.due_at, i.case_id))
                    out.append((user_id, address, ordered))
        return out

    def _claim(self, user_id: str, day: date, n: int) -> bool:
        with self.engine.begin() as conn:
            return inbox.claim_digest(conn, user_id=user_id, day=day, items=n)

    def _release(self, user_id: str, day: date) -> None:
        with self.engine.begin() as conn:
            inbox.release_digest(conn, user_id=user_id, day=day)

    @activity.defn(name="send_digests")
    async def send_digests(self, input: SendDigestsInput) -> SendDigestsResult:
        if self.smtp is None:
            return SendDigestsResult(sent=0, skipped_reason="no_smtp")
        if not cal.is_working_day(input.day):  # the schedule skips weekends; this, holidays
            return SendDigestsResult(sent=0, skipped_reason="not_a_working_day")
        sent = 0
        for user_id, address, items in await asyncio.to_thread(self._plans, input.day):
            if not await asyncio.to_thread(self._claim, user_id, input.day, len(items)):
                continue
            mail = digest_email(
                items,
                day=input.day,
                to=address,
                user_id=user_id,
                from_address=self.smtp.settings.from_address,
                public_url=self.public_url,
                tz=self.tz,
            )
            try:
                await asyncio.to_thread(self.smtp.send, mail)
            except Exception:
                await asyncio.to_thread(self._release, user_id, input.day)
                raise
            sent += 1
            log.info("digest_mailed", user_id=user_id, day=input.day.isoformat(), items=len(items))
        return SendDigestsResult(sent=sent)
