"""The supervisors' audits: which pathways have stalled and why, and whether the audit trail
still holds."""

from __future__ import annotations

from pydantic import BaseModel

from pathway.app import stalled_visibility
from pathway.app.access import authorize, coordinator_scope, own_unit
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.filters import check_filters
from pathway.app.schemas import Page, StalledItem
from pathway.readmodels import stalled as stalled_audit
from pathway.security.policy import Action
from pathway.store import audit_trail
from pathway.store.models import utcnow


async def stalled(
    ctx: Context,
    *,
    unit: str | None = None,
    coordinator: str | None = None,
    definition: str | None = None,
    rule: str | None = None,
    inactive_days: int | None = None,
    source: str = "store",
) -> Page[StalledItem]:
    """Stalled pathways of the unit, most severe first: which rule fired, since when, for
    whom. ``source="temporal"`` answers ``stage_overdue`` from Temporal's visibility."""
    if rule is not None and rule not in stalled_audit.RULES:
        raise AppError(422, "unknown_rule", f"unknown rule '{rule}' / nieznana reguła", rules=list(stalled_audit.RULES))
    authorize(ctx.actor, Action.AUDIT_READ)
    unit_id = own_unit(ctx.actor, unit)
    check_filters(ctx, definition=definition, coordinator=coordinator)
    coordinator = coordinator_scope(ctx.actor, coordinator)
    if source == "temporal":
        if rule not in (None, *stalled_audit.TEMPORAL_RULES) or inactive_days is not None:
            raise AppError(
                422,
                "rule_not_in_temporal",
                "Temporal's visibility answers stage_overdue only / z Temporala tylko reguła stage_overdue",
                rules=list(stalled_audit.TEMPORAL_RULES),
            )
        rows = await stalled_visibility.stalled_from_temporal(
            ctx.services.client,
            now=utcnow(),
            unit_id=unit_id,
            coordinator_id=coordinator,
            definition_id=definition,
            rule=rule,
        )
    else:
        # One SQL statement over the unit's open cases: off the event loop.
        rows = await ctx.apart(
            stalled_audit.stalled,
            ctx.session,
            now=utcnow(),
            definitions=ctx.services.catalog.definitions(),
            unit_id=unit_id,
            coordinator_id=coordinator,
            definition_id=definition,
            rule=rule,
            inactive_days=inactive_days,
        )
    items = [StalledItem(**row) for row in stalled_audit.rows_as_dicts(rows)]
    return Page(items=items, count=len(items))


class VerifyOut(BaseModel):
    unit: str
    entries: int
    ok: bool
    broken_seq: int | None = None
    problem: str | None = None


async def verify_trail(ctx: Context) -> VerifyOut:
    """Walk the unit's tamper-evident audit trail; name the first entry that does not hold."""
    authorize(ctx.actor, Action.AUDIT_VERIFY)
    result = await ctx.apart(audit_trail.verify, ctx.services.engine, unit_id=ctx.unit_id)
    return VerifyOut(
        unit=result.unit_id, entries=result.entries, ok=result.ok, broken_seq=result.broken_seq, problem=result.problem
    )
