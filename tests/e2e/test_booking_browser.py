"""Booking a visit in a real headless Chromium (issue 15, item 2): "Umów wizytę" on the case
page (a day and a time), the booked visit listed on the case, then on "Mój tydzień" at its
time, linking back to the case; both pages stay accessible (axe-core)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from e2estack import COORDINATOR, PASSWORD, Live, Visit

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def test_a_coordinator_books_a_visit_and_sees_it_on_her_week(live: Live, browser: Any, visit: Visit) -> None:
    context = await browser.new_context(locale="pl-PL", viewport={"width": 1280, "height": 900})
    page = visit.watch(await context.new_page())
    await page.goto(f"{live.base_url}/login")
    await page.get_by_label("Nazwa użytkownika").fill(COORDINATOR)
    await page.get_by_label("Hasło").fill(PASSWORD)
    await page.get_by_role("button", name="Zaloguj").click()
    await page.wait_for_url(re.compile(r"/cases$"))

    await page.get_by_role("link", name="Nowa sprawa").click()
    await page.get_by_label("Ścieżka wsparcia").select_option(value="model-wsparcia")
    await page.get_by_label("Imię i nazwisko").fill("Klientka Umówiona E2E")
    await page.get_by_role("button", name="Otwórz sprawę").click()
    await page.wait_for_url(re.compile(r"/cases/[0-9a-f]{32}\?done=open"))
    case_id = re.search(r"/cases/([0-9a-f]{32})", page.url).group(1)  # type: ignore[union-attr]

    day = datetime.now(ZoneInfo("Europe/Warsaw")).date() + timedelta(days=2)
    form = page.locator("#appointment-form")
    await form.get_by_label("Dzień").fill(day.isoformat())
    await form.get_by_label("Godzina").fill("11:15")
    await form.get_by_label("Rodzaj wizyty").select_option(value="office")
    await form.get_by_role("button", name="Umów wizytę").click()
    await page.wait_for_url(re.compile(r"done=book"))
    assert "Wizyta umówiona." in await page.locator("main").inner_text()
    [booked] = await page.locator("#appointments li").all_inner_texts()
    assert "11:15" in booked and "w ośrodku" in booked, booked
    await visit.check(page, "appointment-booked")

    await page.goto(f"{live.base_url}/week?start={day.isoformat()}")
    item = page.locator(f'li[data-what="appointment"][data-case="{case_id}"]')
    await item.wait_for()
    text = await item.inner_text()
    assert "11:15" in text and "umówiona wizyta" in text, text
    day_section = page.locator(f'section[data-day="{day.isoformat()}"]')
    assert await day_section.locator(f'li[data-what="appointment"][data-case="{case_id}"]').count() == 1
    assert "Umówiona" not in await page.title()
    assert "Klientka Umówiona" not in await page.locator("main").inner_text()
    await visit.check(page, "week-with-appointment")
    await item.get_by_role("link").click()
    await page.wait_for_url(re.compile(rf"/cases/{case_id}"))
    assert not visit.problems, visit.problems
