"""The inbox (issue 15, item 1): reminders reach the person they are for, and escalations
the unit's supervisors; read state is each person's own; another person's item is absent."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from apistack import PASSWORD, Stack, new_unit

from pathway.i18n import Words

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _overdue_case(stack: Stack, unit: str, days: int = 40) -> dict[str, Any]:
    """A case brought over ``days`` late. At 40 days its diagnosis deadline and its weekly
    visit are far past: the timers go straight to the supervisors' escalation. At 9 days the
    visit is two days late: the coordinator is reminded, nobody escalated yet."""
    return await stack.open_case(
        unit=unit,
        opened_at=(datetime.now(UTC) - timedelta(days=days)).isoformat(),
        key=uuid.uuid4().hex,
        client={"name": "Genowefa Tajemnicza", "address": "ul. Ukryta 13/7"},
    )


async def _inbox(stack: Stack, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = await stack.http.get("/api/v1/inbox", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_coordinators_reminders_reach_her_inbox_and_are_read_once(stack: Stack) -> None:
    unit = new_unit()
    case = await _overdue_case(stack, unit, days=9)
    me = stack.headers(unit)

    async def reminded() -> Any:
        page = await _inbox(stack, me)
        return page if any(i["watch"] == "visit" for i in page["items"]) else None

    page = await stack.eventually(reminded, timeout=20, what="reminders in the inbox")
    assert page["unread"] == page["count"] == len(page["items"])
    view = await stack.get_case(case["id"], unit=unit)
    due = {o["watch"]: o["due_on"] for o in view["overdue"]}
    for item in page["items"]:
        assert item["case_id"] == case["id"] and item["read"] is False
        assert item["kind"] == "reminder"
        # One truth: the due date the inbox shows is the one the case shows.
        if item["watch"] in due:
            assert item["due_on"] == due[item["watch"]]
            assert item["days_overdue"] >= 1

    first = page["items"][0]["id"]
    r = await stack.http.post(f"/api/v1/inbox/{first}/read", headers=me)
    assert r.status_code == 200 and r.json() == {"read": 1}
    r = await stack.http.post(f"/api/v1/inbox/{first}/read", headers=me)
    assert r.json() == {"read": 0}  # again: nothing new
    after = await _inbox(stack, me)
    assert after["unread"] == page["unread"] - 1
    assert [i["id"] for i in (await _inbox(stack, me, unread="true"))["items"]] == [
        i["id"] for i in after["items"] if not i["read"]
    ]
    r = await stack.http.post("/api/v1/inbox/read", headers=me)
    assert r.status_code == 200 and r.json()["read"] == after["unread"]
    assert (await _inbox(stack, me))["unread"] == 0


async def test_escalations_reach_the_units_supervisors_and_nobody_reads_anothers_item(stack: Stack) -> None:
    unit = new_unit()
    await _overdue_case(stack, unit)
    boss = stack.supervisor(unit)

    async def escalated() -> Any:
        page = await _inbox(stack, boss)
        return page if any(i["kind"] == "escalation" for i in page["items"]) else None

    page = await stack.eventually(escalated, timeout=30, what="an escalation in the supervisor's inbox")
    escalation = next(i for i in page["items"] if i["kind"] == "escalation")

    # A coordinator, and a supervisor of another unit, find no such item.
    for other in (stack.headers(unit), stack.supervisor(new_unit())):
        r = await stack.http.post(f"/api/v1/inbox/{escalation['id']}/read", headers=other)
        assert r.status_code == 404 and r.json()["detail"]["code"] == "not_found"
        assert escalation["id"] not in {i["id"] for i in (await _inbox(stack, other))["items"]}
    # A second supervisor of the unit reads it on her own.
    second = stack.headers(unit, "supervisor-two", roles=("supervisor",))
    assert (await stack.http.post(f"/api/v1/inbox/{escalation['id']}/read", headers=boss)).json() == {"read": 1}
    theirs = {i["id"]: i for i in (await _inbox(stack, second))["items"]}
    assert theirs[escalation["id"]]["read"] is False


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"channel": "inbox_and_email"}, "email_required"),
        ({"channel": "inbox_and_email", "email": "not-an-address"}, "invalid_request"),
        ({"channel": "sms", "email": "a@b.pl"}, "invalid_request"),
        ({"channel": 1}, "invalid_request"),
        ({"channel": "inbox", "extra": True}, "invalid_request"),
    ],
)
async def test_a_notice_choice_that_cannot_work_is_refused(stack: Stack, body: dict[str, Any], code: str) -> None:
    unit = new_unit()
    r = await stack.http.put("/api/v1/me/notifications", json=body, headers=stack.headers(unit))
    assert r.status_code == 422 and r.json()["detail"]["code"] == code, r.text
    r = await stack.http.get("/api/v1/me/notifications", headers=stack.headers(unit))
    assert r.json() == {"channel": "inbox", "email": None}  # nothing was kept


async def test_a_person_chooses_email_and_sees_the_choice(stack: Stack) -> None:
    unit = new_unit()
    me = stack.headers(unit)
    choice = {"channel": "inbox_and_email", "email": "ewa@osrodek.example"}
    r = await stack.http.put("/api/v1/me/notifications", json=choice, headers=me)
    assert r.status_code == 200 and r.json() == choice
    assert (await stack.http.get("/api/v1/me/notifications", headers=me)).json() == choice


async def test_the_inbox_page_links_each_item_to_its_case_and_the_header_counts_unread(stack: Stack) -> None:
    unit = new_unit()
    case = await _overdue_case(stack, unit, days=9)
    me = stack.headers(unit)

    async def some() -> Any:
        return (await _inbox(stack, me))["unread"]

    unread = await stack.eventually(some, timeout=20, what="unread items")
    login = stack.login_of(unit)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test") as web:
        form = await web.get("/login")
        csrf = CSRF.search(form.text)
        assert csrf is not None
        r = await web.post("/login", data={"csrf": csrf.group(1), "username": login, "password": PASSWORD, "next": "/"})
        assert r.status_code == 303, r.text
        page = await web.get("/inbox")
    assert page.status_code == 200
    html = page.text
    pl = Words("pl")
    assert f'href="/cases/{case["id"]}"' in html
    assert pl._("Inbox") in html and pl.code("inbox_kind", "reminder") in html
    counted = re.search(r'id="nav-inbox">[^<]*<span class="count"[^>]*>(\d+)</span>', html)
    assert counted is not None and int(counted.group(1)) >= unread
    # The client's data is never in the inbox.
    assert "Genowefa" not in html and "Ukryta" not in html
