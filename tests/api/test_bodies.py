"""What a body may hold, and what the OpenAPI document says of it (issue 13, items 2, 7, 9).

Nesting and size are bounded by the schema (422 naming the bound; the parser's own limit a
400 ``malformed_json``), never a 500 or a dropped connection; a number is not a date and a
boolean is not a number; the document says what the server does: 200 for an open sent again,
CSV answers, the Idempotency-Key's pattern, the earliest dates, non-empty names, and a 405's
``Allow`` names every method of the path."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from apistack import Stack

pytestmark = pytest.mark.integration
API = "/api/v1"


@pytest.mark.parametrize("depth", [6, 250, 300, 900])
async def test_a_fact_value_nested_too_deep_is_422_naming_the_bound(stack: Stack, depth: int) -> None:
    case = await stack.open_case()
    body = '{"value": ' + '{"a": ' * (depth - 1) + "true" + "}" * (depth - 1) + "}"
    r = await stack.http.put(
        f"{API}/cases/{case['id']}/facts/diagnosis",
        content=body,
        headers={**stack.headers(), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text[:500]
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_request" and "nested deeper than 4 levels" in detail["message"], detail
    assert "RuntimeError" not in r.text


async def test_a_body_past_the_parsers_limit_or_broken_is_400_malformed_json(stack: Stack) -> None:
    case = await stack.open_case()
    url = f"{API}/cases/{case['id']}/facts/diagnosis"
    deep = '{"value": ' + "[" * 5000 + "]" * 5000 + "}"
    for body in (deep, '{"value": ', "{'value': true}"):
        r = await stack.http.put(url, content=body, headers={**stack.headers(), "Content-Type": "application/json"})
        assert r.status_code == 400, (body[:40], r.text[:300])
        assert r.json()["detail"]["code"] == "malformed_json"


async def test_long_texts_and_many_entries_are_refused_by_their_bound(stack: Stack) -> None:
    case = await stack.open_case()
    url = f"{API}/cases/{case['id']}/facts/diagnosis"
    for value, says in (("x" * 257, "longer than 256"), ({f"k{i}": True for i in range(65)}, "more than 64")):
        r = await stack.http.put(url, json={"value": value}, headers=stack.headers())
        assert r.status_code == 422 and says in r.json()["detail"]["message"], r.text[:300]


async def test_types_are_strict_a_boolean_is_not_a_number_and_a_number_not_a_date(stack: Stack) -> None:
    case = await stack.open_case()
    visits = f"{API}/cases/{case['id']}/visits"
    now = datetime.now(UTC).isoformat()
    for bad in (True, "90", 90.5):
        r = await stack.http.post(
            visits, json={"occurred_at": now, "duration_minutes": bad, "kind": "home"}, headers=stack.headers()
        )
        assert r.status_code == 422 and "duration_minutes" in r.json()["detail"]["message"], (bad, r.text)
    r = await stack.http.post(
        visits, json={"occurred_at": 1767225600, "duration_minutes": 60, "kind": "home"}, headers=stack.headers()
    )
    assert r.status_code == 422 and "written as text" in r.json()["detail"]["message"], r.text
    body = {
        "definition": "model-wsparcia",
        "coordinator": stack.login_of(),
        "client": {"name": "K"},
        "opened_at": 1767225600,
    }
    r = await stack.http.post(f"{API}/cases", json=body, headers=stack.headers(key=uuid.uuid4().hex))
    assert r.status_code == 422 and "opened_at" in r.json()["detail"]["message"], r.text
    r = await stack.http.post(
        f"{API}/partners",
        json={"name": "Piekarnia", "kind": "employer", "sector": "private", "internship_capacity": True},
        headers=stack.headers(roles=("admin",), actor="admin-bodies"),
    )
    assert r.status_code == 422 and "internship_capacity" in r.json()["detail"]["message"], r.text


async def test_the_openapi_document_says_what_the_server_does(stack: Stack) -> None:
    doc = (await stack.http.get("/openapi.json")).json()
    open_case = doc["paths"]["/api/v1/cases"]["post"]
    assert {"200", "201"} <= set(open_case["responses"]), open_case["responses"].keys()
    for path in ("/api/v1/audit/stalled", "/api/v1/caseloads", "/api/v1/reports/funnel", "/api/v1/reports/forecast"):
        assert "text/csv" in doc["paths"][path]["get"]["responses"]["200"]["content"], path
    [key] = [p for p in open_case["parameters"] if p["name"].lower() == "idempotency-key"]
    assert key["schema"]["pattern"].startswith("^[A-Za-z0-9") and key["schema"]["maxLength"] == 128
    schemas = doc["components"]["schemas"]
    opened_at = json.dumps(schemas["OpenCaseRequest"]["properties"]["opened_at"])
    assert "199" in opened_at and "pattern" in opened_at
    assert "199" in json.dumps(schemas["VisitRequest"]["properties"]["occurred_at"])
    assert schemas["PartnerIn"]["properties"]["name"]["minLength"] == 1
    value = json.dumps(schemas["FactRequest"]["properties"]["value"])
    assert '"maxLength": 256' in value and "4 levels" in value


async def test_a_405_names_every_method_the_path_answers(stack: Stack) -> None:
    r = await stack.http.delete(f"{API}/cases", headers=stack.headers())
    assert r.status_code == 405
    assert r.json()["detail"]["code"] == "method_not_allowed"
    assert r.headers["allow"] == "GET, POST"
