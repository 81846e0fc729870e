"""Supervisors on the real stack: the caseload limit (refusal, audited override) on opening
and on assignment, caseloads per coordinator, bulk reassignment with a refused move, and the
outcome report's routes (JSON, CSV, SVG).

The app here is the stack's own worker and store with a catalog that also holds the test
definition ``rodzina-test`` (tests/supervisors/rodzina-test.yaml: caseload_limit 2)."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import pytest_asyncio
from apistack import Stack, new_unit
from sqlmodel import Session, col, select

from pathway.app.catalog import Catalog
from pathway.runtime.asgi import create_app
from pathway.store.audit_trail import AuditEntry

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FAMILY = "rodzina-test"
STATUTORY = "rodzina-ustawowa"  # the same, with its limit set by law (issue 13, item 13)
API = "/api/v1"


@pytest_asyncio.fixture(scope="module")
async def http(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    folder = tmp_path_factory.mktemp("definitions")
    shutil.copy(ROOT / "definitions" / "model-wsparcia.yaml", folder)
    shutil.copy(ROOT / "tests" / "supervisors" / f"{FAMILY}.yaml", folder)
    shutil.copy(ROOT / "tests" / "supervisors" / f"{STATUTORY}.yaml", folder)
    app = create_app(stack.settings, client=stack.client, engine=stack.engine, catalog=Catalog.load(folder))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test", timeout=30
    ) as client:
        yield client


def boss(stack: Stack, unit: str) -> dict[str, str]:
    return stack.supervisor(unit, key=uuid.uuid4().hex)


async def open_for(
    stack: Stack,
    http: httpx.AsyncClient,
    unit: str,
    coordinator: str,
    definition: str = FAMILY,
    expect: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    stack.user(unit, coordinator)  # the account exists
    body = {
        "definition": definition,
        "coordinator": stack.login_of(unit, coordinator),
        "client": {"name": f"Rodzina {uuid.uuid4().hex[:6]}"},
        **extra,
    }
    r = await http.post(f"{API}/cases", json=body, headers=boss(stack, unit))
    assert r.status_code == expect, r.text
    return r.json()


def trail(stack: Stack, unit: str, action: str) -> list[AuditEntry]:
    with Session(stack.engine) as s:
        return list(
            s.exec(select(AuditEntry).where(col(AuditEntry.unit_id) == unit, col(AuditEntry.action) == action)).all()
        )


def cases_of(stack: Stack, unit: str) -> int:
    from pathway.store.models import Case

    with Session(stack.engine) as s:
        return len(s.exec(select(Case.id).where(col(Case.unit_id) == unit)).all())


async def test_the_caseload_limit_refuses_a_case_on_opening_and_a_supervisor_overrides_it(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    unit = new_unit()
    for _ in range(2):
        await open_for(stack, http, unit, "anna")
    before = cases_of(stack, unit)
    refused = await open_for(stack, http, unit, "anna", expect=409)
    detail = refused["detail"]
    assert detail["code"] == "caseload_limit_reached" and "2 of 2" in detail["message"] and "2 z 2" in detail["message"]
    assert (detail["open"], detail["limit"], detail["definition"]) == (2, 2, FAMILY)
    assert cases_of(stack, unit) == before, "a refused opening leaves nothing behind"
    # Another definition has no limit: the same coordinator takes a model-wsparcia case.
    await open_for(stack, http, unit, "anna", definition="model-wsparcia")
    # A coordinator cannot override; a supervisor can, with a reason code, and it is audited.
    r = await http.post(
        f"{API}/cases",
        headers=stack.headers(unit, "anna", key=uuid.uuid4().hex),
        json={
            "definition": FAMILY,
            "coordinator": stack.login_of(unit, "anna"),
            "client": {"name": "Rodzina Z"},
            "override_reason": "emergency",
        },
    )
    assert r.status_code == 403, r.text
    assert not trail(stack, unit, "caseload.override")
    third = await open_for(stack, http, unit, "anna", override_reason="emergency")
    [entry] = trail(stack, unit, "caseload.override")
    assert entry.actor == stack.login_of(unit, "supervisor-api")
    assert entry.details["reason"] == "emergency" and entry.details["open"] == 2 and entry.details["limit"] == 2
    assert third["coordinator"] == stack.login_of(unit, "anna")


async def test_the_caseload_limit_holds_on_assignment(stack: Stack, http: httpx.AsyncClient) -> None:
    unit = new_unit()
    for _ in range(2):
        await open_for(stack, http, unit, "bea")
    case = await open_for(stack, http, unit, "anna")
    url = f"{API}/cases/{case['id']}/coordinator"
    r = await http.put(url, json={"coordinator": stack.login_of(unit, "bea")}, headers=boss(stack, unit))
    assert r.status_code == 409 and r.json()["detail"]["code"] == "caseload_limit_reached", r.text
    assert "2 of 2" in r.json()["detail"]["message"]
    r = await http.put(
        url,
        json={"coordinator": stack.login_of(unit, "bea"), "override_reason": "colleague_ill"},
        headers=boss(stack, unit),
    )
    assert r.status_code == 200 and r.json()["coordinator"] == stack.login_of(unit, "bea"), r.text
    [entry] = trail(stack, unit, "caseload.override")
    assert entry.case_id == case["id"] and entry.details["reason"] == "colleague_ill"
    [assigned] = trail(stack, unit, "case.assign_coordinator")
    assert assigned.details["override_reason"] == "colleague_ill"


async def test_a_statutory_limit_cannot_be_overridden_on_opening_or_on_assignment(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    unit = new_unit()
    for _ in range(2):
        await open_for(stack, http, unit, "anna", definition=STATUTORY)
    before = cases_of(stack, unit)
    refused = await open_for(stack, http, unit, "anna", definition=STATUTORY, override_reason="emergency", expect=422)
    detail = refused["detail"]
    assert detail["code"] == "caseload_limit_statutory" and detail["provision"] == "art. 15 ust. 4", detail
    assert "ustawy" in detail["message"] and (detail["open"], detail["limit"]) == (2, 2)
    assert cases_of(stack, unit) == before and not trail(stack, unit, "caseload.override")
    # Reassigning into the full caseload: refused with the same code, override or not.
    case = await open_for(stack, http, unit, "bea", definition=STATUTORY)
    url = f"{API}/cases/{case['id']}/coordinator"
    body = {"coordinator": stack.login_of(unit, "anna"), "override_reason": "colleague_ill"}
    r = await http.put(url, json=body, headers=boss(stack, unit))
    assert r.status_code == 422 and r.json()["detail"]["code"] == "caseload_limit_statutory", r.text
    assert not trail(stack, unit, "caseload.override")
    # An assumed limit (rodzina-test) still yields to a supervisor's reason code.
    for _ in range(2):
        await open_for(stack, http, unit, "anna")
    await open_for(stack, http, unit, "anna", override_reason="emergency")


async def test_two_opens_racing_for_a_coordinators_last_place_one_is_refused(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    """The limit is decided under the coordinator's lock with a hold for the case being
    opened: two supervisors opening a case for the same coordinator at once cannot both take
    the last place (the limit is 2)."""
    for _ in range(3):
        unit = new_unit()
        await open_for(stack, http, unit, "bea")
        answers = await asyncio.gather(
            *(
                http.post(
                    f"{API}/cases",
                    json={
                        "definition": FAMILY,
                        "coordinator": stack.login_of(unit, "bea"),
                        "client": {"name": f"Rodzina {n}"},
                    },
                    headers=boss(stack, unit),
                )
                for n in range(2)
            )
        )
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        assert cases_of(stack, unit) == 2


async def test_two_reassignments_racing_for_a_coordinators_last_place_one_is_refused(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    unit = new_unit()
    await open_for(stack, http, unit, "bea")
    movers = [await open_for(stack, http, unit, "anna") for _ in range(2)]
    answers = await asyncio.gather(
        *(
            http.put(
                f"{API}/cases/{case['id']}/coordinator",
                json={"coordinator": stack.login_of(unit, "bea")},
                headers=boss(stack, unit),
            )
            for case in movers
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]


async def test_a_reassigned_case_is_the_new_coordinators_at_once(stack: Stack, http: httpx.AsyncClient) -> None:
    """The store shows the new coordinator when the reassignment answers, not a projection
    later: the new coordinator acts at once and the old one is refused at once."""
    for _ in range(3):
        unit = new_unit()
        case = await open_for(stack, http, unit, "anna")
        stack.user(unit, "bea")
        r = await http.put(
            f"{API}/cases/{case['id']}/coordinator",
            json={"coordinator": stack.login_of(unit, "bea")},
            headers=boss(stack, unit),
        )
        assert r.status_code == 200, r.text
        visit = {"occurred_at": datetime.now(UTC).isoformat(), "duration_minutes": 60, "kind": "office"}
        new = await http.post(
            f"{API}/cases/{case['id']}/visits", json=visit, headers=stack.headers(unit, "bea", key=uuid.uuid4().hex)
        )
        old = await http.post(
            f"{API}/cases/{case['id']}/visits", json=visit, headers=stack.headers(unit, "anna", key=uuid.uuid4().hex)
        )
        assert (new.status_code, old.status_code) == (201, 404), (new.text, old.text)


async def test_bulk_reassignment_moves_what_fits_and_says_what_was_refused(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    unit = new_unit()
    anna, bea, cezary = (stack.login_of(unit, n) for n in ("anna", "bea", "cezary"))
    leaving = [await open_for(stack, http, unit, "anna") for _ in range(2)]
    leaving.append(await open_for(stack, http, unit, "anna", definition="model-wsparcia"))
    await open_for(stack, http, unit, "bea")  # room for one more
    for _ in range(2):
        await open_for(stack, http, unit, "cezary")  # full

    r = await http.post(
        f"{API}/caseloads/reassign", json={"from": anna, "to": [bea, cezary]}, headers=boss(stack, unit)
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["moved_count"], result["refused_count"]) == (2, 1), result
    assert [(m["case_id"], m["to"]) for m in result["moved"]] == [(leaving[0]["id"], bea), (leaving[2]["id"], bea)]
    [refused] = result["refused"]
    assert (
        refused["case_id"] == leaving[1]["id"]
        and refused["code"] == "caseload_limit_reached"
        and "2 of 2" in refused["message"]
    )
    # Each move is the workflow's own: the case says who has it now.
    for moved in result["moved"]:
        r = await http.get(f"{API}/cases/{moved['case_id']}", headers=stack.supervisor(unit))
        assert r.json()["coordinator"] == bea
    assert len(trail(stack, unit, "case.assign_coordinator")) == 2
    [summary] = trail(stack, unit, "caseload.reassign")
    assert summary.details == {"source": anna, "targets": [bea, cezary], "moved": 2, "refused": 1}

    async def caseloads() -> Any:
        page = (await http.get(f"{API}/caseloads", headers=stack.supervisor(unit))).json()
        rows = {row["coordinator"]: row for row in page["items"]}
        return rows if rows.get(bea, {}).get("open") == 3 else None

    rows = await stack.eventually(caseloads, what="the moves in the projection")
    family = {d["definition"]: d for d in rows[bea]["definitions"]}
    assert family[FAMILY] == {"definition": FAMILY, "open": 2, "limit": 2, "full": True, "statutory": False}
    assert rows[anna]["open"] == 1 and rows[cezary]["open"] == 2
    # A coordinator sees their own row only, and no colleague's.
    own = (await http.get(f"{API}/caseloads", headers=stack.headers(unit, "anna"))).json()
    assert [row["coordinator"] for row in own["items"]] == [anna]
    r = await http.get(f"{API}/caseloads", params={"coordinator": bea}, headers=stack.headers(unit, "anna"))
    assert r.status_code == 403
    # The CSV of the same.
    r = await http.get(f"{API}/caseloads", params={"format": "csv"}, headers=stack.supervisor(unit))
    by_name = {row["coordinator"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert by_name[bea]["open"] == "3"

    # Another unit's supervisor: that coordinator is "not found".
    r = await http.post(f"{API}/caseloads/reassign", json={"from": anna, "to": [bea]}, headers=boss(stack, new_unit()))
    assert r.status_code == 404 and r.json()["detail"]["code"] == "coordinator_not_found"
    # A target who is not a coordinator of the unit is a bad request, and nothing moves.
    r = await http.post(f"{API}/caseloads/reassign", json={"from": bea, "to": ["nobody"]}, headers=boss(stack, unit))
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_coordinator"


async def test_the_funnel_report_answers_json_csv_and_accessible_svg(stack: Stack, http: httpx.AsyncClient) -> None:
    unit = new_unit()
    case = await open_for(stack, http, unit, "anna", definition="model-wsparcia")
    assert case["stage"] == "diagnosis"

    async def report() -> Any:
        r = await http.get(
            f"{API}/reports/funnel", params={"definition": "model-wsparcia"}, headers=stack.supervisor(unit)
        )
        assert r.status_code == 200, r.text
        return r.json() if r.json()["cohort"] == 1 else None

    body = await stack.eventually(report, what="the case in the report")
    assert [s["stage"] for s in body["steps"]] == [
        "diagnosis",
        "plan",
        "therapy",
        "training",
        "internship",
        "follow_up",
        "closed",
    ]
    assert body["steps"][0]["reached"] == 1 and body["steps"][1]["reached"] == 0 and body["still_open"] == 1
    r = await http.get(
        f"{API}/reports/funnel",
        params={"definition": "model-wsparcia", "format": "csv"},
        headers=stack.supervisor(unit),
    )
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["section"] == "funnel" and rows[0]["stage"] == "diagnosis" and rows[0]["count"] == "1"
    for path in ("/reports/funnel.svg", "/reports/time-in-stage.svg"):
        r = await http.get(
            f"{API}{path}", params={"definition": "model-wsparcia", "lang": "en"}, headers=stack.supervisor(unit)
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml"), r.text
        svg = ElementTree.fromstring(r.text)
        ns = "{http://www.w3.org/2000/svg}"
        assert svg.get("role") == "img" and svg.find(f"{ns}title") is not None and svg.find(f"{ns}desc") is not None
    # Bad input is a clear 422, never a 500.
    for params, code in (
        ({}, "definition_required"),
        ({"definition": "nope"}, "unknown_definition"),
        ({"definition": "model-wsparcia", "opened_from": "2026-05-02", "opened_to": "2026-05-01"}, "invalid_period"),
    ):
        r = await http.get(f"{API}/reports/funnel", params=params, headers=stack.supervisor(unit))
        assert r.status_code == 422 and r.json()["detail"]["code"] == code, r.text
    # Coordinators do not read reports.
    r = await http.get(
        f"{API}/reports/funnel", params={"definition": "model-wsparcia"}, headers=stack.headers(unit, "anna")
    )
    assert r.status_code == 403
