"""Escalations e-mailed to supervisors who chose e-mail (issue 15, item 1): once per
(reminder, person) even when the activity runs again, naming the case and what is due, never
the client; and nothing for those who chose the inbox only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from receivers import MailReceiver
from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.channels.smtp import SmtpSettings
from activities.messages import RemindInput
from activities.reminders import ReminderActivities
from activities.staff_mail import StaffMailer
from pathway.security import accounts
from pathway.store import inbox

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def mailbox() -> Iterator[MailReceiver]:
    box = MailReceiver().start()
    yield box
    box.stop()


def _people(engine: Engine, unit: str) -> None:
    for user_id, roles in (
        (f"kier-mail.{unit}", ["supervisor"]),
        (f"kier-inbox.{unit}", ["supervisor"]),
        (f"koord.{unit}", ["coordinator"]),
    ):
        accounts.create_user(
            engine, user_id=user_id, display_name=user_id, unit_id=unit, roles=roles, password=PASSWORD
        )
    with engine.begin() as conn:
        inbox.set_notice(conn, user_id=f"kier-mail.{unit}", channel="inbox_and_email", email="kier@osrodek.example")
        inbox.set_notice(conn, user_id=f"koord.{unit}", channel="inbox_and_email", email="koord@osrodek.example")


def _escalation(unit: str, seq: int = 9) -> RemindInput:
    return RemindInput(
        case_id="case-abc123",
        unit_id=unit,
        coordinator_id=f"koord.{unit}",
        seq=seq,
        stage="diagnosis",
        kind="escalation",
        watch="visit",
        n=3,
        due_at=datetime(2026, 3, 9, 23, 0, tzinfo=UTC),  # local midnight: 9 March was the last day
        at=T0 + timedelta(days=12),
    )


def _activities(engine: Engine, box: MailReceiver) -> ReminderActivities:
    smtp = SmtpSettings(host="127.0.0.1", port=box.port, from_address="sciezki@osrodek.example")
    mailer = StaffMailer(engine, smtp, tz="Europe/Warsaw", public_url="https://sciezki.osrodek.example")
    return ReminderActivities(engine, mailer=mailer)


async def test_an_escalation_is_mailed_once_to_the_supervisor_who_chose_email(
    store_engine: Engine, mailbox: MailReceiver
) -> None:
    unit = "u-mail-1"
    _people(store_engine, unit)
    rem = _activities(store_engine, mailbox)
    env = ActivityEnvironment()
    await env.run(rem.remind, _escalation(unit))
    await env.run(rem.remind, _escalation(unit))  # a retry of the same activity

    assert [m.recipients for m in mailbox.mails] == [["kier@osrodek.example"]]
    [mail] = mailbox.mails
    text = mail.text
    assert "case-abc123" in str(mail.message["Subject"]) and "case-abc123" in text
    assert "09.03.2026" in text  # the last day on time, as people read it
    assert "wizyta" in text and "https://sciezki.osrodek.example/cases/case-abc123" in text
    # The coordinator chose e-mail too, but an escalation is the supervisors'.
    assert not mailbox.to("koord@osrodek.example")


async def test_a_reminder_to_a_coordinator_is_not_mailed_at_once(store_engine: Engine, mailbox: MailReceiver) -> None:
    unit = "u-mail-2"
    _people(store_engine, unit)
    reminder = _escalation(unit).model_copy(update={"kind": "reminder", "n": 1})
    await ActivityEnvironment().run(_activities(store_engine, mailbox).remind, reminder)
    assert mailbox.mails == []


async def test_an_email_refused_for_now_is_sent_on_the_retry(store_engine: Engine, mailbox: MailReceiver) -> None:
    unit = "u-mail-3"
    _people(store_engine, unit)
    mailbox.refuse["kier@osrodek.example"] = "451 4.3.0 try again later"
    rem = _activities(store_engine, mailbox)
    with pytest.raises(Exception, match="SMTP 451"):
        await ActivityEnvironment().run(rem.remind, _escalation(unit))
    assert mailbox.mails == []
    mailbox.refuse.clear()
    await ActivityEnvironment().run(rem.remind, _escalation(unit))
    assert len(mailbox.to("kier@osrodek.example")) == 1
