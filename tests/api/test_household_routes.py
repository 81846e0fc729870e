"""The household through the real stack (issue 14, section 1): members listed, added (with an
Idempotency-Key), changed and erased one by one; a colleague's case "not found"; a role the
pathway does not allow or an absurd birth year refused naming the field; a visit with the
members present; the client's erasure taking the household with it; a member using violence
never told anything, like the perpetrator's contacts; and nothing of them in the workflow or
the audit trail but ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apistack import Stack, new_unit
from sqlmodel import Session, col, select
from test_partners_consents import add_partner, into_therapy_with_consent

from pathway.store.audit_trail import AuditEntry
from pathway.store.models import HouseholdMember

pytestmark = pytest.mark.integration

API = "/api/v1"


def members_url(case_id: str) -> str:
    return f"{API}/cases/{case_id}/members"


async def add(stack: Stack, unit: str, case_id: str, expect: int = 201, key: str | None = None, **body: Any) -> Any:
    payload = {"role": "child", "name": "Ola Nowak", "birth_year": 2016, **body}
    r = await stack.http.post(
        members_url(case_id), json=payload, headers=stack.headers(unit, key=key or uuid.uuid4().hex)
    )
    assert r.status_code == expect, r.text
    return r.json()


async def family_case(stack: Stack, unit: str) -> dict[str, Any]:
    return await stack.open_case(unit=unit, definition="asystent-rodziny")


async def test_members_are_added_listed_changed_and_their_age_shown(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    child = await add(stack, unit, case["id"], school="Przedszkole nr 5")
    parent = await add(stack, unit, case["id"], role="parent", name="Jan Nowak", birth_year=1985)
    assert child["role"] == "child" and child["school"] == "Przedszkole nr 5" and child["may_receive"]
    assert child["age"] == datetime.now(UTC).year - 2016
    page = (await stack.http.get(members_url(case["id"]), headers=stack.headers(unit))).json()
    assert page["count"] == 2
    assert [(m["id"], m["name"]) for m in page["items"]] == [(child["id"], "Ola Nowak"), (parent["id"], "Jan Nowak")]
    r = await stack.http.patch(
        f"{members_url(case['id'])}/{child['id']}",
        json={"school": "Szkoła Podstawowa nr 3", "birth_year": 2015},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["school"], r.json()["birth_year"], r.json()["name"]) == (
        "Szkoła Podstawowa nr 3",
        2015,
        "Ola Nowak",
    )
    # The workflow knows the ids, and nothing else of them.
    got = await stack.get_case(case["id"], unit=unit)
    assert got["household"] == [child["id"], parent["id"]]
    assert "Ola Nowak" not in str(got["household"])


async def test_the_names_are_sealed_in_the_store(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    member = await add(stack, unit, case["id"], name="Zofia Sekretna")
    with Session(stack.engine) as session:
        row = session.get(HouseholdMember, member["id"])
    assert row is not None and "Zofia" not in row.name_sealed and row.name_sealed.startswith("v1:")


async def test_the_same_add_retried_with_its_key_is_one_member(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    key = uuid.uuid4().hex
    first = await add(stack, unit, case["id"], key=key)
    again = await add(stack, unit, case["id"], key=key, expect=200)
    assert again["id"] == first["id"]
    other = await add(stack, unit, case["id"], key=key, name="Ktoś Inny", expect=422)
    assert other["detail"]["code"] == "idempotency_key_reused"
    page = (await stack.http.get(members_url(case["id"]), headers=stack.headers(unit))).json()
    assert page["count"] == 1
    assert (await stack.get_case(case["id"], unit=unit))["household"] == [first["id"]]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"role": "using_violence"}, "role", "role_not_allowed"),  # not in the family assistant's roles
        ({"role": "uncle"}, "role", "role_not_allowed"),
        ({"birth_year": datetime.now(UTC).year + 1}, "birth_year", "invalid_birth_year"),
        ({"birth_year": 1850}, "birth_year", "invalid_birth_year"),
        ({"role": "parent", "school": "Szkoła"}, "school", "school_not_for_role"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_kept(
    stack: Stack, body: dict[str, Any], field: str, code: str
) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    refused = await add(stack, unit, case["id"], expect=422, **body)
    assert (refused["detail"]["code"], refused["detail"]["field"]) == (code, field)
    page = (await stack.http.get(members_url(case["id"]), headers=stack.headers(unit))).json()
    assert page["count"] == 0


async def test_a_birth_year_that_is_not_a_number_is_a_422_naming_it(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    refused = await add(stack, unit, case["id"], expect=422, birth_year="2016")
    assert "birth_year" in str(refused)


async def test_a_colleagues_case_is_not_found_for_every_household_route(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    member = await add(stack, unit, case["id"])
    colleague = stack.headers(unit, actor="kolega", key=uuid.uuid4().hex)
    url = members_url(case["id"])
    for method, path, body in (
        ("GET", url, None),
        ("POST", url, {"role": "child", "name": "X", "birth_year": 2016}),
        ("PATCH", f"{url}/{member['id']}", {"name": "Y"}),
        ("DELETE", f"{url}/{member['id']}", None),
    ):
        r = await stack.http.request(method, path, json=body, headers=colleague)
        assert r.status_code == 404 and r.json()["detail"]["code"] == "case_not_found", (method, r.text)


async def test_an_unknown_member_is_not_found(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    r = await stack.http.patch(
        f"{members_url(case['id'])}/nobody", json={"name": "Y"}, headers=stack.headers(unit, key=uuid.uuid4().hex)
    )
    assert r.status_code == 404 and r.json()["detail"]["code"] == "member_not_found"


async def test_erasing_one_member_erases_them_alone_and_they_leave_the_household(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    gone = await add(stack, unit, case["id"], name="Do Usunięcia")
    kept = await add(stack, unit, case["id"], name="Zostaje")
    r = await stack.http.delete(f"{members_url(case['id'])}/{gone['id']}", headers=stack.headers(unit, key="e1"))
    assert r.status_code == 200 and r.json()["key_destroyed"] is True, r.text
    again = await stack.http.delete(f"{members_url(case['id'])}/{gone['id']}", headers=stack.headers(unit, key="e2"))
    assert again.status_code == 200 and again.json()["key_destroyed"] is False
    page = (await stack.http.get(members_url(case["id"]), headers=stack.headers(unit))).json()
    assert [m["name"] for m in page["items"]] == ["Zostaje"]
    assert stack.vault.is_erased(gone["id"]) and not stack.vault.is_erased(kept["id"])
    assert not stack.vault.is_erased(case["client"]["id"])
    assert (await stack.get_case(case["id"], unit=unit))["household"] == [kept["id"]]
    r = await stack.http.patch(
        f"{members_url(case['id'])}/{gone['id']}", json={"name": "Z"}, headers=stack.headers(unit, key="e3")
    )
    assert r.status_code == 409 and r.json()["detail"]["code"] == "member_erased"


async def test_erasing_the_client_erases_the_household_of_their_cases(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    member = await add(stack, unit, case["id"], name="Członek Rodziny")
    r = await stack.http.post(f"{API}/clients/{case['client']['id']}/erase", headers=stack.supervisor(unit))
    assert r.status_code == 200 and r.json()["members"] == 1, r.text
    assert stack.vault.is_erased(member["id"])
    sup = stack.supervisor(unit)
    page = (await stack.http.get(members_url(case["id"]), headers=sup)).json()
    assert page["items"] == []  # erased members are not the household any more
    with Session(stack.engine) as session:
        row = session.get(HouseholdMember, member["id"])
    assert row is not None and row.erased_at is not None


async def test_a_visit_records_the_members_present_and_the_checklist_is_checked_against_them(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    cid = case["id"]
    me = stack.headers(unit)
    assert (
        await stack.fact(cid, "contract", {"signed_on": "2026-03-02", "family_members": 3}, unit=unit)
    ).status_code == 200
    assert (await stack.transition(cid, "advance", unit=unit)).status_code == 200
    child = await add(stack, unit, cid)
    parent = await add(stack, unit, cid, role="parent", name="Jan Nowak", birth_year=1985)
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    visit = {"occurred_at": at, "duration_minutes": 90, "kind": "home", "present_member_ids": [child["id"]]}
    r = await stack.http.post(f"{API}/cases/{cid}/visits", json=visit, headers={**me, "Idempotency-Key": "v1"})
    assert r.status_code == 201, r.text
    assert r.json()["case"]["members_met"] == [child["id"]]
    all_done = {"all_members_met": True, "housing": True, "finances": True, "health": True, "legal": True}
    refused = await stack.fact(cid, "diagnosis", all_done, unit=unit)
    assert refused.status_code == 422 and refused.json()["detail"]["member_ids"] == [parent["id"]], refused.text
    stranger = {**visit, "present_member_ids": ["someone-else"]}
    r = await stack.http.post(f"{API}/cases/{cid}/visits", json=stranger, headers={**me, "Idempotency-Key": "v2"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "present_member_ids", r.text
    visit["present_member_ids"] = [parent["id"]]
    r = await stack.http.post(f"{API}/cases/{cid}/visits", json=visit, headers={**me, "Idempotency-Key": "v3"})
    assert r.status_code == 201, r.text
    assert (await stack.fact(cid, "diagnosis", all_done, unit=unit)).status_code == 200
    assert (await stack.transition(cid, "advance", unit=unit)).json()["stage"] == "plan"


async def test_a_member_using_violence_is_never_told_like_the_perpetrators_contacts(stack: Stack) -> None:
    unit = new_unit()
    contact = f"ojciec-{uuid.uuid4().hex[:6]}@example.invalid"
    therapist = await add_partner(
        stack,
        unit,
        name="Gabinet pod adresem członka rodziny",
        kind="therapy",
        sector="private",
        channel="webhook",
        webhook_url=f"http://127.0.0.1:9/hook?to={contact}",
    )
    case = await stack.open_case(unit=unit)  # Model Wsparcia: a violence pathway
    cid = case["id"]
    member = await add(
        stack, unit, cid, role="using_violence", name="Adam Sprawca", birth_year=1970, contacts=[contact]
    )
    assert member["may_receive"] is False
    await into_therapy_with_consent(stack, unit, cid, therapist["id"])

    async def blocked() -> Any:
        page = (await stack.http.get(f"{API}/cases/{cid}/notifications", headers=stack.headers(unit))).json()
        kinds = {(n["partner_id"], n["status"], n.get("reason")) for n in page["items"]}
        return page if (therapist["id"], "blocked", "perpetrator_contact") in kinds else None

    page = await stack.eventually(blocked, timeout=20, what="the partner at the member's contact blocked")
    assert "Adam Sprawca" not in str(page) and contact not in str(page)


async def test_the_audit_trail_keeps_ids_and_codes_of_the_household_never_names(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    member = await add(stack, unit, case["id"], name="Tajne Imię", school="Tajna Szkoła")
    r = await stack.http.patch(
        f"{members_url(case['id'])}/{member['id']}", json={"name": "Inne Imię"}, headers=stack.headers(unit, key="a1")
    )
    assert r.status_code == 200
    r = await stack.http.delete(f"{members_url(case['id'])}/{member['id']}", headers=stack.headers(unit, key="a2"))
    assert r.status_code == 200
    with Session(stack.engine) as session:
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.unit_id) == unit).order_by(col(AuditEntry.seq))
        ).all()
    actions = [e.action for e in entries]
    assert {"member.add", "member.change", "member.erase", "case.change_household"} <= set(actions)
    text = str([(e.action, e.details) for e in entries])
    assert member["id"] in text
    assert "Tajne" not in text and "Inne Imię" not in text and "Tajna Szkoła" not in text
