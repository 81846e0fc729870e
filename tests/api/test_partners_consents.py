"""The resource map, internship capacity, the client's consent and the perpetrator's
contacts, through the real stack (dev server, worker, API)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from apistack import DIAGNOSIS_DONE, Stack, new_unit
from sqlmodel import Session, select

from pathway.store import audit_trail

pytestmark = pytest.mark.integration

API = "/api/v1"


def admin(stack: Stack, unit: str) -> dict[str, str]:
    return stack.headers(unit, "admin-pc", roles=("admin",))


async def add_partner(stack: Stack, unit: str, **body: Any) -> dict[str, Any]:
    r = await stack.http.post(f"{API}/partners", json=body, headers=admin(stack, unit))
    assert r.status_code == 201, r.text
    return r.json()


async def partner(stack: Stack, unit: str, partner_id: str) -> dict[str, Any]:
    r = await stack.http.get(f"{API}/partners/{partner_id}", headers=stack.headers(unit))
    assert r.status_code == 200, r.text
    return r.json()


# ---------------------------------------------------------------- the resource map
async def test_a_partner_gets_a_scope_and_a_signing_key_shown_once(stack: Stack) -> None:
    unit = new_unit()
    created = await add_partner(
        stack,
        unit,
        name="Fundacja Kanarek",
        kind="ngo",
        sector="non_public",
        channel="webhook",
        webhook_url="https://kanarek.invalid/hook",
        data_scope=["case_reference", "client_name"],
    )
    assert len(created["webhook_secret"]) >= 32
    assert created["data_scope"] == ["case_reference", "client_name"]
    shown = await partner(stack, unit, created["id"])
    listed = (await stack.http.get(f"{API}/partners", headers=stack.headers(unit))).json()["items"]
    for answer in (shown, *listed):
        assert "webhook_secret" not in answer and created["webhook_secret"] not in str(answer)
    default = await add_partner(stack, unit, name="Poradnia", kind="therapy", sector="public")
    assert default["data_scope"] == ["case_reference", "coordinator_contact", "dates", "stage"]


@pytest.mark.parametrize("field", ["client_address", "support_reason", "violence_context"])
async def test_an_employer_can_never_be_given_address_reason_or_violence(stack: Stack, field: str) -> None:
    unit = new_unit()
    r = await stack.http.post(
        f"{API}/partners",
        headers=admin(stack, unit),
        json={"name": "Hurtownia", "kind": "employer", "sector": "private", "data_scope": ["case_reference", field]},
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "scope_not_allowed"
    assert "employer may never be told" in r.json()["detail"]["message"] and field in r.json()["detail"]["message"]
    # The same scope is fine for a therapy centre; an unknown field code never is.
    await add_partner(
        stack, unit, name="Terapia", kind="therapy", sector="public", data_scope=["case_reference", field]
    )
    r = await stack.http.post(
        f"{API}/partners",
        headers=admin(stack, unit),
        json={"name": "X", "kind": "therapy", "sector": "public", "data_scope": ["pesel"]},
    )
    assert r.status_code == 422 and "unknown field 'pesel'" in r.json()["detail"]["message"], r.text


# ---------------------------------------------------------------- internship capacity
async def test_an_employers_places_are_used_refused_when_full_and_freed_when_a_case_closes(stack: Stack) -> None:
    unit = new_unit()
    employer = await add_partner(
        stack, unit, name="Piekarnia Trzy Miejsca", kind="employer", sector="private", internship_capacity=3
    )
    assert (employer["places_in_use"], employer["places_free"]) == (0, 3)
    cases = [await stack.open_case(unit=unit) for _ in range(4)]

    async def in_use(n: int) -> None:
        async def probe() -> bool:
            return (await partner(stack, unit, employer["id"]))["places_in_use"] == n

        await stack.eventually(probe, what=f"{n} places in use")

    for i, case in enumerate(cases[:3], start=1):
        r = await stack.fact(case["id"], "placement", {"partner_id": employer["id"]}, unit=unit)
        assert r.status_code == 200, r.text
        await in_use(i)
    # The same employer named again on a placed case keeps its place (not refused).
    assert (await stack.fact(cases[0]["id"], "placement", {"partner_id": employer["id"]}, unit=unit)).status_code == 200
    full = await stack.fact(cases[3]["id"], "placement", {"partner_id": employer["id"]}, unit=unit)
    assert full.status_code == 409, full.text
    detail = full.json()["detail"]
    assert detail["code"] == "no_internship_capacity"
    assert "3 of 3 places in use at Piekarnia Trzy Miejsca" in detail["message"]
    shown = await partner(stack, unit, employer["id"])
    assert (shown["places_in_use"], shown["places_free"]) == (3, 0)
    listed = (await stack.http.get(f"{API}/partners", params={"kind": "employer"}, headers=stack.headers(unit))).json()
    assert [(p["places_in_use"], p["places_free"]) for p in listed["items"] if p["id"] == employer["id"]] == [(3, 0)]

    r = await stack.http.post(
        f"{API}/cases/{cases[1]['id']}/close",
        json={"outcome": "dropped_out", "exit_status": "inactive"},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text
    await in_use(2)
    r = await stack.fact(cases[3]["id"], "placement", {"partner_id": employer["id"]}, unit=unit)
    assert r.status_code == 200, r.text
    await in_use(3)


# ---------------------------------------------------------------- consent
async def test_the_consent_exemption_holds_only_in_a_pathway_on_the_domestic_violence_act(stack: Stack) -> None:
    """An OPS is told without consent in Model Wsparcia (domestic violence), never in the
    homelessness pathway (issue 13, item 14)."""
    unit = new_unit()
    ops = await add_partner(stack, unit, name="OPS Dzielnicowy", kind="ops", sector="public")
    homeless = await stack.open_case(unit=unit, definition="wychodzenie-z-bezdomnosci")
    refer = {"partner_id": ops["id"], "service": "social_work"}
    url = f"{API}/cases/{homeless['id']}/referrals"
    r = await stack.http.post(url, json=refer, headers=stack.headers(unit))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "consent_required", r.text
    r = await stack.http.post(
        f"{API}/cases/{homeless['id']}/consents", json={"partner_id": ops["id"]}, headers=stack.headers(unit)
    )
    assert r.status_code == 201 and r.json()["required"] is True, r.text
    violence = await stack.open_case(unit=unit)
    r = await stack.http.post(
        f"{API}/cases/{violence['id']}/consents", json={"partner_id": ops["id"]}, headers=stack.headers(unit)
    )
    assert r.status_code == 201 and r.json()["required"] is False, r.text


async def test_consent_is_given_listed_and_withdrawn_by_the_coordinator_and_audited(stack: Stack) -> None:
    unit = new_unit()
    therapy = await add_partner(stack, unit, name="Ośrodek Zgody", kind="therapy", sector="non_public")
    zi = await add_partner(stack, unit, name="Zespół Interdyscyplinarny", kind="zi", sector="public")
    case = await stack.open_case(unit=unit)
    url = f"{API}/cases/{case['id']}/consents"
    r = await stack.http.post(url, json={"partner_id": therapy["id"]}, headers=stack.headers(unit))
    assert r.status_code == 201, r.text
    given = r.json()
    assert given["active"] and given["required"] and given["partner_name"] == "Ośrodek Zgody"
    again = await stack.http.post(url, json={"partner_id": therapy["id"]}, headers=stack.headers(unit))
    assert again.json()["id"] == given["id"], "giving it twice keeps the one in force"
    r = await stack.http.post(url, json={"partner_id": zi["id"]}, headers=stack.headers(unit))
    assert r.status_code == 201 and r.json()["required"] is False  # the ZI is told on the act's basis anyway

    # Refusals: a supervisor does not act on cases, a colleague does not see it, unknown partners.
    assert (
        await stack.http.post(url, json={"partner_id": therapy["id"]}, headers=stack.supervisor(unit))
    ).status_code == 403
    assert (
        await stack.http.post(url, json={"partner_id": therapy["id"]}, headers=stack.headers(unit, "coord-other"))
    ).status_code == 404
    r = await stack.http.post(url, json={"partner_id": "no-such-partner"}, headers=stack.headers(unit))
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_partner", r.text
    r = await stack.http.post(url, json={"partner_id": therapy["id"], "client_id": "x"}, headers=stack.headers(unit))
    assert r.status_code == 422, r.text

    r = await stack.http.post(f"{url}/{given['id']}/withdraw", headers=stack.headers(unit))
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["withdrawn_by"] == stack.login_of(unit), (
        r.text
    )
    assert (await stack.http.post(f"{url}/no-such/withdraw", headers=stack.headers(unit))).status_code == 404
    listed = (await stack.http.get(url, headers=stack.supervisor(unit))).json()
    assert listed["count"] == 2 and [c["active"] for c in listed["items"]] == [False, True]

    with Session(stack.engine) as session:
        actions = session.exec(
            select(audit_trail.AuditEntry.action).where(audit_trail.AuditEntry.case_id == case["id"])
        ).all()
    assert actions.count("consent.give") == 3 and actions.count("consent.withdraw") == 1
    assert audit_trail.verify(stack.engine, unit_id=unit).ok


# ---------------------------------------------------------------- the perpetrator
async def into_therapy_with_consent(stack: Stack, unit: str, cid: str, therapist_id: str) -> None:
    """The client's consent for the therapist, then the Model Wsparcia case moved into therapy
    (where the therapist is told)."""
    r = await stack.http.post(
        f"{API}/cases/{cid}/consents", json={"partner_id": therapist_id}, headers=stack.headers(unit)
    )
    assert r.status_code == 201, r.text
    for name, value in (
        ("diagnosis", DIAGNOSIS_DONE),
        ("help_plan", {"agreed_on": "2026-05-04"}),
        ("therapist", {"partner_id": therapist_id}),
    ):
        assert (await stack.fact(cid, name, value, unit=unit)).status_code == 200
    await stack.agree_plan(cid, unit=unit)  # Model Wsparcia 7: the structured plan (plan_complete)
    for _ in range(2):
        assert (await stack.transition(cid, "advance", unit=unit)).status_code == 200


async def test_the_perpetrators_details_are_kept_for_staff_and_their_address_is_never_told(stack: Stack) -> None:
    unit = new_unit()
    contact = f"sprawca-{uuid.uuid4().hex[:6]}@example.invalid"
    # A therapist whose (webhook) address carries the perpetrator's e-mail: never told.
    therapist = await add_partner(
        stack,
        unit,
        name="Gabinet pod adresem sprawcy",
        kind="therapy",
        sector="private",
        channel="webhook",
        webhook_url=f"http://127.0.0.1:9/hook?to={contact}",
    )
    case = await stack.open_case(
        unit=unit,
        client={
            "name": "Klientka Chroniona",
            "perpetrator_name": "Jan Sprawca",
            "perpetrator_contacts": [contact, "+48 600 111 222"],
        },
    )
    cid = case["id"]
    assert case["client"]["perpetrator_name"] == "Jan Sprawca"
    assert (await stack.get_case(cid, unit=unit))["client"]["perpetrator_contacts"] == [contact, "+48 600 111 222"]
    await into_therapy_with_consent(stack, unit, cid, therapist["id"])

    async def told() -> Any:
        page = (await stack.http.get(f"{API}/cases/{cid}/notifications", headers=stack.headers(unit))).json()
        kinds = {(n["partner_id"], n["status"], n.get("reason")) for n in page["items"]}
        coordinator_told = any(n["payload"].get("subject_code") == "partner_unreachable" for n in page["items"])
        return page if (therapist["id"], "blocked", "perpetrator_contact") in kinds and coordinator_told else None

    page = await stack.eventually(told, timeout=20, what="blocked, and the coordinator told")
    text = str(page)
    assert "Jan Sprawca" not in text and contact not in text
