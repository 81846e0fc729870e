"""The stalled audit's ``stage_overdue`` answered by Temporal's visibility (the search
attributes the workflow keeps) instead of the SQL store; the two must agree
(tests/api/test_audit_visibility.py). The rows are the store audit's own
(``pathway.readmodels.stalled``): the same days overdue and severity."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from temporalio.client import Client

from pathway.readmodels.stalled import (
    DEFAULT_TZ,
    TEMPORAL_RULES,
    StalledRow,
    as_utc,
    check_rule,
    sort_rows,
    stalled_row,
)
from workflows import search_attributes as sa
from workflows.messages import workflow_id

_QUOTABLE = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


def _quoted(value: str, what: str) -> str:
    if not _QUOTABLE.match(value):
        raise ValueError(f"{what} must be an id (letters, digits, _ . : @ -)")
    return f"'{value}'"


def visibility_query(
    *, now: datetime, unit_id: str, coordinator_id: str | None = None, definition_id: str | None = None
) -> str:
    """The list filter of running cases past their stage deadline (search attributes of
    workflows/search_attributes.py)."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    parts = [
        "WorkflowType = 'PathwayWorkflow'",
        "ExecutionStatus = 'Running'",
        f"UnitId = {_quoted(unit_id, 'unit')}",
        f"StageDueAt <= '{stamp}'",
    ]
    if coordinator_id is not None:
        parts.append(f"CoordinatorId = {_quoted(coordinator_id, 'coordinator')}")
    if definition_id is not None:
        parts.append(f"PathwayDefinition = {_quoted(definition_id, 'definition')}")
    return " AND ".join(parts)


async def stalled_from_temporal(
    client: Client,
    *,
    now: datetime,
    unit_id: str,
    coordinator_id: str | None = None,
    definition_id: str | None = None,
    rule: str | None = None,
) -> list[StalledRow]:
    """``stage_overdue`` answered by Temporal's visibility instead of the store. Only that
    rule: the others need the projection (last activity, pause start)."""
    check_rule(rule)
    if rule not in (None, *TEMPORAL_RULES):
        raise ValueError(f"rule '{rule}' is answered from the store only; from Temporal: {', '.join(TEMPORAL_RULES)}")
    prefix = workflow_id("")
    out: list[StalledRow] = []
    query = visibility_query(now=now, unit_id=unit_id, coordinator_id=coordinator_id, definition_id=definition_id)
    async for execution in client.list_workflows(query):
        attrs = execution.typed_search_attributes
        due = attrs.get(sa.STAGE_DUE_AT)
        if due is None:  # pragma: no cover - the query asked for it
            continue
        out.append(
            stalled_row(
                execution.id.removeprefix(prefix),
                "stage_overdue",
                as_utc(due),
                now,
                DEFAULT_TZ,
                attrs.get(sa.COORDINATOR_ID) or "",
                attrs.get(sa.PATHWAY_STAGE) or "",
                attrs.get(sa.PATHWAY_DEFINITION) or "",
                attrs.get(sa.UNIT_ID) or "",
            )
        )
    return sort_rows(out)
