"""Erasing a client (GDPR) through the HTTP API on the real stack: who may, what is left."""

from __future__ import annotations

import json
import uuid

import pytest
from apistack import DIAGNOSIS_DONE, Stack, new_unit
from sqlmodel import Session, select

from pathway.store import queries
from pathway.store.audit_trail import AuditEntry
from pathway.store.models import Client, ClientKey
from pathway.store.sealing import ERASED

# Also on PostgreSQL (store and key store): see both_stores in tests/api/conftest.py.
pytestmark = [pytest.mark.integration, pytest.mark.both_stores]


def erase(stack: Stack, client_id: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return stack.http.post(f"/api/v1/clients/{client_id}/erase", headers=headers)


async def test_a_supervisor_erases_a_client_and_the_pathway_goes_on(stack: Stack) -> None:
    unit = new_unit()  # a trail of its own, so "verify" checks exactly this story
    tag = uuid.uuid4().hex[:6]
    name, address, phone = f"Halina Doerase-{tag}", f"ul. Zapomniana {tag}, Wrocław", "+48 600 900 111"
    first_note, second_note = f"Sprawca grozi przez telefon {tag}", f"Plan z klientką: schronisko {tag}"
    case = await stack.open_case(unit=unit, client={"name": name, "address": address, "phone": phone}, note=first_note)
    case_id, client_id = case["id"], case["client"]["id"]
    assert (await stack.fact(case_id, "diagnosis", DIAGNOSIS_DONE, unit=unit)).status_code == 200
    moved = await stack.transition(case_id, "advance", unit=unit, note=second_note)
    assert moved.status_code == 200, moved.text
    before = await stack.get_case(case_id, unit=unit)
    assert before["client"] == {
        "id": client_id,
        "name": name,
        "address": address,
        "phone": phone,
        "perpetrator_name": None,
        "perpetrator_contacts": [],
    }

    # Only a supervisor of the client's unit may erase; elsewhere the client does not exist.
    r = await erase(stack, client_id, stack.headers(unit))
    assert r.status_code == 403 and r.json()["detail"]["code"] == "forbidden", r.text
    r = await erase(stack, client_id, stack.supervisor(new_unit()))
    assert r.status_code == 404 and r.json()["detail"]["code"] == "client_not_found", r.text
    r = await erase(stack, "no-such-client", stack.supervisor(unit))
    assert r.status_code == 404, r.text
    assert (await stack.get_case(case_id, unit=unit))["client"]["name"] == name, "a refused erasure erased nothing"

    r = await erase(stack, client_id, stack.supervisor(unit))
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["client_id"] == client_id and done["erased"] is True and done["key_destroyed"] is True
    assert (done["fields"], done["notes"], done["cases"]) == (["name", "address", "phone"], 2, [case_id])
    assert name not in r.text

    # Idempotent: the same answer, nothing more destroyed.
    again = await erase(stack, client_id, stack.supervisor(unit))
    assert again.status_code == 200, again.text
    assert again.json()["key_destroyed"] is False and again.json()["erased_at"] == done["erased_at"]

    # The pseudonymous pathway is all there; the identity reads "erased".
    after = await stack.get_case(case_id, unit=unit)
    assert after["client"] == {
        "id": client_id,
        "name": ERASED,
        "address": ERASED,
        "phone": ERASED,
        "perpetrator_name": None,
        "perpetrator_contacts": [],
    }
    assert (after["stage"], after["status"], after["history"]) == (before["stage"], before["status"], before["history"])
    listed = await stack.http.get("/api/v1/cases", headers=stack.supervisor(unit))
    assert [i["client_name"] for i in listed.json()["items"] if i["id"] == case_id] == [ERASED]
    with Session(stack.engine) as session:
        notes = queries.list_notes(session, vault=stack.vault, case_id=case_id)
        assert [(n.text, n.erased) for n in notes] == [(ERASED, True), (ERASED, True)]
        assert session.get(Client, client_id) is not None  # the sealed row stays: it is unreadable
    with Session(stack.vault.engine) as keys:
        assert keys.get(ClientKey, client_id) is None

    # The workflow is untouched: it takes commands; a new note about the erased client is refused.
    r = await stack.fact(case_id, "help_plan", {"agreed_on": "2026-05-04", "zi_reference": "ZI-2026-17"}, unit=unit)
    assert r.status_code == 200 and r.json()["client"]["name"] == ERASED, r.text
    refused = await stack.transition(case_id, "advance", unit=unit, note="nowa notatka o klientce")
    assert refused.status_code == 409 and refused.json()["detail"]["code"] == "client_erased", refused.text

    # The erasure is in the audit trail (ids only), and the chain still verifies.
    with Session(stack.engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.unit_id == unit).order_by(AuditEntry.seq)).all()
    erasures = [e for e in entries if e.action == "client.erase"]
    assert [(e.details["client_id"], e.details["key_destroyed"]) for e in erasures] == [
        (client_id, True),
        (client_id, False),
    ]
    assert all(e.details["cases"] == [case_id] for e in erasures)
    assert "client.read" in {e.action for e in entries}, "reading the identity is recorded too"
    dumped = json.dumps([e.details for e in entries], ensure_ascii=False)
    for secret in (name, address, phone, first_note, second_note, tag):
        assert secret not in dumped
    verified = await stack.http.get("/api/v1/audit/verify", headers=stack.supervisor(unit))
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text
    assert verified.json()["entries"] == len(entries)


async def test_erasing_one_client_leaves_the_others_readable(stack: Stack) -> None:
    unit = new_unit()
    gone = await stack.open_case(unit=unit, client={"name": "Do Usunięcia"})
    kept = await stack.open_case(unit=unit, client={"name": "Zostaje Czytelna"}, note="notatka zostaje")
    r = await erase(stack, gone["client"]["id"], stack.supervisor(unit))
    assert r.status_code == 200, r.text
    assert (await stack.get_case(kept["id"], unit=unit))["client"]["name"] == "Zostaje Czytelna"
    with Session(stack.engine) as session:
        assert [n.text for n in queries.list_notes(session, vault=stack.vault, case_id=kept["id"])] == [
            "notatka zostaje"
        ]
