"""The one table of commands: for each command type, its check (refuses, changes nothing, and
returns what it found, e.g. the transition of a move) and its apply (changes the state and
emits the events, given what the check found). Adding a command is one row here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pathway.core.case import (
    appointments,
    assignment,
    facts,
    household,
    moves,
    pausing,
    plans,
    referrals,
    upgrade,
    visits,
)
from pathway.core.case.base import CaseBase
from pathway.core.commands import (
    Advance,
    AnswerReferral,
    AssignCoordinator,
    BookAppointment,
    CancelAppointment,
    ChangeHousehold,
    Close,
    Command,
    MigrateDefinition,
    Pause,
    RecordPlan,
    RecordVisit,
    Refer,
    Resume,
    SetFact,
)

C = TypeVar("C", bound=Command)


@dataclass(frozen=True)
class Handler(Generic[C]):
    check: Callable[[CaseBase, C, datetime], Any]
    apply: Callable[[CaseBase, C, datetime, Any], None]
    active_only: bool = False  # refused while the case is paused
    is_work: bool = True  # counts as activity on the case (last_activity_at)


HANDLERS: dict[type[Command], Handler[Any]] = {
    Advance: Handler(moves.check_advance, moves.apply_advance, active_only=True),
    RecordVisit: Handler(visits.check_visit, visits.apply_visit, active_only=True),
    SetFact: Handler(facts.check_set_fact, facts.apply_set_fact),
    AssignCoordinator: Handler(assignment.check_assign, assignment.apply_assign),
    Pause: Handler(pausing.check_pause, pausing.apply_pause, active_only=True),
    Resume: Handler(pausing.check_resume, pausing.apply_resume),
    # Recording who the family is may happen while the case is paused.
    ChangeHousehold: Handler(household.check_change, household.apply_change),
    Refer: Handler(referrals.check_refer, referrals.apply_refer, active_only=True),
    AnswerReferral: Handler(referrals.check_answer, referrals.apply_answer),
    RecordPlan: Handler(plans.check_record_plan, plans.apply_record_plan),
    BookAppointment: Handler(appointments.check_book, appointments.apply_book, active_only=True),
    CancelAppointment: Handler(appointments.check_cancel, appointments.apply_cancel),
    Close: Handler(moves.check_close, moves.apply_close),
    # Moving a case to a new version is not work on the case: an inactive case stays inactive.
    MigrateDefinition: Handler(upgrade.check_migrate, upgrade.apply_migrate, is_work=False),
}
