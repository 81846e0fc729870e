"""The case's plan through the real stack (issue 14, section 2): versions, the 422s naming
the field, 409 on a stale version, a colleague's case "not found", the words sealed at rest
and never in the audit trail; an overdue action reaching the stalled audit and the
supervisors' inbox."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from apistack import Stack, new_unit
from helpers import local_today
from sqlmodel import Session, col, select

from pathway.store.audit_trail import AuditEntry
from pathway.store.models import PlanVersion

pytestmark = pytest.mark.integration

API = "/api/v1"
SECRET = "Znaleźć mieszkanie socjalne dla rodziny Kowalskich"


def plan_body(partner_id: str | None = None, due_on: date | None = None, **more: Any) -> dict[str, Any]:
    due = (due_on or local_today() + timedelta(days=30)).isoformat()
    owner = {"kind": "partner", "id": partner_id} if partner_id else {"kind": "coordinator"}
    return {
        "agreed_on": local_today().isoformat(),
        "goals": [
            {
                "title": SECRET,
                "actions": [
                    {"title": "Złożyć wniosek o mieszkanie", "owner": owner, "due_on": due},
                    {"title": "Rozmowa z pedagogiem", "owner": {"kind": "member", "id": "m-1"}, "due_on": due},
                ],
            }
        ],
        **more,
    }


# The member a family case's plan gives an action to ("m-1" in plan_body): the household's
# real id, by case.
MEMBERS: dict[str, str] = {}


async def family_case(stack: Stack, unit: str) -> dict[str, Any]:
    case = await stack.open_case(unit=unit, definition="asystent-rodziny", key=uuid.uuid4().hex)
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/members",
        json={"role": "parent", "name": "Anna Rodzicowa", "birth_year": 1985},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 201, r.text
    MEMBERS[case["id"]] = r.json()["id"]
    return case


def _with_member(case_id: str, body: Any) -> Any:
    """``body`` with the placeholder member "m-1" as the case's real household member."""
    if case_id not in MEMBERS:
        return body
    return json.loads(json.dumps(body).replace('"m-1"', json.dumps(MEMBERS[case_id])))


async def put(stack: Stack, case_id: str, body: Any, unit: str, key: str | None = None) -> Any:
    return await stack.http.put(
        f"{API}/cases/{case_id}/plan",
        json=_with_member(case_id, body),
        headers=stack.headers(unit, key=key or uuid.uuid4().hex),
    )


