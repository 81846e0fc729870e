"""Sending a command to a case's workflow, as every command use case does.

The case as the person may act on it comes first (the caller's); then the command goes
through the workflow's update handler (validated there before anything reaches history)
while the client's identity is opened for the answer, and the audit trail is written. A
refused command leaves no trace: its note goes too."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pathway.app.clients import read_client_apart
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.gateway import Update, update_name
from pathway.app.notes import drop_note, tie_note
from pathway.app.schemas import CaseOut, ClientOut
from pathway.core.commands import Command
from pathway.store.models import Case
from workflows.messages import CommandResult

# What the audit trail keeps of a command: its codes and ids, never free text.
AUDITED_FIELDS = (
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
    "appointment_id",
    "added",
    "removed",
    "present_member_ids",
)


@dataclass(frozen=True)
class Done:
    """A command the case's workflow accepted, with the client it concerns (for the answer)."""

    result: CommandResult
    client: ClientOut | None

    def case_out(self) -> CaseOut:
        return CaseOut(**self.result.case.model_dump(), client=self.client)


async def send(ctx: Context, case: Case, update: Update, command: Command, note_id: str | None = None) -> Done:
    """Send ``command`` to the case's workflow through its ``update`` handler and record it."""
    ctx.release_connection()
    # The client's identity is opened while the workflow works on the command, not after:
    # the answer needs both, and neither waits for the other.
    client = asyncio.ensure_future(asyncio.to_thread(read_client_apart, ctx.services.engine, ctx.vault, case.client_id))
    try:
        result = await ctx.gateway.update(case.id, update, command)
    except BaseException as failed:
        await asyncio.gather(client, return_exceptions=True)  # nothing of the request outlives it
        # A refusal is final: its note goes. (No answer in time is not a refusal: the command
        # may still be applied, and a retry with the same key finds the same note.)
        if isinstance(failed, AppError) and failed.status < 500:
            drop_note(ctx, note_id)
        raise
    tie_note(ctx, note_id, result.events)
    details = {k: getattr(command, k) for k in AUDITED_FIELDS if getattr(command, k, None) is not None}
    await ctx.record(
        f"case.{update_name(update)}",
        case_id=case.id,
        command_id=command.command_id,
        seq=result.seq,
        stage=result.case.stage,
        duplicate=result.duplicate,
        **details,
    )
    return Done(result, await client)
