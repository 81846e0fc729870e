"""Lists, definitions, the stalled-pathway audit, the resource map, health and OpenAPI."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apistack import UNIT, Stack, new_unit

from pathway.api.routers.audit import CSV_COLUMNS
from pathway.core.overdue import days_overdue

pytestmark = pytest.mark.integration


async def get(
    stack: Stack,
    path: str,
    *,
    unit: str = UNIT,
    expect: int = 200,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Any:
    r = await stack.http.get(f"/api/v1{path}", params=params, headers=headers or stack.headers(unit))
    assert r.status_code == expect, r.text
    return r.json()


# ---------------------------------------------------------------- cases
async def test_list_cases_pages_counts_and_filters(stack: Stack) -> None:
    unit = new_unit()
    names = [f"Klientka Listowa {i} {uuid.uuid4().hex[:4]}" for i in range(3)]
    ids = []
    boss = stack.supervisor(unit)
    stack.user(unit, "coord-other")  # a second coordinator of the unit
    for i, name in enumerate(names):
        if i == 0:  # only a supervisor assigns a case to someone else
            case = await stack.open_case(
                unit=unit, coordinator=stack.login_of(unit, "coord-other"), client={"name": name}, headers=boss
            )
        else:
            case = await stack.open_case(unit=unit, client={"name": name})
        ids.append(case["id"])
    closed = ids[1]
    r = await stack.http.post(
        f"/api/v1/cases/{closed}/close",
        json={"outcome": "transferred", "exit_status": "inactive"},
        headers=stack.headers(unit),
    )
    assert r.status_code == 200, r.text

    async def projected() -> Any:
        page = await get(stack, "/cases", unit=unit, headers=boss)
        statuses = {item["id"]: item["status"] for item in page["items"]}
        return page if statuses.get(closed) == "closed" and list(statuses.values()).count("active") == 2 else None

    everything = await stack.eventually(projected, what="the three cases projected")
    assert everything["count"] == 3
    assert {item["id"] for item in everything["items"]} == set(ids)
    assert {item["client_name"] for item in everything["items"]} == set(names)
    item = everything["items"][0]
    for key in (
        "id",
        "definition",
        "definition_version",
        "stage",
        "status",
        "coordinator",
        "unit",
        "opened_at",
        "stage_due_at",
        "next_visit_due_at",
        "last_activity_at",
    ):
        assert key in item
    assert all(item["unit"] == unit for item in everything["items"])

    first = await get(stack, "/cases", unit=unit, limit=2, headers=boss)
    rest = await get(stack, "/cases", unit=unit, limit=2, offset=2, headers=boss)
    assert first["count"] == rest["count"] == 3
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert {i["id"] for i in first["items"] + rest["items"]} == set(ids)

    theirs = await get(stack, "/cases", unit=unit, coordinator=stack.login_of(unit, "coord-other"), headers=boss)
    assert [i["id"] for i in theirs["items"]] == [ids[0]] and theirs["count"] == 1
    active = await get(stack, "/cases", unit=unit, status="active", headers=boss)
    assert {i["id"] for i in active["items"]} == {ids[0], ids[2]} and active["count"] == 2
    done = await get(stack, "/cases", unit=unit, status="closed", headers=boss)
    assert [i["id"] for i in done["items"]] == [closed] and done["items"][0]["outcome"] == "transferred"
    assert (await get(stack, "/cases", unit=unit, definition="model-wsparcia", headers=boss))["count"] == 3
    # A definition that does not exist is an error, not an empty "all clear" (issue 13, item 10).
    unknown = await get(stack, "/cases", unit=unit, definition="other", headers=boss, expect=422)
    assert unknown["detail"]["code"] == "unknown_definition"

    # A coordinator lists only the cases assigned to them, and may not ask for a colleague's.
    mine = await get(stack, "/cases", unit=unit)
    assert {i["id"] for i in mine["items"]} == {ids[1], ids[2]} and mine["count"] == 2
    await get(stack, "/cases", unit=unit, coordinator=stack.login_of(unit, "coord-other"), expect=403)

    # Another unit sees none of them.
    assert (await get(stack, "/cases", unit=new_unit()))["count"] == 0


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "ten"}])
async def test_list_cases_bad_paging_is_422(stack: Stack, params: dict[str, Any]) -> None:
    body = await get(stack, "/cases", expect=422, **params)
    assert body["detail"]["code"] == "invalid_request"
    assert next(iter(params)) in body["detail"]["message"]


# ---------------------------------------------------------------- definitions
async def test_definitions(stack: Stack) -> None:
    listed = await get(stack, "/definitions")
    assert listed["count"] == len(listed["items"]) >= 1
    summary = next(i for i in listed["items"] if i["id"] == "model-wsparcia")
    assert summary["version"] == 7 and summary["title"]["pl"].startswith("Model Wsparcia")
    assert summary["stages"][:3] == ["diagnosis", "plan", "therapy"]
    assert len(summary["content_hash"]) >= 16

    one = await get(stack, "/definitions/model-wsparcia")
    assert one["id"] == "model-wsparcia" and one["content_hash"] == summary["content_hash"]
    assert one["content"]["initial"] == "diagnosis"
    assert one["mermaid"].lstrip().startswith("stateDiagram")
    assert "diagnosis" in one["mermaid"] and "internship" in one["mermaid"]

    missing = await get(stack, "/definitions/no-such-pathway", expect=404)
    assert missing["detail"]["code"] == "definition_not_found"


# ---------------------------------------------------------------- the audit
async def test_an_overdue_case_is_in_the_stalled_audit(stack: Stack) -> None:
    unit = new_unit()
    opened_at = datetime.now(UTC) - timedelta(days=40)
    overdue = await stack.open_case(unit=unit, opened_at=opened_at.isoformat())
    fresh = await stack.open_case(unit=unit)
    assert overdue["overdue"], "the case itself already says it is overdue"
    assert {o["watch"] for o in overdue["overdue"]} >= {"stage_deadline"}

    async def listed() -> Any:
        page = await get(stack, "/audit/stalled", unit=unit)
        return page if any(i["rule"] == "stage_overdue" for i in page["items"]) else None

    page = await stack.eventually(listed, what="the overdue case in the audit")
    assert page["count"] == len(page["items"])
    assert {i["case_id"] for i in page["items"]} == {overdue["id"]}, "the fresh case is not stalled"
    [item] = [i for i in page["items"] if i["rule"] == "stage_overdue"]
    # Whole local days past the stage's last day on time (pathway.core.overdue, the number
    # the case shows). How many working days fit in 40 calendar days depends on today's date
    # (Polish holidays), so the figure comes from the case. The audit counted a moment ago:
    # a day boundary may have passed since.
    elapsed = days_overdue(datetime.fromisoformat(overdue["stage_due_at"]), datetime.now(UTC), "Europe/Warsaw")
    assert elapsed is not None and item["days_overdue"] in {elapsed - 1, elapsed}
    assert item["coordinator"] == stack.login_of(unit) and item["stage"] == "diagnosis"
    assert datetime.fromisoformat(item["since"]) == datetime.fromisoformat(overdue["stage_due_at"])
    assert {i["rule"] for i in page["items"]} >= {"stage_overdue", "visit_overdue"}
    assert fresh["id"] not in {i["case_id"] for i in page["items"]}

    only = await get(stack, "/audit/stalled", unit=unit, rule="stage_overdue")
    assert [i["rule"] for i in only["items"]] == ["stage_overdue"]
    nobody = await get(
        stack, "/audit/stalled", unit=unit, coordinator="nobody", headers=stack.supervisor(unit), expect=422
    )
    assert nobody["detail"]["code"] == "unknown_coordinator"  # not an empty "all clear" (issue 13, item 10)
    await get(
        stack, "/audit/stalled", unit=unit, coordinator="nobody", expect=403
    )  # a coordinator audits only their own
    # Another unit's supervisor does not see it.
    assert overdue["id"] not in {i["case_id"] for i in (await get(stack, "/audit/stalled", unit=new_unit()))["items"]}

    r = await stack.http.get("/api/v1/audit/stalled", params={"format": "csv"}, headers=stack.headers(unit))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == page["count"]
    row = next(x for x in rows if x["rule"] == "stage_overdue")
    assert row["case_id"] == overdue["id"] and int(row["days_overdue"]) >= 9 and row["unit"] == unit

    # The escalation of the missed deadline reaches the supervisors' inbox, through the case.
    async def escalated() -> Any:
        notes = await get(stack, f"/cases/{overdue['id']}/notifications", unit=unit)
        return notes if any(n["partner_id"] == f"supervisors:{unit}" for n in notes["items"]) else None

    await stack.eventually(escalated, what="the supervisors' escalation")


@pytest.mark.parametrize(
    ("params", "code"), [({"rule": "no_such_rule"}, "unknown_rule"), ({"format": "xml"}, "invalid_request")]
)
async def test_bad_audit_parameters_are_422(stack: Stack, params: dict[str, str], code: str) -> None:
    body = await get(stack, "/audit/stalled", expect=422, **params)
    assert body["detail"]["code"] == code


# ---------------------------------------------------------------- the resource map
async def test_partners(stack: Stack) -> None:
    listed = await get(stack, "/partners")
    assert {p["kind"] for p in listed["items"]} >= {"therapy", "employer", "training"}
    assert listed["count"] >= 3
    employers = await get(stack, "/partners", kind="employer")
    assert stack.partners["employer"] in {p["id"] for p in employers["items"]}
    assert all(p["kind"] == "employer" for p in employers["items"])

    unit = new_unit()
    r = await stack.http.post(
        "/api/v1/partners",
        json={"name": "Fundacja Bezpieczny Dom", "kind": "ngo", "sector": "non_public", "services": ["shelter"]},
        headers=stack.headers(unit),
    )
    assert r.status_code == 403, "only an admin manages the resource map"
    r = await stack.http.post(
        "/api/v1/partners",
        json={"name": "Fundacja Bezpieczny Dom", "kind": "ngo", "sector": "non_public", "services": ["shelter"]},
        headers=stack.headers(unit, "admin-api", roles=("admin",)),
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["unit_id"] == unit and created["kind"] == "ngo" and created["id"]
    assert created["id"] in {p["id"] for p in (await get(stack, "/partners", unit=unit))["items"]}
    assert (await get(stack, f"/partners/{created['id']}", unit=unit))["name"] == "Fundacja Bezpieczny Dom"
    # Not in the resource map of another unit.
    assert created["id"] not in {p["id"] for p in (await get(stack, "/partners"))["items"]}
    assert (await get(stack, f"/partners/{created['id']}", expect=404))["detail"]["code"] == "partner_not_found"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "Firma", "kind": "bakery", "sector": "private"}, id="bad-kind"),
        pytest.param({"name": "Firma", "kind": "employer", "sector": "galactic"}, id="bad-sector"),
        pytest.param({"name": "   ", "kind": "employer", "sector": "private"}, id="blank-name"),
        pytest.param({"kind": "employer", "sector": "private"}, id="no-name"),
        pytest.param({"name": "Firma", "kind": "employer", "sector": "private", "owner_pesel": "1"}, id="extra-field"),
    ],
)
async def test_bad_partners_are_422(stack: Stack, body: dict[str, Any]) -> None:
    r = await stack.http.post("/api/v1/partners", json=body, headers=stack.headers(actor="admin-api", roles=("admin",)))
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "invalid_request" and r.json()["detail"]["message"]


async def test_notifications_of_a_case_page_and_count(stack: Stack) -> None:
    unit = new_unit()
    old = await stack.open_case(unit=unit, opened_at=(datetime.now(UTC) - timedelta(days=40)).isoformat())

    async def several() -> Any:
        page = await get(stack, f"/cases/{old['id']}/notifications", unit=unit)
        return page if page["count"] >= 2 else None

    everything = await stack.eventually(several, what="two notifications")
    assert all(n["case_id"] == old["id"] for n in everything["items"])
    one = await get(stack, f"/cases/{old['id']}/notifications", unit=unit, limit=1)
    assert len(one["items"]) == 1
    assert one["count"] == everything["count"], "count is all the matching notifications, as in every list"
    fresh = await stack.open_case(unit=unit)
    assert await get(stack, f"/cases/{fresh['id']}/notifications", unit=unit) == {"items": [], "count": 0}


# ---------------------------------------------------------------- health, OpenAPI, unknown routes
async def test_health_and_readiness(stack: Stack) -> None:
    assert await get(stack, "/healthz") == {"status": "ok", "checks": {}}
    ready = await get(stack, "/readyz")
    assert ready == {"status": "ok", "checks": {"database": "ok", "temporal": "ok", "worker": "ok"}}


async def test_openapi_lists_every_route(stack: Stack) -> None:
    r = await stack.http.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    expected = {
        "/api/v1/cases": {"get", "post"},
        "/api/v1/cases/{case_id}": {"get"},
        "/api/v1/cases/{case_id}/transitions": {"post"},
        "/api/v1/cases/{case_id}/visits": {"post"},
        "/api/v1/cases/{case_id}/facts/{name}": {"put"},
        "/api/v1/cases/{case_id}/pause": {"post"},
        "/api/v1/cases/{case_id}/resume": {"post"},
        "/api/v1/cases/{case_id}/close": {"post"},
        "/api/v1/cases/{case_id}/coordinator": {"put"},
        "/api/v1/cases/{case_id}/notifications": {"get"},
        "/api/v1/definitions": {"get"},
        "/api/v1/definitions/{definition_id}": {"get"},
        "/api/v1/audit/stalled": {"get"},
        "/api/v1/partners": {"get", "post"},
        "/api/v1/partners/{partner_id}": {"get"},
        "/api/v1/healthz": {"get"},
        "/api/v1/readyz": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, f"{path} missing from OpenAPI: {sorted(paths)}"
        assert methods <= set(paths[path]), (path, set(paths[path]))
    params = {p["name"] for p in paths["/api/v1/cases/{case_id}/transitions"]["post"].get("parameters", [])}
    assert "idempotency-key" in {p.lower() for p in params}


async def test_unknown_route_and_method_use_the_error_shape(stack: Stack) -> None:
    r = await stack.http.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["detail"]["code"] == "not_found"
    r = await stack.http.delete("/api/v1/cases")
    assert r.status_code == 405 and r.json()["detail"]["code"] == "method_not_allowed"
