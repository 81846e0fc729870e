"""A missed plan review through the real stack (issue 14, section 2): the family assistant's
plan agreed more than six months (its review interval) and the grace ago is late; the case
view shows it overdue, and the stalled audit lists it under a rule of its own,
``review_overdue``, with the same days overdue in JSON, CSV and the supervisor's dashboard."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from apistack import PASSWORD, Stack, new_unit

from pathway.i18n import Words
from pathway.security import accounts

pytestmark = pytest.mark.integration

API = "/api/v1"
TZ = "Europe/Warsaw"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def _dashboard(stack: Stack, unit: str) -> str:
    login = f"web-supervisor.{unit}"
    accounts.create_user(
        stack.engine, user_id=login, display_name="Kierowniczka", unit_id=unit, roles=["supervisor"], password=PASSWORD
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test") as web:
        csrf = CSRF.search((await web.get("/login")).text)
        assert csrf is not None
        r = await web.post(
            "/login", data={"csrf": csrf.group(1), "username": login, "password": PASSWORD, "next": "/cases"}
        )
        assert r.status_code == 303, r.text
        page = await web.get("/dashboard")
    assert page.status_code == 200
    return page.text


async def test_a_missed_review_reaches_the_audit_with_the_case_view_s_days(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit, definition="asystent-rodziny", key=uuid.uuid4().hex)
    cid = case["id"]
    today = datetime.now(ZoneInfo(TZ)).date()
    agreed = today - timedelta(days=215)  # 6 months and about a month ago
    body = {
        "agreed_on": agreed.isoformat(),
        "goals": [
            {
                "title": "Uporządkować sprawy szkolne dzieci",
                "actions": [
                    {
                        "title": "Spotkanie z pedagogiem",
                        "owner": {"kind": "coordinator"},
                        "due_on": (today + timedelta(days=30)).isoformat(),
                    }
                ],
            }
        ],
    }
    r = await stack.http.put(f"{API}/cases/{cid}/plan", json=body, headers=stack.headers(unit, key=uuid.uuid4().hex))
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["review_due_on"] and date.fromisoformat(plan["review_due_on"]) < today
    days = plan["review_days_overdue"]
    assert days and days >= 20

    boss = stack.supervisor(unit)

    async def reminded() -> Any:
        view = await stack.get_case(cid, unit=unit)
        return {o["watch"]: o for o in view["overdue"]}.get("plan_review")

    shown = await stack.eventually(reminded, timeout=30, what="the review overdue on the case view")
    assert shown["days_overdue"] == days and shown["due_on"] == plan["review_due_on"]

    r = await stack.http.get(f"{API}/audit/stalled", params={"rule": "review_overdue"}, headers=boss)
    assert r.status_code == 200, r.text
    [row] = [i for i in r.json()["items"] if i["case_id"] == cid]
    assert row["rule"] == "review_overdue" and row["days_overdue"] == days
    assert datetime.fromisoformat(row["since"]) == datetime.fromisoformat(shown["due_at"])

    r = await stack.http.get(f"{API}/audit/stalled", params={"format": "csv"}, headers=boss)
    assert r.status_code == 200, r.text
    rows = [x for x in csv.DictReader(io.StringIO(r.text)) if x["case_id"] == cid and x["rule"] == "review_overdue"]
    assert [x["days_overdue"] for x in rows] == [str(days)]

    dashboard = await _dashboard(stack, unit)
    found = re.search(rf'data-case="{cid}" data-rule="review_overdue">(.*?)</tr>', dashboard, re.S)
    assert found is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    assert str(days) in cells
    assert Words("pl").code("rule", "review_overdue") in found.group(1)
