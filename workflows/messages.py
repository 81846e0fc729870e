"""Typed messages of PathwayWorkflow: its input and result, every update, and the query.

Update inputs are the core's commands under the ``<Verb><Noun>Input`` names the workflow's
callers use; they carry ids, codes, dates and numbers only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from pathway.core import commands
from pathway.core.case import CaseView
from pathway.core.definition import DefinitionSnapshot
from pathway.core.events import Event
from pathway.core.state import PathwayState


class OpenCaseInput(BaseModel):
    """The workflow's input. A new case has ``state=None``; a continued run carries it."""

    case_id: str
    definition: DefinitionSnapshot
    coordinator_id: str
    unit_id: str
    actor: str
    command_id: str | None = None
    # A case brought over from paper records or an earlier system started before today:
    # its clocks run from this moment. Unset: the case opens now.
    opened_at: datetime | None = None
    state: PathwayState | None = None
    # Continue as new after this many history events (tests use a small number); unset, the
    # SDK's suggestion decides.
    continue_as_new_after: int | None = None
    # How many visits by signal (``record_visit_unanswered``) may wait for one projection.
    # 1 (production): each is projected in the task that applied it. ``pathway simulate``,
    # whose scratch store is read only when its run ends, holds more; any other projection (a
    # command's, a clock's, continuing as new, closing) takes the held ones with it.
    visits_per_projection: int = 1


class CaseResult(BaseModel):
    case_id: str
    stage: str
    outcome: str | None
    closed_at: datetime | None
    runs: int


class AdvanceCaseInput(commands.Advance):
    pass


class RecordVisitInput(commands.RecordVisit):
    pass


class SetFactInput(commands.SetFact):
    pass


class ChangeHouseholdInput(commands.ChangeHousehold):
    """Members joined or left the household: their ids only."""


class AssignCoordinatorInput(commands.AssignCoordinator):
    pass


class PauseCaseInput(commands.Pause):
    pass


class ResumeCaseInput(commands.Resume):
    pass


class BookAppointmentInput(commands.BookAppointment):
    pass


class CancelAppointmentInput(commands.CancelAppointment):
    pass


class CloseCaseInput(commands.Close):
    pass


class ReferClientInput(commands.Refer):
    pass


class AnswerReferralInput(commands.AnswerReferral):
    pass


class RecordPlanInput(commands.RecordPlan):
    """A new version of the case's plan: ids, dates, statuses and counts (its texts stay sealed
    in the store)."""


class MigrateDefinitionInput(commands.MigrateDefinition):
    """Move the case onto a newer version of its definition (``target``), with a mapping of
    old stage -> new stage. Sent by ``pathway.app.case_upgrades.migrate_cases``; the update id is
    the command id, derived from the migration id and the case id."""


class CheckMigrationInput(BaseModel):
    """The ``check_migration`` query: would ``migrate_definition`` with this target and
    mapping be accepted now? (a dry run: nothing changes)."""

    target: DefinitionSnapshot
    stage_mapping: dict[str, str] = Field(default_factory=dict)


class CheckMigrationResult(BaseModel):
    """``ok`` and the stage the case would be in, or the refusal (``code``, ``message`` and
    ``details``, as ``migrate_definition`` would refuse)."""

    ok: bool
    definition_version: int
    stage: str
    to_stage: str | None = None
    code: str | None = None
    message: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class CommandResult(BaseModel):
    """Every update's answer: the events it produced, the last sequence number and the case
    afterwards. ``duplicate`` is true (and ``events`` empty) when the command id had
    already been applied."""

    seq: int
    duplicate: bool
    case: CaseView
    events: list[Event] = Field(default_factory=list)


class GetStateInput(BaseModel):
    pass


def workflow_id(case_id: str) -> str:
    return f"case-{case_id}"
