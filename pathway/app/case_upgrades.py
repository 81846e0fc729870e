"""Migrating running cases to a new version of their definition (DESIGN.md, boundary 4).

``migrate_cases`` is the one service the surfaces call (CLI ``pathway definitions migrate``,
the API): it selects the running cases of a definition that are on a lower version in the
SQL store, sends each the ``migrate_definition`` update and reports what happened, case by
case. Every case migrated gets an entry in its unit's audit trail, and the run one summary
entry. A case that is refused (its stage has no mapping, a fact the new version does not
take, ...) is left exactly as it was and keeps running on its own snapshot; so is every case
that was not selected.

Re-running a migration is safe: the migration id is derived from the target's content hash
and the mapping, each case's update id from the migration id and the case id, so a case the
first run migrated is never migrated twice (Temporal and the workflow both deduplicate on the
update id), and its audit entry is written once.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

import structlog
from pydantic import BaseModel, Field, computed_field
from sqlalchemy import Engine, select
from sqlmodel import Session, col
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from pathway.app.catalog import CatalogEntry
from pathway.core.commands import TOKEN
from pathway.core.definition import DefinitionSnapshot
from pathway.core.events import DefinitionMigrated
from pathway.core.migration import mapping_problems
from pathway.store import audit_trail
from pathway.store.models import Case, utcnow
from workflows.messages import (
    CheckMigrationInput,
    CheckMigrationResult,
    CommandResult,
    MigrateDefinitionInput,
    workflow_id,
)

log = structlog.get_logger()

ACTION = "definition.migrate"
RUNNING = ("active", "paused")
# The audit chain that receives the summary entry of a migration over every unit.
SYSTEM_AUDIT_UNIT = "system"
# A summary audit entry names at most this many refused / failed cases (the per-case outcomes
# are in the report; the per-case entries of migrated cases are in their units' chains).
SUMMARY_CASE_LIMIT = 500

Outcome = Literal["migrated", "would_migrate", "already_at_target", "refused", "failed"]


class CaseMigration(BaseModel):
    """What happened to one selected case.

    ``outcome``:
    - ``migrated``: moved onto the target now (``seq`` is its ``definition_migrated`` event);
    - ``would_migrate``: a dry run found nothing against it (``to_stage`` is where it would go);
    - ``already_at_target``: an earlier run of the same migration moved it (or it is already
      on the target version: the SQL store had not caught up yet);
    - ``refused``: the case's rules refused it (``code`` and ``reason`` say why); it keeps
      running on its own snapshot, unchanged;
    - ``failed``: it could not be asked (no such workflow, the service did not answer); it
      is unchanged, and running the migration again retries it."""

    case_id: str
    unit_id: str
    outcome: Outcome
    from_version: int
    from_stage: str
    to_stage: str | None = None
    seq: int | None = None
    code: str | None = None
    reason: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class MigrationReport(BaseModel):
    """The result of ``migrate_cases``: the migration, and every selected case's outcome.

    ``selected`` counts the cases found running on a lower version; each of them is in
    exactly one of ``migrated`` (in a dry run: the cases that would migrate),
    ``already_at_target``, ``refused`` and ``failed``. ``ok`` is true when none was refused
    or failed. Everything is ids, versions, stage names and codes: safe to log and to show."""

    migration_id: str
    definition_id: str
    to_version: int
    to_hash: str
    mapping: dict[str, str]
    actor: str
    unit_id: str | None
    dry_run: bool
    started_at: datetime
    finished_at: datetime
    selected: int
    migrated: list[CaseMigration] = Field(default_factory=list)
    already_at_target: list[CaseMigration] = Field(default_factory=list)
    refused: list[CaseMigration] = Field(default_factory=list)
    failed: list[CaseMigration] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        """No case refused or failed (in the JSON too)."""
        return not (self.refused or self.failed)

    def counts(self) -> dict[str, int]:
        return {
            "selected": self.selected,
            "migrated": len(self.migrated),
            "already_at_target": len(self.already_at_target),
            "refused": len(self.refused),
            "failed": len(self.failed),
        }


ProgressCallback = Callable[[CaseMigration, int, int], "Awaitable[None] | None"]


def migration_id_for(target: CatalogEntry, mapping: dict[str, str]) -> str:
    """The id of migrating to ``target`` with ``mapping``: the same for every run of the same
    migration (so a re-run is idempotent), different when the target or the mapping differ."""
    canonical = json.dumps(
        {
            "definition": target.snapshot.id,
            "version": target.snapshot.version,
            "hash": target.snapshot.content_hash,
            "mapping": dict(sorted(mapping.items())),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return "mig-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def command_id_for(migration_id: str, case_id: str) -> str:
    """The update id (and command id) of one case's migration."""
    command_id = f"{migration_id}:{case_id}"
    if len(command_id) > 128 or not TOKEN.match(command_id):
        command_id = f"{migration_id}:{hashlib.sha256(case_id.encode('utf-8')).hexdigest()[:40]}"
    return command_id


