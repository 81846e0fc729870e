"""Phone first (issue 15, item 3): a coordinator and a supervisor on a 390 px touch screen.

Every page they can reach — sign-in, the caseload, the open-a-case form, the case page with
visits, a consent, a referral and notes, the week, the inbox, the resource map, the
pathways and a pathway's diagram, the dashboard, an error page — is no wider than the
screen, has tap targets of at least 44 px and no axe-core violation. "Log a visit" is on
the case page's first screen; one tap brings the visit form, and a tap on its button
records the visit. The caseload shows client, stage and what is overdue within the
screen's width. The same pages at a desk's width still fit. Screenshots of both under
``test-artifacts/e2e/`` (``phone-*``, ``desk-*``)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from e2estack import COORDINATOR, PASSWORD, SUPERVISOR, Live, Visit, sign_in
from helpers import local_today
from phonecheck import DESKTOP, PHONE, Phone, on_first_screen, within_width

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

CLIENT = "Klientka Telefon E2E"
LATE_CLIENT = "Klientka Zaległa Telefon E2E"
MISSING_CASE = "0" * 32
# The pages whose address names no case of the test, as (screenshot, path).
COORDINATOR_PAGES = (
    ("phone-07-week", "/week"),
    ("phone-08-inbox", "/inbox"),
    ("phone-09-resource-map", "/partners"),
    ("phone-10-definitions", "/definitions"),
    ("phone-11-definition", "/definitions/model-wsparcia"),
    ("phone-12-error", f"/cases/{MISSING_CASE}"),
)
SUPERVISOR_PAGES = (
    ("phone-23-unit-cases", "/cases"),
    ("phone-24-inbox-supervisor", "/inbox"),
    ("phone-25-week-supervisor", "/week"),
    ("phone-26-resource-map-supervisor", "/partners"),
)


async def _tap_sign_in(page: Any, live: Live, login: str) -> None:
    await page.goto(f"{live.base_url}/login")
    await page.get_by_label("Nazwa użytkownika").fill(login)
    await page.get_by_label("Hasło").fill(PASSWORD)
    await page.get_by_role("button", name="Zaloguj").tap()
    await page.wait_for_url(re.compile(r"/(cases|dashboard)$"))


async def _tap_to(page: Any, link: str, path: str) -> None:
    await page.get_by_role("link", name=link).tap()
    await page.wait_for_url(re.compile(re.escape(path) + "$"))


async def _open_case(page: Any, name: str, opened_on: date | None = None) -> str:
    """Fill in and send the open-a-case form the page shows; the new case's address."""
    await page.get_by_label("Ścieżka wsparcia").select_option(value="model-wsparcia")
    await page.get_by_label("Imię i nazwisko").fill(name)
    if opened_on:
        await page.get_by_label(re.compile("Data rozpoczęcia")).fill(opened_on.isoformat())
    await page.get_by_role("button", name="Otwórz sprawę").tap()
    await page.wait_for_url(re.compile(r"/cases/[0-9a-f]{32}\?done=open"))
    return str(page.url.split("?")[0])


