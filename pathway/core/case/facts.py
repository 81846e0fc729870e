"""Facts: setting one (SetFact); what value each kind takes is its ``fact_kinds`` class's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pathway.core.case import household
from pathway.core.case.base import CaseBase
from pathway.core.case.certificates import certificate_recorded
from pathway.core.case.fact_kinds import kind_of
from pathway.core.commands import SetFact
from pathway.core.definition import FactSpec
from pathway.core.errors import InvalidCommand
from pathway.core.events import FactSet


def check_set_fact(case: CaseBase, command: SetFact, now: datetime) -> Any:
    """The value the fact takes (None clears it); InvalidCommand if it does not fit."""
    value = fact_value(case, command.name, command.value)
    household.check_all_met_items(case, command.name, case.definition.facts[command.name], value)
    return value


def apply_set_fact(case: CaseBase, command: SetFact, now: datetime, value: Any) -> None:
    s = case.state
    if value is None:
        s.facts.pop(command.name, None)
    else:
        s.facts[command.name] = value
    case.emit(FactSet, now, command.actor, command_id=command.command_id, name=command.name, value=value)
    if case.definition.facts[command.name].kind == "certificate":
        certificate_recorded(case, command.name, value, now, command.actor, command.command_id)


def coerce_fact(name: str, spec: FactSpec, value: Any) -> Any:
    """``value`` as fact ``name`` of kind ``spec`` takes it; InvalidCommand if it does not fit."""
    return kind_of(spec).coerce(name, spec, value, None)


def fact_value(case: CaseBase, name: str, value: Any) -> Any:
    spec = case.definition.facts.get(name)
    if spec is None:
        raise InvalidCommand(
            f"unknown fact '{name}'; facts of this pathway: {', '.join(case.definition.facts) or 'none'}", fact=name
        )
    if value is None:
        return None
    return kind_of(spec).coerce(name, spec, value, case.state.facts.get(name))
