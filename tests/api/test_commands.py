"""Visits, facts, pause / resume / close through the HTTP API on the real stack."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apistack import DIAGNOSIS_DONE, Stack, new_unit
from sqlmodel import Session

from pathway.store import queries
from pathway.store.models import PartnerCreate

# Also on PostgreSQL (store and key store): see both_stores in tests/api/conftest.py.
pytestmark = [pytest.mark.integration, pytest.mark.both_stores]


def now() -> datetime:
    return datetime.now(UTC)


async def visit(stack: Stack, case_id: str, *, key: str | None = None, **body: Any) -> Any:
    payload = {"occurred_at": (now() - timedelta(hours=2)).isoformat(), "duration_minutes": 90, "kind": "home"}
    payload.update(body)
    return await stack.http.post(f"/api/v1/cases/{case_id}/visits", json=payload, headers=stack.headers(key=key))


async def post(stack: Stack, case_id: str, what: str, body: Any = None, **kw: Any) -> Any:
    return await stack.http.post(f"/api/v1/cases/{case_id}/{what}", json=body, headers=stack.headers(**kw))


# ---------------------------------------------------------------- visits
async def test_a_visit_is_201_and_counted(stack: Stack) -> None:
    case = await stack.open_case()
    at = now() - timedelta(hours=3)
    r = await visit(stack, case["id"], occurred_at=at.isoformat(), duration_minutes=90)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["counted"] is True and body["not_counted_reason"] is None
    # The weekly cadence now runs from this visit (7 days, to the end of that day in Warsaw).
    due = datetime.fromisoformat(body["next_visit_due_at"])
    assert timedelta(days=6) < due - at < timedelta(days=8)
    assert body["case"]["visits_total"] == 1 and body["case"]["id"] == case["id"]
    assert body["case"]["next_visit_due_at"] == body["next_visit_due_at"]


async def test_a_short_visit_is_recorded_but_not_counted(stack: Stack) -> None:
    case = await stack.open_case()
    r = await visit(stack, case["id"], duration_minutes=20)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["counted"] is False
    assert "60 minutes" in body["not_counted_reason"]
    assert body["case"]["visits_total"] == 1
    # It does not move the cadence: the next visit is still due a week after opening.
    assert body["next_visit_due_at"] == case["next_visit_due_at"]


async def test_the_same_visit_sent_twice_is_recorded_once(stack: Stack) -> None:
    case = await stack.open_case()
    key = f"visit-{uuid.uuid4().hex}"
    note = f"Wizyta domowa, klientka opowiedziała o groźbach {uuid.uuid4().hex[:6]}"
    at = (now() - timedelta(hours=2)).isoformat()  # a retry sends the very same body
    first = await visit(stack, case["id"], key=key, note=note, duration_minutes=75, occurred_at=at)
    second = await visit(stack, case["id"], key=key, note=note, duration_minutes=75, occurred_at=at)
    assert first.status_code == 201 and second.status_code == 201, (first.text, second.text)
    assert first.json()["seq"] == second.json()["seq"]
    assert second.json()["counted"] is True
    assert (await stack.get_case(case["id"]))["visits_total"] == 1
    with Session(stack.engine) as session:
        texts = [n.text for n in queries.list_notes(session, vault=stack.vault, case_id=case["id"])]
    assert texts == [note]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"occurred_at": (now() + timedelta(days=2)).isoformat()}, "invalid_command", id="in-the-future"),
        pytest.param({"occurred_at": "2026-01-05T10:00:00"}, "invalid_request", id="naive-datetime"),
        pytest.param({"occurred_at": "wczoraj"}, "invalid_request", id="not-a-datetime"),
        pytest.param({"duration_minutes": 0}, "invalid_request", id="zero-minutes"),
        pytest.param({"duration_minutes": "long"}, "invalid_request", id="minutes-not-a-number"),
        pytest.param({"kind": "w domu u klientki"}, "invalid_command", id="kind-free-text"),
        pytest.param({"place": "ul. Ukryta 1"}, "invalid_request", id="extra-field"),
    ],
)
async def test_bad_visits_are_422(stack: Stack, body: dict[str, Any], code: str) -> None:
    case = await stack.open_case()
    r = await visit(stack, case["id"], **body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == code
    assert r.json()["detail"]["message"]
    assert (await stack.get_case(case["id"]))["visits_total"] == 0


async def test_a_visit_without_occurred_at_is_422(stack: Stack) -> None:
    case = await stack.open_case()
    r = await stack.http.post(
        f"/api/v1/cases/{case['id']}/visits", json={"duration_minutes": 60}, headers=stack.headers()
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "invalid_request" and "occurred_at" in r.json()["detail"]["message"]


# ---------------------------------------------------------------- facts
async def test_a_placement_gets_its_partner_kind_from_the_resource_map(stack: Stack) -> None:
    case = await stack.open_case()
    employer = stack.partners["employer"]
    r = await stack.fact(case["id"], "placement", {"partner_id": employer})
    assert r.status_code == 200, r.text
    assert r.json()["facts"]["placement"] == {"partner_id": employer, "partner_kind": "employer"}
    assert (await stack.get_case(case["id"]))["facts"]["placement"]["partner_kind"] == "employer"


async def test_a_partner_the_map_does_not_know_is_422(stack: Stack) -> None:
    case = await stack.open_case()
    r = await stack.fact(case["id"], "placement", {"partner_id": "no-such-partner"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "unknown_partner"
    # A partner of another unit is unknown here too.
    with Session(stack.engine) as session:
        elsewhere = queries.create_partner(
            session,
            partner=PartnerCreate(unit_id=new_unit(), name="Firma z innej gminy", kind="employer", sector="private"),
        )
    r = await stack.fact(case["id"], "placement", {"partner_id": elsewhere.id})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_partner", r.text
    assert "placement" not in (await stack.get_case(case["id"]))["facts"]


async def test_a_partner_of_the_wrong_kind_is_422_whatever_the_request_claims(stack: Stack) -> None:
    case = await stack.open_case()
    therapy = stack.partners["therapy"]
    for value in ({"partner_id": therapy}, {"partner_id": therapy, "partner_kind": "employer"}):
        r = await stack.fact(case["id"], "placement", value)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert (
            detail["code"] == "invalid_command" and "employer" in detail["message"] and "therapy" in detail["message"]
        )
    assert "placement" not in (await stack.get_case(case["id"]))["facts"]


@pytest.mark.parametrize(
    ("name", "value", "status", "code"),
    [
        pytest.param("no_such_fact", True, 422, "invalid_command", id="unknown-fact"),
        pytest.param("diagnosis", {"situation": "yes"}, 422, "invalid_command", id="checklist-not-bool"),
        pytest.param("diagnosis", {"horoscope": True}, 422, "invalid_command", id="checklist-unknown-item"),
        pytest.param(
            "help_plan",
            {"zi_reference": "Jan Kowalski, ul. Ukryta 1"},
            422,
            "invalid_command",
            id="free-text-in-a-code",
        ),
        pytest.param("x" * 65, True, 422, "invalid_request", id="fact-name-too-long"),
    ],
)
async def test_bad_facts_are_422(stack: Stack, name: str, value: Any, status: int, code: str) -> None:
    case = await stack.open_case()
    r = await stack.fact(case["id"], name, value)
    assert r.status_code == status, r.text
    assert r.json()["detail"]["code"] == code


async def test_a_fact_without_value_is_422(stack: Stack) -> None:
    case = await stack.open_case()
    r = await stack.http.put(f"/api/v1/cases/{case['id']}/facts/diagnosis", json={"valeu": {}}, headers=stack.headers())
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_request", r.text


# ---------------------------------------------------------------- pause, resume, close
async def test_pause_and_resume(stack: Stack) -> None:
    case = await stack.open_case()
    r = await post(stack, case["id"], "pause", {"reason": "hospital", "note": "Klientka w szpitalu po pobiciu"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "paused" and r.json()["pause_reason"] == "hospital"
    assert r.json()["allowed"] == [] and r.json()["blocked"] == []
    with Session(stack.engine) as session:
        assert [n.text for n in queries.list_notes(session, vault=stack.vault, case_id=case["id"])] == [
            "Klientka w szpitalu po pobiciu"
        ]

    r = await stack.transition(case["id"], "advance")
    assert r.status_code == 409, r.text
    assert r.json()["detail"]["code"] == "illegal_move" and r.json()["detail"]["status"] == "paused"
    r = await post(stack, case["id"], "pause", {"reason": "hospital"})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "illegal_move", r.text

    r = await post(stack, case["id"], "resume")
    assert r.status_code == 200 and r.json()["status"] == "active", r.text
    r = await post(stack, case["id"], "resume")
    assert r.status_code == 409 and r.json()["detail"]["code"] == "illegal_move", r.text


async def test_a_pause_reason_is_a_code_not_free_text(stack: Stack) -> None:
    case = await stack.open_case()
    r = await post(stack, case["id"], "pause", {"reason": "szpital na dwa tygodnie"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "invalid_request" and "reason" in r.json()["detail"]["message"]
    assert (await stack.get_case(case["id"]))["status"] == "active"


async def test_close_with_an_unknown_outcome_lists_the_outcomes(stack: Stack) -> None:
    case = await stack.open_case()
    r = await post(stack, case["id"], "close", {"outcome": "moved_to_mars"})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_command"
    assert detail["outcomes"] == ["dropped_out", "transferred"]
    assert "moved_to_mars" in detail["message"]
    assert (await stack.get_case(case["id"]))["status"] == "active"


async def test_a_closed_case_takes_no_more_commands(stack: Stack) -> None:
    case = await stack.open_case()
    r = await post(
        stack,
        case["id"],
        "close",
        {"outcome": "dropped_out", "note": "Wyjechała do siostry", "exit_status": "inactive"},
    )
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["status"] == "closed" and closed["stage"] == "dropped_out" and closed["outcome"] == "dropped_out"
    assert closed["allowed"] == [] and closed["outcomes"] == []

    for _ in range(2):  # while the workflow finishes, and after it has
        r = await stack.transition(case["id"], "advance")
        assert r.status_code == 409, r.text
        assert r.json()["detail"]["code"] in ("case_closed", "illegal_move")
        r = await visit(stack, case["id"])
        assert r.status_code == 409, r.text
        await stack.client.get_workflow_handle(f"case-{case['id']}").result()

    got = await stack.get_case(case["id"])  # a finished workflow still answers its query
    assert got["status"] == "closed" and got["outcome"] == "dropped_out"


async def test_a_supervisor_reassigns_and_the_previous_coordinator_loses_the_case(stack: Stack) -> None:
    case = await stack.open_case()
    url = f"/api/v1/cases/{case['id']}/coordinator"
    r = await stack.http.put(url, json={"coordinator": "coord-2"}, headers=stack.headers())
    assert r.status_code == 403, "a coordinator does not reassign"
    r = await stack.http.put(url, json={"coordinator": "coord-2"}, headers=stack.supervisor())
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_coordinator", "coord-2 has no account yet"
    stack.user(actor="coord-2")
    r = await stack.http.put(url, json={"coordinator": "coord-2"}, headers=stack.supervisor())
    assert r.status_code == 200 and r.json()["coordinator"] == "coord-2", r.text
    r = await stack.http.put(url, json={"coordinator": "coord-2"}, headers=stack.supervisor())
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_command", r.text
    r = await stack.http.put(url, json={"coordinator": "Jan Kowalski"}, headers=stack.supervisor())
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_request", r.text

    async def gone() -> bool:
        r = await stack.http.get(f"/api/v1/cases/{case['id']}", headers=stack.headers())
        return r.status_code == 404

    await stack.eventually(gone, what="the previous coordinator no longer sees the case")
    r = await stack.http.get(f"/api/v1/cases/{case['id']}", headers=stack.headers(actor="coord-2"))
    assert r.status_code == 200 and r.json()["coordinator"] == "coord-2"


async def test_the_whole_main_path_to_therapy_notifies_the_therapist(stack: Stack) -> None:
    case = await stack.open_case()
    cid = case["id"]
    therapy = stack.partners["therapy"]
    # A therapy centre is told only with the client's consent.
    r = await stack.http.post(f"/api/v1/cases/{cid}/consents", json={"partner_id": therapy}, headers=stack.headers())
    assert r.status_code == 201, r.text
    for name, value in (
        ("diagnosis", DIAGNOSIS_DONE),
        ("help_plan", {"agreed_on": "2026-05-04", "zi_reference": "ZI-2026-17"}),
        ("therapist", {"partner_id": therapy}),
    ):
        r = await stack.fact(cid, name, value)
        assert r.status_code == 200, r.text
    await stack.agree_plan(cid)  # Model Wsparcia 7: the structured plan (plan_complete)
    for expected in ("plan", "therapy"):
        r = await stack.transition(cid, "advance")
        assert r.status_code == 200, r.text
        assert r.json()["stage"] == expected

    async def therapist_told() -> Any:
        r = await stack.http.get(f"/api/v1/cases/{cid}/notifications", headers=stack.headers())
        assert r.status_code == 200, r.text
        return r.json() if r.json()["items"] else None  # (the count is read apart: it may lead)

    page = await stack.eventually(therapist_told, what="the therapist's notification")
    [note] = page["items"]
    assert note["partner_id"] == therapy and note["case_id"] == cid
    assert note["status"] == "delivered"
    assert note["payload"]["subject_code"] == "case_stage_enter"
    assert note["payload"]["body"]["stage"] == "therapy"
    assert note["key"] == f"{cid}:{note['seq']}:{therapy}"
