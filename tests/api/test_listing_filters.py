"""A listing filter that names nothing is an error, not an empty "all clear".

``GET /cases``, ``/audit/stalled`` and ``/caseloads`` with ``definition`` the catalog does not
have, or ``coordinator`` who is not a coordinator of the caller's unit, answer 422
``unknown_definition`` / ``unknown_coordinator`` naming the field (pathway/app/filters.py);
``/reports/funnel`` already refused an unknown definition. Known values still answer 200,
a disabled coordinator included (their cases are still to be seen and moved); a coordinator
asking for anyone but themselves keeps getting 403, whether that colleague exists or not."""

from __future__ import annotations

import pytest
from apistack import Stack, new_unit

from pathway.security import accounts

pytestmark = pytest.mark.integration

API = "/api/v1"
LISTINGS = ["/cases", "/audit/stalled", "/caseloads"]


@pytest.mark.parametrize("path", LISTINGS)
async def test_an_unknown_definition_or_coordinator_is_a_422_naming_the_field(stack: Stack, path: str) -> None:
    unit = new_unit()
    await stack.open_case(unit=unit)  # the unit has a case: an empty answer would not be "nothing there"
    coordinator = stack.login_of(unit)
    boss = stack.supervisor(unit)
    stack.user(unit, "another-boss", roles=("supervisor",))
    other_unit = new_unit()
    stack.user(other_unit)

    for params, code, field in (
        ({"definition": "no-such-pathway"}, "unknown_definition", "definition"),
        ({"coordinator": "nobody.at.all"}, "unknown_coordinator", "coordinator"),
        ({"coordinator": stack.login_of(unit, "another-boss")}, "unknown_coordinator", "coordinator"),
        ({"coordinator": stack.login_of(other_unit)}, "unknown_coordinator", "coordinator"),
        ({"definition": "no-such-pathway", "format": "csv"}, "unknown_definition", "definition"),
    ):
        if path == "/cases" and "format" in params:
            continue  # the case list has no CSV of its own
        r = await stack.http.get(API + path, params=params, headers=boss)
        assert r.status_code == 422, (params, r.status_code, r.text)
        detail = r.json()["detail"]
        assert (detail["code"], detail["field"]) == (code, field), detail
        if code == "unknown_definition":
            assert "model-wsparcia" in detail["definitions"]

    for params in ({"definition": "model-wsparcia"}, {"coordinator": coordinator}):
        r = await stack.http.get(API + path, params=params, headers=boss)
        assert r.status_code == 200, (params, r.text)


async def test_a_disabled_coordinators_cases_can_still_be_listed(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit)
    accounts.set_disabled(stack.engine, stack.login_of(unit))
    r = await stack.http.get(
        f"{API}/cases", params={"coordinator": stack.login_of(unit)}, headers=stack.supervisor(unit)
    )
    assert r.status_code == 200, r.text
    assert [c["id"] for c in r.json()["items"]] == [case["id"]]


async def test_a_coordinator_asking_for_a_colleague_gets_403_whether_they_exist_or_not(stack: Stack) -> None:
    unit = new_unit()
    stack.user(unit, "colleague")
    mine = stack.headers(unit)
    for who in (stack.login_of(unit, "colleague"), "nobody.at.all"):
        for path in LISTINGS:
            r = await stack.http.get(API + path, params={"coordinator": who}, headers=mine)
            assert r.status_code == 403, (path, who, r.text)
    r = await stack.http.get(f"{API}/cases", params={"definition": "no-such-pathway"}, headers=mine)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_definition", r.text


async def test_the_funnel_refuses_an_unknown_definition(stack: Stack) -> None:
    unit = new_unit()
    r = await stack.http.get(
        f"{API}/reports/funnel", params={"definition": "no-such-pathway"}, headers=stack.supervisor(unit)
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_definition", r.text