def _selected(engine: Engine, definition_id: str, version: int, unit_id: str | None) -> list[tuple[str, str, str, int]]:
    stmt = select(col(Case.id), col(Case.unit_id), col(Case.stage), col(Case.definition_version)).where(
        col(Case.definition_id) == definition_id,
        col(Case.status).in_(RUNNING),
        col(Case.definition_version) < version,
    )
    if unit_id is not None:
        stmt = stmt.where(col(Case.unit_id) == unit_id)
    stmt = stmt.order_by(col(Case.opened_at), col(Case.id))
    with Session(engine) as session:
        return [(r[0], r[1], r[2], int(r[3])) for r in session.connection().execute(stmt).all()]


def _already_audited(engine: Engine, case_id: str, migration_id: str) -> bool:
    entry = audit_trail.AuditEntry
    with Session(engine) as session:
        rows = (
            session.connection()
            .execute(select(col(entry.details)).where(col(entry.case_id) == case_id, col(entry.action) == ACTION))
            .scalars()
        )
        return any(isinstance(d, dict) and d.get("migration_id") == migration_id for d in rows)


async def migrate_cases(
    *,
    client: Client,
    engine: Engine,
    target: CatalogEntry,
    mapping: dict[str, str],
    actor: str,
    unit_id: str | None = None,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
    migration_id: str | None = None,
    audit_unit_id: str | None = None,
    concurrency: int = 8,
) -> MigrationReport:
    """Move the running cases of ``target``'s definition that are on a lower version onto it.

    - ``client``: a connected Temporal client (``pathway.temporal.connect_client``);
      ``engine``: the SQL store (the cases are selected there; audit entries go there).
    - ``target``: the catalog entry of the new version (its snapshot is what the cases get).
    - ``mapping``: old stage -> new stage. A stage not in it keeps its name (the target must
      have it); a case in a stage with nowhere to go is refused and keeps running on its
      version.
    - ``actor``: the id of the person running the migration (in the events and the audit).
    - ``unit_id``: only the cases of this unit; None: every unit.
    - ``dry_run``: ask each case whether it would be accepted (the ``check_migration``
      query) and change nothing, writing no audit entry.
    - ``on_progress(case, done, total)``: called (or awaited, if it returns an awaitable)
      after each case.
    - ``migration_id``: by default derived from the target and the mapping
      (``migration_id_for``); give one only to tie a run to an outside reference.
    - ``audit_unit_id``: the audit chain of the summary entry (the acting user's unit); by
      default ``unit_id``, or ``SYSTEM_AUDIT_UNIT`` when every unit is migrated.
    - ``concurrency``: cases asked at once.

    Refusals are outcomes, not exceptions: read ``report.refused``. Only a wrong argument
    raises ValueError, before any case is asked: a mapping naming a stage the target lacks
    (or a terminal one), or a malformed ``migration_id``."""
    snap = target.snapshot
    problems = mapping_problems(mapping, target.definition)
    if problems:
        raise ValueError("; ".join(problems))
    migration_id = migration_id or migration_id_for(target, mapping)
    if len(migration_id) > 64 or not TOKEN.match(migration_id):
        raise ValueError("a migration id is letters, digits, _ . : @ - (at most 64 characters)")
    started = utcnow()
    rows = await asyncio.to_thread(_selected, engine, snap.id, snap.version, unit_id)
    total = len(rows)
    log.info(
        "migration_started",
        migration_id=migration_id,
        definition_id=snap.id,
        to_version=snap.version,
        selected=total,
        dry_run=dry_run,
        unit_id=unit_id,
    )

    semaphore = asyncio.Semaphore(max(1, concurrency))
    results: list[CaseMigration | None] = [None] * total
    done = 0

    async def one(index: int, case_id: str, case_unit: str, stage: str, version: int) -> None:
        nonlocal done
        async with semaphore:
            base = {"case_id": case_id, "unit_id": case_unit, "from_version": version, "from_stage": stage}
            if dry_run:
                result = await _check(client, snap, mapping, base)
            else:
                result = await _migrate(client, engine, snap, mapping, actor, migration_id, base)
        results[index] = result
        done += 1
        if on_progress is not None:
            outcome = on_progress(result, done, total)
            if inspect.isawaitable(outcome):
                await outcome

    await asyncio.gather(*(one(i, *row) for i, row in enumerate(rows)))
    cases = [r for r in results if r is not None]
    report = MigrationReport(
        migration_id=migration_id,
        definition_id=snap.id,
        to_version=snap.version,
        to_hash=snap.content_hash,
        mapping=dict(mapping),
        actor=actor,
        unit_id=unit_id,
        dry_run=dry_run,
        started_at=started,
        finished_at=utcnow(),
        selected=total,
        migrated=[c for c in cases if c.outcome in ("migrated", "would_migrate")],
        already_at_target=[c for c in cases if c.outcome == "already_at_target"],
        refused=[c for c in cases if c.outcome == "refused"],
        failed=[c for c in cases if c.outcome == "failed"],
    )
    if not dry_run:
        await asyncio.to_thread(
            audit_trail.append,
            engine,
            unit_id=audit_unit_id or unit_id or SYSTEM_AUDIT_UNIT,
            actor=actor,
            action=ACTION,
            details={
                "migration_id": migration_id,
                "summary": True,
                "definition_id": snap.id,
                "to_version": snap.version,
                "to_hash": snap.content_hash,
                "mapping": dict(mapping),
                "unit_id": unit_id,
                **report.counts(),
                "refused_cases": [{"case_id": c.case_id, "code": c.code} for c in report.refused[:SUMMARY_CASE_LIMIT]],
                "failed_cases": [{"case_id": c.case_id, "code": c.code} for c in report.failed[:SUMMARY_CASE_LIMIT]],
            },
        )
    log.info("migration_finished", migration_id=migration_id, dry_run=dry_run, **report.counts())
    return report


