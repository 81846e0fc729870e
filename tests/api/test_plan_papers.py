"""The family assistant's papers through the real stack (issue 14, section 4): the plan with its
goals, actions and signature lines, the contract with the family, the periodic assessment;
the kinds the case's definition declares; an unknown kind 404 ``unknown_document``. Read back
with pypdf: what must be there is, and the client's address and the notes are not."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from apistack import Stack, new_unit
from helpers import local_today
from pypdf import PdfReader

pytestmark = pytest.mark.integration

API = "/api/v1"
ADDRESS = "ul. Wąska 9/2, 81-001 Gdynia"
NOTE = "Notatka poufna: nigdy w dokumencie"
GOAL = "Stabilna sytuacja mieszkaniowa"
ACTION = "Złożyć wniosek o dodatek mieszkaniowy"
LATE = "Zapisać dzieci do świetlicy"


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


async def _family_with_plan(stack: Stack, unit: str) -> dict[str, Any]:
    case = await stack.open_case(
        unit=unit,
        definition="asystent-rodziny",
        key=uuid.uuid4().hex,
        client={"name": "Halina Żółtowska", "address": ADDRESS},
        note=NOTE,
    )
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/members",
        json={"role": "parent", "name": "Jan Żółtowski", "birth_year": 1980},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 201, r.text
    member_id = r.json()["id"]
    body = {
        "agreed_on": local_today().isoformat(),
        "goals": [
            {
                "title": GOAL,
                "actions": [
                    {
                        "title": ACTION,
                        "owner": {"kind": "coordinator"},
                        "due_on": (local_today() + timedelta(days=20)).isoformat(),
                    },
                    {
                        "title": LATE,
                        "owner": {"kind": "member", "id": member_id},
                        "due_on": (local_today() - timedelta(days=3)).isoformat(),
                    },
                ],
            }
        ],
    }
    r = await stack.http.put(
        f"{API}/cases/{case['id']}/plan", json=body, headers=stack.headers(unit, key=uuid.uuid4().hex)
    )
    assert r.status_code == 200, r.text
    return case


async def test_the_family_papers_are_the_definition_s_and_read_back(stack: Stack) -> None:
    unit = new_unit()
    case = await _family_with_plan(stack, unit)
    cid, me = case["id"], stack.headers(unit)

    kinds = (await stack.http.get(f"{API}/cases/{cid}/documents", headers=me)).json()
    assert [k["kind"] for k in kinds["items"]] == ["contract", "plan", "assessment", "consent", "transfer"]
    for unknown in ("nonsense", "referral"):  # a referral letter is not this pathway's paper
        r = await stack.http.get(f"{API}/cases/{cid}/documents/{unknown}.pdf", headers=me)
        assert r.status_code == 404 and r.json()["detail"]["code"] == "unknown_document", r.text

    r = await stack.http.get(f"{API}/cases/{cid}/documents/plan.pdf", headers=me)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
    plan = _text(r.content)
    for there in (GOAL, ACTION, LATE, "Halina Żółtowska", "członek rodziny", "po terminie: 3 dni"):
        assert there in plan, there
    assert "Data i podpis klienta / klientki" in plan and "Data i podpis koordynatora / koordynatorki" in plan
    assert f"Sprawa nr {cid}" in plan and "wersja 1" in plan and "Strona 1 z" in plan
    assert ADDRESS not in plan and NOTE not in plan and "Wąska" not in plan

    contract = _text((await stack.http.get(f"{API}/cases/{cid}/documents/contract.pdf", headers=me)).content)
    assert "Kontrakt z rodziną" in contract and "co najmniej co 7 dni" in contract
    assert "Data i podpis asystenta rodziny" in contract and ADDRESS not in contract and NOTE not in contract

    assessment = _text((await stack.http.get(f"{API}/cases/{cid}/documents/assessment.pdf", headers=me)).content)
    assert "Okresowa ocena sytuacji rodziny" in assessment and "po terminie: 1" in assessment
    assert GOAL in assessment and ADDRESS not in assessment and NOTE not in assessment

    english = _text((await stack.http.get(f"{API}/cases/{cid}/documents/plan.pdf?lang=en", headers=me)).content)
    assert "Family work plan" in english and "Date and client's signature" in english and "a family member" in english

    r = await stack.http.get(f"{API}/cases/{cid}/documents/plan.pdf", headers=stack.headers(unit, "colleague-docs"))
    assert r.status_code == 404


async def test_the_case_page_shows_the_plan_in_words_with_an_overdue_badge(stack: Stack) -> None:
    import re

    import httpx
    from apistack import PASSWORD

    unit = new_unit()
    case = await _family_with_plan(stack, unit)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test") as web:
        form = await web.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        login = stack.login_of(unit)
        r = await web.post(
            "/login", data={"csrf": csrf.group(1), "username": login, "password": PASSWORD, "next": "/cases"}
        )
        assert r.status_code == 303, r.text
        page = await web.get(f"/cases/{case['id']}")
    assert page.status_code == 200, page.text
    html = page.text
    section = html[html.index('id="plan"') : html.index('id="papers"')]
    assert GOAL in section and ACTION in section and LATE in section
    assert "zaplanowane" in section and "członek rodziny" in section  # status and owner in words
    assert "badge overdue" in section and "3 dni" in section
    # dates in words, never ISO (but a date field's value, which a browser reads, is ISO)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r'value="[^"]*"', "", section))
    for kind in ("contract", "plan", "assessment"):
        assert f'data-paper="{kind}"' in html
