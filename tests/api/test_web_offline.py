"""What the visit queue of a phone without signal stands on, without a browser (issue 15,
items 4 and 5; the browser's side is tests/e2e/test_offline_visit.py):

- a visit kept on the device and sent later is recorded with the time it happened (hours
  before it arrived), and sent again with its key it is recorded once — not refused as a
  repeat to confirm;
- the queue's script is answered in JSON: where to go, the refusal in words, 401 without a
  live session (never a redirect it cannot read), 403 for a stale token;
- ``/session`` tells the script whether the session is live, whose, and its CSRF token;
- the service worker, the manifest and the offline page hold no client data and no session.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import test_web_pages
from apistack import PASSWORD, Stack
from sqlalchemy import update
from sqlmodel import Session
from test_web_pages import Browserless, _open

from pathway.security import accounts
from pathway.store import history
from pathway.store.models import AuthSession

pytestmark = pytest.mark.integration

JSON = {"Accept": "application/json"}
unit = test_web_pages.unit  # the fixture: a unit with its coordinator, colleague, supervisor and admin


def _hours_ago(hours: int) -> datetime:
    return (
        (datetime.now(UTC) - timedelta(hours=hours))
        .astimezone(ZoneInfo("Europe/Warsaw"))
        .replace(second=0, microsecond=0)
    )


def _expire_sessions(stack: Stack, user: str) -> None:
    """Thirty-one idle minutes, as the server sees them."""
    with stack.engine.begin() as conn:
        conn.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user)  # type: ignore[arg-type]
            .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
        )


async def _case(stack: Stack, unit: dict[str, str], case_id: str) -> dict[str, Any]:
    """The case as its unit's supervisor reads it through the API (the workflow's view)."""
    token, _ = accounts.login(stack.engine, user_id=unit["sup"], password=PASSWORD)
    r = await stack.http.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _projected(stack: Stack, case_id: str) -> bool:
    with Session(stack.engine) as session:
        return bool(history.list_visits(session, case_id=case_id))


async def _signed_in_visit_form(stack: Stack, unit: dict[str, str]) -> tuple[Browserless, str, dict[str, str]]:
    case_id = await _open(stack, unit, "coord")
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    return web, case_id, await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/visit")


async def test_a_kept_visit_sent_hours_later_and_again_is_recorded_once_at_its_time(
    stack: Stack, unit: dict[str, str]
) -> None:
    web, case_id, fields = await _signed_in_visit_form(stack, unit)
    happened = _hours_ago(5)
    visit = {**fields, "occurred_at": happened.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "90", "kind": "home"}
    url = f"/cases/{case_id}/visit"

    first = await web.http.post(url, data=visit, headers=JSON)
    assert first.status_code == 200, first.text
    assert first.json() == {"location": f"/cases/{case_id}?done=visit#top"}
    # the device did not hear the answer and sends it again, with its key, once the visit is in
    # the store (where the check for a repeated visit looks): the same visit, recorded once
    await stack.eventually(lambda: _projected(stack, case_id), what="the visit in the store")
    again = await web.http.post(url, data=visit, headers=JSON)
    assert again.status_code == 200, again.text
    case = await _case(stack, unit, case_id)
    assert case["visits_total"] == 1
    assert datetime.fromisoformat(case["last_visit_at"]) == happened  # when it happened, not when it arrived

    # another submit of the same visit with a new key is still asked about, in words
    other = await web.http.post(url, data={**visit, "key": "another-key-1"}, headers=JSON)
    assert other.status_code == 409
    assert other.json()["code"] == "visit_repeated" and "jest już zapisana" in other.json()["message"]
    assert (await _case(stack, unit, case_id))["visits_total"] == 1


async def test_the_queue_is_answered_in_json_when_the_session_or_token_is_gone(
    stack: Stack, unit: dict[str, str]
) -> None:
    web, case_id, fields = await _signed_in_visit_form(stack, unit)
    visit = {**fields, "occurred_at": _hours_ago(1).strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "60"}
    url = f"/cases/{case_id}/visit"

    made_up = await web.http.post("/cases/0123456789abcdef0123456789abcdef/visit", data=visit, headers=JSON)
    assert made_up.status_code == 404 and made_up.json()["message"] == "Nie znaleziono."
    stale = await web.http.post(url, data={**visit, "csrf": "stale"}, headers=JSON)
    assert stale.status_code == 403 and stale.json() == {"code": "csrf_refused"}
    _expire_sessions(stack, unit["coord"])
    expired = await web.http.post(url, data=visit, headers=JSON)
    assert expired.status_code == 401 and expired.json() == {"code": "unauthorized"}
    # a browser's own submit is still sent to sign in
    page = await web.http.post(url, data=visit)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?expired=1")
    assert (await _case(stack, unit, case_id))["visits_total"] == 0


async def test_session_tells_the_script_whose_session_is_live_and_its_token(stack: Stack, unit: dict[str, str]) -> None:
    web, case_id, fields = await _signed_in_visit_form(stack, unit)
    live = (await web.http.get("/session")).json()
    assert live == {"signed_in": True, "staff": unit["coord"], "csrf": fields["csrf"]}
    _expire_sessions(stack, unit["coord"])
    assert (await web.http.get("/session")).json() == {"signed_in": False, "staff": None, "csrf": None}
    stranger = Browserless(stack)
    answer = await stranger.http.get("/session")
    assert answer.status_code == 200 and answer.json()["signed_in"] is False
    assert answer.headers["cache-control"] == "no-store"


async def test_the_service_worker_keeps_no_page_with_client_data(stack: Stack, unit: dict[str, str]) -> None:
    web = Browserless(stack)
    worker = await web.http.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    kept = re.findall(r'"(/[^"]*)"', worker.text)
    assert kept and all(path.startswith("/static/") or path in ("/offline", "/lang/") for path in kept), kept

    manifest = await web.http.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["name"] == "Ścieżki wsparcia" and manifest.json()["start_url"] == "/"

    # the offline page is the same for everyone: no session, no token, no name, in Polish
    await web.sign_in(unit["coord"])
    offline = await web.http.get("/offline")
    assert offline.status_code == 200 and "Brak połączenia" in offline.text
    csrf = (await web.http.get("/session")).json()["csrf"]
    assert csrf not in offline.text and unit["coord"] not in offline.text
    assert 'action="/logout"' not in offline.text
