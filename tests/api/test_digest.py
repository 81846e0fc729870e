"""The morning digest (issue 15, item 1): a Temporal Schedule at 07:00 in the centre's zone on
working days, running a workflow whose activity e-mails each person who chose e-mail what
falls due and what is overdue — case ids, never the client — once per person and day."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from apistack import Stack, new_unit
from receivers import MailReceiver
from temporalio.client import ScheduleActionStartWorkflow

from activities.channels.smtp import SmtpSettings
from activities.digest import DigestActivities
from activities.messages import SendDigestsInput
from pathway.core import calendar as cal
from pathway.runtime.schedules import DIGEST_SCHEDULE_ID, ensure_digest_schedule
from pathway.runtime.worker import build_worker
from pathway.store import inbox
from workflows.digest import MorningDigestWorkflow

pytestmark = pytest.mark.integration

TZ = "Europe/Warsaw"


@pytest.fixture
def mailbox() -> Iterator[MailReceiver]:
    box = MailReceiver().start()
    yield box
    box.stop()


def _next_working_day(day: date) -> date:
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    return day


async def _coordinator_with_a_late_visit(stack: Stack, unit: str, address: str) -> str:
    case = await stack.open_case(
        unit=unit,
        opened_at=(datetime.now(UTC) - timedelta(days=9)).isoformat(),
        key=uuid.uuid4().hex,
        client={"name": "Aniela Poufna", "address": "ul. Cicha 5"},
    )
    with stack.engine.begin() as conn:
        inbox.set_notice(conn, user_id=stack.login_of(unit), channel="inbox_and_email", email=address)

    async def projected() -> bool:
        r = await stack.http.get(f"/api/v1/cases/{case['id']}", headers=stack.headers(unit))
        return r.json().get("next_visit_due_at") is not None

    await stack.eventually(projected, what="the case's visit due date projected")
    return str(case["id"])


async def test_the_digest_names_the_days_cases_once_and_never_the_client(stack: Stack, mailbox: MailReceiver) -> None:
    unit = new_unit()
    address = f"{unit}@osrodek.example"
    case_id = await _coordinator_with_a_late_visit(stack, unit, address)
    smtp = SmtpSettings(host="127.0.0.1", port=mailbox.port, from_address="sciezki@osrodek.example")
    digests = DigestActivities(stack.engine, smtp, tz=TZ, public_url="https://sciezki.example")
    day = _next_working_day(datetime.now(UTC).date() + timedelta(days=1))

    first = await digests.send_digests(SendDigestsInput(day=day))
    again = await digests.send_digests(SendDigestsInput(day=day))
    [mail] = mailbox.to(address)
    assert first.sent >= 1 and again.sent == 0
    assert day.strftime("%d.%m.%Y") in str(mail.message["Subject"])
    text = mail.text
    assert f"sprawa {case_id}: wizyta u klienta" in text and "po terminie" in text
    assert "Aniela" not in text and "Cicha" not in text

    # A holiday (or a weekend) sends nothing.
    holiday = date(day.year + 1, 1, 1)
    skipped = await digests.send_digests(SendDigestsInput(day=holiday))
    assert (skipped.sent, skipped.skipped_reason) == (0, "not_a_working_day")


async def test_the_schedule_runs_at_seven_on_working_days_and_its_run_sends_the_digest(
    stack: Stack, mailbox: MailReceiver
) -> None:
    unit = new_unit()
    address = f"{unit}@osrodek.example"
    await _coordinator_with_a_late_visit(stack, unit, address)
    queue = f"digest-{uuid.uuid4().hex[:8]}"
    settings = stack.settings.model_copy(
        update={"task_queue": queue, "smtp_host": "127.0.0.1", "smtp_port": mailbox.port, "tz": TZ}
    )
    handle = stack.client.get_schedule_handle(DIGEST_SCHEDULE_ID)
    try:
        await ensure_digest_schedule(stack.client, task_queue=queue, tz=TZ)
        await ensure_digest_schedule(stack.client, task_queue=queue, tz=TZ)  # a second start: the same schedule
        described = await handle.describe()
        spec = described.schedule.spec
        assert spec.time_zone_name == TZ
        [calendar] = spec.calendars
        assert [(r.start, r.end) for r in calendar.hour] == [(7, 7)]
        assert [(r.start, r.end) for r in calendar.minute] == [(0, 0)]
        assert [(r.start, r.end) for r in calendar.day_of_week] == [(1, 5)]
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "MorningDigestWorkflow"
        for moment in described.info.next_action_times[:5]:
            local = moment.astimezone(cal.zone(TZ))
            assert (local.hour, local.minute) == (7, 0) and local.isoweekday() <= 5

        worker = build_worker(stack.client, settings, stack.engine, vault=stack.vault)
        async with worker:
            await handle.trigger()

            async def finished() -> object:
                runs = [
                    r
                    async for r in stack.client.list_workflows(
                        f"WorkflowType = 'MorningDigestWorkflow' AND TaskQueue = '{queue}'"
                    )
                ]
                done = [r for r in runs if r.status is not None and r.status.name == "COMPLETED"]
                return done[0] if done else None

            run = await stack.eventually(finished, timeout=30, what="the digest's run completed")
            result = await stack.client.get_workflow_handle_for(
                MorningDigestWorkflow.run, run.id, run_id=run.run_id
            ).result()
        today = datetime.now(cal.zone(TZ)).date()
        if cal.is_working_day(today):
            assert result.sent >= 1 and len(mailbox.to(address)) == 1
        else:  # run on a weekend or holiday: the run says why nothing went out
            assert result.skipped_reason == "not_a_working_day" and mailbox.to(address) == []
    finally:
        await handle.delete()
