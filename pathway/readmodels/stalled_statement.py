"""The stalled audit's one statement (``pathway.readmodels.stalled``), built from what the
audit asks (``stalled_ask``): a ``UNION ALL`` of indexed range scans, one branch per (rule,
definition; the plan rules one per grace), each giving its rows' answers where the store
holds them (``stalled_answers``), finished by ``stalled_finish``. Every value that changes
from one audit to the next is a parameter named as ``stalled_ask`` names it, so the
statement is built once per shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Date, String, and_, bindparam, or_, union_all
from sqlalchemy import select as core_select
from sqlmodel import col

from pathway.core.calendar import Duration
from pathway.readmodels.stalled_answers import Branch
from pathway.readmodels.stalled_ask import COORDINATOR, STAGE_DUE, UNIT, AuditAsk, Selector, idle_limit, today_name
from pathway.readmodels.stalled_finish import columns, finished_statement
from pathway.readmodels.stalled_limits import DEFAULT_TZ, Limits
from pathway.readmodels.stalled_plan import PLAN_RULES
from pathway.store.models import Case
from pathway.store.models.columns import UTCDateTime

# Each branch's rule, limit (None: late from the clock itself) and zone, by branch number.
Meaning = list[tuple[str, Duration | None, str]]


def audit_union(
    dialect: str, ask: AuditAsk, weights: Mapping[str, int], *, high: int, medium: int, bare: bool = False
) -> tuple[Any, Meaning]:
    """The statement of ``ask``'s shape, its values bound by name, and what each of its
    branches means; ``weights``: a rule's weight of a day late, ``high``/``medium``: the
    severities' least scores."""
    values, rule, inactive_days = ask.values, ask.rule, ask.inactive_days

    def bound(name: str, type_: Any) -> Any:
        return bindparam(name, values[name], type_=type_)

    def ranges_of(duration: Duration, tz: str) -> list[Any]:
        return [
            (None if lo is None else bound(lo, _CLOCK), bound(hi, _CLOCK)) for lo, hi in ask.range_names(duration, tz)
        ]

    def today(tz: str) -> Any:
        return bound(today_name(tz), Date())

    filters: list[ColumnElement[bool]] = []
    if UNIT in values:
        filters.append(col(Case.unit_id) == bound(UNIT, String()))
    if COORDINATOR in values:
        filters.append(col(Case.coordinator_id) == bound(COORDINATOR, String()))
    if ask.definition_id is not None:
        filters.append(col(Case.definition_id) == ask.definition_id)
    groups: list[tuple[ColumnElement[bool] | None, Limits]] = [
        (_selected(selector), limits) for selector, limits in ask.groups
    ]

    # branch number -> (rule, duration or None, tz); the branch number travels with each row.
    branches: list[Any] = []
    meaning: list[tuple[str, Duration | None, str]] = []

    def branch(name: str, status: str, clock: Any, ranges: list[Any], limits: Branch, group: Any) -> None:
        within = [col(clock) < hi if lo is None else and_(col(clock) >= lo, col(clock) < hi) for lo, hi in ranges]
        where = [col(Case.status) == status, within[0] if len(within) == 1 else or_(*within), *filters]
        if group is not None:
            where.append(group)
        since, days = (None, None) if bare else limits.answers(clock)
        number = len(meaning)
        branches.append(core_select(*columns(number, name, weights[name], clock, since, days)).where(and_(*where)))
        meaning.append((name, limits.duration, limits.tz))

    if rule in (None, "stage_overdue"):
        # Due AT now is overdue (``overdue.is_overdue``: the reminder fires then), so the
        # range ends just after now (as Temporal's ``StageDueAt <= now``). Its days are the
        # stored ones when every definition counts them in the one zone the store used.
        zones = {limits.tz for _group, limits in groups} | {DEFAULT_TZ}
        stage = Branch.due(Case.stage_due_on, DEFAULT_TZ, today(DEFAULT_TZ), single_zone=len(zones) == 1)
        branch("stage_overdue", "active", Case.stage_due_at, [(None, bound(STAGE_DUE, _CLOCK))], stage, None)
    for group, limits in groups:
        grace = ranges_of(limits.visit_grace, limits.tz)
        if rule in (None, "visit_overdue"):
            visit = Branch.due(Case.next_visit_due_on, limits.tz, today(limits.tz), duration=limits.visit_grace)
            branch("visit_overdue", "active", Case.next_visit_due_at, grace, visit, group)
        if rule in (None, "paused_too_long"):
            pause = Branch.ends(Case.pause_limit, Case.pause_ends_at, Case.pause_ends_on, limits.pause_max, limits.tz)
            ranges = ranges_of(limits.pause_max, limits.tz)
            branch("paused_too_long", "paused", Case.paused_at, ranges, pause.on(today(limits.tz)), group)
    # The plan rules start from the late actions (reviews) and join their cases: one branch
    # for all the definitions sharing a grace, so the late rows are found once, not once per
    # definition (and the cases of no known definition are not scanned for on their own).
    graces: dict[tuple[Duration, str], list[Any]] = {}
    for group, limits in groups:
        graces.setdefault((limits.visit_grace, limits.tz), []).append(group)
    for name, late in PLAN_RULES.items():
        if rule not in (None, name):
            continue
        for (plan_grace, tz), members in graces.items():
            ranges = ranges_of(plan_grace, tz)
            alike = None if len(members) == len(groups) else or_(*members)
            where = [*filters, *([alike] if alike is not None else [])]
            answers = None if bare else Branch.due(None, tz, today(tz), duration=plan_grace)
            branches.append(late(len(meaning), weights[name], ranges, where, answers))
            meaning.append((name, plan_grace, tz))
    if rule in (None, "inactive"):
        chosen = [(None, Limits.default())] if inactive_days is not None else groups
        for group, limits in chosen:
            limit = idle_limit(inactive_days) if inactive_days is not None else limits.inactivity
            tz = DEFAULT_TZ if inactive_days is not None else limits.tz
            idle = Branch.ends(Case.inactive_limit, Case.inactive_since, Case.inactive_since_on, limit, tz)
            branch("inactive", "active", Case.last_activity_at, ranges_of(limit, tz), idle.on(today(tz)), group)

    if bare:
        combine: Any = union_all
        return (branches[0] if len(branches) == 1 else combine(*branches)), meaning
    return finished_statement(branches, high=high, medium=medium, postgresql=dialect == "postgresql"), meaning


def _selected(selector: Selector) -> ColumnElement[bool] | None:
    """The cases of a group: of one definition, of none of the known ones, or all."""
    if selector is None:
        return None
    if isinstance(selector, str):
        return col(Case.definition_id) == selector
    return col(Case.definition_id).not_in(selector)


_CLOCK = UTCDateTime()
