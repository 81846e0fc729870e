"""Referrals that close the loop, through the real stack (dev server, worker, API) and a
real partner receiver on loopback: consent first, the partner told over its webhook, its
signed answer through the callback, the coordinator's answer for the rest."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from apistack import Stack, new_unit
from receivers import WebhookReceiver

from activities.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

pytestmark = pytest.mark.integration

API = "/api/v1"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    box = WebhookReceiver().start()
    try:
        yield box
    finally:
        box.stop()


async def therapy_partner(stack: Stack, unit: str, receiver: WebhookReceiver) -> dict[str, Any]:
    r = await stack.http.post(
        f"{API}/partners",
        headers=stack.headers(unit, "admin-ref", roles=("admin",)),
        json={
            "name": "Ośrodek Terapii Skierowań",
            "kind": "therapy",
            "sector": "non_public",
            "channel": "webhook",
            "webhook_url": receiver.url("/therapy"),
            "data_scope": ["case_reference", "stage", "dates"],
        },
    )
    assert r.status_code == 201, r.text
    partner = r.json()
    receiver.secrets["/therapy"] = partner["webhook_secret"]
    return partner


def signed(secret: str, body: dict[str, Any], at: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    timestamp = str(at if at is not None else int(time.time()))
    return raw, {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, raw),
        "Content-Type": "application/json",
    }


async def test_a_referral_needs_consent_reaches_the_partner_and_its_signed_answer_comes_back(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    unit = new_unit()
    partner = await therapy_partner(stack, unit, receiver)
    case = await stack.open_case(unit=unit)
    me = stack.headers(unit)

    r = await stack.http.post(
        f"{API}/cases/{case['id']}/referrals", headers=me, json={"partner_id": partner["id"], "service": "therapy"}
    )
    assert r.status_code == 409 and r.json()["detail"]["code"] == "consent_required", r.text
    assert "Ośrodek Terapii Skierowań" in r.json()["detail"]["message"]
    assert (await stack.get_case(case["id"], unit=unit))["referrals"] == []  # refused: no trace

    r = await stack.http.post(f"{API}/cases/{case['id']}/consents", headers=me, json={"partner_id": partner["id"]})
    assert r.status_code == 201, r.text
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/referrals",
        headers={**me, "Idempotency-Key": "ref-click-1"},
        json={"partner_id": partner["id"], "service": "therapy", "note": "Pani prosi o terminy popołudniowe"},
    )
    assert r.status_code == 201, r.text
    made = r.json()
    referral_id = made["referral_id"]
    assert made["status"] == "pending" and made["answer_due_at"]
    # a double click: the same referral, not a second one
    again = await stack.http.post(
        f"{API}/cases/{case['id']}/referrals",
        headers={**me, "Idempotency-Key": "ref-click-1"},
        json={"partner_id": partner["id"], "service": "therapy"},
    )
    assert again.status_code == 201 and again.json()["referral_id"] == referral_id
    assert len(again.json()["case"]["referrals"]) == 1

    hits = await stack.eventually(lambda: _async(receiver.at("/therapy")), what="the partner told of the referral")
    [hit] = hits
    assert hit.verified and hit.body["data"]["referral_id"] == referral_id and hit.body["data"]["service"] == "therapy"
    assert hit.body["data"]["callback_url"].endswith(f"/api/v1/callbacks/referrals/{referral_id}")
    assert "popołudniowe" not in json.dumps(hit.body)  # the coordinator's note never leaves

    url = f"{API}/callbacks/referrals/{referral_id}"
    raw, headers = signed(partner["webhook_secret"], {"answer": "rejected"})
    r = await stack.http.post(url, content=raw, headers=headers)
    assert r.status_code == 422, r.text  # a rejection without a reason: the pathway says why
    raw, headers = signed("not-the-key", {"answer": "accepted"})
    assert (await stack.http.post(url, content=raw, headers=headers)).status_code == 401
    raw, headers = signed(partner["webhook_secret"], {"answer": "accepted"}, at=int(time.time()) - 3600)
    assert (await stack.http.post(url, content=raw, headers=headers)).status_code == 401  # a replayed old request
    raw, headers = signed(partner["webhook_secret"], {"answer": "accepted"})
    r = await stack.http.post(url, content=raw, headers=headers)
    assert r.status_code == 200 and r.json() == {
        "referral_id": referral_id,
        "status": "accepted",
        "duplicate": False,
    }, r.text
    first, seq = r.json(), (await stack.get_case(case["id"], unit=unit))["seq"]
    r = await stack.http.post(url, content=raw, headers=headers)  # the partner's retry of the same request
    assert r.status_code == 200 and r.json() == first  # the same answer...
    assert (await stack.get_case(case["id"], unit=unit))["seq"] == seq  # ...applied once

    r = await stack.http.post(
        f"{API}/cases/{case['id']}/referrals/{referral_id}/answer", headers=me, json={"answer": "done"}
    )
    assert r.status_code == 200 and r.json()["status"] == "done", r.text
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/referrals/{referral_id}/answer", headers=me, json={"answer": "accepted"}
    )
    assert r.status_code == 409 and "already done" in r.json()["detail"]["message"]

    async def projected() -> Any:
        got = await stack.http.get(f"{API}/cases/{case['id']}/referrals", headers=me)
        items = got.json()["items"]
        return items if items and items[0]["status"] == "done" else None

    [row] = await stack.eventually(projected, what="the referral projected as done")
    assert row["partner_id"] == partner["id"] and row["answered_by"] == stack.login_of(unit) and row["consent_id"]


async def test_a_callback_for_an_unknown_referral_is_indistinguishable_from_a_bad_signature(stack: Stack) -> None:
    raw, headers = signed("whatever", {"answer": "accepted"})
    r = await stack.http.post(f"{API}/callbacks/referrals/no-such-referral", content=raw, headers=headers)
    assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_signature"


async def _async(value: Any) -> Any:
    return value


async def test_a_partners_signing_key_is_sealed_at_rest(stack: Stack, receiver: WebhookReceiver) -> None:
    from sqlalchemy import text

    unit = new_unit()
    partner = await therapy_partner(stack, unit, receiver)
    with stack.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT webhook_secret FROM partners WHERE id = :id"), {"id": partner["id"]}
        ).scalar_one()
    assert stored.startswith("v1:") and partner["webhook_secret"] not in stored
    # ...and still opens where it is needed: a webhook signed with it reaches the receiver.
    case = await stack.open_case(unit=unit)
    me = stack.headers(unit)
    assert (
        await stack.http.post(f"{API}/cases/{case['id']}/consents", headers=me, json={"partner_id": partner["id"]})
    ).status_code == 201
    r = await stack.http.post(
        f"{API}/cases/{case['id']}/referrals", headers=me, json={"partner_id": partner["id"], "service": "therapy"}
    )
    assert r.status_code == 201, r.text
    [hit] = await stack.eventually(lambda: _async(receiver.at("/therapy")), what="the partner told")
    assert hit.verified
