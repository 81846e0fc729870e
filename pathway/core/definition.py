"""Pathway definitions: the pydantic model, loading from YAML, and validation.

A definition is data written by people. When it is wrong the error names the file, the path
inside it (``stages.plan.deadline``), the line where the YAML parser can tell, and what is
wrong, so that whoever edits the YAML can fix it without reading Python.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import weakref
from collections import deque
from datetime import date
from typing import Any, Literal
from zoneinfo import available_timezones

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from pathway.core.blocks import BlockText, compose, origin_of
from pathway.core.calendar import Duration
from pathway.core.errors import DefinitionError, Problem
from pathway.core.guards import GUARDS
from pathway.core.legal_basis import CaseloadLimitBasis, check_legal

ANY_OPEN_STAGE = "*"
# Names that are commands of their own or that transitions' model methods already use.
RESERVED_TRIGGERS = frozenset({"close", "pause", "resume", "to", "trigger", "state", "ctx", "machine"})
SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

_TIME_ZONES = frozenset(available_timezones())

PARTNER_KINDS: dict[str, tuple[str, str]] = {
    # kind: (Polish, English)
    "police": ("Policja", "Police"),
    "court": ("Sąd / kurator sądowy", "Court / probation officer"),
    "ops": ("Ośrodek pomocy społecznej", "Social welfare centre"),
    "pup": ("Powiatowy urząd pracy", "County labour office"),
    "school": ("Szkoła / pedagog szkolny", "School / school pedagogue"),
    "health": ("Ochrona zdrowia", "Health care"),
    "therapy": ("Terapia", "Therapy"),
    "legal": ("Pomoc prawna", "Legal aid"),
    "training": ("Instytucja szkoleniowa", "Training institution"),
    "ngo": ("Organizacja pozarządowa", "NGO"),
    "employer": ("Pracodawca", "Employer"),
    "zi": ("Zespół Interdyscyplinarny", "Interdisciplinary Team"),
    "housing": ("Mieszkalnictwo", "Housing"),
}

FIELD_TYPES = ("date", "bool", "int", "code", "partner")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Titles(_Strict):
    pl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ChecklistItem(_Strict):
    title: Titles


class FactSpec(_Strict):
    """A fact a case may carry. Values hold ids, dates, booleans and short codes only: free
    text (names, addresses, notes) lives in the SQL store, never in the workflow."""

    kind: Literal["checklist", "partner", "certificate", "record", "flag"]
    title: Titles
    items: dict[str, ChecklistItem] = Field(default_factory=dict)
    partner_kind: str | None = None
    fields: dict[str, Literal["date", "bool", "int", "code", "partner"]] = Field(default_factory=dict)
    # certificate only: remind the coordinator this long before it expires, and suspend the
    # service (the clocks stop) when it lapses, until a current one is recorded.
    remind_before_expiry: Duration | None = None
    suspend_when_lapsed: bool = False


class VisitCadence(_Strict):
    every: Duration
    min_minutes: int = Field(default=0, ge=0, le=24 * 60)
    kinds: list[str] = Field(default_factory=lambda: ["home", "office", "phone", "outreach", "accompanying"])


class Notify(_Strict):
    """Partner facts whose partner is told when the case enters / leaves the stage."""

    on_enter: list[str] = Field(default_factory=list)
    on_exit: list[str] = Field(default_factory=list)


class Stage(_Strict):
    title: Titles
    description: Titles | None = None
    terminal: bool = False
    outcome: str | None = None
    deadline: Duration | None = None
    duration: Duration | None = None
    visits: VisitCadence | None = None
    notify: Notify = Field(default_factory=Notify)
    funnel: bool = True


class GuardRef(_Strict):
    guard: str
    fact: str | None = None
    count: int | None = None


class Transition(_Strict):
    trigger: str
    source: str | list[str]
    dest: str
    title: Titles
    guards: list[GuardRef] = Field(default_factory=list)

    def sources(self, definition: Definition) -> list[str]:
        if self.source == ANY_OPEN_STAGE:
            return [name for name, stage in definition.stages.items() if not stage.terminal]
        return [self.source] if isinstance(self.source, str) else list(self.source)


class ReferralService(_Strict):
    """A service a client can be referred to, and the kinds of partner that provide it."""

    title: Titles
    partner_kinds: list[str] = Field(min_length=1)


class ReferralPolicy(_Strict):
    """Referrals of the client to partners, and how long a partner has to answer before the
    coordinator is reminded (then the supervisor told, as for an overdue visit)."""

    answer_within: Duration = Duration(amount=10, unit="working_days")
    services: dict[str, ReferralService] = Field(min_length=1)


class Escalation(_Strict):
    """How an overdue item escalates: a reminder to the coordinator when it falls due, the
    reminder repeated every ``repeat_every``, and the supervisor told ``escalate_after`` the
    due moment (the grace period)."""

    repeat_every: Duration = Duration(amount=2, unit="working_days")
    escalate_after: Duration = Duration(amount=5, unit="working_days")


class PausePolicy(_Strict):
    max: Duration = Duration(amount=3, unit="months")


class Definition(_Strict):
    id: str
    version: int = Field(ge=1)
    title: Titles
    description: Titles | None = None
    initial: str
    stages: dict[str, Stage]
    transitions: list[Transition]
    facts: dict[str, FactSpec] = Field(default_factory=dict)
    outcomes: dict[str, str] = Field(default_factory=dict)
    escalation: Escalation = Field(default_factory=Escalation)
    pause: PausePolicy = Field(default_factory=PausePolicy)
    inactivity_alert: Duration = Duration(amount=30, unit="days")
    caseload_limit: int | None = Field(default=None, ge=1)
    # Issue 13 (items 13, 14): see pathway/core/legal_basis.py. None: an assumed limit / no basis.
    caseload_limit_basis: CaseloadLimitBasis | None = None
    legal_bases: list[str] | None = None
    referrals: ReferralPolicy | None = None
    timezone: str = "Europe/Warsaw"
    # The building blocks (definitions/blocks/) merged into this definition when it was loaded.
    composed_from: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in _TIME_ZONES:
            raise ValueError(f"unknown time zone '{value}' (e.g. Europe/Warsaw)")
        return value

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("an id is lowercase letters, digits, '-' or '_', starting with a letter")
        return value

    # ----- lookups used by the machine and the case rules -----
    def stage(self, name: str) -> Stage:
        return self.stages[name]

    def transitions_from(self, stage: str) -> list[Transition]:
        return [t for t in self.transitions if stage in t.sources(self)]

    def terminal_stages(self) -> list[str]:
        return [name for name, stage in self.stages.items() if stage.terminal]

    def main_path(self) -> list[str]:
        """Stages in the order a client meets them (breadth-first from the initial stage)."""
        order: list[str] = []
        queue = deque([self.initial])
        while queue:
            name = queue.popleft()
            if name in order:
                continue
            order.append(name)
            for t in self.transitions:
                if name in t.sources(self) and t.source != ANY_OPEN_STAGE:
                    queue.append(t.dest)
        order += [n for n in self.stages if n not in order]
        return order


class DefinitionSnapshot(BaseModel):
    """What a running case keeps of its definition: editing the YAML never changes it."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: int
    content_hash: str
    content: dict[str, Any]

    @model_validator(mode="wrap")
    @classmethod
    def _one_per_content(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> DefinitionSnapshot:
        """Every case of a definition version carries the same snapshot, and a worker holds
        thousands of cases: decoded from a workflow's payloads (JSON), a snapshot equal to
        one already in memory is that one (~55 KB less per cached case). Only an equal
        content is shared, so a snapshot whose hash lies about its content stays its own.
        (Not when built in Python: ``__init__`` cannot return another object.)"""
        snap = handler(data)
        if info.mode != "json":
            return snap
        with _INTERNED_LOCK:
            known = _INTERNED.get(snap.content_hash)
            if known is None:
                _INTERNED[snap.content_hash] = snap
                return snap
        return (
            known if known.content == snap.content and known.id == snap.id and known.version == snap.version else snap
        )


# Snapshots are frozen and nothing writes into their content, so sharing one is safe.
_INTERNED: weakref.WeakValueDictionary[str, DefinitionSnapshot] = weakref.WeakValueDictionary()
_INTERNED_LOCK = threading.Lock()


# ---------------------------------------------------------------------------------------------
# Loading


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _line_index(text: str) -> dict[tuple[str, ...], int]:
    """Map each path in the YAML document to its line number (1-based)."""
    index: dict[tuple[str, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return index

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        index[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (str(key.value),)
                index[child] = key.start_mark.line + 1
                walk(value, child)
                index[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (str(i),))

    if root is not None:
        walk(root, ())
    return index


def _nearest_line(index: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    while path:
        if path in index:
            return index[path]
        path = path[:-1]
    return index.get(())


def parse_definition(text: str, source: str, blocks: dict[str, BlockText] | None = None) -> Definition:
    """Parse and validate a definition, merging the building blocks it uses. Raises
    DefinitionError naming ``source`` (and the block a problem comes from)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(source, [Problem("", f"not valid YAML: {problem}", line)]) from None
    if not isinstance(raw, dict):
        raise DefinitionError(
            source, [Problem("", "a definition is a mapping (id, version, stages, transitions, ...)", 1)]
        )
    composition = compose(_json_safe(raw), blocks or {}, source)
    return definition_from_data(composition.data, source, _line_index(text), composition.origins)


def definition_from_data(
    data: dict[str, Any],
    source: str,
    lines: dict[tuple[str, ...], int] | None = None,
    origins: dict[tuple[str, str], str] | None = None,
) -> Definition:
    lines = lines or {}
    origins = origins or {}

    def located(path: str, message: str, loc: tuple[str, ...]) -> Problem:
        block = origin_of(path, origins)
        if block is not None:  # the line numbers are the definition file's, not the block's
            return Problem(path, f"{message} (from building block {block})", None)
        return Problem(path, message, _nearest_line(lines, loc))

    try:
        definition = Definition.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(str(p) for p in err["loc"] if not str(p).startswith("function-"))
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field (check its spelling and indentation)"
            elif err["type"] == "missing":
                message = "required field is missing"
            problems.append(located(".".join(loc), message, loc))
        raise DefinitionError(source, problems) from None
    problems = check_semantics(definition)
    if problems:
        raise DefinitionError(
            source, [located(p.path, p.message, tuple(p.path.split(".")) if p.path else ()) for p in problems]
        )
    return definition


def load_definition(path: str, text: str) -> Definition:
    return parse_definition(text, path)


def snapshot(definition: Definition) -> DefinitionSnapshot:
    content = definition.model_dump(mode="json", exclude_none=True)
    if not content["composed_from"]:
        del content["composed_from"]  # so a definition without blocks keeps the hash it always had
    return DefinitionSnapshot(
        id=definition.id, version=definition.version, content_hash=content_hash(content), content=content
    )


_SNAPSHOT_CACHE: dict[str, Definition] = {}


def from_snapshot(snap: DefinitionSnapshot) -> Definition:
    """Rebuild (and cache by content hash) the definition a case was opened with."""
    cached = _SNAPSHOT_CACHE.get(snap.content_hash)
    if cached is None:
        cached = definition_from_data(snap.content, f"snapshot:{snap.id}@{snap.version}")
        _SNAPSHOT_CACHE[snap.content_hash] = cached
    return cached


# ---------------------------------------------------------------------------------------------
# Semantic validation: what pydantic's types cannot say


def check_semantics(d: Definition) -> list[Problem]:
    problems: list[Problem] = []
    stages = d.stages
    if not stages:
        return [Problem("stages", "a definition needs at least one stage")]
    for name in stages:
        if not SLUG.match(name):
            problems.append(Problem(f"stages.{name}", "a stage name is lowercase letters, digits, '-' or '_'"))
    if d.initial not in stages:
        problems.append(Problem("initial", f"unknown stage '{d.initial}'; stages are: {', '.join(stages)}"))
    elif stages[d.initial].terminal:
        problems.append(Problem("initial", f"the initial stage '{d.initial}' cannot be terminal"))
    if not d.terminal_stages():
        problems.append(
            Problem("stages", "no terminal stage: every pathway must be able to end (mark one 'terminal: true')")
        )

    for name, stage in stages.items():
        path = f"stages.{name}"
        if stage.terminal:
            if stage.deadline or stage.duration or stage.visits:
                problems.append(Problem(path, "a terminal stage has no deadline, duration or visits"))
            if stage.notify.on_exit:
                problems.append(Problem(f"{path}.notify.on_exit", "a terminal stage is never left"))
        elif stage.outcome:
            problems.append(Problem(f"{path}.outcome", "only terminal stages have an outcome"))
        for moment in ("on_enter", "on_exit"):
            for i, fact in enumerate(getattr(stage.notify, moment)):
                spec = d.facts.get(fact)
                if spec is None or spec.kind not in ("partner",):
                    problems.append(
                        Problem(
                            f"{path}.notify.{moment}.{i}",
                            f"'{fact}' is not a partner fact of this definition; notify names facts of kind 'partner'",
                        )
                    )

    for fname, spec in d.facts.items():
        path = f"facts.{fname}"
        if not SLUG.match(fname):
            problems.append(Problem(path, "a fact name is lowercase letters, digits, '-' or '_'"))
        if spec.kind == "checklist" and not spec.items:
            problems.append(Problem(f"{path}.items", "a checklist needs at least one item"))
        if spec.kind != "checklist" and spec.items:
            problems.append(Problem(f"{path}.items", "only a checklist has items"))
        if spec.kind == "partner":
            if spec.partner_kind not in PARTNER_KINDS:
                problems.append(
                    Problem(
                        f"{path}.partner_kind",
                        f"unknown partner role '{spec.partner_kind}'; known: {', '.join(PARTNER_KINDS)}",
                    )
                )
        elif spec.partner_kind is not None:
            problems.append(Problem(f"{path}.partner_kind", "only a partner fact has a partner_kind"))
        if spec.kind == "record" and not spec.fields:
            problems.append(Problem(f"{path}.fields", "a record needs at least one field"))
        if spec.kind != "certificate":
            if spec.remind_before_expiry is not None:
                problems.append(Problem(f"{path}.remind_before_expiry", "only a certificate expires"))
            if spec.suspend_when_lapsed:
                problems.append(Problem(f"{path}.suspend_when_lapsed", "only a certificate lapses"))

    if d.referrals is not None:
        for code, service in d.referrals.services.items():
            if not SLUG.match(code):
                problems.append(
                    Problem(f"referrals.services.{code}", "a service code is lowercase letters, digits, '-' or '_'")
                )
            for i, kind in enumerate(service.partner_kinds):
                if kind not in PARTNER_KINDS:
                    problems.append(
                        Problem(
                            f"referrals.services.{code}.partner_kinds.{i}",
                            f"unknown partner role '{kind}'; known: {', '.join(PARTNER_KINDS)}",
                        )
                    )

    seen: dict[tuple[str, str], int] = {}
    for i, t in enumerate(d.transitions):
        path = f"transitions.{i}"
        if not SLUG.match(t.trigger):
            problems.append(Problem(f"{path}.trigger", "a trigger is lowercase letters, digits, '-' or '_'"))
        if t.trigger in RESERVED_TRIGGERS or t.trigger.startswith(("may_", "to_")):
            problems.append(Problem(f"{path}.trigger", f"'{t.trigger}' is reserved; choose another trigger name"))
        raw_sources = [t.source] if isinstance(t.source, str) else t.source
        if not raw_sources:
            problems.append(Problem(f"{path}.source", "a move needs at least one source stage"))
        for j, src in enumerate(raw_sources):
            if src == ANY_OPEN_STAGE:
                if not isinstance(t.source, str):
                    problems.append(
                        Problem(f"{path}.source.{j}", "'*' (any open stage) stands alone: write source: '*'")
                    )
                continue
            src_path = f"{path}.source" if isinstance(t.source, str) else f"{path}.source.{j}"
            if src not in stages:
                problems.append(Problem(src_path, f"unknown stage '{src}'"))
            elif stages[src].terminal:
                problems.append(Problem(src_path, f"'{src}' is terminal: a terminal stage is final, nothing leaves it"))
        if t.dest not in stages:
            problems.append(Problem(f"{path}.dest", f"unknown stage '{t.dest}'"))
        for src in t.sources(d):
            if src in stages:
                key = (t.trigger, src)
                if key in seen:
                    problems.append(
                        Problem(
                            f"{path}.trigger",
                            f"trigger '{t.trigger}' from '{src}' is already defined by transitions.{seen[key]}",
                        )
                    )
                seen[key] = i
        for k, g in enumerate(t.guards):
            gpath = f"{path}.guards.{k}"
            spec_fn = GUARDS.get(g.guard)
            if spec_fn is None:
                problems.append(
                    Problem(f"{gpath}.guard", f"unknown guard '{g.guard}'; known: {', '.join(sorted(GUARDS))}")
                )
                continue
            problems += [Problem(gpath, msg) for msg in spec_fn.check_ref(g, d, t)]

    for outcome, stage_name in d.outcomes.items():
        if stage_name not in stages:
            problems.append(Problem(f"outcomes.{outcome}", f"unknown stage '{stage_name}'"))
        elif not stages[stage_name].terminal:
            problems.append(
                Problem(f"outcomes.{outcome}", f"'{stage_name}' is not terminal; an outcome closes the case")
            )

    problems += check_legal(d)
    if not problems:
        problems += _reachability(d)
    return problems


def _reachability(d: Definition) -> list[Problem]:
    problems: list[Problem] = []
    reached = {d.initial}
    queue = deque([d.initial])
    while queue:
        current = queue.popleft()
        for t in d.transitions_from(current):
            if t.dest not in reached:
                reached.add(t.dest)
                queue.append(t.dest)
    for name in d.outcomes.values():
        reached.add(name)
    for name in d.stages:
        if name not in reached:
            problems.append(
                Problem(f"stages.{name}", f"unreachable: no sequence of moves from '{d.initial}' leads here")
            )
    # every open stage must be able to reach a terminal stage (no dead ends)
    can_end = set(d.terminal_stages())
    changed = True
    while changed:
        changed = False
        for t in d.transitions:
            for src in t.sources(d):
                if src not in can_end and t.dest in can_end:
                    can_end.add(src)
                    changed = True
    if d.outcomes:
        can_end |= {n for n, s in d.stages.items() if not s.terminal}
    for name, stage in d.stages.items():
        if not stage.terminal and name not in can_end:
            problems.append(
                Problem(f"stages.{name}", "dead end: no sequence of moves from here reaches a terminal stage")
            )
    return problems
