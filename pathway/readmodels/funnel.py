"""Outcome reports for funders: a cohort's funnel, exits and time in stage (reads the store).

A cohort is the cases of one definition opened in a period (local dates, both included).
- The funnel follows the definition's main path (``Definition.main_path()``): its open
  stages marked ``funnel: true``, then the terminal stage(s) the last of them leads to (the
  successful end). Other endings are exits, counted by outcome.
- "Reached" a stage: the case entered it at least once (a case sent back to therapy counts
  once). Conversion is reached(next) / ended(this) for consecutive funnel stages, where
  "ended" leaves out the cases still in the stage (shown apart as ``running``): for
  model-wsparcia, internship -> follow_up is the share of ENDED internships ending in
  employment (19 of 50 ended is 38%, however many still run; issue 13, item 17).
- Time in stage: completed stays only (from ``stage_periods``), median and 90th percentile
  (nearest rank) in days.
Three grouped queries, whatever the cohort's size.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from pathway.core import calendar as cal
from pathway.core.definition import Definition
from pathway.store.models import Case, StagePeriod

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Step:
    stage: str
    title_pl: str
    title_en: str
    reached: int
    share: float | None  # of the cohort
    conversion: float | None  # from the step before: of the cases whose stay there ended
    running: int = 0  # cases in this stage now (their stay has not ended)


@dataclass(frozen=True)
class Conversion:
    source: str
    target: str
    source_count: int  # cases whose stay in ``source`` has ended
    target_count: int  # of them, the cases that reached ``target``
    rate: float | None
    running: int = 0  # cases still in ``source``: not counted either way yet


@dataclass(frozen=True)
class Exit:
    outcome: str
    count: int
    share: float | None


@dataclass(frozen=True)
class StageTime:
    stage: str
    title_pl: str
    title_en: str
    stays: int
    median_days: float | None
    p90_days: float | None


@dataclass
class FunnelReport:
    definition: str
    definition_title_pl: str
    definition_title_en: str
    unit: str
    opened_from: date | None
    opened_to: date | None
    cohort: int
    still_open: int
    steps: list[Step] = field(default_factory=list)
    conversions: list[Conversion] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)
    time_in_stage: list[StageTime] = field(default_factory=list)


def funnel_stages(definition: Definition) -> list[str]:
    path = definition.main_path()
    stages = definition.stages
    steps = [s for s in path if stages[s].funnel and not stages[s].terminal]
    if steps:
        ends = {t.dest for t in definition.transitions_from(steps[-1]) if stages[t.dest].terminal}
        steps += [s for s in path if s in ends and stages[s].funnel]
    return steps


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=cal.zone(tz)).astimezone(UTC)


def cohort_of(
    definition: Definition, *, unit_id: str, opened_from: date | None, opened_to: date | None
) -> list[ColumnElement[bool]]:
    """The cases of a cohort: one definition's cases of the unit opened in the period (local
    dates, both included)."""
    if opened_from is not None and opened_to is not None and opened_to < opened_from:
        raise ValueError("opened_to is before opened_from")
    cohort = [col(Case.unit_id) == unit_id, col(Case.definition_id) == definition.id, col(Case.status) != "opening"]
    if opened_from is not None:
        cohort.append(col(Case.opened_at) >= _start(opened_from, definition.timezone))
    if opened_to is not None:
        cohort.append(col(Case.opened_at) < _start(opened_to + _DAY, definition.timezone))
    return cohort


def funnel(
    session: Session,
    *,
    definition: Definition,
    unit_id: str,
    opened_from: date | None = None,
    opened_to: date | None = None,
) -> FunnelReport:
    cohort = cohort_of(definition, unit_id=unit_id, opened_from=opened_from, opened_to=opened_to)
    conn = session.connection()

    statuses: dict[tuple[str, str | None], int] = {}
    for status, outcome, n in conn.execute(
        core_select(col(Case.status), col(Case.outcome), func.count())
        .where(*cohort)
        .group_by(col(Case.status), col(Case.outcome))
    ):
        statuses[(status, outcome)] = n
    size = sum(statuses.values())
    periods = (
        core_select(
            col(StagePeriod.stage), col(StagePeriod.case_id), col(StagePeriod.entered_at), col(StagePeriod.left_at)
        )
        .join(Case, col(Case.id) == col(StagePeriod.case_id))
        .where(*cohort)
    )
    reached_by: defaultdict[str, set[str]] = defaultdict(set)
    still_in: defaultdict[str, set[str]] = defaultdict(set)
    stays: defaultdict[str, list[float]] = defaultdict(list)
    for stage, case_id, entered, left in conn.execute(periods):
        reached_by[stage].add(case_id)
        if left is None:
            still_in[stage].add(case_id)
        else:
            stays[stage].append((left - entered) / _DAY)

    report = FunnelReport(
        definition=definition.id,
        definition_title_pl=definition.title.pl,
        definition_title_en=definition.title.en,
        unit=unit_id,
        opened_from=opened_from,
        opened_to=opened_to,
        cohort=size,
        still_open=sum(n for (status, _), n in statuses.items() if status != "closed"),
    )
    previous: tuple[str, int, int] | None = None  # (stage, ended there, still running there)
    for stage in funnel_stages(definition):
        reached = len(reached_by.get(stage, ()))
        running = 0 if definition.stages[stage].terminal else len(still_in.get(stage, set()))
        title = definition.stages[stage].title
        report.steps.append(
            Step(
                stage,
                title.pl,
                title.en,
                reached,
                _ratio(reached, size),
                _ratio(reached, previous[1]) if previous else None,
                running,
            )
        )
        if previous is not None:
            report.conversions.append(
                Conversion(previous[0], stage, previous[1], reached, _ratio(reached, previous[1]), previous[2])
            )
        previous = (stage, reached - running, running)
    closed = sorted(((o or "none", n) for (s, o), n in statuses.items() if s == "closed"), key=lambda x: (-x[1], x[0]))
    report.exits = [Exit(outcome, n, _ratio(n, size)) for outcome, n in closed]
    for stage in definition.main_path():
        spec = definition.stages[stage]
        if spec.terminal:
            continue
        days = stays.get(stage, [])
        report.time_in_stage.append(
            StageTime(
                stage,
                spec.title.pl,
                spec.title.en,
                len(days),
                round(statistics.median(days), 2) if days else None,
                round(_p90(days), 2) if days else None,
            )
        )
    return report


def csv_rows(report: FunnelReport) -> list[dict[str, object]]:
    """The report as one table (long format): a ``section`` column says which part a row is."""
    rows: list[dict[str, object]] = []
    rows += [
        {
            "section": "funnel",
            "stage": s.stage,
            "count": s.reached,
            "share": s.share,
            "conversion": s.conversion,
            "running": s.running,
        }
        for s in report.steps
    ]
    rows += [{"section": "exit", "stage": e.outcome, "count": e.count, "share": e.share} for e in report.exits]
    rows += [
        {
            "section": "time_in_stage",
            "stage": t.stage,
            "count": t.stays,
            "median_days": t.median_days,
            "p90_days": t.p90_days,
        }
        for t in report.time_in_stage
    ]
    return rows


CSV_COLUMNS = ["section", "stage", "count", "share", "conversion", "running", "median_days", "p90_days"]
