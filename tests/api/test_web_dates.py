"""Dates people read on the web pages are in words of the page's language (issue 15, item 6):
a day with its weekday and how far a due day is ("za 3 dni"), never an ISO date."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from apistack import PASSWORD, Stack, new_unit

from pathway.security import accounts

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MONTHS_PL = "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia"


def _text(html: str) -> str:
    """What a person reads: the page without its tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


async def test_the_case_list_says_due_days_in_words_in_the_pages_language(stack: Stack) -> None:
    unit = new_unit()
    coord = f"coord.{unit}"
    accounts.create_user(
        stack.engine, user_id=coord, display_name="coord", unit_id=unit, roles=["coordinator"], password=PASSWORD
    )
    token, _ = accounts.login(stack.engine, user_id=coord, password=PASSWORD)
    r = await stack.http.post(
        "/api/v1/cases",
        headers={"Authorization": f"Bearer {token}"},
        json={"definition": "model-wsparcia", "coordinator": coord, "client": {"name": f"K {uuid.uuid4().hex[:6]}"}},
    )
    assert r.status_code == 201, r.text
    web = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test", timeout=30)
    form = await web.get("/login")
    data = {"csrf": CSRF.search(form.text).group(1), "username": coord, "password": PASSWORD, "next": "/cases"}
    assert (await web.post("/login", data=data)).status_code == 303

    polish = _text((await web.get("/cases")).text)
    assert not ISO_DAY.search(polish), ISO_DAY.search(polish)
    assert re.search(rf"(pon|wt|śr|czw|pt|sob|niedz)\., \d{{1,2}} ({MONTHS_PL})", polish), polish
    assert re.search(r"za \d+ (dni|dzień)|jutro|dziś", polish), polish
    case_page = _text((await web.get(f"/cases/{r.json()['id']}")).text)
    assert not ISO_DAY.search(case_page), ISO_DAY.search(case_page)
    # the stage's and the next visit's due days say how far they are
    due = re.findall(r"\((za \d+ (?:dni|dzień)|jutro|dziś|\d+ (?:dni|dzień) po terminie)\)", case_page)
    assert len(due) >= 2, case_page

    await web.get("/lang/en?next=/cases")
    english = _text((await web.get("/cases")).text)
    assert not ISO_DAY.search(english)
    assert re.search(r"in \d+ days?|tomorrow|today", english), english
