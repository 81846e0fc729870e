"""One idempotency key, one command (issue 13, item 1).

The same key sent again with the same command and body answers the first outcome (the
command is applied once); the same key on another command, another case or another body is
refused with 422 ``idempotency_key_reused`` naming the command it was first given for. It used
to answer the first command's result as if the second had been done: a visit "recorded" that
was not, a move "made" that left the stage unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from apistack import DIAGNOSIS_DONE, Stack

pytestmark = [pytest.mark.integration, pytest.mark.both_stores]
API = "/api/v1"


def _refused_for(answer: Any, original: str) -> None:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail["code"] == "idempotency_key_reused", detail
    assert detail["original_command"] == original, detail


async def test_a_key_reused_for_another_command_or_body_is_refused_naming_the_first(stack: Stack) -> None:
    case = await stack.open_case()
    key = uuid.uuid4().hex
    headers = stack.headers(key=key)
    fact_url = f"{API}/cases/{case['id']}/facts/ready_for_training"
    first = await stack.http.put(fact_url, json={"value": True}, headers=headers)
    assert first.status_code == 200, first.text

    visit = {"occurred_at": datetime.now(UTC).isoformat(), "duration_minutes": 60, "kind": "home"}
    _refused_for(
        await stack.http.post(f"{API}/cases/{case['id']}/visits", json=visit, headers=headers),
        "set_fact:ready_for_training",
    )
    _refused_for(
        await stack.http.post(f"{API}/cases/{case['id']}/transitions", json={"trigger": "advance"}, headers=headers),
        "set_fact:ready_for_training",
    )
    _refused_for(await stack.http.put(fact_url, json={"value": False}, headers=headers), "set_fact:ready_for_training")
    other = await stack.open_case()
    _refused_for(
        await stack.http.put(
            f"{API}/cases/{other['id']}/facts/ready_for_training", json={"value": True}, headers=headers
        ),
        "set_fact:ready_for_training",
    )

    again = await stack.http.put(fact_url, json={"value": True}, headers=headers)
    assert again.status_code == 200 and again.json()["seq"] == first.json()["seq"], again.text
    now = await stack.get_case(case["id"])
    assert (now["visits_total"], now["stage"], now["facts"]["ready_for_training"]) == (0, "diagnosis", True)


async def test_a_key_reused_with_another_note_is_another_command(stack: Stack) -> None:
    case = await stack.open_case()
    headers = stack.headers(key=uuid.uuid4().hex)
    visit = {"occurred_at": datetime.now(UTC).isoformat(), "duration_minutes": 60, "kind": "home", "note": "Rozmowa"}
    url = f"{API}/cases/{case['id']}/visits"
    assert (await stack.http.post(url, json=visit, headers=headers)).status_code == 201
    assert (await stack.http.post(url, json=visit, headers=headers)).status_code == 201  # the same visit, sent again
    _refused_for(await stack.http.post(url, json={**visit, "note": "Inna rozmowa"}, headers=headers), "record_visit")
    assert (await stack.get_case(case["id"]))["visits_total"] == 1


async def test_a_refused_command_gives_its_key_back(stack: Stack) -> None:
    """A move refused by its guard leaves its key free for the corrected command."""
    case = await stack.open_case()
    key = uuid.uuid4().hex
    refused = await stack.transition(case["id"], key=key)
    assert refused.status_code == 422 and refused.json()["detail"]["code"] == "guard_unmet", refused.text
    r = await stack.http.put(
        f"{API}/cases/{case['id']}/facts/diagnosis", json={"value": DIAGNOSIS_DONE}, headers=stack.headers(key=key)
    )
    assert r.status_code == 200, r.text


async def test_an_open_retried_with_its_key_is_the_same_case_and_another_client_is_refused(stack: Stack) -> None:
    key = uuid.uuid4().hex
    first = await stack.open_case(key=key, client={"name": "Klientka Pierwsza"})
    again = await stack.open_case(key=key, client={"name": "Klientka Pierwsza"}, expect=200)
    assert again["id"] == first["id"]
    r = await stack.http.post(
        f"{API}/cases",
        json={"definition": "model-wsparcia", "coordinator": stack.login_of(), "client": {"name": "Ktoś Inny"}},
        headers=stack.headers(key=key),
    )
    _refused_for(r, "open")
