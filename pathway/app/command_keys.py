"""One idempotency key, one command (issue 13, item 1).

Sent again with its key, a command is the same command: it is applied once and answers with
its first outcome (the key is the Temporal update id, and the case remembers the commands it
applied across continue-as-new). The same key on another command, another case or another
body is refused with 422 ``idempotency_key_reused``, naming the command the key was first
given for — it used to answer the first command's result as if the second had been done. A
key whose command was refused (a 4xx) is given back, so a corrected command may use it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel

from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.store import command_keys

# The commands as a person knows them, for the refusal's message.
COMMAND_WORDS = {
    "open": ("opening a case", "otwarcie sprawy"),
    "advance": ("a move", "przejście do etapu"),
    "record_visit": ("a visit", "wizytę"),
    "set_fact": ("a fact", "wpis"),
    "pause": ("pausing the case", "wstrzymanie sprawy"),
    "resume": ("resuming the case", "wznowienie sprawy"),
    "close": ("closing the case", "zamknięcie sprawy"),
    "assign_coordinator": ("a reassignment", "zmianę koordynatora"),
    "refer": ("a referral", "skierowanie"),
    "answer_referral": ("a referral's answer", "odpowiedź na skierowanie"),
    "reassign": ("a bulk reassignment", "przeniesienie spraw"),
    "plan": ("a change of the plan", "zmianę planu"),
    "plan_action_status": ("an action's status", "stan działania planu"),
    "member_add": ("adding a household member", "dodanie członka rodziny"),
    "member_change": ("a change of a household member", "zmianę danych członka rodziny"),
    "member_erase": ("erasing a household member", "usunięcie danych członka rodziny"),
}


# Personal data is never hashed into the store: a note's text and a client's identity are
# compared where they are kept (``notes.keep_note``, ``cases.open_case``).
NOT_FINGERPRINTED = {"note", "client"}


def fingerprint(command: str, case_id: str | None, body: BaseModel | dict[str, Any] | None) -> str:
    """A digest of what the command asks: its name, its case and its body's codes, ids, dates
    and numbers."""
    data = body.model_dump(mode="json", exclude=NOT_FINGERPRINTED) if isinstance(body, BaseModel) else body
    canonical = json.dumps({"command": command, "case": case_id, "body": data}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def reused(command: str) -> AppError:
    en, pl = COMMAND_WORDS.get(command.split(":", 1)[0], (command, command))
    return AppError(
        422,
        "idempotency_key_reused",
        f"this Idempotency-Key was already used for {en}; send a new key with every new command / "
        f"ten klucz Idempotency-Key użyto już dla polecenia: {pl}; każde nowe polecenie wymaga nowego klucza",
        original_command=command,
        field="Idempotency-Key",
    )


@asynccontextmanager
async def one_command_per_key(
    ctx: Context, key: str | None, *, command: str, case_id: str | None, body: BaseModel | dict[str, Any] | None
) -> AsyncIterator[None]:
    """Claim ``key`` for this command for the block (nothing to claim without a key)."""
    if key is None:
        yield
        return
    digest = fingerprint(command, case_id, body)
    engine = ctx.services.engine
    record, fresh = await ctx.apart(
        command_keys.claim,
        engine,
        unit_id=ctx.unit_id,
        key=key,
        actor=ctx.actor.id,
        case_id=case_id,
        command=command,
        fingerprint=digest,
    )
    if (record.actor, record.case_id, record.command, record.fingerprint) != (ctx.actor.id, case_id, command, digest):
        raise reused(record.command)
    try:
        yield
    except AppError as refused:
        if fresh and refused.status < 500:
            await ctx.apart(command_keys.release, engine, unit_id=ctx.unit_id, key=key, fingerprint=digest)
        raise
