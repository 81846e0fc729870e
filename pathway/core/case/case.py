"""``Case``: the rules of one case, commands in, events out, clocks kept.

The workflow calls ``validate`` in an update's validator (refusing before anything reaches
history), ``apply`` in the handler, ``fire_due`` when a timer wakes it, and ``view`` for the
query. Every command goes through the one table in ``handlers``. Everything is pure: ``now``
is always given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pathway.core.case import alarms, clocks, facts, views
from pathway.core.case.base import CODE, CaseBase
from pathway.core.case.handlers import HANDLERS, Handler
from pathway.core.case.pausing import require_active
from pathway.core.case.stages import enter
from pathway.core.case.views import CaseView, OverdueView
from pathway.core.commands import Command
from pathway.core.definition import DefinitionSnapshot, FactSpec, from_snapshot
from pathway.core.errors import IllegalMove, InvalidCommand
from pathway.core.events import CaseOpened, Event, NotificationRequested, PartnerUnreachable
from pathway.core.state import MAX_REMEMBERED_COMMANDS, AppliedCommand, PathwayState


class Case(CaseBase):
    # ------------------------------------------------------------------ opening
    @classmethod
    def open(
        cls,
        *,
        case_id: str,
        definition: DefinitionSnapshot,
        coordinator_id: str,
        unit_id: str,
        now: datetime,
        actor: str,
        command_id: str | None = None,
    ) -> Case:
        d = from_snapshot(definition)
        state = PathwayState(
            case_id=case_id,
            definition=definition,
            coordinator_id=coordinator_id,
            unit_id=unit_id,
            opened_at=now,
            stage=d.initial,
            stage_entered_at=now,
            last_activity_at=now,
        )
        case = cls(state)
        case.emit(
            CaseOpened,
            now,
            actor,
            command_id=command_id,
            definition_id=definition.id,
            definition_version=definition.version,
            definition_hash=definition.content_hash,
            coordinator_id=coordinator_id,
            unit_id=unit_id,
        )
        enter(case, d.initial, None, None, now, actor, command_id, None)
        return case

    # ------------------------------------------------------------------ reading
    @property
    def closed(self) -> bool:
        return self.state.status == "closed"

    def applied(self, command_id: str) -> AppliedCommand | None:
        for item in reversed(self.state.applied):
            if item.command_id == command_id:
                return item
        return None

    def next_alarm_at(self) -> datetime | None:
        return clocks.next_alarm_at(self)

    def overdue(self, now: datetime) -> list[OverdueView]:
        return views.overdue(self, now)

    def view(self, now: datetime) -> CaseView:
        return views.case_view(self, now)

    # ------------------------------------------------------------------ commands
    def validate(self, command: Command, now: datetime) -> None:
        """Raise IllegalMove / GuardUnmet / InvalidCommand if ``command`` cannot apply now."""
        self._check(self._handler(command), command, now)

    def apply(self, command: Command, now: datetime) -> list[Event]:
        handler = self._handler(command)
        checked = self._check(handler, command, now)
        start = len(self.state.outbox)
        handler.apply(self, command, now, checked)
        if handler.is_work:
            self.state.last_activity_at = now
        self._remember(command.command_id)
        return list(self.state.outbox[start:])

    def _handler(self, command: Command) -> Handler[Any]:
        # The workflow's update inputs are subclasses of the commands (SetFactInput is a SetFact).
        for kind in type(command).__mro__:
            if kind in HANDLERS:
                return HANDLERS[kind]
        raise InvalidCommand(f"unknown command {type(command).__name__}")  # pragma: no cover - all have a row

    def _check(self, handler: Handler[Any], command: Command, now: datetime) -> Any:
        s = self.state
        if s.status == "closed":
            raise IllegalMove(
                f"the case is closed ({s.outcome}); nothing more can be done on it", stage=s.stage, status=s.status
            )
        if handler.active_only:
            require_active(self, command)
        return handler.check(self, command, now)

    def _remember(self, command_id: str) -> None:
        s = self.state
        s.applied.append(AppliedCommand(command_id=command_id, seq=s.seq, stage=s.stage, status=s.status))
        if len(s.applied) > MAX_REMEMBERED_COMMANDS:
            del s.applied[: len(s.applied) - MAX_REMEMBERED_COMMANDS]

    # ------------------------------------------------------------------ clocks
    def fire_due(self, now: datetime) -> list[Event]:
        """Emit the reminders, escalations and elapsed durations that are due at ``now``."""
        return alarms.fire_due(self, now)

    def partner_unreachable(self, request: NotificationRequested, reason: str, now: datetime) -> Event:
        """Record that a partner could not be told (the coordinator is reminded of it)."""
        code = reason if CODE.match(reason) else "DeliveryFailed"
        return self.emit(
            PartnerUnreachable,
            now,
            "system",
            stage=request.stage,
            partner_id=request.partner_id,
            notification_seq=request.seq,
            reason=code,
        )

    # ------------------------------------------------------------------ projection bookkeeping
    def acknowledge(self, up_to_seq: int) -> None:
        """Drop the events that the projection has stored."""
        self.state.outbox = [e for e in self.state.outbox if e.seq > up_to_seq]

    # ------------------------------------------------------------------ fact values
    @staticmethod
    def coerce_fact(name: str, spec: FactSpec, value: Any) -> Any:
        """``value`` as fact ``name`` of kind ``spec`` takes it; InvalidCommand if it does not fit."""
        return facts.coerce_fact(name, spec, value)
