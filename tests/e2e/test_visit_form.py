"""The visit form as a coordinator meets it (issue 13, item 12), in a real headless Chromium:
a first visit to ``/`` is asked to sign in without being told a session expired; the form
says beforehand how long a visit must last to count, and a visit too short says why in the
page's language; Back and the same visit submitted again records no second visit unless
the coordinator confirms it is another one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from e2estack import COORDINATOR, PASSWORD, Live, Visit

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def _visit_rows(page: Any) -> list[str]:
    return await page.locator("table.visits tbody tr").all_inner_texts()


async def _log_visit(page: Any, minutes: str) -> None:
    form = page.locator("#visit-form")
    await form.get_by_label("Czas trwania (minuty)").fill(minutes)
    await form.get_by_label("Rodzaj wizyty").select_option(value="home")
    # The visit form is sent by its script (static/visit-queue.js: kept on the device first),
    # which then goes to the answer: wait for that page.
    async with page.expect_navigation():
        await form.get_by_role("button", name="Zapisz wizytę").click()


async def test_first_visit_short_visit_and_back_then_submit_again(live: Live, browser: Any, visit: Visit) -> None:
    context = await browser.new_context(locale="pl-PL", viewport={"width": 1280, "height": 900})
    page = visit.watch(await context.new_page())

    # ------------------------------------------------------------ a first visit: sign in, nothing expired
    await page.goto(f"{live.base_url}/")
    assert "/login" in page.url and "expired" not in page.url
    assert "Sesja wygasła" not in await page.content()
    await page.get_by_label("Nazwa użytkownika").fill(COORDINATOR)
    await page.get_by_label("Hasło").fill(PASSWORD)
    await page.get_by_role("button", name="Zaloguj").click()
    await page.wait_for_url(re.compile(r"/cases$"))

    await page.get_by_role("link", name="Nowa sprawa").click()
    await page.get_by_label("Ścieżka wsparcia").select_option(value="model-wsparcia")
    await page.get_by_label("Imię i nazwisko").fill("Klientka Wizyt E2E")
    await page.get_by_role("button", name="Otwórz sprawę").click()
    await page.wait_for_url(re.compile(r"/cases/[0-9a-f]{32}\?done=open"))

    # ------------------------------------------------------------ the minimum, said beforehand
    hint = page.locator("#v-minutes-hint")
    assert await hint.inner_text() == "Wizyta liczy się od 60 minut."
    assert await page.get_by_label("Czas trwania (minuty)").get_attribute("aria-describedby") == "v-minutes-hint"

    # ------------------------------------------------------------ a visit, then Back and the same form again
    await _log_visit(page, "90")
    await page.wait_for_url(re.compile(r"done=visit"))
    assert len(await _visit_rows(page)) == 1
    await page.go_back()
    await page.wait_for_load_state()
    await _log_visit(page, "90")
    refusal = await page.locator("#refusal").inner_text()
    assert "jest już zapisana" in refusal, refusal
    assert len(await _visit_rows(page)) == 1  # not recorded a second time
    await visit.check(page, "visit-repeat-asks")
    # the form came back as it was sent; confirming records it as another visit
    form = page.locator("#visit-form")
    assert await form.get_by_label("Czas trwania (minuty)").input_value() == "90"
    await form.get_by_label("To inna wizyta, nie ta już zapisana").check()
    await form.get_by_role("button", name="Zapisz wizytę").click()
    await page.wait_for_url(re.compile(r"done=visit"))
    assert len(await _visit_rows(page)) == 2

    # ------------------------------------------------------------ a short visit says why, in Polish
    await _log_visit(page, "20")
    await page.wait_for_url(re.compile(r"done=visit"))
    rows = await _visit_rows(page)
    short = [r for r in rows if "krótsza" in r]
    assert len(rows) == 3 and len(short) == 1, rows
    assert "20" in short[0] and "nie: krótsza niż 60 min wymagane w tym etapie" in short[0], short
    assert "shorter" not in await page.content()
    await context.close()
    assert not visit.problems, "\n".join(visit.problems)
