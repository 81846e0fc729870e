"""E-mail to staff who chose to be told by e-mail too: an escalation reaches the unit's
supervisors at once.

What an e-mail says: the case reference (its id), what is due and by when, and where to open
it. Never the client's name, address or reason for support — staff mailboxes are not the
case file. One e-mail per (reminder, person): the right to send is claimed in the store before
sending and given back if the SMTP server does not take it, so a retried activity neither
doubles nor loses an e-mail."""

from __future__ import annotations

import asyncio
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate

import structlog
from sqlalchemy import Engine

from activities.channels.smtp import SmtpChannel, SmtpSettings, message_id
from activities.messages import RemindInput
from pathway.core.overdue import due_on
from pathway.store import inbox

log = structlog.get_logger()

# What a reminder is about, as staff read it (Polish / English).
_WATCHES = {
    "visit": ("wizyta u klienta", "a visit to the client"),
    "stage_deadline": ("termin etapu", "the stage's deadline"),
    "referral": ("odpowiedź partnera na skierowanie", "a partner's answer to a referral"),
    "certificate": ("ważność orzeczenia", "the certificate's validity"),
    "action": ("działanie planu pomocy", "an action of the plan"),
    "plan_review": ("przegląd planu pomocy", "the plan's review"),
    "appointment": ("umówiona wizyta", "a booked visit"),
}


def watch_words(watch: str | None) -> tuple[str, str]:
    """What a reminder is about, in Polish and English."""
    return _WATCHES.get((watch or "").partition(":")[0], ("termin w sprawie", "a deadline of the case"))


def escalation_email(data: RemindInput, *, to: str, from_address: str, tz: str, public_url: str) -> EmailMessage:
    what_pl, what_en = watch_words(data.watch)
    last_day: date | None = due_on(data.due_at, tz) if data.due_at else None
    link = f"{public_url.rstrip('/')}/cases/{data.case_id}"
    when_pl = f" (termin minął: {last_day.strftime('%d.%m.%Y')} był ostatnim dniem)" if last_day else ""
    when_en = f" (due: {last_day.isoformat()} was the last day on time)" if last_day else ""
    body = "\n".join(
        [
            "Dzień dobry,",
            "",
            f"sprawa {data.case_id} wymaga uwagi kierownika: {what_pl}{when_pl}.",
            f"Etap: {data.stage}. Koordynator: {data.coordinator_id}.",
            f"Sprawa: {link}",
            "",
            "---- English ----",
            "",
            f"Case {data.case_id} needs a supervisor: {what_en}{when_en}.",
            f"Stage: {data.stage}. Coordinator: {data.coordinator_id}.",
            f"Case: {link}",
            "",
            "Wiadomość wysłana automatycznie. / Sent automatically.",
        ]
    )
    key = f"escalation:{data.case_id}:{data.seq}:{to}"
    mail = EmailMessage()
    mail["From"] = from_address
    mail["To"] = to
    mail["Subject"] = f"Eskalacja: sprawa {data.case_id} / Escalation: case {data.case_id}"
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(key, from_address)
    mail["X-Pathway-Key"] = key
    mail["Content-Language"] = "pl, en"
    mail.set_content(body + "\n", charset="utf-8")
    return mail


class StaffMailer:
    def __init__(self, engine: Engine, smtp: SmtpSettings, *, tz: str, public_url: str) -> None:
        self.engine, self.smtp, self.tz, self.public_url = engine, SmtpChannel(smtp), tz, public_url

    def _addressees(self, data: RemindInput) -> tuple[int | None, list[tuple[str, str]]]:
        with self.engine.connect() as conn:
            reminder_id = inbox.reminder_id_of(conn, case_id=data.case_id, seq=data.seq)
            people = inbox.supervisors_in(conn, unit_id=data.unit_id)
            return reminder_id, inbox.mail_recipients(conn, user_ids=people)

    def _claim(self, reminder_id: int, user_id: str) -> bool:
        with self.engine.begin() as conn:
            return inbox.claim_mail(conn, reminder_id=reminder_id, user_id=user_id)

    def _release(self, reminder_id: int, user_id: str) -> None:
        with self.engine.begin() as conn:
            inbox.release_mail(conn, reminder_id=reminder_id, user_id=user_id)

    async def escalation(self, data: RemindInput) -> int:
        """E-mail the escalation to each of the unit's supervisors who chose e-mail; how many
        e-mails were sent now (a retry sends only what was not sent before)."""
        reminder_id, people = await asyncio.to_thread(self._addressees, data)
        if reminder_id is None:
            return 0
        sent = 0
        for user_id, address in people:
            if not await asyncio.to_thread(self._claim, reminder_id, user_id):
                continue
            mail = escalation_email(
                data, to=address, from_address=self.smtp.settings.from_address, tz=self.tz, public_url=self.public_url
            )
            try:
                await asyncio.to_thread(self.smtp.send, mail)
            except Exception:
                await asyncio.to_thread(self._release, reminder_id, user_id)
                raise
            sent += 1
            log.info("escalation_mailed", case_id=data.case_id, seq=data.seq, user_id=user_id)
        return sent
