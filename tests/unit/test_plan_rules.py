"""The case's plan in the pure rules: its guard, its due actions watched like visits (reminded,
then escalated), its review, a stale version refused, a partner's action told to the partner.

2026: 2 March is a Monday; Warsaw is UTC+1 until 29 March."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from helpers import Ids  # noqa: F401

from pathway.app.catalog import Catalog
from pathway.core.case import Case, clocks
from pathway.core.commands import Advance, RecordPlan, SetFact
from pathway.core.errors import GuardUnmet, IllegalMove
from pathway.core.events import NotificationRequested, PlanRecorded, ReminderDue
from pathway.core.plan import PlanAction, PlanSkeleton

CATALOG = Catalog.load(Path(__file__).resolve().parents[2] / "definitions")
OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def family_case_in_plan_stage(ids: Ids) -> Case:
    entry = CATALOG.get("asystent-rodziny")
    assert entry is not None
    case = Case.open(
        case_id="case-1", definition=entry.snapshot, coordinator_id="coord-1", unit_id="unit-1", now=OPENED, actor="a"
    )
    case.state.stage = "plan"  # the earlier stages are other tests' business
    return case


def plan(version: int, *actions: PlanAction, agreed_on: date | None = date(2026, 3, 2)) -> PlanSkeleton:
    return PlanSkeleton(
        version=version, agreed_on=agreed_on, goal_ids=sorted({a.goal_id for a in actions}), actions=list(actions)
    )


def action(action_id: str, due_on: date, status: str = "planned", **more: object) -> PlanAction:
    return PlanAction.model_validate(
        {
            "action_id": action_id,
            "goal_id": "g1",
            "owner_kind": "coordinator",
            "due_on": due_on,
            "status": status,
            **more,
        }
    )


def about_plan(events: list[object]) -> list[tuple[str | None, str]]:
    return [
        (e.watch, e.level) for e in events if isinstance(e, ReminderDue) and e.watch not in ("visit", "stage_deadline")
    ]


def record(case: Case, ids: Ids, skeleton: PlanSkeleton, now: datetime = OPENED) -> list[object]:
    return list(case.apply(RecordPlan(command_id=ids(), actor="coord-1", plan=skeleton), now))


def test_the_move_out_of_the_plan_stage_needs_a_complete_agreed_plan(ids: Ids) -> None:
    case = family_case_in_plan_stage(ids)
    with pytest.raises(GuardUnmet) as refused:
        case.validate(Advance(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)
    assert "plan" in str(refused.value.to_dict())
    record(case, ids, plan(1, action("a1", date(2026, 3, 20)), agreed_on=None))
    with pytest.raises(GuardUnmet) as still:
        case.validate(Advance(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)
    assert "agreed" in str(still.value.to_dict())
    record(case, ids, plan(2, action("a1", date(2026, 3, 20))))
    case.validate(Advance(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)


def test_a_due_action_is_reminded_then_escalated_and_a_done_one_is_no_longer_watched(ids: Ids) -> None:
    case = family_case_in_plan_stage(ids)
    [recorded] = record(case, ids, plan(1, action("a1", date(2026, 3, 10))))
    assert isinstance(recorded, PlanRecorded) and recorded.planned == 1
    # due on Tuesday 10 March: late from Wednesday 11 March 00:00 in Warsaw
    assert case.state.watches["action:a1"].due_at == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    reminders: list[object] = list(case.fire_due(datetime(2026, 3, 11, 8, 0, tzinfo=UTC)))
    assert about_plan(reminders) == [("action:a1", "reminder")]
    [late] = [o for o in case.view(datetime(2026, 3, 12, 8, 0, tzinfo=UTC)).overdue if o.watch == "action"]
    assert (late.ref, late.due_on, late.days_overdue) == ("a1", date(2026, 3, 10), 2)
    # 5 working days after it fell due, the supervisor is told
    escalated: list[object] = list(case.fire_due(datetime(2026, 3, 19, 8, 0, tzinfo=UTC)))
    assert ("action:a1", "escalation") in about_plan(escalated)
    record(case, ids, plan(2, action("a1", date(2026, 3, 10), "done")), datetime(2026, 3, 19, 9, 0, tzinfo=UTC))
    assert "action:a1" not in case.state.watches
    assert not [o for o in case.view(datetime(2026, 3, 20, tzinfo=UTC)).overdue if o.watch == "action"]


def test_a_missed_review_is_overdue_like_a_visit(ids: Ids) -> None:
    case = family_case_in_plan_stage(ids)
    record(case, ids, plan(1, action("a1", date(2026, 12, 31))))
    # agreed on 2 March, reviewed every 6 months: due on 2 September, late from the 3rd
    review = case.state.watches["plan_review"]
    assert review.due_at == datetime(2026, 9, 2, 22, 0, tzinfo=UTC)
    events: list[object] = list(case.fire_due(datetime(2026, 9, 3, 8, 0, tzinfo=UTC)))
    assert about_plan(events) == [("plan_review", "reminder")]
    [late] = [o for o in case.view(datetime(2026, 9, 4, 8, 0, tzinfo=UTC)).overdue if o.watch == "plan_review"]
    assert late.days_overdue == 2
    # agreed again (the review): due six months later
    record(case, ids, plan(2, action("a1", date(2026, 12, 31)), agreed_on=date(2026, 9, 4)))
    assert case.state.watches["plan_review"].due_at == datetime(2027, 3, 4, 23, 0, tzinfo=UTC)


def test_a_change_made_on_a_stale_version_is_refused(ids: Ids) -> None:
    case = family_case_in_plan_stage(ids)
    record(case, ids, plan(1, action("a1", date(2026, 3, 20))))
    with pytest.raises(IllegalMove):
        case.validate(
            RecordPlan(command_id=ids(), actor="coord-1", plan=plan(1, action("a1", date(2026, 3, 21)))), OPENED
        )


def test_a_partner_given_an_action_is_told_its_id_and_date_once(ids: Ids) -> None:
    case = family_case_in_plan_stage(ids)
    partner = action("a2", date(2026, 3, 25), owner_kind="partner", owner_id="pup-1", partner_kind="pup")
    events = record(case, ids, plan(1, action("a1", date(2026, 3, 20)), partner))
    told = [(e.partner_id, e.moment, e.action_id, e.due_on) for e in events if isinstance(e, NotificationRequested)]
    assert told == [("pup-1", "action", "a2", "2026-03-25")]
    again = record(case, ids, plan(2, action("a1", date(2026, 3, 21)), partner))
    assert not [e for e in again if isinstance(e, NotificationRequested)]


def test_a_pause_does_not_move_the_plan_s_agreed_dates(ids: Ids) -> None:
    case = family_case_in_plan_stage(ids)
    record(case, ids, plan(1, action("a1", date(2026, 3, 20))))
    before = case.state.watches["action:a1"].due_at
    review = case.state.watches["plan_review"].due_at
    case.apply(SetFact(command_id=ids(), actor="coord-1", name="therapy_needed", value=True), OPENED)
    clocks.shift(case, timedelta(days=10))
    assert case.state.watches["action:a1"].due_at == before
    assert case.state.watches["plan_review"].due_at == review  # the page reads it from agreed_on too
