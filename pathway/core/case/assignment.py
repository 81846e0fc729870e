"""Handing a case to another coordinator (the reminders follow the current one)."""

from __future__ import annotations

from datetime import datetime

from pathway.core.case.base import CaseBase
from pathway.core.commands import AssignCoordinator
from pathway.core.errors import InvalidCommand
from pathway.core.events import CoordinatorAssigned


def check_assign(case: CaseBase, command: AssignCoordinator, now: datetime) -> None:
    current = case.state.coordinator_id
    if command.coordinator_id == current:
        raise InvalidCommand(f"the case is already assigned to {current}", coordinator=current)


def apply_assign(case: CaseBase, command: AssignCoordinator, now: datetime, checked: None) -> None:
    s = case.state
    previous = s.coordinator_id
    s.coordinator_id = command.coordinator_id
    case.emit(
        CoordinatorAssigned,
        now,
        command.actor,
        command_id=command.command_id,
        previous=previous,
        coordinator_id=command.coordinator_id,
    )
