"""Opening and reading cases, and moving them, through the HTTP API on the real stack."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apistack import COORDINATOR, DIAGNOSIS_DONE, UNIT, Stack, new_unit
from google.protobuf.message import Message as ProtoMessage
from sqlmodel import Session, select
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from pathway.store import queries
from pathway.store.models import Client as ClientRow
from pathway.store.models import NotePublic

# Also on PostgreSQL (store and key store): see both_stores in tests/api/conftest.py.
pytestmark = [pytest.mark.integration, pytest.mark.both_stores]

CASE_FIELDS = {
    "id",
    "definition",
    "definition_version",
    "stage",
    "status",
    "coordinator",
    "allowed",
    "blocked",
    "stage_due_at",
    "next_visit_due_at",
    "overdue",
    "history",
}


# ---------------------------------------------------------------- history helpers
def _payloads(msg: ProtoMessage) -> list[Payload]:
    """Every Payload anywhere inside a protobuf message (fields, repeated fields, maps)."""
    if isinstance(msg, Payload):
        return [msg]
    found: list[Payload] = []
    for fd, value in msg.ListFields():
        if fd.message_type is None:
            continue
        if fd.message_type.GetOptions().map_entry:
            value_fd = fd.message_type.fields_by_name["value"]
            if value_fd.message_type is not None:
                for item in value.values():
                    found += _payloads(item)
        elif isinstance(value, ProtoMessage):
            found += _payloads(value)
        else:  # a repeated message field
            for item in value:
                found += _payloads(item)
    return found


async def history_texts(client: Client, workflow_id: str) -> tuple[list[str], bytes]:
    """The decoded data of every payload in the workflow's history, and the raw history."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    payloads = [p for event in history.events for p in _payloads(event)]
    assert payloads, "a case's history has payloads (its input at least)"
    codec = client.data_converter.payload_codec
    if codec is not None:  # look at what the codec protects; search attributes are never encrypted
        payloads = [
            (await codec.decode([p]))[0] if p.metadata.get("encoding") == b"binary/encrypted" else p for p in payloads
        ]
    texts = []
    for p in payloads:
        raw = p.data.decode("utf-8")
        # JSON may escape non-ASCII ("\u0141"): compare against the decoded value too.
        texts.append(raw + "\n" + json.dumps(json.loads(raw), ensure_ascii=False) if raw else "")
    raw_history = b"".join(e.SerializeToString() for e in history.events)
    return texts, raw_history


def assert_absent(secret: str, texts: list[str], raw: bytes) -> None:
    for text in texts:
        assert secret not in text, f"{secret!r} found in a workflow payload: {text[:300]}"
    assert secret.encode("utf-8") not in raw, f"{secret!r} found in the raw workflow history"


def notes_of(stack: Stack, case_id: str) -> list[NotePublic]:
    """The case's notes as stored, opened with the app's vault."""
    with Session(stack.engine) as session:
        return queries.list_notes(session, vault=stack.vault, case_id=case_id)


async def diagnosed_case(stack: Stack) -> str:
    case = await stack.open_case()
    r = await stack.fact(case["id"], "diagnosis", DIAGNOSIS_DONE)
    assert r.status_code == 200, r.text
    assert r.json()["allowed"] == ["advance"]
    return case["id"]


# ---------------------------------------------------------------- opening
async def test_open_case_returns_201_and_keeps_the_client_out_of_temporal(stack: Stack) -> None:
    name = f"Zofia Tajemnicza-Śledzińska {uuid.uuid4().hex[:6]}"
    address = "ul. Ukryta 13/7, 50-001 Wrocław"
    phone = "+48 601 702 803"
    opening_note = "Zgłoszenie z Niebieskiej Karty, sprawca mieszka piętro niżej"
    r = await stack.http.post(
        "/api/v1/cases",
        json={
            "definition": "model-wsparcia",
            "coordinator": COORDINATOR,
            "client": {"name": name, "address": address, "phone": phone},
            "note": opening_note,
        },
        headers=stack.headers(),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["id"])
    assert body["definition"] == "model-wsparcia"
    assert body["stage"] == "diagnosis"
    assert body["status"] == "active"
    assert body["coordinator"] == COORDINATOR
    assert body["client"]["name"] == name and body["client"]["address"] == address
    assert CASE_FIELDS <= set(body)

    # The identity and the note are in SQL, sealed ...
    with Session(stack.engine) as session:
        row = session.get(ClientRow, body["client"]["id"])
        assert row is not None and name not in row.name_sealed and address not in (row.address_sealed or "")
        person = queries.get_client(session, vault=stack.vault, client_id=row.id)
        assert person is not None and (person.name, person.address, person.phone) == (name, address, phone)
    assert [n.text for n in notes_of(stack, body["id"])] == [opening_note]

    # ... and nowhere in Temporal: not in any payload, not in the raw history.
    workflow_id = f"case-{body['id']}"
    texts, raw = await history_texts(stack.client, workflow_id)
    assert any(body["id"] in t for t in texts), "sanity: the decoder does see the case's own id"
    for secret in (name, "Tajemnicza", "Śledzińska", address, "Ukryta", phone, "601 702", opening_note, "Niebieskiej"):
        assert_absent(secret, texts, raw)

    # The workflow id and the search attributes are ids and codes only.
    assert re.fullmatch(r"case-[0-9a-f]{32}", workflow_id)
    description = await stack.client.get_workflow_handle(workflow_id).describe()
    values = {key.name: value for key, value in description.typed_search_attributes}
    assert values["PathwayDefinition"] == "model-wsparcia"
    assert values["PathwayStage"] == "diagnosis"
    assert values["CoordinatorId"] == COORDINATOR
    assert values["UnitId"] == UNIT
    for value in values.values():
        assert "Tajemnicza" not in str(value) and "Ukryta" not in str(value)
    assert not (await description.memo())


