"""Cases: open, read, list, and every command a coordinator gives a case."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

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
    release_connection,
    vault_of,
)
from pathway.api.errors import ApiError, not_found
from pathway.api.filters import KnownFilters
from pathway.api.routers.caseloads import enforce_limit
from pathway.api.schemas import (
    ID_PATTERN,
    MAX_OFFSET,
    AssignRequest,
    CaseListItem,
    CaseOut,
    ClientOut,
    CloseRequest,
    FactRequest,
    OpenCaseRequest,
    Page,
    PauseRequest,
    TransitionRequest,
    VisitOut,
    VisitRequest,
)
from pathway.api.temporal_gateway import CaseGateway, new_command_id
from pathway.core.case import CaseView
from pathway.core.events import VisitRecorded
from pathway.security import accounts
from pathway.security.identity import ClientErased, IdentityVault
from pathway.security.policy import Action, CaseScope, decide
from pathway.store import placements, queries
from pathway.store.models import Case, ClientCreate, Note, NotificationPublic, Partner, utcnow
from workflows.messages import (
    AdvanceCaseInput,
    AssignCoordinatorInput,
    CloseCaseInput,
    CommandResult,
    OpenCaseInput,
    PauseCaseInput,
    RecordVisitInput,
    ResumeCaseInput,
    SetFactInput,
)

router = APIRouter(prefix="/cases", tags=["cases"])


def _gateway(services: ServicesDep) -> CaseGateway:
    return CaseGateway(services.client, services.settings.task_queue)


def _case_row(session: Session, case_id: str, actor: Actor, action: Action = Action.CASE_READ) -> Case:
    """The case, if it exists and the policy lets the actor do ``action`` on it. A case the
    actor may not see is "not found", exactly like one that does not exist."""
    case = queries.get_case(session, case_id=case_id)
    if case is None:
        raise not_found("case", case_id)
    scope = CaseScope(unit_id=case.unit_id, coordinator_id=case.coordinator_id)
    # Whether the actor may see the case comes before what they ask to do with it: asked
    # to reassign a colleague's case, a coordinator would otherwise get "forbidden" (it
    # exists) where a made-up id gets "not found".
    if decide(actor, Action.CASE_READ, scope).status == 404:
        raise not_found("case", case_id)
    try:
        authorize(actor, action, scope)
    except ApiError as refused:
        if refused.status == 404:
            raise not_found("case", case_id) from None
        raise
    return case


def _with_client(session: Session, case: Case, view: CaseView) -> CaseOut:
    return CaseOut(**view.model_dump(), client=_client_out(session, vault_of(session), case.client_id))


def _client_out(session: Session, vault: IdentityVault, client_id: str | None) -> ClientOut | None:
    """The client's identity for the answer, opened."""
    client = queries.get_client(session, vault=vault, client_id=client_id) if client_id else None
    return ClientOut(**client.model_dump()) if client else None


def _read_client(engine: Engine, vault: IdentityVault, client_id: str | None) -> ClientOut | None:
    """``_client_out`` in a session of its own: it runs in a thread while the request's
    session is in use."""
    if not client_id:
        return None
    with Session(engine) as session:
        return _client_out(session, vault, client_id)


@dataclass(frozen=True)
class Done:
    """A command the case's workflow accepted, with the client it concerns (for the answer)."""

    result: CommandResult
    client: ClientOut | None

    def case_out(self) -> CaseOut:
        return CaseOut(**self.result.case.model_dump(), client=self.client)


_NOTE_KEY_NAMESPACE = uuid.UUID("0b9f6f0e-52a4-4d0c-9a43-7c2d1f4e8a61")


def _note(
    session: Session, case_id: str, actor: Actor, text: str | None, command: str = "", key: str | None = None
) -> str | None:
    """Free text stays in SQL; the workflow only ever sees the note's id.

    A command retried with its idempotency key keeps the note of its first attempt (the
    same id, which the workflow already knows), so a retry never stores the text twice."""
    if not text or not text.strip():
        return None
    note_id = uuid.uuid5(_NOTE_KEY_NAMESPACE, f"{case_id}\x00{actor.id}\x00{command}\x00{key}").hex if key else None
    if note_id is not None and session.get(Note, note_id) is not None:
        return note_id
    try:
        return queries.add_note(
            session, vault=vault_of(session), case_id=case_id, author=actor.id, text=text.strip(), note_id=note_id
        ).id
    except ClientErased:
        raise ApiError(409, "client_erased", "this client's identity was erased: the case takes no new notes") from None


