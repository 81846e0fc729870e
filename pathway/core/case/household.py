"""The household as the case's rules see it: member ids joining and leaving, who was present
at a visit, and whether every member was met (for the checklist item that requires it).
Ids and counts only: who the members are is sealed in the SQL store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pathway.core.case.base import CaseBase
from pathway.core.commands import ChangeHousehold, RecordVisit
from pathway.core.definition import FactSpec
from pathway.core.errors import InvalidCommand
from pathway.core.events import HouseholdChanged
from pathway.core.household import ALL_MEMBERS_MET, MAX_MEMBERS, unmet


def check_change(case: CaseBase, command: ChangeHousehold, now: datetime) -> None:
    household = case.state.household
    if not command.added and not command.removed:
        raise InvalidCommand("name the members who joined or left the household", field="added")
    joined_twice = [m for m in command.added if m in household]
    if joined_twice:
        raise InvalidCommand("already a member of the household", field="added", member_ids=joined_twice)
    strangers = [m for m in command.removed if m not in household]
    if strangers:
        raise InvalidCommand("not a member of the household", field="removed", member_ids=strangers)
    if len(household) + len(command.added) - len(command.removed) > MAX_MEMBERS:
        raise InvalidCommand(f"a household has at most {MAX_MEMBERS} members", field="added")


def apply_change(case: CaseBase, command: ChangeHousehold, now: datetime, checked: None) -> None:
    s = case.state
    gone = set(command.removed)
    s.household = [m for m in s.household if m not in gone] + list(command.added)
    s.members_met = [m for m in s.members_met if m not in gone]
    case.emit(
        HouseholdChanged,
        now,
        command.actor,
        command_id=command.command_id,
        added=list(command.added),
        removed=list(command.removed),
        members=len(s.household),
    )


def check_present(case: CaseBase, command: RecordVisit) -> None:
    """The members present at a visit are members of the household."""
    strangers = [m for m in command.present_member_ids if m not in case.state.household]
    if strangers:
        raise InvalidCommand("not a member of this case's household", field="present_member_ids", member_ids=strangers)


def record_present(case: CaseBase, command: RecordVisit) -> None:
    s = case.state
    s.members_met += [m for m in command.present_member_ids if m not in s.members_met]


def check_all_met_items(case: CaseBase, name: str, spec: FactSpec, value: Any) -> None:
    """An item requiring every member met is ticked only once none is left unmet."""
    if spec.kind != "checklist" or not isinstance(value, dict):
        return
    already = case.state.facts.get(name) or {}
    ticked = [
        item
        for item, spec_item in spec.items.items()
        if spec_item.requires == ALL_MEMBERS_MET and value.get(item) and not already.get(item)
    ]
    missing = unmet(case.state.household, case.state.members_met)
    if ticked and missing:
        raise InvalidCommand(
            f"'{spec.items[ticked[0]].title.en}': {len(missing)} of {len(case.state.household)} household "
            "member(s) were not yet present at a visit; record a visit with them first",
            fact=name,
            item=ticked[0],
            members_unmet=len(missing),
            member_ids=missing,
        )
