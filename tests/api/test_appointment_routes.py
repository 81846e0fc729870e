"""Booked visits through the API (issue 15, item 2): booked, moved and cancelled with an
Idempotency-Key; shown in the case view, the week page and the calendar feed (a timed event
whose UID stays when the visit is moved, with the case reference, stage and kind only); bad
input refused with a 422 naming the field, a colleague's case not found."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from apistack import PASSWORD, Stack, new_unit
from icalendar import Calendar

pytestmark = pytest.mark.integration

WARSAW = ZoneInfo("Europe/Warsaw")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SECRET = {"name": "Genowefa Utajona", "address": "ul. Schowana 3"}


def local(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(WARSAW).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=WARSAW)


async def _book(stack: Stack, case_id: str, unit: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    return await stack.http.post(
        f"/api/v1/cases/{case_id}/appointments", json=body, headers=stack.headers(unit, key=key or uuid.uuid4().hex)
    )


async def _feed_events(stack: Stack, url: str, case_id: str) -> list[Any]:
    got = await stack.http.get(urlsplit(url).path)
    assert got.status_code == 200, got.text
    assert "Genowefa" not in got.text and "Schowana" not in got.text
    return [e for e in Calendar.from_ical(got.content).walk("VEVENT") if case_id in str(e.get("summary"))]


async def test_a_booked_visit_is_in_the_case_the_week_and_the_feed_and_moves_with_its_uid(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit, client=SECRET, key=uuid.uuid4().hex)
    case_id = case["id"]
    at = local(2, 10, 30)
    key = uuid.uuid4().hex
    r = await _book(stack, case_id, unit, {"at": at.isoformat(), "kind": "office"}, key)
    assert r.status_code == 201, r.text
    booked = r.json()
    assert booked["kind"] == "office" and booked["late"] is False
    assert datetime.fromisoformat(booked["at"]) == at
    appointment_id = booked["appointment_id"]
    assert [a["appointment_id"] for a in booked["case"]["appointments"]] == [appointment_id]
    again = await _book(stack, case_id, unit, {"at": at.isoformat(), "kind": "office"}, key)  # the same key
    assert again.status_code == 201 and again.json()["appointment_id"] == appointment_id
    view = await stack.get_case(case_id, unit=unit)
    assert [a["appointment_id"] for a in view["appointments"]] == [appointment_id]

    async def listed() -> Any:
        r = await stack.http.get(f"/api/v1/cases/{case_id}/appointments", headers=stack.headers(unit))
        return r.json()["items"] if r.json()["count"] else None

    [row] = await stack.eventually(listed, what="the appointment projected")
    assert (row["id"], row["status"], row["kind"]) == (appointment_id, "booked", "office")

    feed = await stack.http.post("/api/v1/me/calendar", headers=stack.headers(unit))
    url = feed.json()["url"]
    [event] = [e for e in await _feed_events(stack, url, case_id) if "appointment" in str(e.get("uid"))]
    assert event.decoded("dtstart") == at
    uid = str(event.get("uid"))
    assert "Diagnoza" in str(event.get("description")) and "w ośrodku" in str(event.get("summary"))

    # The week page lists it at its time.
    login = stack.login_of(unit)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test") as web:
        form = await web.get("/login")
        csrf = CSRF.search(form.text)
        assert csrf is not None
        await web.post("/login", data={"csrf": csrf.group(1), "username": login, "password": PASSWORD, "next": "/"})
        week = await web.get(f"/week?start={at.date().isoformat()}")
    item = re.search(rf'<li[^>]*data-appointment="{appointment_id}"[^>]*>(.*?)</li>', week.text, re.S)
    assert item is not None, week.text
    assert "10:30" in item.group(1) and f"/cases/{case_id}" in item.group(1)
    assert "Genowefa" not in week.text

    # Moved: the same appointment, the same UID, the new time.
    moved_to = local(3, 14, 0)
    r = await stack.http.put(
        f"/api/v1/cases/{case_id}/appointments/{appointment_id}",
        json={"at": moved_to.isoformat(), "kind": "home"},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text

    async def moved() -> Any:
        events = [e for e in await _feed_events(stack, url, case_id) if str(e.get("uid")) == uid]
        return events if events and events[0].decoded("dtstart") == moved_to else None

    await stack.eventually(moved, what="the feed's event moved")

    # Cancelled: gone from the case and the feed.
    r = await stack.http.delete(
        f"/api/v1/cases/{case_id}/appointments/{appointment_id}", headers=stack.headers(unit, key=uuid.uuid4().hex)
    )
    assert r.status_code == 200 and r.json()["appointments"] == [], r.text

    async def gone() -> bool:
        return not [e for e in await _feed_events(stack, url, case_id) if str(e.get("uid")) == uid]

    await stack.eventually(gone, what="the cancelled visit gone from the feed")
    again = await stack.http.delete(
        f"/api/v1/cases/{case_id}/appointments/{appointment_id}", headers=stack.headers(unit, key=uuid.uuid4().hex)
    )
    assert again.status_code == 422 and again.json()["detail"]["field"] == "appointment_id", again.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"at": (datetime.now(UTC) - timedelta(hours=2)).isoformat()}, "appointment_in_the_past"),
        ({"at": local(40, 10).isoformat()}, "appointment_too_late"),
        ({"at": "2026-13-45T10:00:00+01:00"}, None),
        ({"at": "jutro o dziesiątej"}, None),
        ({"at": local(1, 10).replace(tzinfo=None).isoformat()}, None),
        ({"at": local(1, 10).isoformat(), "kind": "picnic"}, None),
        ({}, None),
    ],
    ids=["past", "beyond-the-grace", "no-such-date", "words", "no-zone", "unknown-kind", "missing"],
)
async def test_a_bad_booking_is_refused_naming_the_field(stack: Stack, body: dict[str, Any], code: str | None) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit, key=uuid.uuid4().hex)
    r = await _book(stack, case["id"], unit, body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "at" in r.text or "kind" in r.text
    if code is not None:
        assert detail["code"] == code and detail["field"] == "at", detail
    if code == "appointment_too_late":
        assert detail["latest_on"] < local(40, 10).date().isoformat()
    assert (await stack.get_case(case["id"], unit=unit))["appointments"] == []


async def test_a_colleagues_case_is_not_found(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit, key=uuid.uuid4().hex)
    colleague = stack.headers(unit, actor="coordinator-b", key=uuid.uuid4().hex)
    r = await stack.http.post(
        f"/api/v1/cases/{case['id']}/appointments", json={"at": local(1, 10).isoformat()}, headers=colleague
    )
    assert r.status_code == 404, r.text