async def _command(
    session: Session,
    gateway: CaseGateway,
    case: Case,
    name: str,
    command: object,
    audit: Auditor,
    note_id: str | None = None,
) -> Done:
    release_connection(session)
    # The client's identity is opened while the workflow works on the command, not after:
    # the answer needs both, and neither waits for the other.
    client = asyncio.ensure_future(
        asyncio.to_thread(_read_client, session.get_bind(), vault_of(session), case.client_id)
    )
    try:
        result = await gateway.update(case.id, name, command)  # type: ignore[arg-type]
    except BaseException as failed:
        await asyncio.gather(client, return_exceptions=True)  # nothing of the request outlives it
        if isinstance(failed, ApiError) and note_id is not None:
            queries.delete_note(session, note_id=note_id)  # a refused command leaves no trace
        raise
    audit.record(
        f"case.{name}",
        case_id=case.id,
        command_id=getattr(command, "command_id", None),
        seq=result.seq,
        stage=result.case.stage,
        duplicate=result.duplicate,
        **_audit_details(command),
    )
    return Done(result, await client)


def _audit_details(command: object) -> dict[str, object]:
    """What the trail keeps of a command: its codes and ids, never free text."""
    keep = (
        "trigger",
        "expected_stage",
        "name",
        "reason",
        "outcome",
        "coordinator_id",
        "override_reason",
        "kind",
        "duration_minutes",
        "referral_id",
        "partner_id",
        "service",
        "consent_id",
        "answer",
    )
    return {k: getattr(command, k) for k in keep if getattr(command, k, None) is not None}


@router.post("", status_code=201, response_model=CaseOut)
async def open_case(
    body: OpenCaseRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    response: Response,
    audit: AuditDep,
) -> CaseOut:
    authorize(actor, Action.CASE_OPEN)
    _check_coordinator(services, actor, body.coordinator)
    entry = services.catalog.get(body.definition)
    if entry is None:
        raise ApiError(
            422, "unknown_definition", f"no pathway definition '{body.definition}'", definitions=services.catalog.ids()
        )
    now = utcnow()
    if body.opened_at is not None and body.opened_at > now:
        raise ApiError(422, "invalid_request", "opened_at cannot be in the future")
    gateway = _gateway(services)
    case_id = queries.case_id_for_key(actor=actor.id, key=key, unit_id=actor.unit_id) if key else queries.new_id()
    existing = queries.get_case(session, case_id=case_id)
    if existing is None:
        enforce_limit(
            session,
            actor,
            audit,
            definition=entry.definition,
            coordinator=body.coordinator,
            override_reason=body.override_reason,
        )
        try:
            _, case = queries.create_client_and_case(
                session,
                vault=vault_of(session),
                client=ClientCreate(unit_id=actor.unit_id, **body.client.model_dump()),
                definition_id=entry.definition.id,
                definition_version=entry.definition.version,
                coordinator_id=body.coordinator,
                initial_stage=entry.definition.initial,
                opened_at=body.opened_at or now,
                case_id=case_id,
            )
            _note(session, case.id, actor, body.note)
        except IntegrityError:
            # The same open, retried at the same moment by another process: it created the row.
            session.rollback()
            existing = _case_row(session, case_id, actor)
    if existing is not None:
        case = _case_row(session, case_id, actor)
        response.status_code = 200  # the same open, retried
    release_connection(session)
    started = await gateway.start(
        OpenCaseInput(
            case_id=case.id,
            definition=entry.snapshot,
            coordinator_id=body.coordinator,
            unit_id=actor.unit_id,
            actor=actor.id,
            command_id=key,
            opened_at=body.opened_at,
        )
    )
    if not started and existing is None:
        response.status_code = 200
    audit.record(
        "case.open",
        case_id=case.id,
        definition=entry.definition.id,
        version=entry.definition.version,
        coordinator_id=body.coordinator,
        retried=response.status_code == 200,
    )
    return _with_client(session, case, await gateway.state(case.id))