async def test_the_plan_is_versioned_checked_and_sealed(stack: Stack) -> None:
    from apistack import UNIT

    case = await family_case(stack, UNIT)
    cid, me = case["id"], stack.headers(UNIT)
    empty = (await stack.http.get(f"{API}/cases/{cid}/plan", headers=me)).json()
    assert empty["version"] == 0 and empty["goals"] == []

    # a partner not on the resource map, a plan not agreed, a goal without an action: 422 naming the field
    r = await put(stack, cid, plan_body("no-such-partner"), UNIT)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "goals[0].actions[0].owner.id", r.text
    r = await put(stack, cid, {**plan_body(), "agreed_on": None}, UNIT)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "agreed_on", r.text
    stranger = plan_body()
    stranger["goals"][0]["actions"][1]["owner"]["id"] = "no-such-member"
    r = await put(stack, cid, stranger, UNIT)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "goals[0].actions[1].owner.id", r.text
    assert r.json()["detail"]["code"] == "unknown_member"
    bare = plan_body()
    bare["goals"][0]["actions"] = []
    r = await put(stack, cid, bare, UNIT)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "goals[0].actions", r.text

    key = uuid.uuid4().hex
    r = await put(stack, cid, plan_body(stack.partners["therapy"]), UNIT, key=key)
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["version"] == 1 and first["goals"][0]["title"] == SECRET
    [a1, a2] = first["goals"][0]["actions"]
    assert a1["owner"] == {"kind": "partner", "id": stack.partners["therapy"]} and a1["status"] == "planned"
    assert a2["owner"] == {"kind": "member", "id": MEMBERS[cid]}
    # the same key again: the same version, not a new one
    again = await put(stack, cid, plan_body(stack.partners["therapy"]), UNIT, key=key)
    assert again.status_code == 200 and again.json()["version"] == 1

    # a change made on a stale version: 409
    r = await put(stack, cid, {**plan_body(), "expected_version": 0}, UNIT)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "stale_plan", r.text

    status = f"{API}/cases/{cid}/plan/actions/{a1['id']}/status"
    r = await stack.http.post(status, json={"status": "dropped"}, headers=stack.headers(UNIT, key=uuid.uuid4().hex))
    assert r.status_code == 422 and r.json()["detail"]["field"] == "reason", r.text
    r = await stack.http.post(
        status, json={"status": "dropped", "reason": "replaced"}, headers=stack.headers(UNIT, key=uuid.uuid4().hex)
    )
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["version"] == 2
    assert (
        second["goals"][0]["actions"][0]["status"] == "dropped"
        and second["goals"][0]["actions"][0]["reason"] == "replaced"
    )

    # a colleague's case: "not found", exactly like a made-up id
    colleague = stack.headers(UNIT, "colleague-plan")
    for url in (f"{API}/cases/{cid}/plan", f"{API}/cases/made-up/plan"):
        r = await stack.http.get(url, headers=colleague)
        assert r.status_code == 404, r.text
    r = await stack.http.put(
        f"{API}/cases/{cid}/plan", json=plan_body(), headers={**colleague, "Idempotency-Key": "k1"}
    )
    assert r.status_code == 404

    # the words are sealed at rest and never in the audit trail
    with Session(stack.engine) as s:
        rows = s.exec(select(PlanVersion).where(col(PlanVersion.case_id) == cid)).all()
        trail = s.exec(select(AuditEntry).where(col(AuditEntry.case_id) == cid)).all()
    assert [r.version for r in rows] == [1, 2]
    assert all("mieszkanie" not in r.body_sealed for r in rows)
    assert trail and not any("mieszkanie" in str(e.details) for e in trail)


async def test_a_pathway_without_a_plan_refuses_one(stack: Stack) -> None:
    from apistack import UNIT

    # the intercultural assistant's pathway declares no plan
    case = await stack.open_case(unit=UNIT, definition="asystent-miedzykulturowy", key=uuid.uuid4().hex)
    r = await put(stack, case["id"], plan_body(), UNIT)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "no_plan", r.text


async def test_an_overdue_action_reaches_the_audit_and_the_supervisor(stack: Stack) -> None:
    unit = new_unit()
    case = await family_case(stack, unit)
    long_ago = local_today() - timedelta(days=20)
    r = await put(stack, case["id"], plan_body(due_on=long_ago), unit)
    assert r.status_code == 200, r.text
    [late, _] = r.json()["goals"][0]["actions"]
    assert late["days_overdue"] and late["days_overdue"] >= 20

    boss = stack.supervisor(unit)

    async def escalated() -> Any:
        r = await stack.http.get(f"{API}/inbox", headers=boss)
        items = [i for i in r.json()["items"] if i["kind"] == "escalation" and (i["watch"] or "").startswith("action:")]
        return items or None

    [first, *_] = await stack.eventually(escalated, timeout=30, what="the action's escalation")
    assert first["case_id"] == case["id"] and first["watch"] in {
        f"action:{a['id']}" for a in r.json()["goals"][0]["actions"]
    }

    audit = await stack.http.get(f"{API}/audit/stalled", params={"rule": "action_overdue"}, headers=boss)
    assert audit.status_code == 200, audit.text
    [row] = [i for i in audit.json()["items"] if i["case_id"] == case["id"]]
    assert row["rule"] == "action_overdue" and row["days_overdue"] == late["days_overdue"]
    view = await stack.get_case(case["id"], unit=unit)
    assert {o["watch"] for o in view["overdue"]} >= {"action"}