async def _check(
    client: Client, snap: DefinitionSnapshot, mapping: dict[str, str], base: dict[str, Any]
) -> CaseMigration:
    handle = client.get_workflow_handle(workflow_id(base["case_id"]))
    try:
        checked = await handle.query(
            "check_migration", CheckMigrationInput(target=snap, stage_mapping=mapping), result_type=CheckMigrationResult
        )
    except RPCError as exc:
        return _failed(base, exc)
    except Exception as exc:  # a query that failed in the worker (e.g. an older worker without it)
        return CaseMigration(**base, outcome="failed", code="query_failed", reason=str(exc))
    base = {**base, "from_version": checked.definition_version, "from_stage": checked.stage}
    if checked.ok:
        return CaseMigration(**base, outcome="would_migrate", to_stage=checked.to_stage)
    return _refusal(base, checked.code or "", checked.message or "", checked.details, snap.version)


async def _migrate(
    client: Client,
    engine: Engine,
    snap: DefinitionSnapshot,
    mapping: dict[str, str],
    actor: str,
    migration_id: str,
    base: dict[str, Any],
) -> CaseMigration:
    case_id = base["case_id"]
    command = MigrateDefinitionInput(
        command_id=command_id_for(migration_id, case_id), actor=actor, target=snap, stage_mapping=mapping
    )
    handle = client.get_workflow_handle(workflow_id(case_id))
    try:
        result = await handle.execute_update(
            "migrate_definition", command, id=command.command_id, result_type=CommandResult
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            details = dict(cause.details[0]) if cause.details and isinstance(cause.details[0], dict) else {}
            return _refusal(base, cause.type or "", str(details.get("message") or cause.message), details, snap.version)
        return CaseMigration(**base, outcome="failed", code="update_failed", reason=str(exc))
    except RPCError as exc:
        return _failed(base, exc)

    migrated = next((e for e in result.events if isinstance(e, DefinitionMigrated)), None)
    to_stage = result.case.stage
    if migrated is not None:
        base = {**base, "from_version": migrated.from_version, "from_stage": migrated.from_stage}
    # Written once per case and migration: a re-run (or Temporal answering a repeated update
    # id with its first result) finds the entry and reports the case as already migrated.
    if await asyncio.to_thread(_already_audited, engine, case_id, migration_id):
        return CaseMigration(**base, outcome="already_at_target", to_stage=to_stage, seq=result.seq)
    seq = migrated.seq if migrated is not None else None
    await asyncio.to_thread(
        audit_trail.append,
        engine,
        unit_id=base["unit_id"],
        actor=actor,
        action=ACTION,
        case_id=case_id,
        details={
            "migration_id": migration_id,
            "definition_id": snap.id,
            "from_version": base["from_version"],
            "to_version": snap.version,
            "to_hash": snap.content_hash,
            "from_stage": base["from_stage"],
            "to_stage": to_stage,
            "seq": seq,
            "duplicate": result.duplicate,
        },
    )
    if result.duplicate:
        # Migrated earlier under this migration id, but its audit entry was never written
        # (the run was interrupted): written now, reported as already migrated.
        return CaseMigration(**base, outcome="already_at_target", to_stage=to_stage, seq=result.seq)
    return CaseMigration(**base, outcome="migrated", to_stage=to_stage, seq=seq)


def _refusal(base: dict[str, Any], code: str, message: str, details: dict[str, Any], to_version: int) -> CaseMigration:
    details = {k: v for k, v in details.items() if k not in ("code", "message")}
    current = details.get("current_version")
    if isinstance(current, int) and current >= to_version:
        return CaseMigration(
            **{**base, "from_version": current}, outcome="already_at_target", code=code, reason=message, details=details
        )
    return CaseMigration(**base, outcome="refused", code=code, reason=message, details=details)


def _failed(base: dict[str, Any], exc: RPCError) -> CaseMigration:
    if exc.status == RPCStatusCode.NOT_FOUND:
        return CaseMigration(
            **base, outcome="failed", code="case_not_running", reason=f"no running workflow for the case: {exc.message}"
        )
    return CaseMigration(
        **base,
        outcome="failed",
        code="temporal_unavailable",
        reason=f"the workflow service did not answer: {exc.message}",
    )
