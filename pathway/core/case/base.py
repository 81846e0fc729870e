"""The case as its rules see it: the state, the definition version it runs on, its machine, and
the one way an event leaves it (``emit``). Every rule module and the running-case upgrade
(``pathway.core.migration``) work on this; ``Case`` adds the commands on top."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypeVar

from pathway.core.definition import Definition, Stage, from_snapshot
from pathway.core.events import Event
from pathway.core.guards import GuardContext
from pathway.core.household import unmet
from pathway.core.machine import PathwayMachine, machine_for
from pathway.core.state import PathwayState

CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_E = TypeVar("_E", bound=Event)


class CaseBase:
    def __init__(self, state: PathwayState) -> None:
        self.state = state
        self.definition: Definition = from_snapshot(state.definition)
        self.tz = self.definition.timezone

    @property
    def machine(self) -> PathwayMachine:
        """The machine of the definition version the case runs on, shared by all its cases."""
        return machine_for(self.definition)

    @property
    def stage(self) -> Stage:
        return self.definition.stages[self.state.stage]

    def guard_context(self, now: datetime) -> GuardContext:
        return GuardContext(
            definition=self.definition,
            stage=self.state.stage,
            facts=self.state.facts,
            now=now,
            duration_ends_at=self.state.duration_ends_at,
            visits_in_stage=self.state.visits_in_stage,
            plan=self.state.plan,
            members_unmet=len(unmet(self.state.household, self.state.members_met)),
        )

    def emit(self, event_type: type[_E], at: datetime, actor: str, **fields: Any) -> _E:
        """Number the event, put it in the outbox (the workflow projects it) and return it."""
        self.state.seq += 1
        event = event_type(seq=self.state.seq, at=at, actor=actor, **fields)
        self.state.outbox.append(event)
        return event
