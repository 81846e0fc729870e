"""Moving running cases onto a newer version of their definition (DESIGN.md, boundary 4).

A case keeps the snapshot it was opened with; editing the YAML never changes it. Moving it to
a new version is an explicit command, ``MigrateDefinition``, with a stage mapping
(old stage -> new stage). This module holds its rules:

- ``plan_migration(source, target, mapping)``: pure, for a dry run: where the cases of each
  source stage go, which stages have nowhere to go, which facts the target no longer takes.
- ``check`` / ``apply``: what ``Case.validate`` / ``Case.apply`` do with the command.

A migration never resets the case's clocks: the stay in the current stage goes on, so a
deadline, a fixed duration or a visit cadence that the target changes is re-armed from the
ORIGINAL stage entry (plus the time the case spent paused in the stage); a clock the target
leaves as it was is kept exactly, with its reminders and escalation. The stage history is
left as it was written: a stay is recorded under the stage name it had when it began, and the
``definition_migrated`` event says what the stage is called now.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pathway.core import calendar as cal
from pathway.core.case import clocks
from pathway.core.case.base import CaseBase
from pathway.core.case.fact_kinds import kind_of
from pathway.core.case.facts import coerce_fact
from pathway.core.commands import MigrateDefinition
from pathway.core.definition import Definition, DefinitionSnapshot, Stage, content_hash, from_snapshot
from pathway.core.errors import DefinitionError, IllegalMove, InvalidCommand
from pathway.core.events import DefinitionMigrated

# ---------------------------------------------------------------------------------------------
# The plan: pure, over two definitions


class StageRoute(BaseModel):
    """Where the cases in one stage of the source definition go.

    ``via``: ``mapping`` (the mapping names it), ``same_name`` (the target has a stage of
    that name), ``none`` (nowhere: such cases are refused), ``closed`` (a terminal stage:
    closed cases are never migrated). ``clock_changes`` lists the clocks the target sets
    differently for that stage (they are re-armed from the original stage entry)."""

    model_config = ConfigDict(frozen=True)

    stage: str
    to_stage: str | None
    via: Literal["mapping", "same_name", "none", "closed"]
    clock_changes: list[str] = Field(default_factory=list)


class FactChange(BaseModel):
    """A fact of the source that the target does not take as it is: a case that has it set
    is refused (the fact is never dropped silently)."""

    model_config = ConfigDict(frozen=True)

    fact: str
    problem: str


class MigrationPlan(BaseModel):
    """What migrating from ``source`` to ``target`` with ``mapping`` would do.

    ``problems`` are faults of the migration itself (wrong target, a mapping naming stages
    that do not exist, a destination that is terminal): with any of them no case migrates.
    ``unmapped`` are open source stages with nowhere to go: cases in them are refused.
    ``fact_changes`` are facts that refuse the cases that have them set."""

    model_config = ConfigDict(frozen=True)

    definition_id: str
    from_version: int
    to_version: int
    mapping: dict[str, str]
    routes: list[StageRoute]
    unmapped: list[str]
    fact_changes: list[FactChange]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """No problem, no unmapped stage, no fact change: every open case can migrate."""
        return not (self.problems or self.unmapped or self.fact_changes)

    def route(self, stage: str) -> StageRoute | None:
        return next((r for r in self.routes if r.stage == stage), None)


def _target_problems(source_id: str, source_version: int, target: Definition) -> list[str]:
    problems = []
    if target.id != source_id:
        problems.append(f"the target is definition '{target.id}', not '{source_id}'")
    elif target.version <= source_version:
        problems.append(
            f"the target is version {target.version} of '{target.id}'; a migration goes to a higher version "
            f"than {source_version}"
        )
    return problems


def mapping_problems(mapping: dict[str, str], target: Definition, source: Definition | None = None) -> list[str]:
    """What is wrong with ``mapping`` itself: a destination the target lacks or that is
    terminal; with ``source``, also a stage it moves that the source lacks."""
    problems = []
    for old, new in mapping.items():
        if source is not None and old not in source.stages:
            problems.append(
                f"the mapping moves stage '{old}', which version {source.version} does not have; its stages: "
                f"{', '.join(source.stages)}"
            )
        if new not in target.stages:
            problems.append(
                f"the mapping moves '{old}' to '{new}', which version {target.version} does not have; its "
                f"stages: {', '.join(target.stages)}"
            )
        elif target.stages[new].terminal:
            problems.append(
                f"the mapping moves '{old}' to the terminal stage '{new}': a migration never closes a case "
                "(close it with an outcome)"
            )
    return problems


def _clock_changes(old: Stage, new: Stage) -> list[str]:
    changes = []
    for name in ("deadline", "duration"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes.append(f"{name}: {before or 'none'} -> {after or 'none'}")
    before_every = old.visits.every if old.visits else None
    after_every = new.visits.every if new.visits else None
    if before_every != after_every:
        changes.append(f"visits: every {before_every or 'none'} -> every {after_every or 'none'}")
    return changes


def _fact_changes(source: Definition, target: Definition) -> list[FactChange]:
    out = []
    for name, spec in source.facts.items():
        new = target.facts.get(name)
        problem = None
        if new is None:
            problem = f"version {target.version} does not declare the fact '{name}'"
        elif new.kind != spec.kind:
            problem = (
                f"the fact '{name}' is a {spec.kind} in version {source.version} "
                f"but a {new.kind} in version {target.version}"
            )
        else:
            problem = kind_of(spec).narrowed(name, spec, new, target.version)
        if problem is not None:
            out.append(FactChange(fact=name, problem=problem))
    return out


def destination(
    stage: str, mapping: dict[str, str], target: Definition
) -> tuple[str | None, Literal["mapping", "same_name", "none"]]:
    """The target stage a case in ``stage`` goes to, and why."""
    if stage in mapping:
        return mapping[stage], "mapping"
    if stage in target.stages:
        return stage, "same_name"
    return None, "none"


def plan_migration(source: Definition, target: Definition, mapping: dict[str, str]) -> MigrationPlan:
    """Where the cases of each stage of ``source`` would go under ``target`` with ``mapping``.

    Pure: it reads two definitions and a mapping and changes nothing (a dry run)."""
    problems = _target_problems(source.id, source.version, target) + mapping_problems(mapping, target, source)
    routes = []
    for name, stage in source.stages.items():
        if stage.terminal:
            routes.append(StageRoute(stage=name, to_stage=None, via="closed"))
            continue
        to, via = destination(name, mapping, target)
        changes = _clock_changes(stage, target.stages[to]) if to in target.stages else []
        routes.append(StageRoute(stage=name, to_stage=to, via=via, clock_changes=changes))
    return MigrationPlan(
        definition_id=source.id,
        from_version=source.version,
        to_version=target.version,
        mapping=dict(mapping),
        routes=routes,
        unmapped=[r.stage for r in routes if r.via == "none"],
        fact_changes=_fact_changes(source, target),
        problems=problems,
    )


# ---------------------------------------------------------------------------------------------
# One case: the command's rules (called by Case.validate / Case.apply)


def target_definition(snap: DefinitionSnapshot) -> Definition:
    """The definition a target snapshot holds, refusing a snapshot that does not add up."""
    if content_hash(snap.content) != snap.content_hash:
        raise InvalidCommand(
            "the target snapshot's content does not match its content hash", target_version=snap.version
        )
    if snap.content.get("id") != snap.id or snap.content.get("version") != snap.version:
        raise InvalidCommand(
            "the target snapshot's id and version do not match its content", target_version=snap.version
        )
    try:
        return from_snapshot(snap)
    except DefinitionError as error:
        raise InvalidCommand(
            f"the target definition is not valid: {error.message}", target_version=snap.version
        ) from None


def check(case: CaseBase, command: MigrateDefinition) -> tuple[Definition, str]:
    """Refuse (InvalidCommand / IllegalMove) unless ``case`` can move onto the target now;
    return the target definition and the stage the case will be in."""
    s = case.state
    current = s.definition
    details: dict[str, Any] = {
        "definition": current.id,
        "current_version": current.version,
        "target_version": command.target.version,
        "stage": s.stage,
    }
    if command.target.id != current.id:
        raise InvalidCommand(
            f"the case runs on definition '{current.id}'; it cannot migrate to '{command.target.id}'", **details
        )
    if command.target.version <= current.version:
        already = command.target.version == current.version and command.target.content_hash == current.content_hash
        why = "it is already on that version" if already else "a migration goes to a higher version"
        raise InvalidCommand(
            f"the case runs on version {current.version} of '{current.id}'; it cannot migrate to version "
            f"{command.target.version}: {why}",
            **details,
        )
    target = target_definition(command.target)
    problems = mapping_problems(command.stage_mapping, target, None)
    if problems:
        raise InvalidCommand("; ".join(problems), **details, mapping=dict(command.stage_mapping))
    to, _via = destination(s.stage, command.stage_mapping, target)
    if to is None:
        raise IllegalMove(
            f"stage '{s.stage}' of version {current.version} has no mapping and version {target.version} has "
            "no stage of "
            f"that name; map it to one of: {', '.join(n for n, st in target.stages.items() if not st.terminal)}",
            **details,
        )
    for name, value in s.facts.items():
        old = case.definition.facts.get(name)
        new = target.facts.get(name)
        if new is None:
            raise InvalidCommand(
                f"the case has the fact '{name}' set, which version {target.version} does not declare; "
                "a migration never drops a fact: clear it first or keep it in the new version",
                **details,
                fact=name,
            )
        if old is not None and new.kind != old.kind:
            raise InvalidCommand(
                f"the fact '{name}' is a {old.kind} in version {current.version} but a {new.kind} in version "
                f"{target.version}; "
                "a migration cannot convert it",
                **details,
                fact=name,
            )
        try:
            coerce_fact(name, new, value)
        except InvalidCommand as error:
            raise InvalidCommand(
                f"the value of the fact '{name}' does not fit version {target.version}: {error.message}",
                **details,
                fact=name,
            ) from None
    return target, to


def _pause_credit(old: Stage, case: CaseBase) -> tuple[timedelta, timedelta]:
    """How long the case has been paused in its current stage, in all and before its fixed
    duration ended, read off the clocks under the old rules (a pause moves every clock on by
    the paused time). Zero for a stage without a deadline or a duration: it keeps no clock
    to read it from."""
    s, tz = case.state, case.tz
    total = before_end = timedelta(0)
    deadline = s.watches.get("stage_deadline")
    if old.duration is not None and s.duration_ends_at is not None:
        total = before_end = s.duration_ends_at - cal.ends_at(s.stage_entered_at, old.duration, tz)
        if s.duration_elapsed and deadline is not None and old.deadline is not None:
            total += deadline.due_at - cal.deadline_at(s.duration_ends_at, old.deadline, tz)
    elif old.deadline is not None and deadline is not None:
        total = deadline.due_at - cal.deadline_at(s.stage_entered_at, old.deadline, tz)
    return max(total, timedelta(0)), max(before_end, timedelta(0))


def _arm(case: CaseBase, key: str, due: datetime, previous: Any) -> None:
    """Arm ``key`` at ``due``, unless the clock it replaces fell due at that very moment (then
    it is kept, with its reminders and escalation)."""
    if previous is not None and previous.due_at == due:
        case.state.watches[key] = previous
    else:
        clocks.arm(case, key, due)


def _rearm(case: CaseBase, old: Stage, new: Stage, paused: tuple[timedelta, timedelta], now: datetime) -> None:
    """Re-arm the clocks of the current stay for the new stage's rules, from the original
    entry plus the time paused. A clock whose rule is unchanged is kept as it is (reminders,
    escalation, pauses)."""
    s, tz = case.state, case.tz
    entered = s.stage_entered_at
    credit, pauses_before_end = paused
    duration_kept = new.duration == old.duration

    # A fixed duration (the deadline of such a stage runs from the duration's end).
    if new.duration is None:
        s.watches.pop("duration", None)
        s.duration_ends_at, s.duration_elapsed = None, False
    elif not duration_kept:
        ends = cal.ends_at(entered, new.duration, tz) + (pauses_before_end if old.duration is not None else credit)
        s.duration_ends_at = ends
        previous = s.watches.pop("duration", None)
        if not (s.duration_elapsed and ends <= now):
            # Not over yet, or over but never announced: the workflow's next wake-up announces
            # a duration that ended in the past, at the moment it ended.
            s.duration_elapsed = False
            _arm(case, "duration", ends, previous)

    # The stage deadline.
    if new.deadline is None:
        s.watches.pop("stage_deadline", None)
    elif new.deadline != old.deadline or not duration_kept:
        previous = s.watches.pop("stage_deadline", None)
        if new.duration is None:
            _arm(case, "stage_deadline", cal.deadline_at(entered, new.deadline, tz) + credit, previous)
        elif s.duration_elapsed and s.duration_ends_at is not None:
            after_end = max(credit - pauses_before_end, timedelta(0)) if old.duration is not None else timedelta(0)
            _arm(case, "stage_deadline", cal.deadline_at(s.duration_ends_at, new.deadline, tz) + after_end, previous)
        # else: armed when the duration ends, as for any stay.

    # The visit cadence: as on entering a stage, the next visit is due from the last counted
    # one (or, with none, from the stage entry); a cadence that is unchanged is kept.
    old_every = old.visits.every if old.visits else None
    if new.visits is None:
        s.watches.pop("visit", None)
    elif new.visits.every != old_every or "visit" not in s.watches:
        if "visit" in s.watches:
            anchor = s.last_counted_visit_at or entered
        else:
            anchor = max(entered, s.last_counted_visit_at or entered)
        _arm(case, "visit", cal.deadline_at(anchor, new.visits.every, tz), s.watches.get("visit"))


def apply(case: CaseBase, command: MigrateDefinition, now: datetime) -> None:
    """Move ``case`` onto the target (already validated by ``check``) and emit the event."""
    target, to = check(case, command)
    s = case.state
    old_snapshot, from_stage = s.definition, s.stage
    old_stage = case.definition.stages[from_stage]
    paused = _pause_credit(old_stage, case)  # under the old rules, before they are replaced

    s.definition = command.target
    case.definition = target
    case.tz = target.timezone
    s.stage = to
    _rearm(case, old_stage, target.stages[to], paused, now)

    deadline, visit = s.watches.get("stage_deadline"), s.watches.get("visit")
    case.emit(
        DefinitionMigrated,
        now,
        command.actor,
        command_id=command.command_id,
        definition_id=target.id,
        from_version=old_snapshot.version,
        to_version=target.version,
        from_hash=old_snapshot.content_hash,
        to_hash=command.target.content_hash,
        from_stage=from_stage,
        to_stage=to,
        mapping=dict(command.stage_mapping),
        stage_due_at=deadline.due_at if deadline else None,
        duration_ends_at=s.duration_ends_at,
        next_visit_due_at=visit.due_at if visit else None,
    )
