"""The case's notes read back (issue 14, section 3), through the real stack: every note the
store keeps for the case, with author, time and the command it came with; a search within
the case; the case's coordinator and the unit's supervisors only (anyone else: "not found",
exactly like a made-up id); never a note's words in the audit trail, never one to a partner."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apistack import DIAGNOSIS_DONE, Stack, new_unit
from receivers import WebhookReceiver
from sqlmodel import Session, col, select

from pathway.store.audit_trail import AuditEntry

pytestmark = pytest.mark.integration

API = "/api/v1"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    box = WebhookReceiver().start()
    try:
        yield box
    finally:
        box.stop()


async def _notes(stack: Stack, case_id: str, headers: dict[str, str], **params: Any) -> Any:
    return await stack.http.get(f"{API}/cases/{case_id}/notes", params=params, headers=headers)


async def _a_case_with_notes(stack: Stack, unit: str, partner_id: str) -> tuple[dict[str, Any], str]:
    """A case with a note at opening, at a move, at a visit and with a referral; its marker."""
    marker = uuid.uuid4().hex[:8]
    me = stack.headers(unit)
    case = await stack.open_case(unit=unit, note=f"Zgłoszenie z MOPS, pierwsza rozmowa {marker}")
    assert (await stack.fact(case["id"], "diagnosis", DIAGNOSIS_DONE, unit=unit)).status_code == 200
    r = await stack.transition(case["id"], "advance", unit=unit, note=f"Diagnoza zakończona, ŻÓŁW {marker}")
    assert r.status_code == 200, r.text
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/visits",
        headers=me,
        json={"occurred_at": at, "duration_minutes": 75, "kind": "home", "note": f"Wizyta domowa {marker}"},
    )
    assert r.status_code == 201, r.text
    r = await stack.http.post(f"{API}/cases/{case['id']}/consents", headers=me, json={"partner_id": partner_id})
    assert r.status_code == 201, r.text
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/referrals",
        headers=me,
        json={"partner_id": partner_id, "service": "therapy", "note": f"Prosi o terminy popołudniowe {marker}"},
    )
    assert r.status_code == 201, r.text
    await _projected(stack, case["id"], me)
    return case, marker


async def _projected(stack: Stack, case_id: str, headers: dict[str, str]) -> Any:
    """The notes once their events are in the store: what a note was written with comes from
    the case's events, projected from the workflow a moment after the command (until then a
    note reads "note")."""

    async def probe() -> Any:
        r = await _notes(stack, case_id, headers)
        assert r.status_code == 200, r.text
        return r.json() if all(n["about"]["kind"] != "note" for n in r.json()["items"]) else None

    return await stack.eventually(probe, what="the notes' events projected")


async def _therapy_partner(
    stack: Stack, unit: str, receiver: WebhookReceiver, scope: list[str] | None = None
) -> dict[str, Any]:
    r = await stack.http.post(
        f"{API}/partners",
        headers=stack.headers(unit, "admin-notes", roles=("admin",)),
        json={
            "name": "Ośrodek Terapii Notatek",
            "kind": "therapy",
            "sector": "non_public",
            "channel": "webhook",
            "webhook_url": receiver.url("/therapy"),
            "data_scope": scope or ["case_reference", "stage", "dates"],
        },
    )
    assert r.status_code == 201, r.text
    receiver.secrets["/therapy"] = r.json()["webhook_secret"]
    return r.json()


async def test_the_coordinator_reads_every_note_of_the_case_with_author_time_and_command(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    unit = new_unit()
    partner = await _therapy_partner(stack, unit, receiver)
    case, marker = await _a_case_with_notes(stack, unit, partner["id"])

    body = await _projected(stack, case["id"], stack.headers(unit))
    assert body["count"] == 4 and body["complete"] is True and body["searched"] == 4
    # newest first: the referral, the visit, the move, the opening
    kinds = [n["about"]["kind"] for n in body["items"]]
    assert kinds == ["referral", "visit", "move", "opening"], kinds
    texts = [n["text"] for n in body["items"]]
    assert texts[3] == f"Zgłoszenie z MOPS, pierwsza rozmowa {marker}"
    assert texts[2] == f"Diagnoza zakończona, ŻÓŁW {marker}"  # Polish letters as typed
    for note in body["items"]:
        assert note["author"] == stack.login_of(unit) and note["author_name"] == stack.login_of(unit)
        assert note["at"] and note["erased"] is False
    referral, visit, move, opening = body["items"]
    assert referral["about"]["service"] == "therapy" and referral["about"]["partner_id"] == partner["id"]
    assert move["about"]["trigger"] == "advance" and move["about"]["stage"]
    assert visit["about"]["stage"] == move["about"]["stage"]
    assert opening["about"]["seq"] == 1

    # the unit's supervisor reads them too
    r = await _notes(stack, case["id"], stack.supervisor(unit))
    assert r.status_code == 200 and r.json()["count"] == 4, r.text


async def test_a_search_within_the_case_finds_words_in_any_case(stack: Stack, receiver: WebhookReceiver) -> None:
    unit = new_unit()
    partner = await _therapy_partner(stack, unit, receiver)
    case, marker = await _a_case_with_notes(stack, unit, partner["id"])
    me = stack.headers(unit)

    r = await _notes(stack, case["id"], me, q="żółw")  # typed in lower case, kept in upper case
    assert r.status_code == 200, r.text
    assert [n["about"]["kind"] for n in r.json()["items"]] == ["move"] and r.json()["count"] == 1
    r = await _notes(stack, case["id"], me, q=f"  {marker.upper()} ")
    assert r.json()["count"] == 4
    r = await _notes(stack, case["id"], me, q="popołudniowe")
    assert [n["about"]["kind"] for n in r.json()["items"]] == ["referral"]
    r = await _notes(stack, case["id"], me, q="nic-takiego")
    assert r.status_code == 200 and r.json()["items"] == [] and r.json()["count"] == 0
    # paged
    r = await _notes(stack, case["id"], me, limit=1, offset=1)
    assert [n["about"]["kind"] for n in r.json()["items"]] == ["visit"] and r.json()["count"] == 4

    # bad input: a clear 422, never a 500
    for params in ({"q": "x" * 201}, {"limit": 0}, {"limit": 501}, {"offset": -1}):
        r = await _notes(stack, case["id"], me, **params)
        assert r.status_code == 422, (params, r.text)

    # the audit trail holds that notes were read and searched, never the words
    with Session(stack.engine) as session:
        entries = session.exec(
            select(AuditEntry).where(col(AuditEntry.case_id) == case["id"], col(AuditEntry.action) == "notes.read")
        ).all()
    assert entries and any(e.details["searched"] for e in entries)
    trail = json.dumps([e.details for e in entries])
    assert marker not in trail and "żółw" not in trail.lower() and "popołudniowe" not in trail


async def test_a_colleague_an_admin_and_another_unit_get_not_found(stack: Stack) -> None:
    unit, other = new_unit(), new_unit()
    case = await stack.open_case(unit=unit, note="Notatka tylko dla koordynatorki")
    made_up = await _notes(stack, "no-such-case", stack.headers(unit))
    assert made_up.status_code == 404
    callers = {
        "colleague": stack.headers(unit, "colleague-notes"),
        "admin": stack.headers(unit, "admin-notes", roles=("admin",)),
        "other coordinator": stack.headers(other),
        "other supervisor": stack.supervisor(other),
    }
    for who, headers in callers.items():
        r = await _notes(stack, case["id"], headers)
        assert r.status_code == 404, (who, r.text)
        assert "Notatka" not in r.text
        assert r.json()["detail"]["code"] == made_up.json()["detail"]["code"], who
    assert (await _notes(stack, case["id"], {})).status_code == 401


async def test_notes_never_reach_a_partner(stack: Stack, receiver: WebhookReceiver) -> None:
    """A partner told of a referral (with every field its scope may hold) gets no note: not
    the referral's, not any other of the case."""
    unit = new_unit()
    scope = ["case_reference", "stage", "dates", "coordinator_contact", "client_name", "client_phone"]
    partner = await _therapy_partner(stack, unit, receiver, scope)
    case, marker = await _a_case_with_notes(stack, unit, partner["id"])

    async def told() -> Any:
        return receiver.at("/therapy")

    hits = await stack.eventually(told, what="the partner told of the referral")
    assert hits
    sent = json.dumps([h.body for h in hits], ensure_ascii=False)
    assert case["id"] in sent  # its scope names the case: the message is about this case
    assert marker not in sent and "popołudniowe" not in sent and "Wizyta" not in sent