def _check_coordinator(services: ServicesDep, actor: Actor, coordinator_id: str) -> None:
    """A case is assigned to an active coordinator of the actor's unit; a coordinator opens
    cases for themselves (assigning to others is a supervisor's decision)."""
    if actor.has("coordinator") and not actor.has("supervisor") and coordinator_id != actor.id:
        raise ApiError(
            403, "forbidden", "a coordinator opens cases for themselves; a supervisor assigns them to others"
        )
    user = accounts.get_user(services.engine, coordinator_id)
    if user is None or user.disabled or user.unit_id != actor.unit_id or "coordinator" not in user.roles:
        raise ApiError(
            422,
            "unknown_coordinator",
            f"'{coordinator_id}' is not an active coordinator of your unit",
            field="coordinator",
        )


@router.get("", response_model=Page[CaseListItem], dependencies=[KnownFilters])
def list_cases(
    session: SessionDep,
    actor: ActorDep,
    audit: AuditDep,
    coordinator: str | None = None,
    status: str | None = None,
    definition: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[CaseListItem]:
    authorize(actor, Action.CASE_LIST)
    coordinator = coordinator_scope(actor, coordinator)
    rows, total = queries.list_cases(
        session,
        unit_id=actor.unit_id,
        coordinator_id=coordinator,
        status=status,
        definition_id=definition,
        limit=limit,
        offset=offset,
    )
    if rows:  # the list shows clients' names: reading them is recorded
        audit.record("client.list", cases=len(rows), offset=offset)
    names = queries.client_names(
        session, vault=vault_of(session), client_ids=[r.client_id for r in rows if r.client_id]
    )
    items = [
        CaseListItem(
            id=r.id,
            definition=r.definition_id,
            definition_version=r.definition_version,
            stage=r.stage,
            status=r.status,
            outcome=r.outcome,
            coordinator=r.coordinator_id,
            unit=r.unit_id,
            client_name=names.get(r.client_id or ""),
            opened_at=r.opened_at,
            stage_entered_at=r.stage_entered_at,
            stage_due_at=r.stage_due_at,
            next_visit_due_at=r.next_visit_due_at,
            last_activity_at=r.last_activity_at,
        )
        for r in rows
    ]
    return Page(items=items, count=total)


@router.get("/{case_id}", response_model=CaseOut)
async def get_case(
    case_id: str, services: ServicesDep, session: SessionDep, actor: ActorDep, audit: AuditDep
) -> CaseOut:
    case = _case_row(session, case_id, actor, Action.CLIENT_READ)
    release_connection(session)
    view = await _gateway(services).state(case_id)
    audit.record("client.read", case_id=case_id)
    return _with_client(session, case, view)


@router.post("/{case_id}/transitions", response_model=CaseOut)
async def transition(
    case_id: str,
    body: TransitionRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> CaseOut:
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    note_id = _note(session, case_id, actor, body.note, "advance", key)
    command = AdvanceCaseInput(
        command_id=key or new_command_id(),
        actor=actor.id,
        trigger=body.trigger,
        note_id=note_id,
        expected_stage=body.expected_stage,
    )
    return (await _command(session, _gateway(services), case, "advance", command, audit, note_id)).case_out()


@router.post("/{case_id}/visits", status_code=201, response_model=VisitOut)
async def record_visit(
    case_id: str,
    body: VisitRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> VisitOut:
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    note_id = _note(session, case_id, actor, body.note, "record_visit", key)
    command = RecordVisitInput(
        command_id=key or new_command_id(),
        actor=actor.id,
        occurred_at=body.occurred_at,
        duration_minutes=body.duration_minutes,
        kind=body.kind,
        visit_id=note_id,
    )
    done = await _command(session, _gateway(services), case, "record_visit", command, audit, note_id)
    result = done.result
    recorded = next((e for e in result.events if isinstance(e, VisitRecorded)), None)
    if recorded is None:  # the same visit sent again: answer from what was stored
        stored = queries.get_visit(session, case_id=case_id, seq=result.seq)
        counted, reason = (stored.counted, stored.not_counted_reason) if stored else (None, None)
    else:
        counted, reason = recorded.counted, recorded.not_counted_reason
    view = result.case
    return VisitOut(
        seq=result.seq,
        counted=counted,
        not_counted_reason=reason,
        next_visit_due_at=view.next_visit_due_at,
        case=done.case_out(),
    )


@router.put("/{case_id}/facts/{name}", response_model=CaseOut)
async def set_fact(
    case_id: str,
    name: Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)],
    body: FactRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> CaseOut:
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    value = _resolve_partner(session, actor, body.value, case_id=case_id)
    command = SetFactInput(command_id=key or new_command_id(), actor=actor.id, name=name, value=value)
    return (await _command(session, _gateway(services), case, "set_fact", command, audit)).case_out()


def _resolve_partner(session: Session, actor: Actor, value: object, *, case_id: str | None = None) -> object:
    """A partner fact names the partner by id; its kind comes from the resource map, so a
    placement 'with an employer' is one with a partner the map knows as an employer, and
    it needs a free internship place there."""
    if isinstance(value, dict) and "partner_id" in value and set(value) <= {"partner_id", "partner_kind"}:
        partner = queries.get_partner(session, partner_id=str(value["partner_id"]))
        if partner is None or (partner.unit_id is not None and partner.unit_id != actor.unit_id):
            raise ApiError(422, "unknown_partner", f"no partner '{value['partner_id']}' in the resource map")
        if partner.kind == placements.EMPLOYER:
            _check_capacity(session, partner, case_id)
        return {"partner_id": partner.id, "partner_kind": partner.kind}
    return value


def _check_capacity(session: Session, partner: Partner, case_id: str | None) -> None:
    # The case's own place (the same employer named again) is not counted against it.
    used = placements.places_in_use(session, partner_ids=[partner.id], except_case=case_id)[partner.id]
    if used >= partner.internship_capacity:
        raise ApiError(
            409,
            "no_internship_capacity",
            f"{used} of {partner.internship_capacity} places in use at {partner.name} / "
            f"zajętych miejsc praktyk: {used} z {partner.internship_capacity} ({partner.name})",
            partner_id=partner.id,
            capacity=partner.internship_capacity,
            in_use=used,
        )


@router.post("/{case_id}/pause", response_model=CaseOut)
async def pause(
    case_id: str,
    body: PauseRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> CaseOut:
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    # The command carries the reason code only; the note (why, in words) stays in SQL.
    note_id = _note(session, case_id, actor, body.note, "pause", key)
    command = PauseCaseInput(command_id=key or new_command_id(), actor=actor.id, reason=body.reason)
    return (await _command(session, _gateway(services), case, "pause", command, audit, note_id)).case_out()


@router.post("/{case_id}/resume", response_model=CaseOut)
async def resume(
    case_id: str, services: ServicesDep, session: SessionDep, actor: ActorDep, key: IdempotencyKeyDep, audit: AuditDep
) -> CaseOut:
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    return (
        await _command(
            session,
            _gateway(services),
            case,
            "resume",
            ResumeCaseInput(command_id=key or new_command_id(), actor=actor.id),
            audit,
        )
    ).case_out()


@router.post("/{case_id}/close", response_model=CaseOut)
async def close(
    case_id: str,
    body: CloseRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> CaseOut:
    case = _case_row(session, case_id, actor, Action.CASE_ACT)
    note_id = _note(session, case_id, actor, body.note, "close", key)
    command = CloseCaseInput(command_id=key or new_command_id(), actor=actor.id, outcome=body.outcome, note_id=note_id)
    return (await _command(session, _gateway(services), case, "close", command, audit, note_id)).case_out()


@router.put("/{case_id}/coordinator", response_model=CaseOut)
async def assign(
    case_id: str,
    body: AssignRequest,
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    audit: AuditDep,
) -> CaseOut:
    case = _case_row(session, case_id, actor, Action.CASE_REASSIGN)
    _check_coordinator(services, actor, body.coordinator)
    definition = services.catalog.get(case.definition_id)
    if definition is not None and body.coordinator != case.coordinator_id:
        enforce_limit(
            session,
            actor,
            audit,
            definition=definition.definition,
            coordinator=body.coordinator,
            override_reason=body.override_reason,
            case_id=case.id,
        )
    command = AssignCoordinatorInput(
        command_id=key or new_command_id(),
        actor=actor.id,
        coordinator_id=body.coordinator,
        override_reason=body.override_reason,
    )
    return (await _command(session, _gateway(services), case, "assign_coordinator", command, audit)).case_out()


@router.get("/{case_id}/notifications", response_model=Page[NotificationPublic])
def notifications(
    case_id: str,
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[NotificationPublic]:
    _case_row(session, case_id, actor)
    rows = queries.list_notifications(session, case_id=case_id, limit=limit, offset=offset)
    total = queries.count_notifications(session, case_id=case_id)
    return Page(items=[NotificationPublic.model_validate(r, from_attributes=True) for r in rows], count=total)
