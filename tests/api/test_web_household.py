"""The case page's Family section without a browser: members listed with their role in words
and their age, a member added through the form (a refusal in Polish words), the visit form
ticking who was present, and one person's data erased."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from apistack import PASSWORD, Stack
from test_web_pages import Browserless, _row
from test_web_pages import unit as unit  # noqa: F401, F811  (the fixture)

from pathway.security import accounts

pytestmark = pytest.mark.integration


async def _family_case(stack: Stack, people: dict[str, str]) -> tuple[str, dict[str, str]]:
    token, _ = accounts.login(stack.engine, user_id=people["coord"], password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    r = await stack.http.post(
        "/api/v1/cases",
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        json={"definition": "asystent-rodziny", "coordinator": people["coord"], "client": {"name": "Matka Rodziny"}},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"], auth


async def test_the_family_section_adds_members_ticks_who_was_present_and_erases_one(
    stack: Stack, unit: dict[str, str]
) -> None:
    case_id, auth = await _family_case(stack, unit)
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    page = (await web.http.get(f"/cases/{case_id}")).text
    assert "Rodzina" in page and "Nie wpisano członków rodziny: tylko klient." in page
    assert '<option value="child">dziecko</option>' in page and "using_violence" not in page

    action = f"/cases/{case_id}/members"
    fields = await web.form_fields(f"/cases/{case_id}", action)
    future = datetime.now(UTC).year + 1
    refused = await web.http.post(action, data={**fields, "name": "Ola", "role": "child", "birth_year": str(future)})
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert "Rok urodzenia nie może być w przyszłości" in refused.text
    born = datetime.now(UTC).year - 7
    r = await web.http.post(
        action, data={**fields, "name": "Ola Rodzina", "role": "child", "birth_year": str(born), "school": "SP 3"}
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=member_add#top", r.text
    [member] = (await stack.http.get(f"/api/v1/cases/{case_id}/members", headers=auth)).json()["items"]
    page = (await web.http.get(f"/cases/{case_id}?done=member_add")).text
    assert "Dodano członka rodziny." in page
    row = _row(page, "data-member", member["id"])
    assert "Ola Rodzina" in row and "dziecko" in row and "7 lat" in row and "SP 3" in row and "jeszcze nie" in row

    # the visit form lists the family to tick who was present
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/visit")
    assert f'name="present" value="{member["id"]}"' in page
    when = datetime.now().strftime("%Y-%m-%dT%H:%M")
    visit = {**fields, "occurred_at": when, "duration_minutes": "90", "kind": "home", "present": member["id"]}
    r = await web.http.post(f"/cases/{case_id}/visit", data=visit)
    assert r.status_code == 303, r.text
    got = (await stack.http.get(f"/api/v1/cases/{case_id}", headers=auth)).json()
    assert got["members_met"] == [member["id"]]
    page = (await web.http.get(f"/cases/{case_id}")).text
    assert "obecni na wizycie: 1 z 1" in page

    # one person's data erased
    erase = re.search(r'action="(/cases/[^"]+/members/[^"]+/erase)"', _row(page, "data-member", member["id"])).group(1)
    fields = await web.form_fields(f"/cases/{case_id}", erase)
    r = await web.http.post(erase, data=fields)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=member_erase#top", r.text
    page = (await web.http.get(f"/cases/{case_id}?done=member_erase")).text
    assert "Usunięto dane członka rodziny." in page and "Ola Rodzina" not in page
    assert stack.vault.is_erased(member["id"])


async def test_a_member_is_changed_through_the_edit_form(stack: Stack, unit: dict[str, str]) -> None:
    case_id, auth = await _family_case(stack, unit)
    born = datetime.now(UTC).year - 8
    r = await stack.http.post(
        f"/api/v1/cases/{case_id}/members",
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        json={"role": "child", "name": "Jaś Rodzina", "birth_year": born, "school": "SP 1"},
    )
    assert r.status_code == 201, r.text
    member_id = r.json()["id"]
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    page = (await web.http.get(f"/cases/{case_id}")).text
    action = f"/cases/{case_id}/members/{member_id}"
    row = _row(page, "data-member", member_id)
    assert f'action="{action}"' in row and 'value="Jaś Rodzina"' in row and f'value="{born}"' in row

    fields = await web.form_fields(f"/cases/{case_id}", action)
    # a refusal in words: a school for a parent
    refused = await web.http.post(
        action, data={**fields, "name": "Jan Rodzina", "role": "parent", "birth_year": "1980", "school": "SP 1"}
    )
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    r = await web.http.post(
        action, data={**fields, "name": "Jan Rodzina", "role": "child", "birth_year": str(born - 1), "school": ""}
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=member_change#top", r.text
    [got] = (await stack.http.get(f"/api/v1/cases/{case_id}/members", headers=auth)).json()["items"]
    assert (got["name"], got["role"], got["birth_year"], got.get("school")) == ("Jan Rodzina", "child", born - 1, None)
    page = (await web.http.get(f"/cases/{case_id}?done=member_change")).text
    assert "Zmieniono dane członka rodziny." in page and "Jan Rodzina" in _row(page, "data-member", member_id)
