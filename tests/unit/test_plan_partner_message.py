"""What a partner given an action of a case's plan is told (activities.notify.partner_message):
the action's id, and its due date only where the partner's scope includes dates; never the
action's words (the workflow never had them)."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.messages import NotifyPartnerInput
from activities.notify import partner_message

ACTION = NotifyPartnerInput(
    case_id="case-1",
    unit_id="u1",
    coordinator_id="coord-1",
    seq=7,
    stage="basic_problems",
    moment="action",
    partner_id="pup-1",
    partner_kind="pup",
    at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
    action_id="a-2",
    due_on="2026-03-25",
)


def test_a_partner_is_told_the_action_and_its_date_within_its_scope() -> None:
    told = partner_message(ACTION, "Europe/Warsaw", scope=["case_reference", "dates"])
    assert told.subject_code == "plan_action"
    assert told.body == {
        "case_id": "case-1",
        "moment": "action",
        "date": "2026-03-02",
        "action_id": "a-2",
        "due_on": "2026-03-25",
    }


def test_without_dates_in_its_scope_a_partner_is_not_told_the_due_date() -> None:
    told = partner_message(ACTION, "Europe/Warsaw", scope=["stage"])
    assert told.body == {"stage": "basic_problems", "moment": "action", "action_id": "a-2"}
