"""The rules of one case: commands in, events out, clocks kept.

``Case`` wraps a PathwayState with its definition and state machine. The workflow calls
``validate`` in an update's validator (refusing before anything reaches history), ``apply``
in the handler, ``fire_due`` when a timer wakes it, and ``view`` for the query. Everything
is pure: ``now`` is always given.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from pathway.core import calendar as cal
from pathway.core import certificates, migration
from pathway.core.commands import (
    Advance,
    AnswerReferral,
    AssignCoordinator,
    Close,
    Command,
    MigrateDefinition,
    Pause,
    RecordVisit,
    Refer,
    Resume,
    SetFact,
)
from pathway.core.definition import Definition, DefinitionSnapshot, FactSpec, Stage, from_snapshot
from pathway.core.errors import IllegalMove, InvalidCommand
from pathway.core.events import (
    CaseClosed,
    CaseOpened,
    CasePaused,
    CaseResumed,
    CertificateLapsed,
    CoordinatorAssigned,
    DurationElapsed,
    Event,
    FactSet,
    NotificationRequested,
    PartnerUnreachable,
    ReferralAnswered,
    ReferralMade,
    ReminderDue,
    StageEntered,
    VisitRecorded,
)
from pathway.core.guards import GuardContext
from pathway.core.machine import PathwayMachine
from pathway.core.overdue import days_overdue as overdue_days
from pathway.core.overdue import due_on
from pathway.core.state import MAX_REMEMBERED_COMMANDS, AppliedCommand, PathwayState, Referral, StageRecord, Watch

CODE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# A visit logged a little "in the future" is clock skew between a phone and the server.
VISIT_CLOCK_SKEW = timedelta(minutes=15)
CERTIFICATE_LAPSED = "certificate_lapsed"  # the pause reason of a service suspended by a lapse
# A referral may be answered in this order only (a "done" referral was accepted first, or
# the partner reports it done straight away).
REFERRAL_ANSWERS = {"pending": {"accepted", "rejected", "done"}, "accepted": {"rejected", "done"}}


class GuardView(BaseModel):
    trigger: str
    dest: str
    guard: str
    fact: str | None
    reason: str
    reason_pl: str


class OverdueView(BaseModel):
    watch: str
    ref: str | None = None
    due_at: datetime
    due_on: date | None = None  # the last day on time (pathway.core.overdue)
    days_overdue: int
    reminders: int
    escalated: bool


class CaseView(BaseModel):
    """What a coordinator needs to see of a case: the `state` query and every update's answer."""

    id: str
    definition: str
    definition_version: int
    stage: str
    status: str
    outcome: str | None
    coordinator: str
    unit: str
    opened_at: datetime
    stage_entered_at: datetime
    allowed: list[str]
    blocked: list[GuardView]
    outcomes: list[str]
    stage_due_at: datetime | None
    duration_ends_at: datetime | None
    next_visit_due_at: datetime | None
    overdue: list[OverdueView]
    history: list[StageRecord]
    facts: dict[str, Any]
    referrals: list[Referral] = []
    visits_total: int
    visits_in_stage: int
    last_visit_at: datetime | None
    last_activity_at: datetime
    paused_at: datetime | None
    pause_reason: str | None
    seq: int
    runs: int
    as_of: datetime