async def test_open_case_with_the_same_idempotency_key_opens_one_case(stack: Stack) -> None:
    key = f"open-{uuid.uuid4().hex}"
    name = f"Klientka Idempotentna {uuid.uuid4().hex[:8]}"
    body = {"definition": "model-wsparcia", "coordinator": COORDINATOR, "client": {"name": name}}
    first = await stack.http.post("/api/v1/cases", json=body, headers=stack.headers(key=key))
    second = await stack.http.post("/api/v1/cases", json=body, headers=stack.headers(key=key))
    assert first.status_code == 201, first.text
    assert second.status_code == 200, second.text
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["stage"] == "diagnosis"
    with Session(stack.engine) as session:
        ids = session.exec(select(ClientRow.id).where(ClientRow.unit_id == UNIT)).all()
        names = queries.client_names(session, vault=stack.vault, client_ids=ids)
        assert list(names.values()).count(name) == 1

    # Another key is another case.
    third = await stack.http.post("/api/v1/cases", json=body, headers=stack.headers(key=f"open-{uuid.uuid4().hex}"))
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]


async def test_unknown_definition_is_422(stack: Stack) -> None:
    r = await stack.http.post(
        "/api/v1/cases",
        json={"definition": "no-such-pathway", "coordinator": COORDINATOR, "client": {"name": "Anna"}},
        headers=stack.headers(),
    )
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "unknown_definition"
    assert "no-such-pathway" in detail["message"]
    assert "model-wsparcia" in detail["definitions"]


async def test_malformed_json_is_400(stack: Stack) -> None:
    r = await stack.http.post(
        "/api/v1/cases",
        content=b'{"definition": "model-wsparcia", "client": {',
        headers={**stack.headers(), "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["detail"]["code"] == "malformed_json"
    assert r.json()["detail"]["message"]


VALID = {"definition": "model-wsparcia", "coordinator": COORDINATOR, "client": {"name": "Anna"}}
IN_A_WEEK = (datetime.now(UTC) + timedelta(days=7)).isoformat()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        pytest.param({**VALID, "definition": 7}, "definition", id="definition-not-a-string"),
        pytest.param({**VALID, "client": "Anna"}, "client", id="client-not-an-object"),
        pytest.param({**VALID, "client": {"name": ""}}, "name", id="empty-name"),
        pytest.param({**VALID, "client": {"name": 12}}, "name", id="name-not-a-string"),
        pytest.param(
            {"definition": "model-wsparcia", "client": {"name": "Anna"}}, "coordinator", id="missing-coordinator"
        ),
        pytest.param({"definition": "model-wsparcia", "coordinator": COORDINATOR}, "client", id="missing-client"),
        pytest.param({**VALID, "colour": "blue"}, "colour", id="extra-field"),
        pytest.param({**VALID, "client": {"name": "Anna", "pesel": "75010112345"}}, "pesel", id="extra-client-field"),
        pytest.param({**VALID, "opened_at": "2026-01-05T10:00:00"}, "opened_at", id="naive-opened-at"),
        pytest.param({**VALID, "opened_at": "yesterday"}, "opened_at", id="opened-at-not-a-date"),
        pytest.param({**VALID, "opened_at": IN_A_WEEK}, "opened_at", id="opened-at-in-the-future"),
        pytest.param(
            {**VALID, "coordinator": "Anna Nowak, tel. 600 100 200"}, "coordinator", id="coordinator-not-an-id"
        ),
        pytest.param([VALID], "body", id="a-list"),
        pytest.param("model-wsparcia", "body", id="a-string"),
        pytest.param(None, "body", id="null"),
    ],
)
async def test_bad_open_requests_are_422_with_a_message(stack: Stack, body: Any, where: str) -> None:
    r = await stack.http.post("/api/v1/cases", json=body, headers=stack.headers())
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    # A date in the future is a refusal of meaning (its own code); the others are of shape.
    in_future = isinstance(body, dict) and body.get("opened_at") == IN_A_WEEK
    assert detail["code"] == ("opened_in_future" if in_future else "invalid_request"), detail
    assert where in detail["message"], detail


