"""Search attributes of a case's workflow. Never encrypted by the codec: keep them opaque
(ids, stage names, dates) — never a client's name or address."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributePair, SearchAttributeUpdate, TypedSearchAttributes

from pathway.core.summary import CaseSummary

PATHWAY_DEFINITION = SearchAttributeKey.for_keyword("PathwayDefinition")
PATHWAY_STAGE = SearchAttributeKey.for_keyword("PathwayStage")
COORDINATOR_ID = SearchAttributeKey.for_keyword("CoordinatorId")
UNIT_ID = SearchAttributeKey.for_keyword("UnitId")
STAGE_DUE_AT = SearchAttributeKey.for_datetime("StageDueAt")
NEXT_VISIT_DUE_AT = SearchAttributeKey.for_datetime("NextVisitDueAt")

ALL_KEYS = (PATHWAY_DEFINITION, PATHWAY_STAGE, COORDINATOR_ID, UNIT_ID, STAGE_DUE_AT, NEXT_VISIT_DUE_AT)
_BY_NAME: dict[str, SearchAttributeKey[Any]] = {k.name: k for k in ALL_KEYS}

Value = str | datetime | None


def shown(summary: CaseSummary) -> dict[str, Value]:
    """What a case's search attributes say of it, by name (None: unset). The one mapping: the
    workflow upserts it, and the API starts a case's workflow with it."""
    active = summary.status == "active"
    return {
        PATHWAY_DEFINITION.name: summary.definition_id,
        PATHWAY_STAGE.name: summary.stage,
        COORDINATOR_ID.name: summary.coordinator_id,
        UNIT_ID.name: summary.unit_id,
        STAGE_DUE_AT.name: summary.stage_due_at if active else None,
        NEXT_VISIT_DUE_AT.name: summary.next_visit_due_at if active else None,
    }


def present(attributes: TypedSearchAttributes) -> dict[str, Value]:
    """Ours among a workflow's search attributes as they are (None: unset)."""
    return {key.name: attributes.get(key) for key in ALL_KEYS}


def start_pairs(values: Mapping[str, Value]) -> TypedSearchAttributes:
    """``values`` as a start request sets them (the unset ones left out). Pairs, not
    ``key.value_set(...)``: those are updates, which a start request cannot encode."""
    return TypedSearchAttributes(
        [SearchAttributePair(_BY_NAME[name], value) for name, value in values.items() if value is not None]
    )


def changes(wanted: Mapping[str, Value], known: dict[str, Value]) -> list[SearchAttributeUpdate[Any]]:
    """The updates that bring ``known`` (what the run has upserted, by name; a name absent is
    not known) to ``wanted``; ``known`` is brought along."""
    updates: list[SearchAttributeUpdate[Any]] = []
    for name, value in wanted.items():
        if name in known and known[name] == value:
            continue
        key = _BY_NAME[name]
        updates.append(key.value_unset() if value is None else key.value_set(value))
        known[name] = value
    return updates
