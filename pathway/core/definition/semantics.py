"""Semantic validation: what pydantic's types cannot say (names, references between stages,
facts and guards, reachability, no dead ends)."""

from __future__ import annotations

from collections import deque

from pathway.core.definition.models import (
    ANY_OPEN_STAGE,
    DOCUMENT_KINDS,
    PARTNER_KINDS,
    RESERVED_TRIGGERS,
    SLUG,
    Definition,
)
from pathway.core.errors import Problem
from pathway.core.guards import GUARDS
from pathway.core.household import ROLES
from pathway.core.legal_basis import check_legal


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

    for i, kind in enumerate(d.documents or []):
        if kind not in DOCUMENT_KINDS:
            problems.append(Problem(f"documents.{i}", f"unknown document '{kind}'; known: {', '.join(DOCUMENT_KINDS)}"))
        elif kind == "referral" and d.referrals is None:
            problems.append(Problem(f"documents.{i}", "a referral letter needs 'referrals' in the definition"))
        elif kind == "plan" and d.plan is None:
            problems.append(Problem(f"documents.{i}", "a plan document needs 'plan' in the definition"))

    problems += check_legal(d)
    problems += _household_roles(d)
    if not problems:
        problems += _reachability(d)
    return problems


def _household_roles(d: Definition) -> list[Problem]:
    roles = d.household_roles or []
    problems = [
        Problem("household_roles", f"unknown role '{r}'; roles are: {', '.join(ROLES)}")
        for r in roles
        if r not in ROLES
    ]
    if len(set(roles)) != len(roles):
        problems.append(Problem("household_roles", "a role is named twice"))
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
    internship = d.profile.internship if d.profile else None
    for part in ("stage", "employment") if internship else ():
        if getattr(internship, part) not in d.stages:
            problems.append(Problem(f"profile.internship.{part}", f"unknown stage '{getattr(internship, part)}'"))
    return problems
