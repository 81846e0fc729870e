"""Caseloads: who may carry cases, the limit a definition sets, open cases per coordinator,
and moving cases to another coordinator (one, or a colleague's whole caseload).

The limit is decided atomically: the check and a hold for the case happen under the
coordinator's lock (``pathway.store.reservations``), so two supervisors assigning the last
free place to the same coordinator at once cannot both succeed. A supervisor may override an
assumed limit with a reason code (audited); a statutory one (``pathway.core.legal_basis``)
cannot be overridden (422 ``caseload_limit_statutory``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection

from pathway.app.access import authorize, coordinator_scope, visible_case
from pathway.app.caseload_shapes import (
    CaseloadRow,
    DefinitionLoad,
    Moved,
    ReassignRequest,
    ReassignResult,
    RefusedMove,
)
from pathway.app.command_keys import one_command_per_key
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.filters import check_filters
from pathway.app.gateway import new_command_id
from pathway.app.schemas import AssignRequest, CaseOut, Page
from pathway.app.sending import send
from pathway.core.definition import Definition
from pathway.core.legal_basis import LEGAL_BASES, limit_is_statutory
from pathway.readmodels import caseload
from pathway.readmodels import stalled as stalled_audit
from pathway.security import accounts
from pathway.security.policy import Action
from pathway.store import queries, reservations
from pathway.store.models import CASELOAD, Case, User, utcnow
from workflows.messages import AssignCoordinatorInput
from workflows.pathway import PathwayWorkflow

MOVABLE = ("active", "paused")
_MOVE_KEY_NAMESPACE = uuid.UUID("7d3f9a52-1c4e-4b8e-9f6a-2e5b8c0d4a17")


# ---------------------------------------------------------------- who may carry cases
def is_unit_coordinator(ctx: Context, login: str) -> bool:
    if login == ctx.actor.id:  # the one acting: their account was read with their token just now
        return ctx.actor.has("coordinator")
    user = accounts.get_user(ctx.services.engine, login)
    return user is not None and not user.disabled and user.unit_id == ctx.unit_id and "coordinator" in user.roles


def check_assignee(ctx: Context, coordinator_id: str) -> None:
    """A case is assigned to an active coordinator of the person's unit; a coordinator opens
    cases for themselves (assigning to others is a supervisor's decision)."""
    if ctx.actor.has("coordinator") and not ctx.actor.has("supervisor") and coordinator_id != ctx.actor.id:
        raise AppError(
            403, "forbidden", "a coordinator opens cases for themselves; a supervisor assigns them to others"
        )
    if not is_unit_coordinator(ctx, coordinator_id):
        raise AppError(
            422,
            "unknown_coordinator",
            f"'{coordinator_id}' is not an active coordinator of your unit",
            field="coordinator",
        )


# ---------------------------------------------------------------- the limit
def statutory_refusal(definition: Definition, over: caseload.CaseloadFull) -> AppError:
    """The answer to an override of a limit the law sets."""
    basis = definition.caseload_limit_basis
    act = LEGAL_BASES.get(basis.act or "", ("", "")) if basis is not None else ("", "")
    provision = basis.provision if basis is not None else None
    return AppError(
        422,
        "caseload_limit_statutory",
        f"the limit of {over.limit} open cases of '{definition.id}' is set by law ({provision}, {act[1]}) and "
        f"cannot be overridden / limit {over.limit} spraw wynika z ustawy ({provision}, {act[0]}) i nie może "
        "zostać przekroczony",
        provision=provision,
        act=basis.act if basis is not None else None,
        **over.details(),
    )


class Room:
    """Room held in a coordinator's caseload for one case while its command travels."""

    def __init__(self, coordinator: str, case_id: str) -> None:
        self.coordinator, self.case_id = coordinator, case_id
        self.assigned_seq: int | None = None

    def assigned(self, seq: int) -> None:
        """The workflow accepted the reassignment as event ``seq``: show it in the store."""
        self.assigned_seq = seq

    def settle(self, conn: Connection) -> None:
        if self.assigned_seq is not None:
            queries.assign_case_row(conn, case_id=self.case_id, coordinator_id=self.coordinator, seq=self.assigned_seq)
        reservations.release(conn, kind=CASELOAD, holder=self.coordinator, case_id=self.case_id)


def _open_cases_of(coordinator: str, definition_id: str, case_id: str) -> Any:
    def count(conn: Connection) -> int:
        return caseload.open_cases(conn, coordinator_id=coordinator, definition_id=definition_id, exclude_case=case_id)

    return count


@asynccontextmanager
async def caseload_room(
    ctx: Context,
    *,
    definition: Definition,
    coordinator: str,
    case_id: str,
    override_reason: str | None,
    command_id: str,
) -> AsyncIterator[Room]:
    """Hold room for the case in the coordinator's caseload for the block. Refused (409
    ``caseload_limit_reached``) when the definition's limit is reached, unless a supervisor
    overrides it with a reason code (written to the audit trail). After the block the store
    shows what the block did (a new case row, or the assignment) and the hold is gone."""
    if override_reason is not None and not ctx.actor.has("supervisor"):
        raise AppError(
            403,
            "forbidden",
            "only a supervisor may override the caseload limit / tylko kierownik może przekroczyć limit spraw",
        )
    engine = ctx.services.engine

    def reserve(limit: int | None) -> None:
        reservations.reserve(
            engine,
            kind=CASELOAD,
            holder=coordinator,
            case_id=case_id,
            command_id=command_id,
            limit=limit,
            taken_in_store=_open_cases_of(coordinator, definition.id, case_id),
            definition_id=definition.id,
        )

    try:
        await ctx.apart(reserve, definition.caseload_limit)
    except reservations.Full as full:
        over = caseload.CaseloadFull(coordinator, definition.id, full.taken, full.limit)
        if override_reason is None:
            raise AppError(409, "caseload_limit_reached", over.message, **over.details()) from None
        if limit_is_statutory(definition):
            raise statutory_refusal(definition, over) from None
        await ctx.apart(reserve, None)
        await ctx.record("caseload.override", case_id=case_id, reason=override_reason, **over.details())
    room = Room(coordinator, case_id)

    def settle() -> None:
        with engine.begin() as conn:
            room.settle(conn)

    unanswered = False
    try:
        yield room
    except AppError as failed:
        # No answer in time is not a refusal: the command may still be applied, so the hold
        # stays until a retry settles it (or it expires).
        unanswered = failed.status >= 500
        raise
    finally:
        if not unanswered:
            await ctx.apart(settle)


# ---------------------------------------------------------------- moving cases
async def assign(ctx: Context, case_id: str, body: AssignRequest, key: str | None) -> CaseOut:
    """Give the case to another coordinator (a supervisor's decision); the new coordinator
    may act on it, and the old one may not, from the moment this answers."""
    case = visible_case(ctx, case_id, Action.CASE_REASSIGN)
    async with one_command_per_key(ctx, key, command="assign_coordinator", case_id=case_id, body=body):
        check_assignee(ctx, body.coordinator)
        command = AssignCoordinatorInput(
            command_id=key or new_command_id(),
            actor=ctx.actor.id,
            coordinator_id=body.coordinator,
            override_reason=body.override_reason,
        )
        entry = ctx.services.catalog.get(case.definition_id)
        if entry is None or body.coordinator == case.coordinator_id:
            return (await send(ctx, case, PathwayWorkflow.assign_coordinator, command)).case_out()
        async with caseload_room(
            ctx,
            definition=entry.definition,
            coordinator=body.coordinator,
            case_id=case.id,
            override_reason=body.override_reason,
            command_id=command.command_id,
        ) as room:
            done = await send(ctx, case, PathwayWorkflow.assign_coordinator, command)
            room.assigned(done.result.seq)
        return done.case_out()


async def reassign(ctx: Context, body: ReassignRequest, key: str | None) -> ReassignResult:
    """Move all (or the named) open cases of one coordinator to one or several others; each
    move is the case's own ``assign_coordinator`` update, with its own idempotency key (a
    retried request moves nothing twice). The caseload limit holds unless overridden.
    Answers what moved and what was refused, and why."""
    authorize(ctx.actor, Action.CASE_REASSIGN)
    async with one_command_per_key(ctx, key, command="reassign", case_id=None, body=body):
        return await _reassign(ctx, body, key)


async def _reassign(ctx: Context, body: ReassignRequest, key: str | None) -> ReassignResult:
    source = accounts.get_user(ctx.services.engine, body.from_)
    if source is None or source.unit_id != ctx.unit_id:
        raise AppError(404, "coordinator_not_found", f"no coordinator '{body.from_}' in your unit")
    targets = list(dict.fromkeys(body.to))
    for login in targets:
        if login == body.from_ or not is_unit_coordinator(ctx, login):
            raise AppError(
                422, "unknown_coordinator", f"'{login}' is not another active coordinator of your unit", field="to"
            )
    rows = queries.cases_of(
        ctx.session, unit_id=ctx.unit_id, coordinator_id=body.from_, statuses=MOVABLE, ids=body.cases
    )
    order = list(dict.fromkeys(body.cases)) if body.cases is not None else list(rows)
    definitions = ctx.services.catalog.definitions()
    tally = caseload.Tally(caseload.loads(ctx.session, unit_id=ctx.unit_id))
    moved: list[Moved] = []
    refused: list[RefusedMove] = []
    for case_id in order:
        outcome = await _move_one(ctx, rows.get(case_id), case_id, body, key, targets, definitions, tally)
        if isinstance(outcome, Moved):
            moved.append(outcome)
        else:
            refused.append(outcome)
    await ctx.record("caseload.reassign", source=body.from_, targets=targets, moved=len(moved), refused=len(refused))
    return ReassignResult(moved=moved, refused=refused, moved_count=len(moved), refused_count=len(refused))


async def _move_one(
    ctx: Context,
    case: Case | None,
    case_id: str,
    body: ReassignRequest,
    key: str | None,
    targets: list[str],
    definitions: dict[str, Definition],
    tally: caseload.Tally,
) -> Moved | RefusedMove:
    if case is None or case.unit_id != ctx.unit_id:
        return RefusedMove(
            case_id=case_id, definition=None, to=None, code="case_not_found", message=f"no case '{case_id}'"
        )
    if case.coordinator_id != body.from_ or case.status not in MOVABLE:
        why = "closed" if case.status == "closed" else f"is {case.coordinator_id}'s"
        return RefusedMove(
            case_id=case_id,
            definition=case.definition_id,
            to=None,
            code="not_movable",
            message=f"the case {why}, not an open case of {body.from_}",
        )
    definition = definitions.get(case.definition_id)
    room = [t for t in targets if definition is None or tally.has_room(t, definition)]
    if definition is not None and not room and body.override_reason is None:
        target = tally.least_loaded(targets, definition)
        full = tally.full(target, definition)
        return RefusedMove(
            case_id=case_id,
            definition=case.definition_id,
            to=target,
            code="caseload_limit_reached",
            message=full.message,
        )
    target = (room or targets)[0] if definition is None else tally.least_loaded(room or targets, definition)
    command_id = (
        uuid.uuid5(_MOVE_KEY_NAMESPACE, f"{ctx.actor.id}\x00{key}\x00{case_id}\x00{target}").hex
        if key
        else new_command_id()
    )
    override = body.override_reason if not room else None
    try:
        result_seq = await _assign_in_room(ctx, case, definition, target, command_id, override)
    except AppError as refusal:
        return RefusedMove(
            case_id=case_id, definition=case.definition_id, to=target, code=refusal.code, message=refusal.message
        )
    await ctx.record(
        "case.assign_coordinator",
        case_id=case_id,
        command_id=command_id,
        seq=result_seq,
        coordinator_id=target,
        previous=body.from_,
        bulk=True,
    )
    tally.move(case.definition_id, body.from_, target)
    return Moved(case_id=case_id, definition=case.definition_id, to=target, seq=result_seq)


async def _assign_in_room(
    ctx: Context, case: Case, definition: Definition | None, target: str, command_id: str, override: str | None
) -> int:
    command = AssignCoordinatorInput(
        command_id=command_id, actor=ctx.actor.id, coordinator_id=target, override_reason=override
    )
    if definition is None:
        return (await ctx.gateway.update(case.id, PathwayWorkflow.assign_coordinator, command)).seq
    async with caseload_room(
        ctx, definition=definition, coordinator=target, case_id=case.id, override_reason=override, command_id=command_id
    ) as room:
        result = await ctx.gateway.update(case.id, PathwayWorkflow.assign_coordinator, command)
        room.assigned(result.seq)
    return result.seq


# ---------------------------------------------------------------- open cases per coordinator
def list_caseloads(ctx: Context, *, coordinator: str | None = None, definition: str | None = None) -> Page[CaseloadRow]:
    """Open cases per coordinator of the unit, with overdue counts and each definition's
    limit (with ``definition``, that definition's cases only). A coordinator sees their own
    row only."""
    authorize(ctx.actor, Action.CASE_LIST)
    check_filters(ctx, coordinator=coordinator, definition=definition)
    coordinator = coordinator_scope(ctx.actor, coordinator)
    loads = caseload.loads(ctx.session, unit_id=ctx.unit_id, coordinator_id=coordinator, definition_id=definition)
    # Coordinators without a case are on the list too: they are whom cases can go to.
    names = (
        [coordinator]
        if coordinator
        else sorted(
            set(loads)
            | {
                u.id
                for u in accounts.list_users(ctx.services.engine, unit_id=ctx.unit_id)
                if "coordinator" in u.roles and not u.disabled
            }
        )
    )
    definitions = ctx.services.catalog.definitions()
    stalled = stalled_audit.stalled(
        ctx.session,
        now=utcnow(),
        definitions=definitions,
        unit_id=ctx.unit_id,
        coordinator_id=coordinator,
        definition_id=definition,
    )
    if definition is not None:
        definitions = {definition: definitions[definition]}
    rows = []
    for name in names:
        load = loads.get(name) or caseload.Load(name)
        mine = [r for r in stalled if r.coordinator == name]
        per_def = []
        for definition_id in sorted(
            set(load.by_definition) | {d for d, x in definitions.items() if x.caseload_limit is not None}
        ):
            limit = definitions[definition_id].caseload_limit if definition_id in definitions else None
            n = load.by_definition.get(definition_id, 0)
            statutory = definition_id in definitions and limit_is_statutory(definitions[definition_id])
            per_def.append(
                DefinitionLoad(
                    definition=definition_id,
                    open=n,
                    limit=limit,
                    full=limit is not None and n >= limit,
                    statutory=statutory,
                )
            )
        rows.append(
            CaseloadRow(
                coordinator=name,
                open=load.open,
                active=load.active,
                paused=load.paused,
                stage_overdue=sum(r.rule == "stage_overdue" for r in mine),
                visit_overdue=sum(r.rule == "visit_overdue" for r in mine),
                stalled_cases=len({r.case_id for r in mine}),
                definitions=per_def,
            )
        )
    return Page(items=rows, count=len(rows))


def assignable_coordinators(ctx: Context) -> list[User]:
    """Whom the person may open a case for: a coordinator, themselves; a supervisor, every
    active coordinator of the unit."""
    if not ctx.actor.has("supervisor"):
        user = accounts.get_user(ctx.services.engine, ctx.actor.id)
        return [user] if user else []
    return [
        u
        for u in accounts.list_users(ctx.services.engine, unit_id=ctx.unit_id)
        if "coordinator" in u.roles and not u.disabled
    ]
