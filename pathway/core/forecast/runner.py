"""One case run forward: resumed from the clocks its projection shows, then stepped through
time, ringing its alarms and recording the planned visits in order, through the same
``Case`` the workflow drives (``fire_due`` when a timer would wake it, ``apply`` for a visit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pathway.core.case import Case, clocks
from pathway.core.commands import RecordVisit
from pathway.core.definition import DefinitionSnapshot
from pathway.core.errors import PathwayError
from pathway.core.events import Event
from pathway.core.state import PathwayState

FORECAST_ACTOR = "forecast"
VISIT_MINUTES = 90  # as the simulation's scripted coordinator; more if the stage asks for more


@dataclass(frozen=True, slots=True)
class CaseStart:
    """An open case as the store's projection shows it (its clocks' due moments)."""

    case_id: str
    definition_id: str
    definition_version: int
    coordinator_id: str
    unit_id: str
    stage: str
    opened_at: datetime
    stage_entered_at: datetime
    last_activity_at: datetime
    stage_due_at: datetime | None = None
    duration_ends_at: datetime | None = None
    next_visit_due_at: datetime | None = None


def resume(start: CaseStart, definition: DefinitionSnapshot, now: datetime) -> Case:
    """The case with its projected clocks armed, brought up to ``now`` as a workflow catching
    up would be (what that rings is the past, and dropped)."""
    state = PathwayState(
        case_id=start.case_id,
        definition=definition,
        coordinator_id=start.coordinator_id,
        unit_id=start.unit_id,
        opened_at=start.opened_at,
        stage=start.stage,
        stage_entered_at=start.stage_entered_at,
        last_activity_at=start.last_activity_at,
    )
    case = Case(state)
    if start.duration_ends_at is not None:
        state.duration_ends_at = start.duration_ends_at
        if start.duration_ends_at > now or start.stage_due_at is None:
            clocks.arm(case, "duration", start.duration_ends_at)
        else:
            state.duration_elapsed = True
    if start.stage_due_at is not None:
        clocks.arm(case, "stage_deadline", start.stage_due_at)
    if start.next_visit_due_at is not None:
        clocks.arm(case, "visit", start.next_visit_due_at)
    case.fire_due(now)
    state.outbox.clear()
    return case


class CaseRun:
    """A case and its planned visits, advanced through time; ``refused`` counts visits the
    rules refused (a case whose service lapsed, for one)."""

    __slots__ = ("case", "coordinator_id", "n", "refused", "visits")

    def __init__(self, case: Case, visits: list[datetime]) -> None:
        self.case = case
        self.visits = visits  # in time order
        self.n = 0
        self.refused = 0
        self.coordinator_id = case.state.coordinator_id

    def advance(self, until: datetime) -> list[Event]:
        """Everything that happens before ``until``, in time order: the alarms that would wake
        the workflow's timer (an alarm and a visit at the same instant: the alarm first) and
        the visits. Returns the events; they are not kept in the case."""
        case, state = self.case, self.case.state
        out: list[Event] = []
        while True:
            alarm = case.next_alarm_at()
            visit = self.visits[self.n] if self.n < len(self.visits) else None
            if alarm is not None and alarm < until and (visit is None or alarm <= visit):
                out += case.fire_due(alarm)
            elif visit is not None and visit < until:
                self.n += 1
                out += self._visit(visit)
            else:
                break
            state.outbox.clear()
        return out

    def _visit(self, at: datetime) -> list[Event]:
        case = self.case
        cadence = case.stage.visits
        kind = "home" if cadence is None or "home" in cadence.kinds else cadence.kinds[0]
        minutes = max(VISIT_MINUTES, cadence.min_minutes) if cadence else VISIT_MINUTES
        command = RecordVisit(
            command_id=f"forecast-{self.n}",
            actor=self.coordinator_id,
            occurred_at=at,
            duration_minutes=minutes,
            kind=kind,
        )
        try:
            return case.apply(command, at)
        except PathwayError:
            self.refused += 1
            return []
