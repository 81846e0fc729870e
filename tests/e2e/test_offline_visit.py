"""A visit logged without signal, and a long visit that outlives the session (issue 15, items
4 and 5), in a real headless Chromium with the service worker:

- offline, the visit form keeps the visit on the device, shown as "Czeka na wysłanie"; the
  page reloaded offline is the offline page, which still lists it (by case reference); back
  online it is sent, and recorded once, with the time typed — on a desktop and a phone;
- signing out removes a visit still waiting, and it is never sent;
- a visit submitted after the session expired is kept, the person signs in again, and it is
  recorded once, to the same case, with what was typed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from e2estack import COORDINATOR, PASSWORD, SUPERVISOR, Live, Visit
from e2estack import sign_in as _sign_in
from sqlalchemy import update

from pathway.security import accounts
from pathway.store.models import AuthSession

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
QUEUE = "#visit-queue"
COUNT_KEPT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("pathway-visits", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("visits", { keyPath: "key" });
  open.onsuccess = () => {
    const count = open.result.transaction("visits").objectStore("visits").count();
    count.onsuccess = () => { open.result.close(); resolve(count.result); };
  };
  open.onerror = () => reject(open.error);
})"""


def _api(live: Live, login: str) -> httpx.AsyncClient:
    token, _ = accounts.login(live.engine, user_id=login, password=PASSWORD)
    return httpx.AsyncClient(base_url=live.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def _open_case(live: Live) -> str:
    async with _api(live, SUPERVISOR) as api:
        r = await api.post(
            "/api/v1/cases",
            json={
                "definition": "model-wsparcia",
                "coordinator": COORDINATOR,
                "client": {"name": "Klientka Bez Zasięgu"},
            },
        )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _case(live: Live, case_id: str) -> dict[str, Any]:
    """The case as the workflow holds it (read through the API)."""
    async with _api(live, SUPERVISOR) as api:
        r = await api.get(f"/api/v1/cases/{case_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _hours_ago(hours: int) -> datetime:
    now = datetime.now(UTC) - timedelta(hours=hours)
    return now.astimezone(ZoneInfo("Europe/Warsaw")).replace(second=0, microsecond=0)


async def _case_page_with_worker(
    live: Live, browser: Any, visit: Visit, viewport: dict[str, int]
) -> tuple[Any, Any, str]:
    case_id = await _open_case(live)
    context = await browser.new_context(locale="pl-PL", viewport=viewport)
    page = visit.watch(await context.new_page())
    await _sign_in(page, live, COORDINATOR)
    await page.goto(f"{live.base_url}/cases/{case_id}")
    await page.wait_for_function("navigator.serviceWorker.controller !== null")
    return context, page, case_id


async def _fill_visit(page: Any, when: datetime, minutes: str, note: str) -> None:
    form = page.locator("#visit-form")
    await form.get_by_label("Data i godzina wizyty").fill(when.strftime("%Y-%m-%dT%H:%M"))
    await form.get_by_label("Czas trwania (minuty)").fill(minutes)
    await form.get_by_label("Notatka (opcjonalnie)").fill(note)


async def _submit_visit(page: Any) -> None:
    await page.locator("#visit-form").get_by_role("button", name="Zapisz wizytę").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_a_visit_logged_offline_waits_survives_a_reload_and_is_recorded_once(
    live: Live, browser: Any, visit: Visit, viewport: dict[str, int]
) -> None:
    context, page, case_id = await _case_page_with_worker(live, browser, visit, viewport)
    name = "phone" if viewport == PHONE else "desktop"
    when = _hours_ago(2)

    await context.set_offline(True)
    await _fill_visit(page, when, "90", "Rozmowa na klatce schodowej")
    await _submit_visit(page)
    queue = page.locator(QUEUE)
    await queue.get_by_text(f"Wizyta w sprawie {case_id[:8]}").wait_for()
    assert "Czeka na wysłanie" in await queue.inner_text()
    assert await page.evaluate(COUNT_KEPT) == 1
    await visit.check(page, f"offline-visit-waiting-{name}")

    # reloaded without signal: the offline page, which holds no client data, lists it
    await page.reload()
    assert await page.get_by_role("heading", level=1).inner_text() == "Brak połączenia"
    assert "Klientka Bez Zasięgu" not in await page.content()
    await page.locator(QUEUE).get_by_text(f"Wizyta w sprawie {case_id[:8]}").wait_for()
    await visit.check(page, f"offline-page-{name}")
    if viewport == PHONE:
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # the signal is back: sent, and the case page shows it
    await context.set_offline(False)
    await page.wait_for_url(re.compile(rf"/cases/{case_id}\?done=visit"))
    assert len(await page.locator("table.visits tbody tr").all_inner_texts()) == 1
    assert await page.evaluate(COUNT_KEPT) == 0
    assert await page.locator(QUEUE).is_hidden()
    case = await _case(live, case_id)
    assert case["visits_total"] == 1
    assert datetime.fromisoformat(case["last_visit_at"]) == when  # when it happened, not when it arrived
    await context.close()
    assert not visit.problems, "\n".join(visit.problems)


async def test_signing_out_removes_a_visit_still_waiting(live: Live, browser: Any, visit: Visit) -> None:
    context, page, case_id = await _case_page_with_worker(live, browser, visit, DESKTOP)
    await context.set_offline(True)
    await _fill_visit(page, _hours_ago(1), "60", "Notatka, która nie zostaje na telefonie")
    await _submit_visit(page)
    await page.locator(QUEUE).get_by_text(f"Wizyta w sprawie {case_id[:8]}").wait_for()

    # back online, the person signs out before it could be sent (the session check is held up)
    await page.route("**/session", lambda route: route.abort("internetdisconnected"))
    await context.set_offline(False)
    await page.get_by_role("button", name="Wyloguj").click()
    await page.wait_for_url(re.compile(r"/login\?out=1"))
    assert await page.evaluate(COUNT_KEPT) == 0
    await page.unroute("**/session")
    await _sign_in(page, live, COORDINATOR)
    await page.goto(f"{live.base_url}/cases/{case_id}")
    assert await page.locator(QUEUE).is_hidden()
    assert (await _case(live, case_id))["visits_total"] == 0
    await context.close()
    assert not visit.problems, "\n".join(visit.problems)


async def test_a_visit_submitted_after_the_session_expired_is_sent_after_signing_in(
    live: Live, browser: Any, visit: Visit
) -> None:
    context, page, case_id = await _case_page_with_worker(live, browser, visit, DESKTOP)
    await _fill_visit(page, _hours_ago(2), "75", "Długa wizyta u rodziny")
    # thirty-one minutes without a request: the server no longer knows the session
    with live.engine.begin() as conn:
        conn.execute(
            update(AuthSession)
            .where(AuthSession.user_id == COORDINATOR)  # type: ignore[arg-type]
            .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31))
        )
    await _submit_visit(page)
    await page.wait_for_url(re.compile(r"/login\?expired=1"))
    assert "Sesja wygasła" in await page.content()
    kept = page.locator(QUEUE)
    await kept.get_by_text(f"Wizyta w sprawie {case_id[:8]}").wait_for()
    assert "Zaloguj się ponownie, aby ją wysłać." in await kept.inner_text()
    await visit.check(page, "expired-visit-kept")

    await page.get_by_label("Nazwa użytkownika").fill(COORDINATOR)
    await page.get_by_label("Hasło").fill(PASSWORD)
    await page.get_by_role("button", name="Zaloguj").click()
    await page.wait_for_url(re.compile(rf"/cases/{case_id}\?done=visit"))
    rows = await page.locator("table.visits tbody tr").all_inner_texts()
    assert len(rows) == 1 and "75" in rows[0], rows
    assert "Długa wizyta u rodziny" in await page.content()
    assert await page.evaluate(COUNT_KEPT) == 0
    assert (await _case(live, case_id))["visits_total"] == 1
    await context.close()
    assert not visit.problems, "\n".join(visit.problems)
