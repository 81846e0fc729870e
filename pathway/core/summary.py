"""The case's summary: the one shape of a case's row, read from its state in one place.

The workflow's projection writes it to the store (``activities.projection``), its search
attributes are taken from it, and the store's row and the API's list items use its field
names, except where ``ROW_NAMES`` and ``LIST_NAMES`` say otherwise (declared here only; the
row and the list item are filled through them, and unit tests hold both to them).

``seq`` is the number of the last event it includes: the projection keeps the row with the
highest ``seq``, so batches applied late or twice never roll a case back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from pathway.core.state import PathwayState


class CaseSummary(BaseModel):
    case_id: str
    definition_id: str
    definition_version: int
    unit_id: str
    coordinator_id: str
    stage: str
    status: Literal["active", "paused", "closed"]
    outcome: str | None = None
    opened_at: datetime
    stage_entered_at: datetime
    stage_due_at: datetime | None = None
    duration_ends_at: datetime | None = None
    next_visit_due_at: datetime | None = None
    last_activity_at: datetime
    paused_at: datetime | None = None
    closed_at: datetime | None = None
    seq: int


# The store's row keys the case by ``id`` (and keeps ``seq`` as ``last_seq``).
ROW_NAMES: dict[str, str] = {"case_id": "id", "seq": "last_seq"}

# The summary's fields a case list shows (``pathway.app.schemas.CaseListItem``), and the names
# the API has given them since its first version, kept for its clients.
LISTED: tuple[str, ...] = (
    "case_id",
    "definition_id",
    "definition_version",
    "stage",
    "status",
    "outcome",
    "coordinator_id",
    "unit_id",
    "opened_at",
    "stage_entered_at",
    "stage_due_at",
    "next_visit_due_at",
    "last_activity_at",
)
LIST_NAMES: dict[str, str] = {
    "case_id": "id",
    "definition_id": "definition",
    "coordinator_id": "coordinator",
    "unit_id": "unit",
}


def row_name(field: str) -> str:
    """The store row's column for summary field ``field``."""
    return ROW_NAMES.get(field, field)


def list_name(field: str) -> str:
    """The case list item's field for summary field ``field``."""
    return LIST_NAMES.get(field, field)


def summarize(state: PathwayState) -> CaseSummary:
    deadline, visit = state.watches.get("stage_deadline"), state.watches.get("visit")
    return CaseSummary(
        case_id=state.case_id,
        definition_id=state.definition.id,
        definition_version=state.definition.version,
        unit_id=state.unit_id,
        coordinator_id=state.coordinator_id,
        stage=state.stage,
        status=state.status,
        outcome=state.outcome,
        opened_at=state.opened_at,
        stage_entered_at=state.stage_entered_at,
        stage_due_at=deadline.due_at if deadline else None,
        duration_ends_at=state.duration_ends_at,
        next_visit_due_at=visit.due_at if visit else None,
        last_activity_at=state.last_activity_at,
        paused_at=state.paused_at,
        closed_at=state.closed_at,
        seq=state.seq,
    )
