"""The named guard predicates a definition may use.

A guard answers "may this move happen now?" from the case's facts and clocks. When it says
no, it says why, in English and Polish, naming the fact, so that a coordinator can act on it.
Guards are pure: ``now`` is passed in (``workflow.now()`` inside a workflow).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pathway.core.calendar import local_date
from pathway.core.certificates import expires_on, is_recorded
from pathway.core.errors import GuardFailure
from pathway.core.household import ALL_MEMBERS_MET
from pathway.core.plan import PlanSkeleton, problems

if TYPE_CHECKING:
    from pathway.core.definition import Definition, GuardRef, Transition


@dataclass(frozen=True)
class GuardContext:
    definition: Definition
    stage: str
    facts: Mapping[str, Any]
    now: datetime
    duration_ends_at: datetime | None = None
    visits_in_stage: int = 0
    plan: PlanSkeleton | None = None
    # Household members recorded but never present at a visit (pathway.core.household).
    members_unmet: int = 0

    @property
    def today(self) -> date:
        return local_date(self.now, self.definition.timezone)


Evaluate = Callable[["GuardRef", GuardContext], "GuardFailure | None"]
CheckRef = Callable[["GuardRef", "Definition", "Transition"], list[str]]


@dataclass(frozen=True)
class GuardSpec:
    name: str
    evaluate: Evaluate
    check_ref: CheckRef
    description: str


def _fact_title(ref: GuardRef, ctx: GuardContext) -> tuple[str, str]:
    spec = ctx.definition.facts[ref.fact or ""]
    return spec.title.en, spec.title.pl


def _needs_fact(*kinds: str) -> CheckRef:
    def check(ref: GuardRef, d: Definition, t: Transition) -> list[str]:
        if not ref.fact:
            return [f"guard '{ref.guard}' needs 'fact: <name>'"]
        spec = d.facts.get(ref.fact)
        if spec is None:
            return [f"guard '{ref.guard}' names unknown fact '{ref.fact}'; declare it under 'facts'"]
        if kinds and spec.kind not in kinds:
            return [f"guard '{ref.guard}' needs a fact of kind {' or '.join(kinds)}; '{ref.fact}' is a {spec.kind}"]
        return []

    return check


def _checklist_complete(ref: GuardRef, ctx: GuardContext) -> GuardFailure | None:
    spec = ctx.definition.facts[ref.fact or ""]
    done = ctx.facts.get(ref.fact or "") or {}
    missing = [item for item in spec.items if not done.get(item)]
    # An item about the whole household is not done while a member was never met, even if it
    # was ticked before that member was recorded.
    unmet = [i for i, item in spec.items.items() if item.requires == ALL_MEMBERS_MET and i not in missing]
    if ctx.members_unmet:
        missing += unmet
    if not missing:
        return None
    en, pl = _fact_title(ref, ctx)
    missing_en = ", ".join(spec.items[i].title.en for i in missing)
    missing_pl = ", ".join(spec.items[i].title.pl for i in missing)
    if ctx.members_unmet and unmet:
        missing_en += f" ({ctx.members_unmet} household member(s) not yet present at a visit)"
        missing_pl += f" (członkowie rodziny jeszcze nieobecni na wizycie: {ctx.members_unmet})"
    return GuardFailure(
        guard=ref.guard,
        fact=ref.fact,
        reason=f"checklist '{en}' is not complete; missing: {missing_en}",
        reason_pl=f"lista '{pl}' nie jest zakończona; brakuje: {missing_pl}",
    )


def _fact_recorded(ref: GuardRef, ctx: GuardContext) -> GuardFailure | None:
    value = ctx.facts.get(ref.fact or "")
    if value not in (None, False, {}, []):
        return None
    en, pl = _fact_title(ref, ctx)
    return GuardFailure(ref.guard, f"'{en}' is not recorded", f"brak wpisu: '{pl}'", ref.fact)


def _partner_assigned(ref: GuardRef, ctx: GuardContext) -> GuardFailure | None:
    spec = ctx.definition.facts[ref.fact or ""]
    value = ctx.facts.get(ref.fact or "")
    if isinstance(value, dict) and value.get("partner_id") and value.get("partner_kind") == spec.partner_kind:
        return None
    en, pl = _fact_title(ref, ctx)
    return GuardFailure(
        ref.guard,
        f"'{en}' needs a partner of kind '{spec.partner_kind}'",
        f"'{pl}' wymaga instytucji partnerskiej rodzaju '{spec.partner_kind}'",
        ref.fact,
    )


def _certificate_valid(ref: GuardRef, ctx: GuardContext) -> GuardFailure | None:
    value = ctx.facts.get(ref.fact or "")
    en, pl = _fact_title(ref, ctx)
    if not is_recorded(value):
        return GuardFailure(ref.guard, f"'{en}' is not recorded", f"brak wpisu: '{pl}'", ref.fact)
    valid_until = expires_on(value)  # None: permanent ("na stałe"), valid for good
    if valid_until is not None and valid_until < ctx.today:
        return GuardFailure(
            ref.guard,
            f"'{en}' expired on {valid_until.isoformat()}",
            f"'{pl}' straciło ważność {valid_until.isoformat()}",
            ref.fact,
        )
    return None


def _duration_elapsed(ref: GuardRef, ctx: GuardContext) -> GuardFailure | None:
    ends = ctx.duration_ends_at
    if ends is not None and ctx.now >= ends:
        return None
    until = local_date(ends, ctx.definition.timezone).isoformat() if ends else "?"
    return GuardFailure(
        ref.guard,
        f"the stage's fixed duration has not elapsed (ends {until})",
        f"etap jeszcze trwa (koniec {until})",
    )


def _check_duration_ref(ref: GuardRef, d: Definition, t: Transition) -> list[str]:
    without = [s for s in t.sources(d) if d.stages.get(s) is not None and d.stages[s].duration is None]
    if without:
        return [f"guard 'duration_elapsed' on a move from a stage without 'duration': {', '.join(without)}"]
    return []


def _min_visits(ref: GuardRef, ctx: GuardContext) -> GuardFailure | None:
    need = ref.count or 1
    if ctx.visits_in_stage >= need:
        return None
    return GuardFailure(
        ref.guard,
        f"{need} visit(s) needed in this stage, {ctx.visits_in_stage} recorded",
        f"wymagane wizyty w tym etapie: {need}, odnotowano: {ctx.visits_in_stage}",
    )


def _check_count(ref: GuardRef, d: Definition, t: Transition) -> list[str]:
    return [] if ref.count and ref.count > 0 else ["guard 'min_visits_in_stage' needs 'count: <n>' (at least 1)"]


def _plan_complete(ref: GuardRef, ctx: GuardContext) -> GuardFailure | None:
    policy = ctx.definition.plan
    found = problems(policy, ctx.plan) if policy is not None else []
    if not found:
        return None
    return GuardFailure(
        ref.guard,
        "the plan is not complete: " + "; ".join(p.reason for p in found),
        "plan nie jest kompletny: " + "; ".join(p.reason_pl for p in found),
    )


def _check_plan_ref(ref: GuardRef, d: Definition, t: Transition) -> list[str]:
    return [] if d.plan is not None else ["guard 'plan_complete' needs 'plan:' in the definition (what a plan needs)"]


GUARDS: dict[str, GuardSpec] = {
    spec.name: spec
    for spec in (
        GuardSpec(
            "checklist_complete", _checklist_complete, _needs_fact("checklist"), "every item of a checklist is done"
        ),
        GuardSpec("fact_recorded", _fact_recorded, _needs_fact(), "a fact has a value"),
        GuardSpec(
            "partner_assigned", _partner_assigned, _needs_fact("partner"), "a partner of the fact's kind is assigned"
        ),
        GuardSpec("certificate_valid", _certificate_valid, _needs_fact("certificate"), "a certificate is valid today"),
        GuardSpec("duration_elapsed", _duration_elapsed, _check_duration_ref, "the stage's fixed duration is over"),
        GuardSpec("min_visits_in_stage", _min_visits, _check_count, "at least N visits in the current stage"),
        GuardSpec("plan_complete", _plan_complete, _check_plan_ref, "the plan has what the definition asks of it"),
    )
}


def evaluate(refs: list[GuardRef], ctx: GuardContext) -> list[GuardFailure]:
    failures = []
    for ref in refs:
        failure = GUARDS[ref.guard].evaluate(ref, ctx)
        if failure is not None:
            failures.append(failure)
    return failures
