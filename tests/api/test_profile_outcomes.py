"""The client's profile at opening, eligibility (refuse and warn), the employment status at
exit and after, through the API (issue 14, section 5)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from apistack import Stack, new_unit
from sqlmodel import Session, select

from activities.follow_ups import FollowUpActivities
from activities.messages import RemindFollowUpsInput
from activities.reminders import ReminderActivities
from pathway.app.catalog import CatalogEntry
from pathway.core.calendar import add_months, local_date
from pathway.core.definition import snapshot
from pathway.core.definition.profile import Eligibility, ProfilePolicy
from pathway.store.audit_trail import AuditEntry
from pathway.store.models import CaseProfile, Reminder

pytestmark = pytest.mark.integration

ELIGIBLE = {"sex": "female", "birth_year": 1970, "labour_status": "registered_unemployed"}


def _audit(stack: Stack, unit: str) -> list[AuditEntry]:
    with Session(stack.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.unit_id == unit).order_by(AuditEntry.seq)).all())


async def test_a_profile_is_kept_sealed_and_read_back(stack: Stack) -> None:
    unit = new_unit()
    profile = {**ELIGIBLE, "disability": True, "disability_degree": "moderate"}
    case = await stack.open_case(unit=unit, profile=profile)
    assert case["warnings"] == []
    r = await stack.http.get(f"/api/v1/cases/{case['id']}/profile", headers=stack.headers(unit))
    assert r.status_code == 200, r.text
    assert r.json()["profile"] == profile and r.json()["exit_status"] is None
    with Session(stack.engine) as session:
        row = session.get(CaseProfile, case["id"])
    assert row is not None and row.entry_sealed is not None and row.entry_sealed.startswith("v1:")
    assert "female" not in row.entry_sealed and "1970" not in row.entry_sealed


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"birth_year": "1970"}, "birth_year"),
        ({"birth_year": 1800}, "birth_year"),
        ({"sex": "unknown"}, "sex"),
        ({"labour_status": "student"}, "labour_status"),
        ({"disability": False, "disability_degree": "severe"}, "disability_degree"),
        ({"hobby": "chess"}, "hobby"),
    ],
)
async def test_a_bad_profile_is_a_422_naming_the_field(stack: Stack, profile: dict[str, Any], field: str) -> None:
    r = await stack.http.post(
        "/api/v1/cases",
        json={"definition": "model-wsparcia", "coordinator": "coord-api", "client": {"name": "X"}, "profile": profile},
        headers=stack.headers(key=uuid.uuid4().hex),
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["detail"]["message"], r.text


async def test_a_birth_year_after_the_opening_is_refused(stack: Stack) -> None:
    r = await stack.http.post(
        "/api/v1/cases",
        json={
            "definition": "model-wsparcia",
            "coordinator": "coord-api",
            "client": {"name": "X"},
            "profile": {"birth_year": 2150},
        },
        headers=stack.headers(key=uuid.uuid4().hex),
    )
    assert r.status_code == 422 and r.json()["detail"]["field"] == "profile.birth_year", r.text


async def test_model_wsparcia_warns_about_a_client_it_is_not_for_and_audits_the_confirmation(stack: Stack) -> None:
    unit = new_unit()
    man = {"sex": "male", "birth_year": 1990, "labour_status": "employed"}
    case = await stack.open_case(unit=unit, profile=man)  # opened anyway: the pathway warns
    [warning] = case["warnings"]
    assert warning["code"] == "not_eligible" and warning["fields"] == ["sex", "birth_year", "labour_status"]
    assert "nie spełnia" in warning["message"] and "płeć" in warning["message"], warning
    assert warning["confirmed"] is False
    assert "case.eligibility_override" not in {e.action for e in _audit(stack, unit)}

    confirmed = await stack.open_case(unit=unit, profile=man, eligibility_confirmed=True)
    assert confirmed["warnings"][0]["confirmed"] is True
    overrides = [e for e in _audit(stack, unit) if e.action == "case.eligibility_override"]
    assert [(e.case_id, e.details["fields"]) for e in overrides] == [
        (confirmed["id"], ["sex", "birth_year", "labour_status"])
    ]
    assert "male" not in json.dumps([e.details for e in overrides])  # names of fields, never values

    unknown = await stack.open_case(unit=unit)  # nothing recorded: not checked, and said so
    assert unknown["warnings"][0]["missing"] == ["sex", "birth_year", "labour_status"]
    eligible = await stack.open_case(unit=unit, profile=ELIGIBLE)
    assert eligible["warnings"] == []


@pytest.fixture
def refusing(stack: Stack) -> Iterator[str]:
    """A pathway like Model Wsparcia whose eligibility refuses (in this stack's catalog only)."""
    catalog = stack.app.state.services.catalog
    base = catalog.get("model-wsparcia")
    policy = ProfilePolicy(
        eligibility=Eligibility(
            on_fail="refuse",
            sex=["female"],
            min_age=50,
            labour_status=["registered_unemployed", "unemployed_not_registered", "inactive"],
        ),
        required=["disability"],
    )
    definition = base.definition.model_copy(update={"id": "wsparcia-odmowa", "profile": policy})
    catalog._entries["wsparcia-odmowa"] = CatalogEntry(definition, snapshot(definition), base.path)
    yield "wsparcia-odmowa"
    del catalog._entries["wsparcia-odmowa"]


async def test_a_refusing_pathway_answers_422_naming_the_fields(stack: Stack, refusing: str) -> None:
    unit = new_unit()
    young = {**ELIGIBLE, "birth_year": 1990, "sex": "male", "disability": False}
    r = await stack.http.post(
        "/api/v1/cases",
        json={"definition": refusing, "coordinator": stack.login_of(unit), "client": {"name": "X"}, "profile": young},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "not_eligible" and detail["fields"] == ["profile.sex", "profile.birth_year"]
    assert detail["field"] == "profile.sex"

    r = await stack.http.post(
        "/api/v1/cases",
        json={"definition": refusing, "coordinator": stack.login_of(unit), "client": {"name": "X"}},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "profile_required", r.text
    assert r.json()["detail"]["fields"] == [
        "profile.sex",
        "profile.birth_year",
        "profile.labour_status",
        "profile.disability",
    ]
    case = await stack.open_case(unit=unit, definition=refusing, profile={**ELIGIBLE, "disability": False})
    assert case["warnings"] == [] and case["definition"] == refusing


async def test_ending_a_case_needs_the_status_at_exit_and_the_follow_up_falls_due_3_months_later(
    stack: Stack,
) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit, profile=ELIGIBLE)
    url = f"/api/v1/cases/{case['id']}"

    r = await stack.http.post(f"{url}/close", json={"outcome": "dropped_out"}, headers=stack.headers(unit, key="c1"))
    assert r.status_code == 422 and r.json()["detail"]["field"] == "exit_status", r.text
    assert (await stack.get_case(case["id"], unit=unit))["status"] == "active", "nothing was lost or done"

    r = await stack.transition(case["id"], "advance", unit=unit, exit_status="employed")
    assert r.status_code == 422 and r.json()["detail"]["code"] == "exit_status_not_ending", r.text

    early = await stack.http.put(
        f"{url}/profile/follow-up", json={"status": "employed"}, headers=stack.headers(unit, key="f0")
    )
    assert early.status_code == 409, early.text

    body = {"outcome": "dropped_out", "exit_status": "inactive"}
    closed = await stack.http.post(f"{url}/close", json=body, headers=stack.headers(unit, key="c2"))
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text
    again = await stack.http.post(f"{url}/close", json=body, headers=stack.headers(unit, key="c2"))
    assert again.status_code == 200, again.text  # the same close, retried

    got = (await stack.http.get(f"{url}/profile", headers=stack.headers(unit))).json()
    ended_on = local_date(datetime.fromisoformat(closed.json()["stage_entered_at"]), "Europe/Warsaw")
    assert got["exit_status"] == "inactive" and got["follow_up_due_on"] == add_months(ended_on, 3).isoformat()

    r = await stack.http.put(
        f"{url}/profile/follow-up", json={"status": "hired"}, headers=stack.headers(unit, key="f1")
    )
    assert r.status_code == 422, r.text
    r = await stack.http.put(
        f"{url}/profile/follow-up", json={"status": "employed"}, headers=stack.headers(unit, key="f2")
    )
    assert r.status_code == 200 and r.json()["follow_up_status"] == "employed", r.text


async def _closed_case(stack: Stack, unit: str, status: str = "inactive") -> tuple[dict[str, Any], datetime]:
    case = await stack.open_case(unit=unit, profile=ELIGIBLE)
    r = await stack.http.post(
        f"/api/v1/cases/{case['id']}/close",
        json={"outcome": "dropped_out", "exit_status": status},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text
    return case, datetime.fromisoformat(r.json()["stage_entered_at"])


async def test_the_coordinator_is_reminded_in_her_inbox_3_months_after_exit_once(stack: Stack) -> None:
    unit = new_unit()
    due, ended = await _closed_case(stack, unit)
    recorded, _ = await _closed_case(stack, unit)
    r = await stack.http.put(
        f"/api/v1/cases/{recorded['id']}/profile/follow-up",
        json={"status": "employed"},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text
    follow_ups = FollowUpActivities(stack.engine, ReminderActivities(stack.engine))

    def reminders_of(case_id: str) -> list[Reminder]:
        with Session(stack.engine) as session:
            return list(session.exec(select(Reminder).where(Reminder.case_id == case_id)).all())

    # Two months after: nothing yet.
    two_months = datetime.combine(add_months(ended.date(), 2), ended.timetz())
    await follow_ups.remind_follow_ups(RemindFollowUpsInput(at=two_months))
    assert reminders_of(due["id"]) == []

    # A day past three months: the coordinator is reminded of the case not yet recorded.
    later = datetime.combine(add_months(ended.date(), 3), ended.timetz()) + timedelta(days=1)
    await follow_ups.remind_follow_ups(RemindFollowUpsInput(at=later))
    [reminder] = reminders_of(due["id"])
    assert (reminder.kind, reminder.recipient) == ("follow_up_due", stack.login_of(unit))
    assert reminders_of(recorded["id"]) == []
    page = (await stack.http.get("/api/v1/inbox", headers=stack.headers(unit))).json()
    assert [(i["case_id"], i["kind"]) for i in page["items"]] == [(due["id"], "follow_up_due")]

    # The next day's run reminds nobody twice.
    again = await follow_ups.remind_follow_ups(RemindFollowUpsInput(at=later + timedelta(days=1)))
    assert len(reminders_of(due["id"])) == 1 and due["id"] not in str(again)
