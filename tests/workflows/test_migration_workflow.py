"""Migrating running cases from Model Wsparcia v1 to v2 (``pathway.app.case_upgrades.migrate_cases``)
on the time-skipping server, with the real activities writing to a SQLite store.

v2 (tests/migration_defs.py) renames the stage ``plan`` to ``help_plan`` and adds a stage
``orientation``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import DIAGNOSIS_DONE, CaseDriver, running_worker
from migration_defs import PLAN_MAPPING, model_v1, model_v2
from sqlalchemy import update
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType

from pathway.app.case_upgrades import (
    ACTION,
    CaseMigration,
    MigrationReport,
    command_id_for,
    migrate_cases,
    migration_id_for,
)
from pathway.app.catalog import CatalogEntry
from pathway.core.definition import snapshot
from pathway.store import audit_trail
from pathway.store.audit_trail import AuditEntry
from pathway.store.models import Case, CaseEvent, StagePeriod
from workflows.messages import CloseCaseInput, OpenCaseInput

V1, V2 = model_v1(), model_v2()
SNAP1, SNAP2 = snapshot(V1), snapshot(V2)
TARGET = CatalogEntry(definition=V2, snapshot=SNAP2, path=Path("definitions/model-wsparcia.yaml"))
WORKFLOW_TASK_EVENTS = {
    "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
    "EVENT_TYPE_WORKFLOW_TASK_STARTED",
    "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
}


async def to_plan(case: CaseDriver) -> None:
    await case.fact("diagnosis", DIAGNOSIS_DONE)
    await case.visit(minutes=90)
    assert (await case.advance()).case.stage == "plan"
    await case.fact("help_plan", {"agreed_on": "2026-01-15", "zi_reference": "ZI-2026-014"})


def comparable(view: Any) -> dict[str, Any]:
    return view.model_dump(exclude={"as_of"})


def row(engine: Any, case_id: str) -> Case:
    with Session(engine) as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def audit_entries(engine: Any, unit_id: str = "unit-wro") -> list[AuditEntry]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.unit_id == unit_id, AuditEntry.action == ACTION)
                .order_by(AuditEntry.seq)
            ).all()
        )


def by_case(cases: list[CaseMigration]) -> dict[str, CaseMigration]:
    return {c.case_id: c for c in cases}


async def test_running_cases_move_to_v2_keeping_their_clocks_and_history(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        engine = harness.engine
        planning = await harness.open(definition=SNAP1)
        await to_plan(planning)
        diagnosing = await harness.open(definition=SNAP1)
        elsewhere = await harness.open(definition=SNAP1, unit_id="unit-krk")  # not selected: another unit
        closed = await harness.open(definition=SNAP1)
        await closed.update("close", CloseCaseInput(command_id="close-1", actor="coord-1", outcome="dropped_out"))
        for case in harness.cases:
            await case.settled_history()
        before = {c.case_id: await c.state() for c in harness.cases}
        history_before = await planning.settled_history()

        # A dry run says what would happen and changes nothing.
        progress: list[tuple[str, int, int]] = []
        dry = await migrate_cases(
            client=env.client,
            engine=engine,
            target=TARGET,
            mapping=PLAN_MAPPING,
            actor="admin-1",
            unit_id="unit-wro",
            dry_run=True,
            on_progress=lambda c, done, total: progress.append((c.case_id, done, total)),
        )
        assert dry.dry_run and dry.selected == 2 and dry.ok
        assert {(c.case_id, c.outcome, c.from_stage, c.to_stage) for c in dry.migrated} == {
            (planning.case_id, "would_migrate", "plan", "help_plan"),
            (diagnosing.case_id, "would_migrate", "diagnosis", "diagnosis"),
        }
        assert sorted(done for _, done, _ in progress) == [1, 2] and {total for *_, total in progress} == {2}
        assert comparable(await planning.state()) == comparable(before[planning.case_id])
        assert len(await planning.settled_history()) == len(history_before)
        assert audit_entries(engine) == [], "a dry run writes no audit entry"

        report = await migrate_cases(
            client=env.client, engine=engine, target=TARGET, mapping=PLAN_MAPPING, actor="admin-1", unit_id="unit-wro"
        )
        assert isinstance(report, MigrationReport) and not report.dry_run and report.ok
        assert report.counts() == {"selected": 2, "migrated": 2, "already_at_target": 0, "refused": 0, "failed": 0}
        assert report.migration_id == migration_id_for(TARGET, PLAN_MAPPING)
        assert (report.definition_id, report.to_version, report.to_hash) == ("model-wsparcia", 2, SNAP2.content_hash)
        moved = by_case(report.migrated)
        assert (
            moved[planning.case_id].from_version,
            moved[planning.case_id].from_stage,
            moved[planning.case_id].to_stage,
        ) == (1, "plan", "help_plan")
        assert moved[diagnosing.case_id].to_stage == "diagnosis"

        # The migrated case: new stage and snapshot, the same clocks and the same history.
        old, view = before[planning.case_id], await planning.state()
        assert (view.definition_version, view.stage, view.status) == (2, "help_plan", "active")
        assert view.stage_entered_at == old.stage_entered_at
        assert (view.stage_due_at, view.next_visit_due_at) == (old.stage_due_at, old.next_visit_due_at)
        assert view.stage_due_at is not None and view.next_visit_due_at is not None
        assert view.history == old.history and view.facts == old.facts and view.last_activity_at == old.last_activity_at
        assert view.allowed == ["orient"]
        assert view.seq == old.seq + 1

        # ... and in the SQL store: the event, and the case row on version 2.
        await planning.settled_history()
        with Session(engine) as session:
            events = session.exec(
                select(CaseEvent).where(CaseEvent.case_id == planning.case_id).order_by(CaseEvent.seq)
            ).all()
            assert [e.seq for e in events] == list(range(1, view.seq + 1))
            migrated = events[-1]
            assert (
                migrated.kind == "definition_migrated"
                and migrated.actor == "admin-1"
                and migrated.seq == moved[planning.case_id].seq
            )
            assert migrated.payload["from_version"] == 1 and migrated.payload["to_version"] == 2
            assert (migrated.payload["from_stage"], migrated.payload["to_stage"], migrated.payload["mapping"]) == (
                "plan",
                "help_plan",
                PLAN_MAPPING,
            )
            assert migrated.payload["command_id"] == command_id_for(report.migration_id, planning.case_id)
            periods = session.exec(
                select(StagePeriod).where(StagePeriod.case_id == planning.case_id).order_by(StagePeriod.seq)
            ).all()
            assert [p.stage for p in periods] == ["diagnosis", "plan"], (
                "the stay in 'plan' goes on; nothing is rewritten"
            )
        projected = row(engine, planning.case_id)
        assert (projected.definition_version, projected.stage, projected.stage_due_at) == (
            2,
            "help_plan",
            view.stage_due_at,
        )
        await diagnosing.settled_history()
        assert (row(engine, diagnosing.case_id).definition_version, row(engine, diagnosing.case_id).stage) == (
            2,
            "diagnosis",
        )

        # Not selected: another unit's case and a closed case keep their version-1 snapshot.
        assert comparable(await elsewhere.state()) == comparable(before[elsewhere.case_id])
        assert row(engine, elsewhere.case_id).definition_version == 1
        assert (await closed.state()).definition_version == 1 and row(engine, closed.case_id).definition_version == 1

        # The audit trail: one entry per migrated case and a summary, in a chain that holds.
        entries = audit_entries(engine)
        assert len(entries) == 3
        # cases are migrated concurrently: their entries come in either order, the summary last
        assert {(e.case_id, e.actor) for e in entries[:2]} == {
            (planning.case_id, "admin-1"),
            (diagnosing.case_id, "admin-1"),
        }
        per_case = {e.case_id: e.details for e in entries if e.case_id is not None}
        assert per_case[planning.case_id]["migration_id"] == report.migration_id
        assert (per_case[planning.case_id]["from_version"], per_case[planning.case_id]["to_version"]) == (1, 2)
        assert (per_case[planning.case_id]["from_stage"], per_case[planning.case_id]["to_stage"]) == (
            "plan",
            "help_plan",
        )
        summary = entries[-1]
        assert summary.case_id is None and summary.details["summary"] is True
        assert (summary.details["migrated"], summary.details["refused"], summary.details["selected"]) == (2, 0, 2)
        assert summary.details["mapping"] == PLAN_MAPPING and summary.actor == "admin-1"
        assert audit_trail.verify(engine, unit_id="unit-wro").ok

        # The running workflow keeps the preserved deadline: the reminder comes when v1 said.
        due = view.stage_due_at
        await planning.sleep(due - await planning.now() + timedelta(minutes=1))
        deadline_reminders = [r for r in planning.reminders() if r.watch == "stage_deadline"]
        assert [(r.kind, r.due_at, r.at) for r in deadline_reminders] == [("reminder", due, due)]
        # and the new version's moves work
        assert (await planning.advance("orient")).case.stage == "orientation"


async def test_a_case_with_no_mapping_is_refused_and_a_rerun_is_idempotent(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        engine = harness.engine
        planning = await harness.open(definition=SNAP1)
        await to_plan(planning)
        diagnosing = await harness.open(definition=SNAP1)
        for case in harness.cases:
            await case.settled_history()
        before = await planning.state()
        history_before = await planning.settled_history()

        # No mapping for 'plan' (which v2 renamed): that case is refused, the other moves.
        first = await migrate_cases(client=env.client, engine=engine, target=TARGET, mapping={}, actor="admin-1")
        assert first.counts() == {"selected": 2, "migrated": 1, "already_at_target": 0, "refused": 1, "failed": 0}
        assert not first.ok
        [refusal] = first.refused
        assert (refusal.case_id, refusal.code, refusal.from_version, refusal.from_stage) == (
            planning.case_id,
            "illegal_move",
            1,
            "plan",
        )
        assert refusal.reason is not None and refusal.reason.startswith(
            "stage 'plan' of version 1 has no mapping and version 2 has no stage of that name"
        )
        assert refusal.details["stage"] == "plan"
        assert [c.case_id for c in first.migrated] == [diagnosing.case_id]

        # The refused case is untouched: same state, nothing in its history but workflow tasks.
        assert comparable(await planning.state()) == comparable(before)
        added = {EventType.Name(e.event_type) for e in (await planning.settled_history())[len(history_before) :]}
        assert added <= WORKFLOW_TASK_EVENTS, added
        assert row(engine, planning.case_id).definition_version == 1
        # ... and it keeps running on version 1: its moves are v1's
        assert (await planning.state()).blocked[0].dest == "therapy"

        # The summary went to the system chain (every unit was migrated); the case entry to its unit.
        [system_summary] = audit_entries(engine, "system")
        assert system_summary.details["refused_cases"] == [{"case_id": planning.case_id, "code": "illegal_move"}]
        assert [e.case_id for e in audit_entries(engine)] == [diagnosing.case_id]

        # Re-running the same migration: the migrated case is not selected again, the refused
        # one is refused again; nothing is migrated or audited twice.
        await diagnosing.settled_history()
        again = await migrate_cases(client=env.client, engine=engine, target=TARGET, mapping={}, actor="admin-1")
        assert again.migration_id == first.migration_id
        assert again.counts() == {"selected": 1, "migrated": 0, "already_at_target": 0, "refused": 1, "failed": 0}

        # Even when the store lags behind (the row still says v1), the case is not migrated
        # twice: the same update id is answered with the first result, and no entry is added.
        with Session(engine) as session:
            session.execute(update(Case).where(Case.id == diagnosing.case_id).values(definition_version=1))
            session.commit()
        seq_before = (await diagnosing.state()).seq
        lagging = await migrate_cases(client=env.client, engine=engine, target=TARGET, mapping={}, actor="admin-1")
        assert by_case(lagging.already_at_target).keys() == {diagnosing.case_id}
        assert lagging.migrated == [] and (await diagnosing.state()).seq == seq_before
        assert [e.case_id for e in audit_entries(engine)] == [diagnosing.case_id]

        # A different migration id (not the same one re-run) finds the case on v2 already.
        other = await migrate_cases(
            client=env.client, engine=engine, target=TARGET, mapping={}, actor="admin-1", migration_id="manual-2"
        )
        assert by_case(other.already_at_target)[diagnosing.case_id].code == "invalid_command"

        # With the mapping, the refused case moves (a new migration id).
        fixed = await migrate_cases(
            client=env.client, engine=engine, target=TARGET, mapping=PLAN_MAPPING, actor="admin-1"
        )
        assert fixed.migration_id != first.migration_id
        assert [(c.case_id, c.outcome, c.to_stage) for c in fixed.migrated] == [
            (planning.case_id, "migrated", "help_plan")
        ]
        view = await planning.state()
        assert (view.definition_version, view.stage, view.stage_due_at, view.history) == (
            2,
            "help_plan",
            before.stage_due_at,
            before.history,
        )
        assert audit_trail.verify(engine, unit_id="unit-wro").ok and audit_trail.verify(engine, unit_id="system").ok
        assert [e.case_id for e in audit_entries(engine)] == [diagnosing.case_id, planning.case_id]


async def test_a_migrated_case_continues_as_new_on_its_new_version(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open(definition=SNAP1, continue_as_new_after=40)
        await to_plan(case)
        report = await migrate_cases(
            client=env.client, engine=harness.engine, target=TARGET, mapping=PLAN_MAPPING, actor="admin-1"
        )
        assert [c.outcome for c in report.migrated] == ["migrated"]
        # (No query right after the migration: the case may be continuing as new just then,
        # and the time-skipping server can wedge on a query that races a continue-as-new.)
        for _ in range(12):
            await case.sleep(timedelta(days=1))
            await case.visit(minutes=70)
        view = await case.state()
        assert (view.definition_version, view.stage, view.visits_total) == (2, "help_plan", 13)
        # The latest run's input carries the new snapshot, so a continue-as-new happened
        # after the migration and passed the new version on (not the one the case was opened with).
        started = (await case.history_events())[0]
        assert started.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
        [carried] = await env.client.data_converter.decode(
            started.workflow_execution_started_event_attributes.input.payloads, [OpenCaseInput]
        )
        # (The case may continue as new between the state query and reading the history: the
        # latest run is then one further than the view, never behind it.)
        assert carried.state is not None and carried.state.runs >= view.runs > 1
        assert carried.definition == SNAP2 and carried.state.definition == SNAP2
        assert (await case.advance("orient")).case.stage == "orientation"


@pytest.mark.parametrize(
    ("mapping", "migration_id", "says"),
    [
        ({}, "has space", "a migration id is"),
        ({}, "x" * 65, "at most 64 characters"),
        ({"plan": "plan_pomocy"}, None, "moves 'plan' to 'plan_pomocy', which version 2 does not have"),
        ({"plan": "dropped_out"}, None, "a migration never closes a case"),
    ],
)
async def test_a_wrong_argument_is_refused_before_any_case_is_asked(
    time_skipping_env, tmp_path, mapping, migration_id, says
):
    from pathway.store.db import create_schema, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    try:
        with pytest.raises(ValueError, match=says):
            await migrate_cases(
                client=time_skipping_env.client,
                engine=engine,
                target=TARGET,
                mapping=mapping,
                actor="admin-1",
                migration_id=migration_id,
            )
        assert audit_entries(engine, "system") == []
    finally:
        engine.dispose()
