"""The supervisors' forecast on the real stack (``GET /api/v1/reports/forecast``, its CSV and
SVG, and the dashboard's chart): the unit's open cases run forward through their own
definitions under an assumed visit rate and staff absences. Who may read it is in
test_access.py."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from apistack import Stack, new_unit

pytestmark = pytest.mark.integration

API = "/api/v1"


async def _opened(stack: Stack, unit: str) -> str:
    case = await stack.open_case(unit=unit)

    async def projected() -> Any:
        r = await stack.http.get(f"{API}/reports/forecast", headers=stack.supervisor(unit))
        assert r.status_code == 200, r.text
        return r.json()["cases"] == 1

    await stack.eventually(projected, what="the case in the forecast")
    return str(case["id"])


async def _forecast(stack: Stack, unit: str, **params: Any) -> dict[str, Any]:
    r = await stack.http.get(f"{API}/reports/forecast", params=params, headers=stack.supervisor(unit))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_forecast_runs_a_case_forward_at_the_assumed_visit_rate(stack: Stack) -> None:
    unit = new_unit()
    await _opened(stack, unit)
    coordinator = stack.login_of(unit)

    # Twice a week: the weekly visit is never late; the 30-day diagnosis (no move) is, from
    # its week on, every week after.
    kept = await _forecast(stack, unit, visits_per_week=2)
    assert kept["weeks"] == 26 and len(kept["rows"]) == 26
    assert {r["coordinator_id"] for r in kept["rows"]} == {coordinator}
    assert all(r["overdue_visits"] == 0 and r["cases"] == 1 for r in kept["rows"])
    late = [r["overdue_stages"] for r in kept["rows"]]
    assert late[0] == 0 and late[-1] == 1 and late == sorted(late)
    assert sum(r["deadlines_due"] for r in kept["rows"]) == 1
    # Every 3.5 days from now to the end of week 26: at least 25 weeks' worth, less one when
    # the run starts late on a Sunday (this week almost over) and spring's clock change takes
    # an hour off the horizon (it failed so on Sunday 6 December at 23:50 local time).
    assert sum(r["visits_planned"] for r in kept["rows"]) >= 2 * 25 - 1

    # Nobody visits: the visit is overdue within two weeks and stays so; the clocks ring.
    none = await _forecast(stack, unit, visits_per_week=0)
    assert none["rows"][2]["overdue_visits"] == 1 and none["rows"][-1]["overdue_cases"] == 1
    assert sum(r["escalations"] for r in none["rows"]) == 2  # the visit's and the stage's
    assert sum(r["visits_planned"] for r in none["rows"]) == 0

    # The coordinator away for weeks 2-5: those visits are missed, the case falls behind,
    # and is on time again once they are back.
    monday = date.fromisoformat(kept["rows"][0]["week_start"])
    away = f"{coordinator}:{monday + timedelta(weeks=2)}:{monday + timedelta(weeks=6) - timedelta(days=1)}"
    absent = await _forecast(stack, unit, visits_per_week=2, absence=[away])
    assert [r["absent"] for r in absent["rows"][:7]] == [False, False, True, True, True, True, False]
    assert absent["rows"][4]["overdue_visits"] == 1 and absent["rows"][5]["visits_planned"] == 0
    assert absent["rows"][8]["overdue_visits"] == 0
    assert absent["absences"][0]["coordinator_id"] == coordinator


async def test_the_forecast_answers_csv_and_an_accessible_chart_and_refuses_bad_assumptions(stack: Stack) -> None:
    unit = new_unit()
    await _opened(stack, unit)
    r = await stack.http.get(
        f"{API}/reports/forecast", params={"format": "csv", "weeks": 4}, headers=stack.supervisor(unit)
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 4 and rows[0]["coordinator_id"] == stack.login_of(unit) and "overdue_cases" in rows[0]

    r = await stack.http.get(f"{API}/reports/forecast.svg", params={"weeks": 4}, headers=stack.supervisor(unit))
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml"), r.text
    svg = ElementTree.fromstring(r.text)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img" and svg.find(f"{ns}title") is not None
    assert "Prognoza" in r.text and len(svg.findall(f".//{ns}g[@role='listitem']")) == 4

    for params, code in (
        ({"absence": "nobody-2026-01-01"}, "invalid_absence"),
        ({"absence": "anna:2026-02-10:2026-02-01"}, "invalid_absence"),
    ):
        r = await stack.http.get(f"{API}/reports/forecast", params=params, headers=stack.supervisor(unit))
        assert r.status_code == 422 and r.json()["detail"]["code"] == code, r.text
    r = await stack.http.get(f"{API}/reports/forecast", params={"visits_per_week": 8}, headers=stack.supervisor(unit))
    assert r.status_code == 422
    # Coordinators do not read it.
    r = await stack.http.get(f"{API}/reports/forecast", headers=stack.headers(unit))
    assert r.status_code == 403


async def test_the_forecast_is_kept_while_no_case_of_the_unit_changes_and_computed_afresh_when_one_does(
    stack: Stack,
) -> None:
    """A city's forecast is seconds of work: the dashboard shows the one computed from the same
    projected clocks again (its ``generated_at`` says when), and a change anywhere in the unit
    (here a new case) computes it afresh."""
    unit = new_unit()
    await _opened(stack, unit)
    first = await _forecast(stack, unit)
    again = await _forecast(stack, unit)
    assert again == first  # kept: the same moment it was computed at, the same rows
    other_rate = await _forecast(stack, unit, visits_per_week=2)
    assert other_rate["visits_per_week"] == 2 and other_rate["generated_at"] >= first["generated_at"]

    await stack.open_case(unit=unit)

    async def recomputed() -> bool:
        return (await _forecast(stack, unit))["cases"] == 2

    await stack.eventually(recomputed, what="the new case in the forecast")
    fresh = await _forecast(stack, unit)
    assert fresh["generated_at"] > first["generated_at"]
