"""The case page's plan forms without a browser: a goal with its first action added through the
web (a new version of the plan, as the API reads it), a second action, one marked done, one
dropped with a reason, an empty goal title refused in Polish words, a stale form refused, and
then the move that needs a complete plan succeeds."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from apistack import PASSWORD, Stack
from helpers import local_today
from test_web_pages import Browserless, _row
from test_web_pages import unit as unit  # noqa: F401, F811  (the fixture)

from pathway.security import accounts

pytestmark = pytest.mark.integration


async def _case_at_the_plan(stack: Stack, people: dict[str, str]) -> tuple[str, dict[str, str]]:
    """An asystent-rodziny case brought to its plan stage through the API."""
    token, _ = accounts.login(stack.engine, user_id=people["coord"], password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}

    def key() -> dict[str, str]:
        return {**auth, "Idempotency-Key": uuid.uuid4().hex}

    r = await stack.http.post(
        "/api/v1/cases",
        headers=key(),
        json={"definition": "asystent-rodziny", "coordinator": people["coord"], "client": {"name": "Matka Planowa"}},
    )
    assert r.status_code == 201, r.text
    case_id = r.json()["id"]
    steps: list[tuple[str, Any]] = [
        ("contract", {"signed_on": local_today().isoformat(), "family_members": 1}),
        ("diagnosis", {k: True for k in ("all_members_met", "housing", "finances", "health", "legal")}),
    ]
    for name, value in steps:
        r = await stack.http.put(f"/api/v1/cases/{case_id}/facts/{name}", headers=key(), json={"value": value})
        assert r.status_code == 200, r.text
        r = await stack.http.post(f"/api/v1/cases/{case_id}/transitions", headers=key(), json={"trigger": "advance"})
        assert r.status_code == 200, r.text
    assert r.json()["stage"] == "plan"
    return case_id, auth


async def test_a_coordinator_writes_the_plan_through_the_web_and_the_case_moves_on(
    stack: Stack, unit: dict[str, str]
) -> None:
    case_id, auth = await _case_at_the_plan(stack, unit)
    blocked = await stack.http.post(
        f"/api/v1/cases/{case_id}/transitions",
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        json={"trigger": "advance"},
    )
    assert blocked.status_code != 200  # no plan yet
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    page = (await web.http.get(f"/cases/{case_id}")).text
    assert "Dodaj cel" in page and "Plan uzgodniony dnia" in page
    assert f'name="agreed_on" type="date" value="{local_today().isoformat()}"' in page
    assert '<option value="coordinator">' in page

    goals = f"/cases/{case_id}/plan/goals"
    fields = await web.form_fields(f"/cases/{case_id}", goals)
    assert fields["expected_version"] == "0"
    due = (local_today() + timedelta(days=14)).isoformat()
    # an empty goal title: the case page again with the refusal in Polish words
    refused = await web.http.post(
        goals, data={**fields, "goal_title": "", "action_title": "Coś", "owner": "coordinator"}
    )
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert "Podaj nazwę celu." in refused.text
    r = await web.http.post(
        goals,
        data={
            **fields,
            "goal_title": "Mieszkanie dla rodziny",
            "action_title": "Złożyć wniosek o mieszkanie",
            "owner": "coordinator",
            "due_on": due,
            "agreed_on": local_today().isoformat(),
        },
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=plan_goal#top", r.text
    plan = (await stack.http.get(f"/api/v1/cases/{case_id}/plan", headers=auth)).json()
    assert plan["version"] == 1 and plan["agreed_on"] == local_today().isoformat()
    [goal] = plan["goals"]
    assert goal["title"] == "Mieszkanie dla rodziny"
    [first] = goal["actions"]
    assert (first["title"], first["owner"]["kind"], first["due_on"]) == (
        "Złożyć wniosek o mieszkanie",
        "coordinator",
        due,
    )
    page = (await web.http.get(f"/cases/{case_id}?done=plan_goal")).text
    assert "Dodano cel do planu." in page and "Mieszkanie dla rodziny" in page

    # a second action under the goal
    actions = f"/cases/{case_id}/plan/goals/{goal['id']}/actions"
    fields = await web.form_fields(f"/cases/{case_id}", actions)
    assert fields["expected_version"] == "1"
    again = dict(fields)
    r = await web.http.post(actions, data={**fields, "action_title": "Rozmowa z pedagogiem", "owner": "coordinator"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=plan_action#top", r.text
    plan = (await stack.http.get(f"/api/v1/cases/{case_id}/plan", headers=auth)).json()
    assert plan["version"] == 2 and [a["title"] for a in plan["goals"][0]["actions"]] == [
        "Złożyć wniosek o mieszkanie",
        "Rozmowa z pedagogiem",
    ]
    second = plan["goals"][0]["actions"][1]
    # the same form sent twice is the same version; a form shown before the change is stale
    r = await web.http.post(actions, data={**again, "action_title": "Rozmowa z pedagogiem", "owner": "coordinator"})
    assert r.status_code == 303
    stale = await web.http.post(
        actions, data={**again, "key": uuid.uuid4().hex, "action_title": "Inne", "owner": "coordinator"}
    )
    assert stale.status_code == 409 and "Ktoś w międzyczasie zmienił plan." in stale.text
    assert (await stack.http.get(f"/api/v1/cases/{case_id}/plan", headers=auth)).json()["version"] == 2

    # the first action done, the second dropped with a reason
    page = (await web.http.get(f"/cases/{case_id}")).text
    assert "Zrobione" in _row(page, "data-action", first["id"]) and "Porzuć" in _row(page, "data-action", first["id"])
    status = f"/cases/{case_id}/plan/actions/{first['id']}/status"
    fields = await web.form_fields(f"/cases/{case_id}", status)
    r = await web.http.post(status, data={**fields, "status": "done"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=plan_status#top", r.text
    status = f"/cases/{case_id}/plan/actions/{second['id']}/status"
    fields = await web.form_fields(f"/cases/{case_id}", status)
    r = await web.http.post(status, data={**fields, "status": "dropped", "reason": "replaced"})
    assert r.status_code == 303, r.text
    plan = (await stack.http.get(f"/api/v1/cases/{case_id}/plan", headers=auth)).json()
    assert plan["version"] == 4
    assert [(a["status"], a["reason"]) for a in plan["goals"][0]["actions"]] == [
        ("done", None),
        ("dropped", "replaced"),
    ]
    page = (await web.http.get(f"/cases/{case_id}?done=plan_status")).text
    done_row = _row(page, "data-action", first["id"])
    assert "Zmieniono stan działania." in page and "wykonane" in done_row and "Zrobione" not in done_row

    # the plan written through the web lets the case leave the plan stage
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/move")
    r = await web.http.post(f"/cases/{case_id}/move", data={**fields, "trigger": "advance"})
    assert r.status_code == 303, r.text
    got = (await stack.http.get(f"/api/v1/cases/{case_id}", headers=auth)).json()
    assert got["stage"] == "basic_problems"
