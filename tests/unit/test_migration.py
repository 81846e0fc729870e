"""Migrating a case to a new version of its definition: the plan (pure, for a dry run) and
the rules of one case (``MigrateDefinition``).

Dates as in test_case.py: 2 March 2026 is a Monday, Easter Monday is 6 April, Warsaw moves
from CET (+1) to CEST (+2) on Sunday 29 March."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import Ids  # noqa: F401  (the ids fixture is in tests/unit/conftest.py)
from migration_defs import PLAN_MAPPING, model_v1, model_v2

from pathway.core import calendar as cal
from pathway.core.case import Case
from pathway.core.commands import Advance, MigrateDefinition, Pause, RecordVisit, Resume, SetFact
from pathway.core.definition import DefinitionSnapshot, snapshot
from pathway.core.errors import IllegalMove, InvalidCommand, PathwayError
from pathway.core.events import DefinitionMigrated, DurationElapsed, ReminderDue
from pathway.core.migration import plan_migration
from pathway.core.state import PathwayState

UTC = UTC
V1 = model_v1()
V2 = model_v2()
SNAP1, SNAP2 = snapshot(V1), snapshot(V2)
OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March, 09:00 in Warsaw
TO_PLAN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # Tuesday 10 March
MIGRATED = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # Friday 20 March
DIAGNOSIS_DONE = {"situation": True, "needs": True, "resources": True, "limits": True, "safety": True}
# plan: 15 working days from Tue 10 March = Tue 31 March, missed from 1 April 00:00 CEST
PLAN_DUE = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
# 20 working days from 10 March: 1, 2, 3, (Easter Monday 6), 7, 8 April -> Wed 8 April
PLAN_DUE_20 = datetime(2026, 4, 8, 22, 0, tzinfo=UTC)


def open_case(now: datetime = OPENED) -> Case:
    return Case.open(
        case_id="case-7", definition=SNAP1, coordinator_id="coord-1", unit_id="unit-wro", now=now, actor="coord-1"
    )


def in_plan(ids: Ids) -> Case:
    case = open_case()
    case.apply(SetFact(command_id=ids(), actor="coord-1", name="diagnosis", value=DIAGNOSIS_DONE), TO_PLAN)
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), TO_PLAN)
    assert case.state.stage == "plan" and case.state.watches["stage_deadline"].due_at == PLAN_DUE
    return case


def migrate(
    target: DefinitionSnapshot = SNAP2, mapping: dict[str, str] | None = None, command_id: str = "mig-1"
) -> MigrateDefinition:
    return MigrateDefinition(
        command_id=command_id,
        actor="admin-1",
        target=target,
        stage_mapping=PLAN_MAPPING if mapping is None else mapping,
    )


def refused(case: Case, command: Any, now: datetime, error: type[PathwayError]) -> PathwayError:
    before = case.state.model_dump()
    with pytest.raises(error) as info:
        case.validate(command, now)
    with pytest.raises(error):
        case.apply(command, now)
    assert case.state.model_dump() == before, "a refused migration changed the state"
    assert case.applied(command.command_id) is None
    return info.value


def help_plan_deadline(duration: str) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["stages"]["help_plan"]["deadline"] = duration

    return edit


# =========================================================================== the plan


def test_plan_lists_where_each_stage_goes() -> None:
    plan = plan_migration(V1, V2, PLAN_MAPPING)
    assert plan.ok and plan.problems == [] and plan.unmapped == [] and plan.fact_changes == []
    assert (plan.definition_id, plan.from_version, plan.to_version) == ("model-wsparcia", 1, 2)
    routes = {r.stage: (r.to_stage, r.via) for r in plan.routes}
    assert routes == {
        "diagnosis": ("diagnosis", "same_name"),
        "plan": ("help_plan", "mapping"),
        "therapy": ("therapy", "same_name"),
        "training": ("training", "same_name"),
        "internship": ("internship", "same_name"),
        "follow_up": ("follow_up", "same_name"),
        "closed": (None, "closed"),
        "not_employed": (None, "closed"),
        "dropped_out": (None, "closed"),
        "transferred": (None, "closed"),
    }
    assert all(r.clock_changes == [] for r in plan.routes)


def test_plan_names_the_stages_with_nowhere_to_go() -> None:
    plan = plan_migration(V1, V2, {})
    assert not plan.ok and plan.problems == []
    assert plan.unmapped == ["plan"]
    assert plan.route("plan") is not None and plan.route("plan").via == "none"  # type: ignore[union-attr]


def test_plan_reports_what_is_wrong_with_the_mapping_and_the_target() -> None:
    plan = plan_migration(V1, V2, {"plan": "nowhere", "plna": "help_plan", "therapy": "closed"})
    assert len(plan.problems) == 3
    assert "'nowhere', which version 2 does not have" in plan.problems[0]
    assert "stage 'plna', which version 1 does not have" in plan.problems[1]
    assert "terminal stage 'closed'" in plan.problems[2]
    assert plan.unmapped == []  # 'plan' is mapped, even if badly: the problem says so

    older = plan_migration(V2, V1, {"help_plan": "plan"})
    assert older.problems == [
        "the target is version 1 of 'model-wsparcia'; a migration goes to a higher version than 2"
    ]
    other = plan_migration(V1, model_v2(lambda d: d.update(id="inny-model")), PLAN_MAPPING)
    assert other.problems == ["the target is definition 'inny-model', not 'model-wsparcia'"]


def test_plan_shows_clock_and_fact_changes() -> None:
    def edit(data: dict[str, Any]) -> None:
        help_plan_deadline("20 working_days")(data)
        data["stages"]["internship"]["duration"] = "4 months"
        data["stages"]["therapy"]["visits"]["every"] = "7 days"
        del data["facts"]["zi"]
        data["facts"]["training_completed"] = {
            "kind": "record",
            "title": {"pl": "Szkolenie", "en": "Training"},
            "fields": {"on": "date"},
        }
        del data["facts"]["diagnosis"]["items"]["limits"]
        data["facts"]["employment"]["fields"]["contract"] = "int"

    plan = plan_migration(V1, model_v2(edit), PLAN_MAPPING)
    assert plan.problems == [] and plan.unmapped == [] and not plan.ok
    assert plan.route("plan").clock_changes == ["deadline: 15 working_days -> 20 working_days"]  # type: ignore[union-attr]
    assert plan.route("internship").clock_changes == ["duration: 3 months -> 4 months"]  # type: ignore[union-attr]
    assert plan.route("therapy").clock_changes == ["visits: every 14 days -> every 7 days"]  # type: ignore[union-attr]
    problems = {f.fact: f.problem for f in plan.fact_changes}
    assert set(problems) == {"diagnosis", "zi", "training_completed", "employment"}
    assert problems["zi"] == "version 2 does not declare the fact 'zi'"
    assert (
        problems["training_completed"]
        == "the fact 'training_completed' is a flag in version 1 but a record in version 2"
    )
    assert "loses item(s) limits" in problems["diagnosis"]
    assert "contract" in problems["employment"]


# =========================================================================== one case


def test_a_case_in_a_renamed_stage_moves_and_keeps_its_clocks_and_history(ids: Ids) -> None:
    case = in_plan(ids)
    case.apply(
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=TO_PLAN + timedelta(days=2), duration_minutes=90),
        TO_PLAN + timedelta(days=2),
    )
    before = case.state.model_copy(deep=True)
    view_before = case.view(MIGRATED)

    events = case.apply(migrate(), MIGRATED)

    [event] = events
    assert isinstance(event, DefinitionMigrated)
    assert (event.seq, event.at, event.actor, event.command_id) == (before.seq + 1, MIGRATED, "admin-1", "mig-1")
    assert (event.definition_id, event.from_version, event.to_version) == ("model-wsparcia", 1, 2)
    assert (event.from_hash, event.to_hash) == (SNAP1.content_hash, SNAP2.content_hash)
    assert (event.from_stage, event.to_stage, event.mapping) == ("plan", "help_plan", PLAN_MAPPING)
    assert (event.stage_due_at, event.next_visit_due_at) == (PLAN_DUE, view_before.next_visit_due_at)

    s = case.state
    assert s.definition == SNAP2 and s.stage == "help_plan"
    assert s.stage_entered_at == TO_PLAN, "the stay goes on: migrating does not restart it"
    assert s.watches == before.watches, "unchanged rules keep their clocks exactly"
    assert s.stages == before.stages, "the history is left as it was written"
    assert s.facts == before.facts and s.visits_in_stage == before.visits_in_stage == 1
    assert s.last_activity_at == before.last_activity_at, "a migration is not work on the case"
    assert case.applied("mig-1") is not None

    view = case.view(MIGRATED)
    assert (view.definition_version, view.stage, view.stage_due_at) == (2, "help_plan", PLAN_DUE)
    assert view.allowed == ["orient"]
    assert [(b.trigger, b.guard) for b in view.blocked] == [
        ("advance", "fact_recorded"),
        ("advance", "partner_assigned"),
    ]
    # the machine is the new version's: its moves work, the old stage name is gone
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="orient"), MIGRATED + timedelta(days=1))
    assert case.state.stage == "orientation"
    assert [r.stage for r in case.state.stages] == ["diagnosis", "plan", "orientation"]
    assert case.state.stages[1].left_at == MIGRATED + timedelta(days=1)


def test_a_stage_with_the_same_name_needs_no_mapping() -> None:
    case = open_case()
    [event] = case.apply(migrate(mapping={}), MIGRATED)
    assert isinstance(event, DefinitionMigrated) and (event.from_stage, event.to_stage) == ("diagnosis", "diagnosis")
    assert case.state.definition.version == 2 and case.state.stage == "diagnosis"


def test_a_changed_deadline_runs_from_the_original_stage_entry(ids: Ids) -> None:
    case = in_plan(ids)
    target = snapshot(model_v2(help_plan_deadline("20 working_days")))
    [event] = case.apply(migrate(target), MIGRATED)
    watch = case.state.watches["stage_deadline"]
    assert watch.due_at == PLAN_DUE_20 == event.stage_due_at
    assert watch.due_at != cal.deadline_at(
        MIGRATED, model_v2(help_plan_deadline("20 working_days")).stages["help_plan"].deadline, "Europe/Warsaw"
    )  # type: ignore[arg-type]
    assert (watch.next_alarm_at, watch.reminders, watch.escalated) == (PLAN_DUE_20, 0, False)


def test_a_shorter_deadline_already_past_is_overdue_at_once(ids: Ids) -> None:
    case = in_plan(ids)
    case.apply(migrate(snapshot(model_v2(help_plan_deadline("5 working_days")))), MIGRATED)
    due = datetime(2026, 3, 17, 23, 0, tzinfo=UTC)  # 5 working days from Tue 10 March: Tue 17 March (CET)
    assert case.state.watches["stage_deadline"].due_at == due
    assert "stage_deadline" in [o.watch for o in case.view(MIGRATED).overdue]
    reminders = [e for e in case.fire_due(MIGRATED) if isinstance(e, ReminderDue) and e.watch == "stage_deadline"]
    assert [(r.watch, r.level, r.due_at) for r in reminders] == [("stage_deadline", "reminder", due)]


def test_time_paused_in_the_stage_still_counts_after_a_migration(ids: Ids) -> None:
    case = in_plan(ids)
    case.apply(Pause(command_id=ids(), actor="coord-1", reason="hospital"), datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    case.apply(Resume(command_id=ids(), actor="coord-1"), datetime(2026, 3, 17, 9, 0, tzinfo=UTC))
    assert case.state.watches["stage_deadline"].due_at == PLAN_DUE + timedelta(days=5)
    case.apply(migrate(snapshot(model_v2(help_plan_deadline("20 working_days")))), MIGRATED)
    assert case.state.watches["stage_deadline"].due_at == PLAN_DUE_20 + timedelta(days=5)


def test_a_paused_case_migrates_and_resuming_moves_its_clocks(ids: Ids) -> None:
    case = in_plan(ids)
    case.apply(Pause(command_id=ids(), actor="coord-1", reason="hospital"), datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    case.apply(migrate(snapshot(model_v2(help_plan_deadline("20 working_days")))), MIGRATED)
    assert case.state.status == "paused" and case.state.stage == "help_plan"
    assert case.state.watches["stage_deadline"].due_at == PLAN_DUE_20
    case.apply(Resume(command_id=ids(), actor="coord-1"), datetime(2026, 3, 22, 9, 0, tzinfo=UTC))
    assert case.state.watches["stage_deadline"].due_at == PLAN_DUE_20 + timedelta(days=10)


def test_a_changed_visit_cadence_runs_from_the_last_counted_visit(ids: Ids) -> None:
    case = in_plan(ids)
    visited = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    case.apply(RecordVisit(command_id=ids(), actor="coord-1", occurred_at=visited, duration_minutes=90), visited)

    def edit(data: dict[str, Any]) -> None:
        data["stages"]["help_plan"]["visits"]["every"] = "14 days"

    [event] = case.apply(migrate(snapshot(model_v2(edit))), MIGRATED)
    assert case.state.watches["visit"].due_at == datetime(2026, 3, 26, 23, 0, tzinfo=UTC) == event.next_visit_due_at


def _in_internship(ids: Ids, at: datetime) -> Case:
    case = open_case()
    for name, value in [
        ("diagnosis", DIAGNOSIS_DONE),
        ("help_plan", {"agreed_on": "2026-03-10"}),
        ("therapist", {"partner_id": "TH-3", "partner_kind": "therapy"}),
        ("ready_for_training", True),
        ("training_completed", True),
        ("placement", {"partner_id": "EMP-7", "partner_kind": "employer"}),
    ]:
        case.apply(SetFact(command_id=ids(), actor="coord-1", name=name, value=value), at)
    for _ in range(4):
        case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), at)
    assert case.state.stage == "internship"
    return case


def internship_duration(duration: str) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["stages"]["internship"]["duration"] = duration

    return edit


def test_a_longer_fixed_duration_ends_later_even_if_the_old_one_had_ended(ids: Ids) -> None:
    entered = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    case = _in_internship(ids, entered)
    old_end = case.state.duration_ends_at
    assert old_end == datetime(2026, 6, 3, 22, 0, tzinfo=UTC)  # 4 June 00:00 CEST
    assert any(isinstance(e, DurationElapsed) for e in case.fire_due(old_end + timedelta(days=1)))
    assert "end_without_job" in case.view(old_end + timedelta(days=1)).allowed

    now = old_end + timedelta(days=10)
    [event] = case.apply(migrate(snapshot(model_v2(internship_duration("4 months"))), mapping={}), now)
    new_end = datetime(2026, 7, 3, 22, 0, tzinfo=UTC)  # 4 July 00:00 CEST
    assert case.state.duration_ends_at == new_end == event.duration_ends_at
    assert case.state.duration_elapsed is False and "stage_deadline" not in case.state.watches
    assert "end_without_job" not in case.view(now).allowed
    elapsed = case.fire_due(new_end)
    assert [e.at for e in elapsed if isinstance(e, DurationElapsed)] == [new_end]
    assert "end_without_job" in case.view(new_end).allowed


def test_a_shorter_fixed_duration_already_over_ends_at_its_own_moment(ids: Ids) -> None:
    entered = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    case = _in_internship(ids, entered)
    now = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
    case.apply(migrate(snapshot(model_v2(internship_duration("1 months"))), mapping={}), now)
    ended = datetime(2026, 4, 3, 22, 0, tzinfo=UTC)  # 4 April 00:00 CEST
    assert case.state.duration_ends_at == ended and case.state.duration_elapsed is False
    [elapsed] = [e for e in case.fire_due(now) if isinstance(e, DurationElapsed)]
    assert elapsed.at == ended and case.state.duration_elapsed
    # the outcome is due 10 working days after the (new) end, as for any stay
    assert case.state.watches["stage_deadline"].due_at == cal.deadline_at(
        ended, V2.stages["internship"].deadline, "Europe/Warsaw"
    )  # type: ignore[arg-type]


def test_a_changed_duration_keeps_the_time_paused_before_it_ended(ids: Ids) -> None:
    entered = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    case = _in_internship(ids, entered)
    case.apply(Pause(command_id=ids(), actor="coord-1", reason="hospital"), datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    case.apply(Resume(command_id=ids(), actor="coord-1"), datetime(2026, 4, 11, 9, 0, tzinfo=UTC))
    assert case.state.duration_ends_at == datetime(2026, 6, 3, 22, 0, tzinfo=UTC) + timedelta(days=10)
    case.apply(
        migrate(snapshot(model_v2(internship_duration("4 months"))), mapping={}), datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    )
    assert case.state.duration_ends_at == datetime(2026, 7, 3, 22, 0, tzinfo=UTC) + timedelta(days=10)
    assert case.state.watches["duration"].due_at == case.state.duration_ends_at


def test_a_migrated_state_survives_continue_as_new(ids: Ids) -> None:
    case = in_plan(ids)
    case.apply(migrate(), MIGRATED)
    carried = PathwayState.model_validate(case.state.model_dump(mode="json"))
    again = Case(carried)
    assert again.definition.version == 2 and again.state.stage == "help_plan"
    assert again.view(MIGRATED).allowed == ["orient"]


# =========================================================================== refusals


def test_a_stage_without_a_mapping_is_refused_by_name(ids: Ids) -> None:
    case = in_plan(ids)
    error = refused(case, migrate(mapping={}), MIGRATED, IllegalMove)
    assert error.message.startswith("stage 'plan' of version 1 has no mapping and version 2 has no stage of that name")
    assert "help_plan" in error.message and "closed" not in error.message
    assert error.to_dict()["stage"] == "plan" and error.to_dict()["code"] == "illegal_move"


def test_the_target_must_be_a_higher_version_of_the_same_definition(ids: Ids) -> None:
    case = in_plan(ids)
    assert "cannot migrate to version 1" in refused(case, migrate(SNAP1, {}), MIGRATED, InvalidCommand).message
    assert (
        "'inny-model'"
        in refused(
            case, migrate(snapshot(model_v2(lambda d: d.update(id="inny-model")))), MIGRATED, InvalidCommand
        ).message
    )
    case.apply(migrate(), MIGRATED)
    again = refused(case, migrate(command_id="mig-2"), MIGRATED, InvalidCommand)
    assert "it is already on that version" in again.message
    assert (again.details["current_version"], again.details["target_version"]) == (2, 2)


def test_a_mapping_to_a_stage_the_target_lacks_or_to_a_terminal_stage_is_refused(ids: Ids) -> None:
    case = in_plan(ids)
    assert (
        "'nowhere', which version 2 does not have"
        in refused(case, migrate(mapping={"plan": "nowhere"}), MIGRATED, InvalidCommand).message
    )
    # even a mapping for another stage: a wrong mapping is refused as a whole
    assert (
        "which version 2 does not have"
        in refused(case, migrate(mapping={"plan": "help_plan", "therapy": "terapia"}), MIGRATED, InvalidCommand).message
    )
    assert (
        "never closes a case"
        in refused(case, migrate(mapping={"plan": "dropped_out"}), MIGRATED, InvalidCommand).message
    )


def test_a_fact_the_target_does_not_take_is_refused(ids: Ids) -> None:
    case = in_plan(ids)
    case.apply(
        SetFact(command_id=ids(), actor="coord-1", name="zi", value={"partner_id": "ZI-1", "partner_kind": "zi"}),
        TO_PLAN,
    )

    def drop_zi(data: dict[str, Any]) -> None:
        del data["facts"]["zi"]

    error = refused(case, migrate(snapshot(model_v2(drop_zi))), MIGRATED, InvalidCommand)
    assert error.message.startswith("the case has the fact 'zi' set, which version 2 does not declare")
    assert error.details["fact"] == "zi"

    def zi_as_flag(data: dict[str, Any]) -> None:
        data["facts"]["zi"] = {"kind": "flag", "title": {"pl": "ZI", "en": "ZI"}}

    assert (
        "'zi' is a partner in version 1 but a flag in version 2"
        in refused(case, migrate(snapshot(model_v2(zi_as_flag))), MIGRATED, InvalidCommand).message
    )

    def fewer_items(data: dict[str, Any]) -> None:
        del data["facts"]["diagnosis"]["items"]["limits"]

    error = refused(case, migrate(snapshot(model_v2(fewer_items))), MIGRATED, InvalidCommand)
    assert (
        error.message.startswith("the value of the fact 'diagnosis' does not fit version 2")
        and "limits" in error.message
    )

    # a case without the fact set moves on the same target
    other = in_plan(Ids())
    other.apply(migrate(snapshot(model_v2(drop_zi))), MIGRATED)
    assert other.state.definition.version == 2


def test_a_closed_case_is_not_migrated(ids: Ids) -> None:
    from pathway.core.commands import Close

    case = in_plan(ids)
    case.apply(Close(command_id=ids(), actor="coord-1", outcome="dropped_out"), MIGRATED)
    assert "closed" in refused(case, migrate(), MIGRATED, IllegalMove).message


def test_a_tampered_target_snapshot_is_refused(ids: Ids) -> None:
    case = in_plan(ids)
    content = dict(SNAP2.content, inactivity_alert="1 days")
    forged = DefinitionSnapshot(id=SNAP2.id, version=2, content_hash=SNAP2.content_hash, content=content)
    assert "does not match its content hash" in refused(case, migrate(forged), MIGRATED, InvalidCommand).message
