"""My week and its calendar feed (issue 15, item 2): the week's due items per day with the
late ones first; a feed at a secret URL that a new URL or a revocation turns off, whose
events carry the case reference, stage and what is due — never the client."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from apistack import PASSWORD, Stack, new_unit
from icalendar import Calendar

from pathway.i18n import Words

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SECRET = {"name": "Bronisława Sekretna", "address": "ul. Zakryta 9"}


async def _late_case(stack: Stack, unit: str) -> str:
    case = await stack.open_case(
        unit=unit, opened_at=(datetime.now(UTC) - timedelta(days=9)).isoformat(), key=uuid.uuid4().hex, client=SECRET
    )

    async def projected() -> Any:
        r = await stack.http.get(f"/api/v1/cases/{case['id']}", headers=stack.headers(unit))
        return r.json().get("next_visit_due_at")

    await stack.eventually(projected, what="the visit due date projected")
    return str(case["id"])


async def _feed(stack: Stack, url: str) -> httpx.Response:
    return await stack.http.get(urlsplit(url).path)


async def test_the_feed_lists_the_cases_deadlines_without_the_client_and_can_be_turned_off(stack: Stack) -> None:
    unit = new_unit()
    case_id = await _late_case(stack, unit)
    me = stack.headers(unit)
    r = await stack.http.post("/api/v1/me/calendar", headers=me)
    assert r.status_code == 201, r.text
    url = r.json()["url"]
    assert re.search(r"/api/v1/calendar/[A-Za-z0-9_-]{40,}\.ics$", url)

    got = await _feed(stack, url)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/calendar")
    feed = Calendar.from_ical(got.content)
    events = [e for e in feed.walk("VEVENT") if case_id in str(e.get("summary"))]
    assert events, got.text
    [visit] = [e for e in events if str(e.get("summary")).startswith("Wizyta")]
    view = await stack.get_case(case_id, unit=unit)
    due_on = next(o["due_on"] for o in view["overdue"] if o["watch"] == "visit")
    assert visit.decoded("dtstart").isoformat() == due_on  # the last day on time
    assert "Diagnoza" in str(visit.get("description")) or "diagnos" in str(visit.get("description")).lower()
    assert "Bronisława" not in got.text and "Zakryta" not in got.text

    # A new URL: the old one stops working. Revoked: the new one too.
    r = await stack.http.post("/api/v1/me/calendar", headers=me)
    second = r.json()["url"]
    assert (await _feed(stack, url)).status_code == 404
    assert (await _feed(stack, second)).status_code == 200
    assert (await stack.http.delete("/api/v1/me/calendar", headers=me)).status_code == 204
    assert (await _feed(stack, second)).status_code == 404
    again = await stack.http.delete("/api/v1/me/calendar", headers=me)
    assert again.status_code == 404 and again.json()["detail"]["code"] == "not_found"


@pytest.mark.parametrize("token", ["short", "x" * 101, "has.dots.in.it.aaaaaaaaaaaaaaaa"])
async def test_a_malformed_feed_token_is_refused_clearly(stack: Stack, token: str) -> None:
    r = await stack.http.get(f"/api/v1/calendar/{token}.ics")
    assert r.status_code in (404, 422) and "detail" in r.json(), r.text


async def test_my_week_shows_the_late_visit_first_linking_to_its_case(stack: Stack) -> None:
    unit = new_unit()
    case_id = await _late_case(stack, unit)
    login = stack.login_of(unit)
    stack.user(unit)  # the account exists
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test") as web:
        form = await web.get("/login")
        csrf = CSRF.search(form.text)
        assert csrf is not None
        r = await web.post("/login", data={"csrf": csrf.group(1), "username": login, "password": PASSWORD, "next": "/"})
        assert r.status_code == 303, r.text
        page = await web.get("/week")
        made = await web.post("/week/calendar", data={"csrf": CSRF.search(page.text).group(1)})  # type: ignore[union-attr]
    assert page.status_code == 200
    html = page.text
    pl = Words("pl")
    overdue = re.search(r'<section[^>]*id="week-overdue">(.*?)</section>', html, re.S)
    assert overdue is not None and f'href="/cases/{case_id}"' in overdue.group(1)
    assert pl.code("week_what", "visit") in overdue.group(1)
    assert len(re.findall(r'data-day="\d{4}-\d\d-\d\d"', html)) == 7
    assert "Bronisława" not in html
    assert made.status_code == 200 and "/api/v1/calendar/" in made.text
