"""Moves: advancing along a transition of the definition (its guards evaluated once), and
closing the case with an outcome."""

from __future__ import annotations

from datetime import datetime

from pathway.core.case.base import CaseBase
from pathway.core.case.stages import enter
from pathway.core.commands import Advance, Close
from pathway.core.definition import Transition
from pathway.core.errors import IllegalMove, InvalidCommand


def check_advance(case: CaseBase, command: Advance, now: datetime) -> Transition:
    """The transition ``command`` takes; IllegalMove / GuardUnmet if it may not fire now."""
    s = case.state
    if command.expected_stage is not None and command.expected_stage != s.stage:
        raise IllegalMove(
            f"the case has moved on: it is now in stage '{s.stage}', not '{command.expected_stage}'",
            trigger=command.trigger,
            stage=s.stage,
            expected_stage=command.expected_stage,
        )
    return case.machine.check(command.trigger, case.guard_context(now))


def apply_advance(case: CaseBase, command: Advance, now: datetime, transition: Transition) -> None:
    # The guards passed in check_advance, a moment ago on the same state: the move is taken
    # as checked, never evaluated again.
    enter(
        case,
        transition.dest,
        case.state.stage,
        command.trigger,
        now,
        command.actor,
        command.command_id,
        command.note_id,
    )


def check_close(case: CaseBase, command: Close, now: datetime) -> None:
    if command.outcome not in case.definition.outcomes:
        raise InvalidCommand(
            f"unknown outcome '{command.outcome}'; outcomes of this pathway: {', '.join(case.definition.outcomes)}",
            outcome=command.outcome,
            outcomes=list(case.definition.outcomes),
        )


def apply_close(case: CaseBase, command: Close, now: datetime, checked: None) -> None:
    dest = case.definition.outcomes[command.outcome]
    enter(
        case,
        dest,
        case.state.stage,
        None,
        now,
        command.actor,
        command.command_id,
        command.note_id,
        outcome=command.outcome,
    )