async def test_empty_body_and_bad_headers_are_4xx_never_500(stack: Stack) -> None:
    r = await stack.http.post("/api/v1/cases", headers=stack.headers())
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_request", r.text
    r = await stack.http.post("/api/v1/cases", json=VALID, headers={"Authorization": "Bearer not-a-live-token"})
    assert r.status_code == 401 and r.json()["detail"]["code"] == "unauthorized", r.text
    assert r.headers["WWW-Authenticate"] == "Bearer"
    r = await stack.http.post(
        "/api/v1/cases", json=VALID, headers={**stack.headers(), "Idempotency-Key": "klucz ze spacja"}
    )
    assert r.status_code == 400 and r.json()["detail"]["code"] == "invalid_idempotency_key", r.text


# ---------------------------------------------------------------- reading
async def test_get_case_has_every_field_of_the_design(stack: Stack) -> None:
    case = await stack.open_case()
    got = await stack.get_case(case["id"])
    assert CASE_FIELDS <= set(got), CASE_FIELDS - set(got)
    assert got["id"] == case["id"]
    assert got["definition"] == "model-wsparcia" and got["definition_version"] == 7
    assert got["stage"] == "diagnosis" and got["status"] == "active" and got["coordinator"] == COORDINATOR
    assert got["allowed"] == []
    assert got["blocked"] and {"trigger", "guard", "reason"} <= set(got["blocked"][0])
    assert got["blocked"][0]["trigger"] == "advance" and got["blocked"][0]["guard"] == "checklist_complete"
    # A 30-day diagnosis deadline and a weekly visit, both ahead.
    now = datetime.now(UTC)
    stage_due = datetime.fromisoformat(got["stage_due_at"])
    visit_due = datetime.fromisoformat(got["next_visit_due_at"])
    assert timedelta(days=29) < stage_due - now < timedelta(days=32)
    assert timedelta(days=6) < visit_due - now < timedelta(days=9)
    assert got["overdue"] == []
    assert [h["stage"] for h in got["history"]] == ["diagnosis"]


async def test_unknown_case_and_another_units_case_are_the_same_404(stack: Stack) -> None:
    case = await stack.open_case()
    missing = uuid.uuid4().hex
    r = await stack.http.get(f"/api/v1/cases/{missing}", headers=stack.headers())
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == {"code": "case_not_found", "message": f"no case '{missing}'"}

    other = stack.headers(unit=new_unit())
    r = await stack.http.get(f"/api/v1/cases/{case['id']}", headers=other)
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == {"code": "case_not_found", "message": f"no case '{case['id']}'"}
    # Nor can another unit act on it, or read its notifications.
    for method, path, body in (
        ("POST", "transitions", {"trigger": "advance"}),
        ("POST", "visits", {"occurred_at": datetime.now(UTC).isoformat(), "duration_minutes": 90}),
        ("PUT", "facts/diagnosis", {"value": DIAGNOSIS_DONE}),
        ("POST", "close", {"outcome": "dropped_out"}),
        ("GET", "notifications", None),
    ):
        r = await stack.http.request(method, f"/api/v1/cases/{case['id']}/{path}", json=body, headers=other)
        assert r.status_code == 404 and r.json()["detail"]["code"] == "case_not_found", (path, r.text)
    assert (await stack.get_case(case["id"]))["status"] == "active"


# ---------------------------------------------------------------- moving
async def test_unmet_guard_is_422_naming_the_guard(stack: Stack) -> None:
    case = await stack.open_case()
    r = await stack.transition(case["id"], "advance")
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "guard_unmet"
    assert "checklist" in detail["message"]
    [guard] = detail["guards"]
    assert guard["guard"] == "checklist_complete" and guard["fact"] == "diagnosis"
    assert "Safety assessment" in guard["reason"]
    assert (await stack.get_case(case["id"]))["stage"] == "diagnosis"


