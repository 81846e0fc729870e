"""Caseloads: open cases per coordinator with what is overdue, the caseload limit, and
moving one coordinator's cases to others (a colleague leaves or is ill)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from pathway.api.csv_export import csv_response
from pathway.api.deps import (
    Actor,
    ActorDep,
    AuditDep,
    Auditor,
    IdempotencyKeyDep,
    ServicesDep,
    SessionDep,
    authorize,
    coordinator_scope,
)
from pathway.api.errors import ApiError
from pathway.api.filters import KnownFilters
from pathway.api.schemas import ID_PATTERN, Page
from pathway.api.temporal_gateway import CaseGateway, new_command_id
from pathway.core.definition import Definition
from pathway.readmodels import caseload
from pathway.readmodels import stalled as stalled_audit
from pathway.security import accounts
from pathway.security.policy import Action
from pathway.store.models import Case, utcnow
from workflows.messages import AssignCoordinatorInput

router = APIRouter(prefix="/caseloads", tags=["caseloads"])

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Login = Annotated[str, Field(min_length=1, max_length=128, pattern=ID_PATTERN)]
MOVABLE = ("active", "paused")


# ---------------------------------------------------------------- the limit, for opening and assigning
def enforce_limit(
    session: Session,
    actor: Actor,
    audit: Auditor,
    *,
    definition: Definition,
    coordinator: str,
    override_reason: str | None,
    case_id: str | None = None,
) -> None:
    """Refuse (409 ``caseload_limit_reached``) a case that would take the coordinator over
    the definition's caseload limit, unless a supervisor overrides it with a reason code; the
    override is written to the audit trail."""
    if override_reason is not None and not actor.has("supervisor"):
        raise ApiError(
            403,
            "forbidden",
            "only a supervisor may override the caseload limit / tylko kierownik może przekroczyć limit spraw",
        )
    try:
        caseload.check_limit(session, definition=definition, coordinator_id=coordinator, exclude_case=case_id)
    except caseload.CaseloadFull as full:
        if override_reason is None:
            raise ApiError(409, "caseload_limit_reached", full.message, **full.details()) from None
        audit.record("caseload.override", case_id=case_id, reason=override_reason, **full.details())


# ---------------------------------------------------------------- GET /caseloads
class DefinitionLoad(BaseModel):
    definition: str
    open: int
    limit: int | None
    full: bool


class CaseloadRow(BaseModel):
    coordinator: str
    open: int
    active: int
    paused: int
    stage_overdue: int
    visit_overdue: int
    stalled_cases: int
    definitions: list[DefinitionLoad]


CSV_COLUMNS = ["coordinator", "open", "active", "paused", "stage_overdue", "visit_overdue", "stalled_cases"]


@router.get("", response_model=Page[CaseloadRow], dependencies=[KnownFilters])
def list_caseloads(
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    coordinator: Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)] = None,
    format: Literal["json", "csv"] = "json",
) -> Response | Page[CaseloadRow]:
    """Open cases per coordinator of your unit, with overdue counts and each definition's
    limit. A coordinator sees their own row only."""
    authorize(actor, Action.CASE_LIST)
    coordinator = coordinator_scope(actor, coordinator)
    loads = caseload.loads(session, unit_id=actor.unit_id, coordinator_id=coordinator)
    # Coordinators without a case are on the list too: they are whom cases can go to.
    names = (
        [coordinator]
        if coordinator
        else sorted(
            set(loads)
            | {
                u.id
                for u in accounts.list_users(services.engine, unit_id=actor.unit_id)
                if "coordinator" in u.roles and not u.disabled
            }
        )
    )
    definitions = services.catalog.definitions()
    stalled = stalled_audit.stalled(
        session, now=utcnow(), definitions=definitions, unit_id=actor.unit_id, coordinator_id=coordinator
    )
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
            per_def.append(
                DefinitionLoad(definition=definition_id, open=n, limit=limit, full=limit is not None and n >= limit)
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
    if format == "csv":
        return csv_response((r.model_dump() for r in rows), CSV_COLUMNS, "caseloads.csv")
    return Page(items=rows, count=len(rows))


# ---------------------------------------------------------------- POST /caseloads/reassign
class ReassignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Login = Field(alias="from", description="the coordinator whose cases move")
    to: list[Login] = Field(min_length=1, max_length=50, description="who takes them: several split them evenly")
    cases: list[Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]] | None = Field(
        default=None, max_length=500, description="only these (default: all their open cases)"
    )
    override_reason: Code | None = Field(
        default=None, description="a code: lets a move exceed the caseload limit (audited)"
    )


class Moved(BaseModel):
    case_id: str
    definition: str
    to: str
    seq: int


class RefusedMove(BaseModel):
    case_id: str
    definition: str | None
    to: str | None
    code: str
    message: str


class ReassignResult(BaseModel):
    moved: list[Moved]
    refused: list[RefusedMove]
    moved_count: int
    refused_count: int


_MOVE_KEY_NAMESPACE = uuid.UUID("7d3f9a52-1c4e-4b8e-9f6a-2e5b8c0d4a17")


def _coordinator_of_unit(services: ServicesDep, actor: Actor, login: str) -> bool:
    user = accounts.get_user(services.engine, login)
    return user is not None and not user.disabled and user.unit_id == actor.unit_id and "coordinator" in user.roles


@router.post("/reassign", response_model=ReassignResult)
async def reassign(
    body: ReassignRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> ReassignResult:
    """Move all (or the named) open cases of one coordinator to one or several others; each
    move is the case's own ``assign_coordinator`` update, with its own idempotency key (a
    retried request moves nothing twice). The caseload limit holds unless overridden.
    Answers what moved and what was refused, and why."""
    authorize(actor, Action.CASE_REASSIGN)
    source = accounts.get_user(services.engine, body.from_)
    if source is None or source.unit_id != actor.unit_id:
        raise ApiError(404, "coordinator_not_found", f"no coordinator '{body.from_}' in your unit")
    targets = list(dict.fromkeys(body.to))
    for login in targets:
        if login == body.from_ or not _coordinator_of_unit(services, actor, login):
            raise ApiError(
                422, "unknown_coordinator", f"'{login}' is not another active coordinator of your unit", field="to"
            )

    stmt = select(Case).where(
        col(Case.unit_id) == actor.unit_id, col(Case.coordinator_id) == body.from_, col(Case.status).in_(MOVABLE)
    )
    if body.cases is not None:
        stmt = select(Case).where(col(Case.id).in_(body.cases))
    rows = {c.id: c for c in session.exec(stmt.order_by(col(Case.opened_at), col(Case.id))).all()}
    order = list(dict.fromkeys(body.cases)) if body.cases is not None else list(rows)
    definitions = services.catalog.definitions()
    tally = caseload.Tally(caseload.loads(session, unit_id=actor.unit_id))
    gateway = CaseGateway(services.client, services.settings.task_queue)
    moved: list[Moved] = []
    refused: list[RefusedMove] = []
    for case_id in order:
        case = rows.get(case_id)
        if case is None or case.unit_id != actor.unit_id:
            refused.append(
                RefusedMove(
                    case_id=case_id, definition=None, to=None, code="case_not_found", message=f"no case '{case_id}'"
                )
            )
            continue
        if case.coordinator_id != body.from_ or case.status not in MOVABLE:
            why = "closed" if case.status == "closed" else f"is {case.coordinator_id}'s"
            refused.append(
                RefusedMove(
                    case_id=case_id,
                    definition=case.definition_id,
                    to=None,
                    code="not_movable",
                    message=f"the case {why}, not an open case of {body.from_}",
                )
            )
            continue
        definition = definitions.get(case.definition_id)
        room = [t for t in targets if definition is None or tally.has_room(t, definition)]
        override = None
        if definition is not None and not room:
            target = tally.least_loaded(targets, definition)
            if body.override_reason is None:
                full = tally.full(target, definition)
                refused.append(
                    RefusedMove(
                        case_id=case_id,
                        definition=case.definition_id,
                        to=target,
                        code="caseload_limit_reached",
                        message=full.message,
                    )
                )
                continue
            override = tally.full(target, definition)
        else:
            target = room[0] if definition is None else tally.least_loaded(room, definition)
        command_id = (
            uuid.uuid5(_MOVE_KEY_NAMESPACE, f"{actor.id}\x00{key}\x00{case_id}\x00{target}").hex
            if key
            else new_command_id()
        )
        command = AssignCoordinatorInput(
            command_id=command_id,
            actor=actor.id,
            coordinator_id=target,
            override_reason=body.override_reason if override else None,
        )
        try:
            result = await gateway.update(case_id, "assign_coordinator", command)
        except ApiError as refusal:
            refused.append(
                RefusedMove(
                    case_id=case_id,
                    definition=case.definition_id,
                    to=target,
                    code=refusal.code,
                    message=refusal.message,
                )
            )
            continue
        if override is not None:
            audit.record("caseload.override", case_id=case_id, reason=body.override_reason, **override.details())
        audit.record(
            "case.assign_coordinator",
            case_id=case_id,
            command_id=command_id,
            seq=result.seq,
            coordinator_id=target,
            previous=body.from_,
            duplicate=result.duplicate,
            bulk=True,
        )
        tally.move(case.definition_id, body.from_, target)
        moved.append(Moved(case_id=case_id, definition=case.definition_id, to=target, seq=result.seq))
    audit.record("caseload.reassign", source=body.from_, targets=targets, moved=len(moved), refused=len(refused))
    return ReassignResult(moved=moved, refused=refused, moved_count=len(moved), refused_count=len(refused))
