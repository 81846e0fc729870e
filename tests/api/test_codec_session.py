"""The codec endpoint the Temporal UI uses, and the browser session cookie it rides on."""

from __future__ import annotations

import base64
import json

import pytest
from apistack import PASSWORD, UNIT, Stack

from pathway.runtime.asgi import temporal_ui_origins

pytestmark = pytest.mark.integration


async def _first_encrypted_payload(stack: Stack, case_id: str) -> dict[str, object]:
    history = await stack.client.get_workflow_handle(f"case-{case_id}").fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    [payload] = started.input.payloads
    assert payload.metadata["encoding"] == b"binary/encrypted"
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def test_staff_with_the_right_role_can_read_payloads_through_the_codec(stack: Stack) -> None:
    case = await stack.open_case()
    sealed = await _first_encrypted_payload(stack, case["id"])

    r = await stack.http.post("/api/v1/codec/decode", json={"payloads": [sealed]}, headers=stack.supervisor())
    assert r.status_code == 200, r.text
    [opened] = r.json()["payloads"]
    assert base64.b64decode(opened["metadata"]["encoding"]) == b"json/plain"
    workflow_input = json.loads(base64.b64decode(opened["data"]))
    assert workflow_input["case_id"] == case["id"] and workflow_input["definition"]["id"] == "model-wsparcia"

    assert (await stack.http.post("/api/v1/codec/decode", json={"payloads": [sealed]})).status_code == 401
    coordinator = await stack.http.post("/api/v1/codec/decode", json={"payloads": [sealed]}, headers=stack.headers())
    assert coordinator.status_code == 403

    tampered = {**sealed, "data": base64.b64encode(b"x" * 40).decode()}
    r = await stack.http.post("/api/v1/codec/decode", json={"payloads": [tampered]}, headers=stack.supervisor())
    assert r.status_code == 422 and r.json()["detail"]["code"] == "undecryptable_payload"
    plain = {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(b'"x"').decode(),
    }
    r = await stack.http.post("/api/v1/codec/decode", json={"payloads": [plain]}, headers=stack.supervisor())
    assert r.status_code == 422, "a plaintext payload is refused, never passed through"

    r = await stack.http.post("/api/v1/codec/encode", json={"payloads": [plain]}, headers=stack.supervisor())
    assert r.status_code == 200
    [encoded] = r.json()["payloads"]
    assert base64.b64decode(encoded["metadata"]["encoding"]) == b"binary/encrypted"
    back = await stack.http.post("/api/v1/codec/decode", json={"payloads": [encoded]}, headers=stack.supervisor())
    assert back.json()["payloads"][0]["data"] == plain["data"]


async def test_the_session_cookie_signs_a_browser_in_and_out(stack: Stack) -> None:
    stack.user(actor="cookie-user")
    r = await stack.http.post("/api/v1/auth/session", json={"username": "cookie-user", "password": PASSWORD})
    stack.http.cookies.clear()  # the shared client must not sign the other tests in
    assert r.status_code == 200 and r.json()["id"] == "cookie-user"
    cookie = r.headers["set-cookie"]
    assert "pathway_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    value = cookie.split("pathway_session=")[1].split(";")[0]

    me = await stack.http.get("/api/v1/auth/me", headers={"Cookie": f"pathway_session={value}"})
    assert me.status_code == 200 and me.json()["unit"] == UNIT
    out = await stack.http.delete("/api/v1/auth/session", headers={"Cookie": f"pathway_session={value}"})
    stack.http.cookies.clear()
    assert out.status_code == 204 and "Max-Age=0" in out.headers["set-cookie"]
    assert (await stack.http.get("/api/v1/auth/me", headers={"Cookie": f"pathway_session={value}"})).status_code == 401


async def test_only_the_temporal_ui_origin_may_call_the_codec_from_a_browser(stack: Stack) -> None:
    ui = temporal_ui_origins(stack.settings)[0]
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = await stack.http.options("/api/v1/codec/decode", headers={"Origin": ui, **preflight})
    assert allowed.headers.get("access-control-allow-origin") == ui
    assert allowed.headers.get("access-control-allow-credentials") == "true"
    evil = await stack.http.options("/api/v1/codec/decode", headers={"Origin": "http://evil.example", **preflight})
    assert "access-control-allow-origin" not in evil.headers