@pytest.mark.parametrize("trigger", ["employ", "complete", "no_such_move"])
async def test_illegal_trigger_is_409(stack: Stack, trigger: str) -> None:
    case = await stack.open_case()
    r = await stack.transition(case["id"], trigger)
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "illegal_move"
    assert detail["stage"] == "diagnosis"
    assert trigger in detail["message"]


async def test_advance_after_the_diagnosis_has_the_shape_of_get(stack: Stack) -> None:
    case_id = await diagnosed_case(stack)
    r = await stack.transition(case_id, "advance", key=f"adv-{uuid.uuid4().hex}")
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["stage"] == "plan"
    assert [h["stage"] for h in moved["history"]] == ["diagnosis", "plan"]
    assert moved["history"][-1]["trigger"] == "advance" and moved["history"][-1]["actor"] == COORDINATOR
    # Plan: a deadline of 15 working days, and guards on the (structured) help plan and the therapist.
    assert {b["guard"] for b in moved["blocked"]} == {"plan_complete", "partner_assigned"}
    got = await stack.get_case(case_id)
    assert set(moved) == set(got)
    assert got["stage"] == "plan" and got["history"] == moved["history"]


async def test_the_same_idempotency_key_moves_the_case_once(stack: Stack) -> None:
    case_id = await diagnosed_case(stack)
    key = f"adv-{uuid.uuid4().hex}"
    note = f"Plan omówiony z klientką {uuid.uuid4().hex[:6]}"
    first = await stack.transition(case_id, "advance", key=key, note=note)
    second = await stack.transition(case_id, "advance", key=key, note=note)
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert first.json()["stage"] == second.json()["stage"] == "plan"
    got = await stack.get_case(case_id)
    assert got["stage"] == "plan"
    assert [h["stage"] for h in got["history"]].count("plan") == 1
    # A retried request does not store its note twice either.
    assert [n.text for n in notes_of(stack, case_id)] == [note]
    # A different key is a new move: from plan, 'advance' is guarded.
    third = await stack.transition(case_id, "advance", key=f"adv-{uuid.uuid4().hex}")
    assert third.status_code == 422, third.text


async def test_a_stale_expected_stage_is_409_with_the_current_stage(stack: Stack) -> None:
    case_id = await diagnosed_case(stack)
    r = await stack.transition(case_id, "advance", expected_stage="diagnosis")
    assert r.status_code == 200 and r.json()["stage"] == "plan", r.text
    stale = await stack.transition(case_id, "advance", expected_stage="diagnosis")
    assert stale.status_code == 409, stale.text
    detail = stale.json()["detail"]
    assert detail["code"] == "illegal_move"
    assert detail["stage"] == "plan" and detail["expected_stage"] == "diagnosis"
    assert "plan" in detail["message"]


async def test_a_note_goes_to_sql_and_never_to_the_workflow(stack: Stack) -> None:
    case_id = await diagnosed_case(stack)
    refused_note = f"Odmowa: sprawca dzwonił do klientki {uuid.uuid4().hex[:6]}"
    r = await stack.transition(case_id, "employ", note=refused_note)
    assert r.status_code == 409, r.text
    assert notes_of(stack, case_id) == [], "a refused command leaves no note behind"

    secret = f"Sąsiadka widziała sprawcę pod blokiem przy ul. Leśnej {uuid.uuid4().hex[:6]}"
    r = await stack.transition(case_id, "advance", note=secret)
    assert r.status_code == 200, r.text
    [note] = notes_of(stack, case_id)
    assert note.text == secret and note.author == COORDINATOR

    texts, raw = await history_texts(stack.client, f"case-{case_id}")
    assert any(note.id in t for t in texts), "the workflow knows the note by its id"
    for text in (secret, "Sąsiadka", "Leśnej", refused_note, "sprawca dzwonił"):
        assert_absent(text, texts, raw)


async def test_two_moves_at_the_same_moment_only_one_wins(stack: Stack) -> None:
    case_id = await diagnosed_case(stack)
    answers = await asyncio.gather(
        stack.transition(case_id, "advance", expected_stage="diagnosis", key=f"a-{uuid.uuid4().hex}"),
        stack.transition(case_id, "advance", expected_stage="diagnosis", key=f"b-{uuid.uuid4().hex}"),
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [r.text for r in answers]
    won = next(r for r in answers if r.status_code == 200)
    lost = next(r for r in answers if r.status_code == 409)
    assert won.json()["stage"] == "plan"
    assert lost.json()["detail"]["code"] == "illegal_move"
    assert lost.json()["detail"]["stage"] == "plan"
    got = await stack.get_case(case_id)
    assert [h["stage"] for h in got["history"]] == ["diagnosis", "plan"]
