"""Every command a coordinator gives a case: a move, a visit, a fact, pause, resume, close.

Each command: the case as the person may act on it, the note's text kept in the store (the
workflow gets its id), then ``sending.send``."""

from __future__ import annotations

from pathway.app import household, placements, profiles
from pathway.app.access import visible_case
from pathway.app.command_keys import one_command_per_key
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.gateway import new_command_id
from pathway.app.notes import keep_note
from pathway.app.schemas import (
    CaseOut,
    CloseRequest,
    FactRequest,
    PauseRequest,
    TransitionRequest,
    VisitOut,
    VisitRequest,
)
from pathway.app.sending import send
from pathway.core.definition import FactSpec
from pathway.core.events import VisitRecorded
from pathway.security.policy import Action
from pathway.store import history
from workflows.messages import (
    AdvanceCaseInput,
    CloseCaseInput,
    PauseCaseInput,
    RecordVisitInput,
    ResumeCaseInput,
    SetFactInput,
)
from workflows.pathway import PathwayWorkflow


async def advance(ctx: Context, case_id: str, body: TransitionRequest, key: str | None) -> CaseOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command="advance", case_id=case_id, body=body):
        await profiles.check_exit(ctx, case, trigger=body.trigger, exit_status=body.exit_status)
        note_id = keep_note(ctx, case_id, body.note, "advance", key)
        command = AdvanceCaseInput(
            command_id=key or new_command_id(),
            actor=ctx.actor.id,
            trigger=body.trigger,
            note_id=note_id,
            expected_stage=body.expected_stage,
        )
        out = (await send(ctx, case, PathwayWorkflow.advance, command, note_id)).case_out()
        profiles.keep_exit(ctx, case, out, body.exit_status)
        return out


async def record_visit(ctx: Context, case_id: str, body: VisitRequest, key: str | None) -> VisitOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command="record_visit", case_id=case_id, body=body):
        note_id = keep_note(ctx, case_id, body.note, "record_visit", key)
        command = RecordVisitInput(
            command_id=key or new_command_id(),
            actor=ctx.actor.id,
            occurred_at=body.occurred_at,
            duration_minutes=body.duration_minutes,
            kind=body.kind,
            visit_id=note_id,
            present_member_ids=household.present_members(ctx, case_id, body.present_member_ids),
        )
        done = await send(ctx, case, PathwayWorkflow.record_visit, command, note_id)
        result = done.result
        recorded = next((e for e in result.events if isinstance(e, VisitRecorded)), None)
        if recorded is None:  # the same visit sent again: answer from what was stored
            stored = history.get_visit(ctx.session, case_id=case_id, seq=result.seq)
            counted, reason = (stored.counted, stored.not_counted_reason) if stored else (None, None)
        else:
            counted, reason = recorded.counted, recorded.not_counted_reason
        return VisitOut(
            seq=result.seq,
            counted=counted,
            not_counted_reason=reason,
            next_visit_due_at=result.case.next_visit_due_at,
            case=done.case_out(),
        )


async def set_fact(ctx: Context, case_id: str, name: str, body: FactRequest, key: str | None) -> CaseOut:
    """Set (or clear, with null) a fact. A partner fact names the partner by id; its kind comes
    from the resource map, and an employer needs a free internship place, held for the case
    while the command travels (two coordinators never both take the last place)."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command=f"set_fact:{name}", case_id=case_id, body=body):
        command_id = key or new_command_id()
        partner = placements.partner_named(ctx, body.value)
        value = placements.partner_fact(partner) if partner is not None else body.value
        command = SetFactInput(command_id=command_id, actor=ctx.actor.id, name=name, value=value)
        if partner is None or not placements.is_employer(partner):
            return (await send(ctx, case, PathwayWorkflow.set_fact, command)).case_out()
        async with placements.internship_place(ctx, partner, case_id=case_id, command_id=command_id) as place:
            done = await send(ctx, case, PathwayWorkflow.set_fact, command)
            place.taken(done.result.events)
        return done.case_out()


def fact_spec(ctx: Context, case_id: str, name: str) -> FactSpec:
    """What fact ``name`` of the case's definition is (a form is built from it); 422 when the
    case's pathway has no such fact."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    entry = ctx.services.catalog.get(case.definition_id)
    spec = entry.definition.facts.get(name) if entry else None
    if spec is None:
        raise AppError(422, "unknown_fact", f"no fact '{name}' in this pathway", fact=name)
    return spec


async def pause(ctx: Context, case_id: str, body: PauseRequest, key: str | None) -> CaseOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command="pause", case_id=case_id, body=body):
        # The command carries the reason code only; the note (why, in words) stays in SQL.
        note_id = keep_note(ctx, case_id, body.note, "pause", key)
        command = PauseCaseInput(command_id=key or new_command_id(), actor=ctx.actor.id, reason=body.reason)
        return (await send(ctx, case, PathwayWorkflow.pause, command, note_id)).case_out()


async def resume(ctx: Context, case_id: str, key: str | None) -> CaseOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command="resume", case_id=case_id, body=None):
        command = ResumeCaseInput(command_id=key or new_command_id(), actor=ctx.actor.id)
        return (await send(ctx, case, PathwayWorkflow.resume, command)).case_out()


async def close(ctx: Context, case_id: str, body: CloseRequest, key: str | None) -> CaseOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command="close", case_id=case_id, body=body):
        await profiles.check_exit(ctx, case, trigger=None, exit_status=body.exit_status, outcome=body.outcome)
        note_id = keep_note(ctx, case_id, body.note, "close", key)
        command = CloseCaseInput(
            command_id=key or new_command_id(), actor=ctx.actor.id, outcome=body.outcome, note_id=note_id
        )
        out = (await send(ctx, case, PathwayWorkflow.close, command, note_id)).case_out()
        profiles.keep_exit(ctx, case, out, body.exit_status)
        return out