async def test_a_pause_and_a_close_say_what_their_notes_were_about(stack: Stack) -> None:
    """A pause's event does not name its note: the note is tied to the command's event."""
    unit = new_unit()
    case = await stack.open_case(unit=unit)
    me = stack.headers(unit)
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/pause", headers=me, json={"reason": "hospital", "note": "W szpitalu"}
    )
    assert r.status_code == 200, r.text
    assert (await stack.http.post(f"{API}/cases/{case['id']}/resume", headers=me)).status_code == 200
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/close",
        headers=me,
        json={"outcome": "transferred", "note": "Przeprowadzka", "exit_status": "inactive"},
    )
    assert r.status_code == 200, r.text

    items = (await _projected(stack, case["id"], me))["items"]
    assert [(n["about"]["kind"], n["text"]) for n in items] == [("close", "Przeprowadzka"), ("pause", "W szpitalu")]


async def test_once_the_client_is_erased_notes_say_so_and_a_search_finds_nothing(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit, note="Klientka mieszka u siostry")
    me = stack.headers(unit)
    # The open answers before its first events are projected (it no longer waits for the
    # workflow's first task): what the note was about comes with them.
    await _projected(stack, case["id"], me)
    assert (await _notes(stack, case["id"], me, q="siostry")).json()["count"] == 1
    r = await stack.http.post(f"{API}/clients/{case['client']['id']}/erase", headers=stack.supervisor(unit))
    assert r.status_code == 200, r.text
    body = (await _notes(stack, case["id"], me)).json()
    [note] = body["items"]
    assert note["erased"] is True and "siostry" not in note["text"] and note["about"]["kind"] == "opening"
    assert (await _notes(stack, case["id"], me, q="siostry")).json()["count"] == 0
