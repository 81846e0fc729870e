"""Cases: open one, read one, list them, and what was sent to partners about one."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from pathway.app import caseloads, profiles
from pathway.app.access import authorize, coordinator_scope, visible_case
from pathway.app.catalog import CatalogEntry
from pathway.app.clients import client_of
from pathway.app.command_keys import one_command_per_key, reused
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.filters import check_filters
from pathway.app.notes import OPENING_SEQ, keep_note
from pathway.app.schemas import CaseListItem, CaseOut, ClientOut, OpenCaseRequest, Page
from pathway.core.case import CaseView
from pathway.core.summary import summarize
from pathway.security.policy import Action
from pathway.store import history, queries
from pathway.store.models import Case, ClientCreate, ClientPublic, NotificationPublic, utcnow
from workflows import search_attributes as sa
from workflows.messages import OpenCaseInput
from workflows.opening import first_case


def _same_client(ctx: Context, case: Case, body: OpenCaseRequest) -> bool:
    """Whether a retried open names the client the case was opened for (compared opened, here:
    a client's identity is never hashed into the store)."""
    stored = client_of(ctx.session, ctx.vault, case.client_id)
    asked = body.client
    return stored is None or (stored.name, stored.address, stored.phone) == (asked.name, asked.address, asked.phone)


def case_out(ctx: Context, case: Case, view: CaseView) -> CaseOut:
    return CaseOut(**view.model_dump(), client=client_of(ctx.session, ctx.vault, case.client_id))


async def open_case(ctx: Context, body: OpenCaseRequest, key: str | None) -> tuple[CaseOut, bool]:
    """Open a case for a client: the identity sealed in the store, the pathway a workflow that
    carries only ids. Returns the case and whether it was opened now (False: the same open,
    retried with its idempotency key)."""
    authorize(ctx.actor, Action.CASE_OPEN)
    caseloads.check_assignee(ctx, body.coordinator)
    entry = ctx.services.catalog.get(body.definition)
    if entry is None:
        raise AppError(
            422,
            "unknown_definition",
            f"no pathway definition '{body.definition}'",
            definitions=ctx.services.catalog.ids(),
            field="definition",
        )
    now = utcnow()
    if body.opened_at is not None and body.opened_at > now:
        raise AppError(422, "opened_in_future", "opened_at cannot be in the future", field="opened_at")
    warnings = profiles.check_opening(
        entry.definition, body.profile, opened_at=body.opened_at or now, confirmed=body.eligibility_confirmed
    )
    case_id = queries.case_id_for_key(actor=ctx.actor.id, key=key, unit_id=ctx.unit_id) if key else queries.new_id()
    async with one_command_per_key(ctx, key, command="open", case_id=case_id, body=body):
        out, created = await _open(ctx, body, key, case_id, entry, now)
    if created:
        await profiles.record_override(ctx, out.id, warnings)
    return out.model_copy(update={"warnings": warnings}), created


async def _open(
    ctx: Context, body: OpenCaseRequest, key: str | None, case_id: str, entry: CatalogEntry, now: datetime
) -> tuple[CaseOut, bool]:
    existing = queries.get_case(ctx.session, case_id=case_id)
    person: ClientPublic | None = None  # the client as given, when the case is created now
    if existing is None:
        try:
            async with caseloads.caseload_room(
                ctx,
                definition=entry.definition,
                coordinator=body.coordinator,
                case_id=case_id,
                override_reason=body.override_reason,
                command_id=key or case_id,
            ):
                # In a thread, with the request's session (used by nothing else meanwhile): the
                # client's new key is a synced commit of the key store (a lost key is lost
                # data), which on the event loop held up every other request (bench/RESULTS.md,
                # "Opening without asking the workflow").
                person, case = await asyncio.to_thread(
                    queries.create_client_and_case,
                    ctx.session,
                    vault=ctx.vault,
                    client=ClientCreate(unit_id=ctx.unit_id, **body.client.model_dump()),
                    definition_id=entry.definition.id,
                    definition_version=entry.definition.version,
                    coordinator_id=body.coordinator,
                    initial_stage=entry.definition.initial,
                    opened_at=body.opened_at or now,
                    case_id=case_id,
                )
            # Sealed under that key, which the key store is asked for: in the thread too.
            await asyncio.to_thread(_keep_opening_entries, ctx, case, body)
        except IntegrityError:
            # The same open, retried at the same moment by another process: it created the row.
            ctx.session.rollback()
            existing = visible_case(ctx, case_id)
    if existing is not None:
        case = visible_case(ctx, case_id)
        if not _same_client(ctx, case, body):
            raise reused("open")  # the same key, another client: another case
    ctx.release_connection()
    opening = OpenCaseInput(
        case_id=case.id,
        definition=entry.snapshot,
        coordinator_id=body.coordinator,
        unit_id=ctx.unit_id,
        actor=ctx.actor.id,
        command_id=key,
        # The moment the row says (``body.opened_at or now``; a retry whose first attempt
        # never started the workflow: that attempt's), so the workflow opens at the same one.
        opened_at=case.opened_at,
    )
    first = first_case(opening, now)
    started = await ctx.gateway.start(opening, sa.shown(summarize(first.state)))
    created = existing is None and started
    await ctx.record(
        "case.open",
        case_id=case.id,
        definition=entry.definition.id,
        version=entry.definition.version,
        coordinator_id=body.coordinator,
        retried=not created,
    )
    # Started now: the workflow's first task will see what ``first_case`` sees (the start is
    # durable: with no worker polling, that task runs when one does). Started before (a
    # retried open): the workflow may have moved on, ask it.
    view = first.view(now) if started else await ctx.gateway.state(case.id)
    if person is not None:  # the identity just sealed, as given: not read back from the vault
        return CaseOut(**view.model_dump(), client=ClientOut(**person.model_dump())), created
    return case_out(ctx, case, view), created


def _keep_opening_entries(ctx: Context, case: Case, body: OpenCaseRequest) -> None:
    """The opening's note and the client's profile, sealed under the client's key."""
    keep_note(ctx, case.id, body.note, seq=OPENING_SEQ)
    profiles.keep_entry(ctx, case, body.profile)


async def read_case(ctx: Context, case_id: str) -> CaseOut:
    """The case as its workflow sees it now, with the client's identity (a read that is
    recorded in the audit trail)."""
    case = visible_case(ctx, case_id, Action.CLIENT_READ)
    ctx.release_connection()
    view = await ctx.gateway.state(case_id)
    await ctx.record("client.read", case_id=case_id)
    return case_out(ctx, case, view)


async def list_cases(
    ctx: Context,
    *,
    coordinator: str | None = None,
    status: str | None = None,
    definition: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[CaseListItem]:
    """A page of the cases the person may see, newest first, with the clients' names (a read
    that is recorded in the audit trail)."""
    authorize(ctx.actor, Action.CASE_LIST)
    check_filters(ctx, definition=definition, coordinator=coordinator)
    coordinator = coordinator_scope(ctx.actor, coordinator)
    rows, total = queries.list_cases(
        ctx.session,
        unit_id=ctx.unit_id,
        coordinator_id=coordinator,
        status=status,
        definition_id=definition,
        limit=limit,
        offset=offset,
    )
    names = queries.client_names(ctx.session, vault=ctx.vault, client_ids=[r.client_id for r in rows if r.client_id])
    if rows:  # the list shows clients' names: reading them is recorded
        await ctx.record("client.list", cases=len(rows), offset=offset)
    items = [CaseListItem.from_row(r, client_name=names.get(r.client_id or "")) for r in rows]
    return Page(items=items, count=total)


def notifications(ctx: Context, case_id: str, *, limit: int = 100, offset: int = 0) -> Page[NotificationPublic]:
    """What partners were told about the case, and whether it reached them."""
    visible_case(ctx, case_id)
    rows = history.list_notifications(ctx.session, case_id=case_id, limit=limit, offset=offset)
    total = history.count_notifications(ctx.session, case_id=case_id)
    return Page(items=[NotificationPublic.model_validate(r, from_attributes=True) for r in rows], count=total)
