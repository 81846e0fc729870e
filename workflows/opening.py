"""A case just opened: the one place that turns a workflow's input into its first state.

``PathwayWorkflow.__init__`` opens a new run's case with ``opened_case`` at ``workflow.now()``,
and its first task rings what is already due (``fire_due``: a case brought over with its
``opened_at`` in the past may be late from its first moment) before the case answers anyone.
The API answers an open with ``first_case``, the same steps at the moment it opened the case,
instead of asking the workflow right after starting it (a query task on the worker and the
server for every open, and a wait for the first workflow task). The API passes that moment as
``opened_at``, so the workflow's ``min(opened_at, now)`` picks the same instant: the answer,
the store's row and the workflow say the same ``opened_at`` (tests/api/test_opening.py holds
the open's answer equal to the workflow's own state queried afterwards)."""

from __future__ import annotations

from datetime import datetime

from pathway.core.case import Case
from workflows.messages import OpenCaseInput


def opened_case(input: OpenCaseInput, now: datetime) -> Case:
    """The case of a new run (``input.state`` unset): opened at ``input.opened_at``, never
    later than ``now`` (a clock behind the caller's cannot open a case in its future)."""
    return Case.open(
        case_id=input.case_id,
        definition=input.definition,
        coordinator_id=input.coordinator_id,
        unit_id=input.unit_id,
        now=min(input.opened_at or now, now),
        actor=input.actor,
        command_id=input.command_id,
    )


def first_case(input: OpenCaseInput, now: datetime) -> Case:
    """The case as the workflow's first task leaves it, run at ``now``: opened, what is due
    rung. The API answers with its view and starts the workflow with its search attributes."""
    case = opened_case(input, now)
    case.fire_due(now)
    return case