class Case:
    def __init__(self, state: PathwayState) -> None:
        self.state = state
        self.definition: Definition = from_snapshot(state.definition)
        self.machine = PathwayMachine(self.definition, state.stage)
        self.tz = self.definition.timezone

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
        case._emit(
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
        case._enter(d.initial, None, None, now, actor, command_id, None)
        return case

    # ------------------------------------------------------------------ reading
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
        )

    def applied(self, command_id: str) -> AppliedCommand | None:
        for item in reversed(self.state.applied):
            if item.command_id == command_id:
                return item
        return None

    def next_alarm_at(self) -> datetime | None:
        if self.state.status != "active":
            return None
        times = [w.next_alarm_at for w in self.state.watches.values() if w.next_alarm_at is not None]
        return min(times) if times else None

    def overdue(self, now: datetime) -> list[OverdueView]:
        out = []
        for w in self.state.watches.values():
            days = overdue_days(w.due_at, now, self.tz)
            if w.key in ("duration", "certificate") or days is None:
                continue
            out.append(
                OverdueView(
                    watch=w.key,
                    ref=w.ref,
                    due_at=w.due_at,
                    due_on=due_on(w.due_at, self.tz),
                    days_overdue=days,
                    reminders=w.reminders,
                    escalated=w.escalated,
                )
            )
        return out

    def view(self, now: datetime) -> CaseView:
        s = self.state
        ctx = self.guard_context(now)
        active = s.status == "active"
        blocked = []
        if active:
            for move in self.machine.blocked(ctx):
                for f in move.failures:
                    blocked.append(
                        GuardView(
                            trigger=move.trigger,
                            dest=move.dest,
                            guard=f.guard,
                            fact=f.fact,
                            reason=f.reason,
                            reason_pl=f.reason_pl,
                        )
                    )
        deadline = s.watches.get("stage_deadline")
        visit = s.watches.get("visit")
        return CaseView(
            id=s.case_id,
            definition=s.definition.id,
            definition_version=s.definition.version,
            stage=s.stage,
            status=s.status,
            outcome=s.outcome,
            coordinator=s.coordinator_id,
            unit=s.unit_id,
            opened_at=s.opened_at,
            stage_entered_at=s.stage_entered_at,
            allowed=self.machine.allowed(ctx) if active else [],
            blocked=blocked,
            outcomes=list(self.definition.outcomes) if s.status != "closed" else [],
            stage_due_at=deadline.due_at if deadline else None,
            duration_ends_at=s.duration_ends_at,
            next_visit_due_at=visit.due_at if visit else None,
            overdue=self.overdue(now) if active else [],
            history=list(s.stages),
            facts=dict(s.facts),
            referrals=list(s.referrals.values()),
            visits_total=s.visits_total,
            visits_in_stage=s.visits_in_stage,
            last_visit_at=s.last_visit_at,
            last_activity_at=s.last_activity_at,
            paused_at=s.paused_at,
            pause_reason=s.pause_reason,
            seq=s.seq,
            runs=s.runs,
            as_of=now,
        )

    # ------------------------------------------------------------------ commands
    def validate(self, command: Command, now: datetime) -> None:
        """Raise IllegalMove / GuardUnmet / InvalidCommand if ``command`` cannot apply now."""
        s = self.state
        if s.status == "closed":
            raise IllegalMove(
                f"the case is closed ({s.outcome}); nothing more can be done on it", stage=s.stage, status=s.status
            )
        if isinstance(command, Advance):
            self._require_active(command)
            if command.expected_stage is not None and command.expected_stage != s.stage:
                raise IllegalMove(
                    f"the case has moved on: it is now in stage '{s.stage}', not '{command.expected_stage}'",
                    trigger=command.trigger,
                    stage=s.stage,
                    expected_stage=command.expected_stage,
                )
            self.machine.check(command.trigger, self.guard_context(now))
        elif isinstance(command, RecordVisit):
            self._require_active(command)
            self._visit_checks(command, now)
        elif isinstance(command, SetFact):
            self._fact_value(command.name, command.value)
        elif isinstance(command, AssignCoordinator):
            if command.coordinator_id == s.coordinator_id:
                raise InvalidCommand(
                    f"the case is already assigned to {s.coordinator_id}", coordinator=s.coordinator_id
                )
        elif isinstance(command, Pause):
            self._require_active(command)
        elif isinstance(command, Resume):
            if s.status != "paused":
                raise IllegalMove("the case is not paused", stage=s.stage, status=s.status)
            lapsed = self._lapsed_certificates(now)
            if lapsed:
                fact, until = lapsed[0]
                raise IllegalMove(
                    f"the service is suspended: '{fact}' expired on {until}; record a current one to resume",
                    stage=s.stage,
                    status=s.status,
                    fact=fact,
                    valid_until=until,
                )
        elif isinstance(command, Refer):
            self._require_active(command)
            self._referral_checks(command)
        elif isinstance(command, AnswerReferral):
            self._answer_checks(command)
        elif isinstance(command, Close):
            if command.outcome not in self.definition.outcomes:
                raise InvalidCommand(
                    f"unknown outcome '{command.outcome}'; outcomes of this pathway: "
                    f"{', '.join(self.definition.outcomes)}",
                    outcome=command.outcome,
                    outcomes=list(self.definition.outcomes),
                )
        elif isinstance(command, MigrateDefinition):
            migration.check(self, command)
        else:  # pragma: no cover - every command type is handled above
            raise InvalidCommand(f"unknown command {type(command).__name__}")

    def apply(self, command: Command, now: datetime) -> list[Event]:
        self.validate(command, now)
        start = len(self.state.outbox)
        s = self.state
        if isinstance(command, Advance):
            transition = self.machine.check(command.trigger, self.guard_context(now))
            self.machine.fire(command.trigger, self.guard_context(now))
            self._enter(
                transition.dest, s.stage, command.trigger, now, command.actor, command.command_id, command.note_id
            )
        elif isinstance(command, RecordVisit):
            self._record_visit(command, now)
        elif isinstance(command, SetFact):
            value = self._fact_value(command.name, command.value)
            if value is None:
                s.facts.pop(command.name, None)
            else:
                s.facts[command.name] = value
            self._emit(FactSet, now, command.actor, command_id=command.command_id, name=command.name, value=value)
            if self.definition.facts[command.name].kind == "certificate":
                self._certificate_recorded(command.name, value, now, command.actor, command.command_id)
        elif isinstance(command, Refer):
            self._refer(command, now)
        elif isinstance(command, AnswerReferral):
            self._answer(command, now)
        elif isinstance(command, AssignCoordinator):
            previous = s.coordinator_id
            s.coordinator_id = command.coordinator_id
            self._emit(
                CoordinatorAssigned,
                now,
                command.actor,
                command_id=command.command_id,
                previous=previous,
                coordinator_id=command.coordinator_id,
            )
        elif isinstance(command, Pause):
            s.status, s.paused_at, s.pause_reason = "paused", now, command.reason
            self._emit(
                CasePaused, now, command.actor, command_id=command.command_id, stage=s.stage, reason=command.reason
            )
        elif isinstance(command, Resume):
            paused_for = now - (s.paused_at or now)
            self._shift_clocks(paused_for)
            s.status, s.paused_at, s.pause_reason = "active", None, None
            self._emit(
                CaseResumed,
                now,
                command.actor,
                command_id=command.command_id,
                stage=s.stage,
                paused_seconds=paused_for.total_seconds(),
            )
        elif isinstance(command, Close):
            dest = self.definition.outcomes[command.outcome]
            self.machine.set_stage(dest)
            self._enter(
                dest, s.stage, None, now, command.actor, command.command_id, command.note_id, outcome=command.outcome
            )
        elif isinstance(command, MigrateDefinition):
            migration.apply(self, command, now)
        if not isinstance(command, MigrateDefinition):
            # Moving a case to a new version is not work on the case: an inactive case stays inactive.
            s.last_activity_at = now
        self._remember(command.command_id)
        return list(s.outbox[start:])

    # ------------------------------------------------------------------ clocks
    def fire_due(self, now: datetime) -> list[Event]:
        """Emit the reminders, escalations and elapsed durations that are due at ``now``."""
        s = self.state
        if s.status != "active":
            return []
        start = len(s.outbox)
        # Repeat until nothing is due: an elapsed duration arms a deadline that may be due too.
        while self._fire_due_once(now):
            pass
        return list(s.outbox[start:])

    def _fire_due_once(self, now: datetime) -> bool:
        s = self.state
        fired = False
        esc = self.definition.escalation
        for key in list(s.watches):
            if s.status != "active":
                break  # a lapsed certificate suspended the service: its clocks stop here
            w = s.watches.get(key)
            while w is not None and w.next_alarm_at is not None and now >= w.next_alarm_at:
                at = w.next_alarm_at
                if w.key == "certificate":
                    self._certificate_alarm(key, w, at, now)
                    w = s.watches.get(key)
                    continue
                if w.key == "duration":
                    del s.watches["duration"]
                    s.duration_elapsed = True
                    self._emit(DurationElapsed, at, "system", stage=s.stage)
                    if self.stage.deadline is not None:
                        self._arm("stage_deadline", cal.deadline_at(w.due_at, self.stage.deadline, self.tz))
                        fired = True
                    break
                if w.escalate_at is not None and at >= w.escalate_at:
                    w.escalated, w.next_alarm_at = True, None
                    self._emit(
                        ReminderDue,
                        at,
                        "system",
                        stage=s.stage,
                        watch=key,
                        level="escalation",
                        n=w.reminders + 1,
                        due_at=w.due_at,
                        coordinator_id=s.coordinator_id,
                    )
                    break
                w.reminders += 1
                following = cal.after(at, esc.repeat_every, self.tz)
                w.next_alarm_at = min(following, w.escalate_at) if w.escalate_at else following
                if w.next_alarm_at <= now:
                    continue  # catching up (a worker was down, a case was imported): one reminder, not a burst
                self._emit(
                    ReminderDue,
                    at,
                    "system",
                    stage=s.stage,
                    watch=key,
                    level="reminder",
                    n=w.reminders,
                    due_at=w.due_at,
                    coordinator_id=s.coordinator_id,
                )
        return fired

    def partner_unreachable(self, request: NotificationRequested, reason: str, now: datetime) -> Event:
        """Record that a partner could not be told (the coordinator is reminded of it)."""
        code = reason if CODE.match(reason) else "DeliveryFailed"
        return self._emit(
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

    # ------------------------------------------------------------------ internals
    _VERBS = {
        Advance: "making a move",
        RecordVisit: "recording a visit",
        Pause: "pausing it again",
        Refer: "making a referral",
    }

    def _require_active(self, command: Command) -> None:
        if self.state.status == "paused" and self.state.pause_reason == CERTIFICATE_LAPSED:
            lapsed = ", ".join(
                f"'{fact}' expired on {until}"
                for fact, until in self._lapsed_certificates(self.state.paused_at or self.state.last_activity_at)
            )
            raise IllegalMove(
                f"the service is suspended ({lapsed or 'a certificate expired'}); record a current "
                "certificate to resume it",
                stage=self.state.stage,
                status="paused",
                reason=CERTIFICATE_LAPSED,
            )
        if self.state.status == "paused":
            doing = next((v for t, v in self._VERBS.items() if isinstance(command, t)), "this")
            raise IllegalMove(
                f"the case is paused ({self.state.pause_reason}); resume it before {doing}",
                stage=self.state.stage,
                status="paused",
            )

    def _emit(self, event_type: type, at: datetime, actor: str, **fields: Any) -> Event:
        self.state.seq += 1
        event = event_type(seq=self.state.seq, at=at, actor=actor, **fields)
        self.state.outbox.append(event)
        return event

    def _remember(self, command_id: str) -> None:
        s = self.state
        s.applied.append(AppliedCommand(command_id=command_id, seq=s.seq, stage=s.stage, status=s.status))
        if len(s.applied) > MAX_REMEMBERED_COMMANDS:
            del s.applied[: len(s.applied) - MAX_REMEMBERED_COMMANDS]

    def _arm(self, key: str, due_at: datetime, ref: str | None = None) -> None:
        esc = self.definition.escalation
        kind = key.split(":", 1)[0]
        self.state.watches[key] = Watch(
            key=kind,  # type: ignore[arg-type]
            ref=ref,
            due_at=due_at,
            next_alarm_at=due_at,
            escalate_at=None if kind == "duration" else cal.after(due_at, esc.escalate_after, self.tz),
        )

    def _shift_clocks(self, delta: timedelta) -> None:
        """A pause stops the clocks: everything still to come moves by the paused time."""
        s = self.state
        for w in s.watches.values():
            if w.key == "certificate":
                continue  # a certificate's validity date is the authority's, not ours to move
            w.due_at += delta
            if w.next_alarm_at is not None:
                w.next_alarm_at += delta
            if w.escalate_at is not None:
                w.escalate_at += delta
        if s.duration_ends_at is not None and not s.duration_elapsed:
            s.duration_ends_at += delta

    def _notify(self, stage_name: str, moment: str, at: datetime, actor: str) -> None:
        stage = self.definition.stages[stage_name]
        for fact in stage.notify.on_enter if moment == "enter" else stage.notify.on_exit:
            value = self.state.facts.get(fact)
            if isinstance(value, dict) and value.get("partner_id"):
                self._emit(
                    NotificationRequested,
                    at,
                    actor,
                    stage=stage_name,
                    moment=moment,
                    partner_fact=fact,
                    partner_id=value["partner_id"],
                    partner_kind=value.get("partner_kind", ""),
                )

    def _enter(
        self,
        dest: str,
        from_stage: str | None,
        trigger: str | None,
        now: datetime,
        actor: str,
        command_id: str | None,
        note_id: str | None,
        outcome: str | None = None,
    ) -> None:
        s = self.state
        if from_stage is not None:
            self._notify(from_stage, "exit", now, actor)
            if s.stages:
                s.stages[-1].left_at = now
        stage = self.definition.stages[dest]
        s.stage, s.stage_entered_at, s.visits_in_stage = dest, now, 0
        s.duration_ends_at, s.duration_elapsed = None, False
        s.watches.pop("stage_deadline", None)
        s.watches.pop("duration", None)
        if stage.duration is not None:
            s.duration_ends_at = cal.ends_at(now, stage.duration, self.tz)
            self._arm("duration", s.duration_ends_at)
        elif stage.deadline is not None:
            self._arm("stage_deadline", cal.deadline_at(now, stage.deadline, self.tz))
        if stage.visits is not None:
            # The cadence runs on across stages: moving a case on never clears an overdue
            # visit; the next visit is due from the last one, with the new stage's rhythm.
            if "visit" not in s.watches:
                self._arm("visit", cal.deadline_at(now, stage.visits.every, self.tz))
            elif s.last_counted_visit_at is not None:
                due = cal.deadline_at(s.last_counted_visit_at, stage.visits.every, self.tz)
                if due != s.watches["visit"].due_at:
                    self._arm("visit", due)
        else:
            s.watches.pop("visit", None)
        deadline = s.watches.get("stage_deadline")
        event = self._emit(
            StageEntered,
            now,
            actor,
            command_id=command_id,
            note_id=note_id,
            from_stage=from_stage,
            stage=dest,
            trigger=trigger,
            due_at=deadline.due_at if deadline else None,
            ends_at=s.duration_ends_at,
        )
        s.stages.append(StageRecord(stage=dest, entered_at=now, trigger=trigger, actor=actor, seq=event.seq))
        self._notify(dest, "enter", now, actor)
        if stage.terminal:
            s.status, s.closed_at, s.watches = "closed", now, {}
            s.outcome = outcome or stage.outcome or dest
            s.paused_at = s.pause_reason = None
            s.stages[-1].left_at = None
            self._emit(CaseClosed, now, actor, command_id=command_id, stage=dest, outcome=s.outcome)

    def _visit_checks(self, command: RecordVisit, now: datetime) -> None:
        if command.occurred_at > now + VISIT_CLOCK_SKEW:
            raise InvalidCommand(
                "a visit cannot be recorded in the future", occurred_at=command.occurred_at.isoformat()
            )
        if command.occurred_at < self.state.opened_at - timedelta(days=1):
            raise InvalidCommand(
                "the visit is dated before the case was opened", occurred_at=command.occurred_at.isoformat()
            )
        kinds = self.stage.visits.kinds if self.stage.visits else None
        if kinds is not None and command.kind not in kinds:
            raise InvalidCommand(
                f"unknown visit kind '{command.kind}'; use one of: {', '.join(kinds)}", kind=command.kind
            )
        if not CODE.match(command.kind):
            raise InvalidCommand("a visit kind is a short code", kind=command.kind)

    def _record_visit(self, command: RecordVisit, now: datetime) -> None:
        s = self.state
        cadence = self.stage.visits
        counted, reason = True, None
        if cadence is not None and command.duration_minutes < cadence.min_minutes:
            counted = False
            reason = (
                f"shorter than the {cadence.min_minutes} minutes a visit needs in this stage; "
                "it does not count toward the visit cadence"
            )
        s.visits_total += 1
        if counted:  # a visit too short to count does not satisfy "N visits in this stage" either
            s.visits_in_stage += 1
        if s.last_visit_at is None or command.occurred_at > s.last_visit_at:
            s.last_visit_at = command.occurred_at
        if counted and (s.last_counted_visit_at is None or command.occurred_at > s.last_counted_visit_at):
            s.last_counted_visit_at = command.occurred_at
            if cadence is not None:
                self._arm("visit", cal.deadline_at(command.occurred_at, cadence.every, self.tz))
        visit = s.watches.get("visit")
        self._emit(
            VisitRecorded,
            now,
            command.actor,
            command_id=command.command_id,
            stage=s.stage,
            visit_id=command.visit_id,
            occurred_at=command.occurred_at,
            duration_minutes=command.duration_minutes,
            visit_kind=command.kind,
            counted=counted,
            not_counted_reason=reason,
            next_visit_due_at=visit.due_at if visit else None,
        )

    # ------------------------------------------------------------------ certificates
    def _lapsed_certificates(self, now: datetime) -> list[tuple[str, str]]:
        """Certificates the service depends on (``suspend_when_lapsed``) that have expired."""
        out = []
        for name, spec in self.definition.facts.items():
            value = self.state.facts.get(name)
            until = certificates.expires_on(value)  # None: permanent, never lapses
            if spec.kind == "certificate" and spec.suspend_when_lapsed and until is not None:
                if cal.end_of_day(until, self.tz) <= now:
                    out.append((name, until.isoformat()))
        return out

    def _certificate_recorded(self, name: str, value: Any, now: datetime, actor: str, command_id: str) -> None:
        """Watch the new certificate's expiry; a current one ends a suspension it caused."""
        s = self.state
        spec = self.definition.facts[name]
        key = f"certificate:{name}"
        s.watches.pop(key, None)
        until = certificates.expires_on(value)  # None: permanent, nothing to watch
        if until is not None and (spec.remind_before_expiry is not None or spec.suspend_when_lapsed):
            lapses_at = cal.end_of_day(until, self.tz)
            if lapses_at > now:
                remind_at = lapses_at
                if spec.remind_before_expiry is not None:
                    remind_at = min(
                        cal.start_of_day(cal.subtract_from_date(until, spec.remind_before_expiry), self.tz), lapses_at
                    )
                s.watches[key] = Watch(key="certificate", ref=name, due_at=lapses_at, next_alarm_at=remind_at)
        if s.status == "paused" and s.pause_reason == CERTIFICATE_LAPSED and not self._lapsed_certificates(now):
            paused_for = now - (s.paused_at or now)
            self._shift_clocks(paused_for)
            s.status, s.paused_at, s.pause_reason = "active", None, None
            self._emit(
                CaseResumed, now, actor, command_id=command_id, stage=s.stage, paused_seconds=paused_for.total_seconds()
            )

    def _certificate_alarm(self, key: str, w: Watch, at: datetime, now: datetime) -> None:
        s = self.state
        spec = self.definition.facts[w.ref or ""]
        if at < w.due_at:
            w.reminders += 1
            w.next_alarm_at = w.due_at
            if now < w.due_at:  # catching up past the expiry: the lapse below says it all
                self._emit(
                    ReminderDue,
                    at,
                    "system",
                    stage=s.stage,
                    watch=key,
                    level="reminder",
                    n=w.reminders,
                    due_at=w.due_at,
                    coordinator_id=s.coordinator_id,
                )
            return
        del s.watches[key]
        value = s.facts.get(w.ref or "") or {}
        suspend = spec.suspend_when_lapsed and s.status == "active"
        self._emit(
            CertificateLapsed,
            at,
            "system",
            stage=s.stage,
            fact=w.ref,
            valid_until=str(value.get("valid_until", "")),
            suspended=suspend,
        )
        if suspend:
            s.status, s.paused_at, s.pause_reason = "paused", at, CERTIFICATE_LAPSED
            self._emit(CasePaused, at, "system", stage=s.stage, reason=CERTIFICATE_LAPSED)

    # ------------------------------------------------------------------ referrals
    def _referral_checks(self, command: Refer) -> None:
        policy = self.definition.referrals
        if policy is None:
            raise InvalidCommand("this pathway makes no referrals")
        service = policy.services.get(command.service)
        if service is None:
            raise InvalidCommand(
                f"unknown service '{command.service}'; services of this pathway: {', '.join(policy.services)}",
                service=command.service,
                services=list(policy.services),
            )
        if command.partner_kind not in service.partner_kinds:
            raise InvalidCommand(
                f"a referral for '{command.service}' goes to a partner of kind "
                f"{' or '.join(service.partner_kinds)}, not '{command.partner_kind}'",
                service=command.service,
                partner_kind=command.partner_kind,
            )
        if command.referral_id in self.state.referrals:
            raise InvalidCommand(f"referral '{command.referral_id}' already exists", referral_id=command.referral_id)
        for r in self.state.referrals.values():
            if (
                r.partner_id == command.partner_id
                and r.service == command.service
                and r.status in ("pending", "accepted")
            ):
                raise IllegalMove(
                    f"referral '{r.referral_id}' to this partner for '{r.service}' is still {r.status}",
                    referral_id=r.referral_id,
                    status=r.status,
                )

    def _answer_checks(self, command: AnswerReferral) -> None:
        r = self.state.referrals.get(command.referral_id)
        if r is None:
            raise InvalidCommand(f"unknown referral '{command.referral_id}'", referral_id=command.referral_id)
        if command.answer not in REFERRAL_ANSWERS.get(r.status, set()):
            raise IllegalMove(
                f"the referral is already {r.status}; it cannot become {command.answer}",
                referral_id=r.referral_id,
                status=r.status,
            )
        if command.answer == "rejected" and not command.reason:
            raise InvalidCommand(
                "a rejected referral needs a reason code (e.g. no_places, not_eligible)", referral_id=r.referral_id
            )

    def _refer(self, command: Refer, now: datetime) -> None:
        s = self.state
        policy = self.definition.referrals
        assert policy is not None  # validated
        s.referrals[command.referral_id] = Referral(
            referral_id=command.referral_id,
            partner_id=command.partner_id,
            partner_kind=command.partner_kind,
            service=command.service,
            consent_id=command.consent_id,
            made_at=now,
        )
        key = f"referral:{command.referral_id}"
        self._arm(key, cal.deadline_at(now, policy.answer_within, self.tz), ref=command.referral_id)
        s.referrals[command.referral_id].answer_due_at = s.watches[key].due_at
        self._emit(
            ReferralMade,
            now,
            command.actor,
            command_id=command.command_id,
            note_id=command.note_id,
            stage=s.stage,
            referral_id=command.referral_id,
            partner_id=command.partner_id,
            partner_kind=command.partner_kind,
            service=command.service,
            consent_id=command.consent_id,
            answer_due_at=s.watches[key].due_at,
        )
        self._emit(
            NotificationRequested,
            now,
            command.actor,
            stage=s.stage,
            moment="referral",
            partner_fact="",
            partner_id=command.partner_id,
            partner_kind=command.partner_kind,
            referral_id=command.referral_id,
            service=command.service,
        )

    def _answer(self, command: AnswerReferral, now: datetime) -> None:
        r = self.state.referrals[command.referral_id]
        r.status, r.answered_at, r.reason = command.answer, now, command.reason
        self.state.watches.pop(f"referral:{command.referral_id}", None)
        self._emit(
            ReferralAnswered,
            now,
            command.actor,
            command_id=command.command_id,
            note_id=command.note_id,
            referral_id=r.referral_id,
            partner_id=r.partner_id,
            answer=command.answer,
            reason=command.reason,
        )

    # ------------------------------------------------------------------ fact values
    @staticmethod
    def coerce_fact(name: str, spec: FactSpec, value: Any) -> Any:
        """``value`` as fact ``name`` of kind ``spec`` takes it; InvalidCommand if it does not fit."""
        return _coerce_fact(name, spec, value, None)

    def _fact_value(self, name: str, value: Any) -> Any:
        spec = self.definition.facts.get(name)
        if spec is None:
            raise InvalidCommand(
                f"unknown fact '{name}'; facts of this pathway: {', '.join(self.definition.facts) or 'none'}", fact=name
            )
        if value is None:
            return None
        return _coerce_fact(name, spec, value, self.state.facts.get(name))


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise InvalidCommand(f"{what} must be an id or short code (letters, digits, _ . : -), not free text")
    return value


def _date(value: Any, what: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidCommand(f"{what} must be a date (YYYY-MM-DD)") from None


def _coerce_fact(name: str, spec: FactSpec, value: Any, current: Any) -> Any:
    where = f"fact '{name}'"
    if spec.kind == "flag":
        if not isinstance(value, bool):
            raise InvalidCommand(f"{where} is a flag: true or false", fact=name)
        return value
    if not isinstance(value, dict):
        raise InvalidCommand(f"{where} of kind {spec.kind} takes an object", fact=name)
    if spec.kind == "checklist":
        unknown = [k for k in value if k not in spec.items]
        if unknown:
            raise InvalidCommand(
                f"{where} has no item(s) {', '.join(unknown)}; items: {', '.join(spec.items)}", fact=name
            )
        if not all(isinstance(v, bool) for v in value.values()):
            raise InvalidCommand(f"{where}: each checklist item is true or false", fact=name)
        merged = dict(current or {})
        merged.update(value)
        return merged
    if spec.kind == "partner":
        extra = set(value) - {"partner_id", "partner_kind"}
        if extra:
            raise InvalidCommand(f"{where} takes partner_id and partner_kind only", fact=name)
        kind = value.get("partner_kind")
        if kind != spec.partner_kind:
            raise InvalidCommand(f"{where} needs a partner of kind '{spec.partner_kind}', got '{kind}'", fact=name)
        return {"partner_id": _code(value.get("partner_id"), f"{where}: partner_id"), "partner_kind": kind}
    if spec.kind == "certificate":
        return certificates.coerce(value, where, name, _date, _code)
    # record
    extra = set(value) - set(spec.fields)
    if extra:
        raise InvalidCommand(
            f"{where} has no field(s) {', '.join(sorted(extra))}; fields: {', '.join(spec.fields)}", fact=name
        )
    out: dict[str, Any] = {}
    for field, ftype in spec.fields.items():
        if field not in value or value[field] is None:
            continue
        v = value[field]
        label = f"{where}: {field}"
        if ftype == "date":
            out[field] = _date(v, label)
        elif ftype == "bool":
            if not isinstance(v, bool):
                raise InvalidCommand(f"{label} is true or false", fact=name)
            out[field] = v
        elif ftype == "int":
            if isinstance(v, bool) or not isinstance(v, int):
                raise InvalidCommand(f"{label} is a whole number", fact=name)
            out[field] = v
        else:  # code, partner
            out[field] = _code(v, label)
    if not out:
        raise InvalidCommand(f"{where} needs at least one of: {', '.join(spec.fields)}", fact=name)
    return out