async def test_a_coordinator_works_a_case_on_a_phone(live: Live, browser: Any, visit: Visit) -> None:
    phone = Phone(visit)
    context = await browser.new_context(**PHONE)
    page = visit.watch(await context.new_page())

    await page.goto(f"{live.base_url}/login")
    await phone.check(page, "phone-01-login")
    await _tap_sign_in(page, live, COORDINATOR)
    await phone.check(page, "phone-02-caseload-empty")
    await _tap_to(page, "Nowa sprawa", "/cases/new")
    await phone.check(page, "phone-03-open-case")
    late_url = await _open_case(page, LATE_CLIENT, local_today() - timedelta(days=40))
    await _tap_to(page, "Nowa sprawa", "/cases/new")
    case_url = await _open_case(page, CLIENT)

    # ------------------------------------------------------------ "log a visit": first screen, one tap
    to_form = page.get_by_role("link", name="Zapisz wizytę")
    assert await on_first_screen(to_form, page)
    await phone.check(page, "phone-04-case-new")
    await to_form.tap()
    await page.wait_for_url(re.compile(r"#visit-form$"))
    form = page.locator("#visit-form")
    submit = form.get_by_role("button", name="Zapisz wizytę")
    assert await within_width(submit, page)
    await form.get_by_label("Czas trwania (minuty)").fill("90")
    await form.get_by_label("Rodzaj wizyty").select_option(value="home")
    await form.get_by_label("Notatka (opcjonalnie)").fill("Wizyta zapisana z telefonu.")
    await submit.tap()  # a tap no other element intercepts
    await page.wait_for_url(re.compile(r"done=visit"))
    rows = await page.locator("table.visits tbody tr").all_inner_texts()
    assert len(rows) == 1 and "90" in rows[0] and "domowa" in rows[0], rows

    # ------------------------------------------------------------ a consent and a referral, by taps
    await page.locator("#cs-partner").select_option(value="e2e-terapia")
    await page.get_by_role("button", name="Zapisz zgodę").tap()
    await page.wait_for_url(re.compile(r"done=consent"))
    referral = page.locator("#referral-form")
    await referral.get_by_label("Usługa").select_option(label="Terapia")
    await referral.get_by_label("Partner").select_option(value="e2e-terapia")
    await referral.get_by_label("Notatka (opcjonalnie)").fill("Skierowanie z telefonu.")
    await referral.get_by_role("button", name="Skieruj").tap()
    await page.wait_for_url(re.compile(r"done=refer"))
    assert await page.locator("table.referrals tbody tr").count() == 1
    assert await page.locator("ol.notes > li").count() >= 1
    await phone.check(page, "phone-05-case-worked")

    # ------------------------------------------------------------ the caseload: client, stage, overdue
    await _tap_to(page, "Moje sprawy", "/cases")
    late = page.locator(f'tr[data-case="{late_url.rsplit("/", 1)[1]}"]')
    badges = await late.locator(".badge.overdue").all()
    assert len(badges) == 2  # the stage and the visits
    for seen in (late.get_by_role("link", name=LATE_CLIENT), late.locator("td").first, *badges):
        assert await within_width(seen, page), await seen.inner_text()
    assert "Diagnoza" in await late.inner_text() and "Po terminie etapu" in await late.inner_text()
    await phone.check(page, "phone-06-caseload")

    # ------------------------------------------------------------ every other page
    late_page = ("phone-13-case-overdue", late_url.removeprefix(live.base_url))
    await phone.each(page, live.base_url, (*COORDINATOR_PAGES, late_page))
    # English words are longer in places ("Supervisor dashboard"): the case page still fits.
    await page.goto(case_url)
    await page.get_by_role("link", name="English").tap()
    await page.wait_for_selector('html[lang="en"]')
    assert await page.get_by_role("link", name="Log a visit").count() == 1
    await phone.check(page, "phone-15-case-english")
    await page.get_by_role("link", name="Polski").tap()
    await page.wait_for_selector('html[lang="pl"]')
    await page.get_by_role("button", name="Wyloguj").tap()
    await page.wait_for_url(re.compile(r"/login\?out=1"))
    await phone.check(page, "phone-14-signed-out")
    await context.close()

    # ------------------------------------------------------------ the same pages at a desk
    context = await browser.new_context(**DESKTOP)
    desk = visit.watch(await context.new_page())
    await sign_in(desk, live, COORDINATOR)
    case_path = case_url.removeprefix(live.base_url)
    desk_pages = (
        ("desk-caseload", "/cases"),
        ("desk-case", case_path),
        ("desk-week", "/week"),
        ("desk-inbox", "/inbox"),
    )
    await phone.each(desk, live.base_url, desk_pages, at_desk=True)
    await context.close()
    assert not visit.problems, "\n".join(visit.problems)


async def test_a_supervisor_reads_the_unit_on_a_phone(live: Live, browser: Any, visit: Visit) -> None:
    phone = Phone(visit)
    context = await browser.new_context(**PHONE)
    page = visit.watch(await context.new_page())
    await _tap_sign_in(page, live, SUPERVISOR)
    await phone.check(page, "phone-20-dashboard")
    await _tap_to(page, "Nowa sprawa", "/cases/new")
    await phone.check(page, "phone-21-open-case-supervisor")
    await page.get_by_label("Koordynator/ka").select_option(value=COORDINATOR)
    await _open_case(page, "Klientka Kierowniczki E2E", local_today() - timedelta(days=40))
    assert await page.get_by_role("link", name="Zapisz wizytę").count() == 0  # a supervisor reads
    await phone.check(page, "phone-22-case-supervisor")
    await phone.each(page, live.base_url, SUPERVISOR_PAGES)
    await context.close()
    assert not visit.problems, "\n".join(visit.problems)
