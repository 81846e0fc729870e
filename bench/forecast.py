"""Benchmark: the supervisors' forecast, 10,000 open cases x 26 weeks (issue 16, item 5).

Builds a SQLite store with N active cases of one unit (every definition of ``definitions/``,
a stage along each main path, its deadline or fixed duration, the visit cadence's next due
date from a last visit 0-14 days ago; 40 coordinators, two of them away for a month), then
times (median of ``--repeat``):

- **read**: the unit's open cases from the store (``pathway.readmodels.forecast.open_cases``);
- **forecast**: every case resumed and run forward through its own definition in the pure
  core (``pathway.core.forecast.forecast``: ``Case.fire_due`` and ``Case.apply`` as the
  workflow drives them), tallied per coordinator per week;
- **baseline**: a bare loop stepping the same number of clock events per case (two clocks,
  the earlier one moved on each step: what any simulation of these events costs without the
  rules).

Prints the machine's load, the figures, and the ratio forecast / baseline as its last line.

    .venv/bin/python bench/forecast.py [--cases 10000] [--weeks 26] [--visits-per-week 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from pathway.app.catalog import Catalog
from pathway.core import calendar as cal
from pathway.core.forecast import Absence, Assumptions, CaseStart, Forecast, forecast
from pathway.readmodels.forecast import open_cases
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
UNIT = "unit-bench"
COORDINATORS = [f"coord-{i}" for i in range(40)]


def build(url: str, n: int, catalog: Catalog) -> None:
    rng = random.Random(20261207)
    entries = catalog.entries()
    rows = []
    for i in range(n):
        d = rng.choice(entries).definition
        stage_name = rng.choice([s for s in d.main_path() if not d.stages[s].terminal])
        stage = d.stages[stage_name]
        entered = NOW - timedelta(days=rng.expovariate(1 / 25), hours=rng.uniform(0, 8))
        last_visit = NOW - timedelta(days=rng.uniform(0, 14))
        duration_ends = cal.ends_at(entered, stage.duration, d.timezone) if stage.duration else None
        deadline = stage.deadline
        due = cal.deadline_at(duration_ends or entered, deadline, d.timezone) if deadline else None
        rows.append(
            {
                "id": f"{i:032x}",
                "client_id": None,
                "definition_id": d.id,
                "definition_version": d.version,
                "unit_id": UNIT,
                "coordinator_id": rng.choice(COORDINATORS),
                "stage": stage_name,
                "status": "active",
                "outcome": None,
                "opened_at": entered - timedelta(days=rng.uniform(0, 200)),
                "stage_entered_at": entered,
                "stage_due_at": None if duration_ends and duration_ends > NOW else due,
                "duration_ends_at": duration_ends,
                "next_visit_due_at": cal.deadline_at(last_visit, stage.visits.every, d.timezone)
                if stage.visits
                else None,
                "last_activity_at": last_visit,
                "paused_at": None,
                "closed_at": None,
                "last_seq": 5,
            }
        )
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(insert(Case), rows)
    engine.dispose()


def bare(events_per_case: list[int]) -> int:
    """Step two clocks per case, the earlier one on, as many times as the case had events."""
    stepped = 0
    day, three = timedelta(days=1), timedelta(days=3, hours=5)
    for count in events_per_case:
        a, b = NOW + day, NOW + three
        for _ in range(count):
            if a <= b:
                a += three
            else:
                b += day
            stepped += 1
    return stepped


def events_of(report: Forecast) -> int:
    return sum(r.visits_planned + r.reminders + r.escalations for r in report.rows)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--weeks", type=int, default=26)
    p.add_argument("--visits-per-week", type=float, default=1.0)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    catalog = Catalog.load(ROOT / "definitions")
    snapshots = {(e.definition.id, e.definition.version): e.snapshot for e in catalog.entries()}
    first = date(2026, 12, 14)
    assumptions = Assumptions(
        visits_per_week=args.visits_per_week,
        weeks=args.weeks,
        absences=(
            Absence(coordinator_id="coord-0", first_day=first, last_day=first + timedelta(days=27)),
            Absence(
                coordinator_id="coord-1", first_day=first + timedelta(weeks=8), last_day=first + timedelta(weeks=12)
            ),
        ),
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'forecast.db'}"
        build(url, args.cases, catalog)
        engine = make_engine(url)
        load_before = os.getloadavg()
        reads, runs, bares = [], [], []
        report: Forecast | None = None
        starts: list[CaseStart] = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with Session(engine) as session:
                starts = open_cases(session, unit_id=UNIT)
            reads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            report = forecast(starts, lambda d, v: snapshots.get((d, v)), assumptions, now=NOW)
            runs.append(time.perf_counter() - t0)
            assert report is not None
            per_case = events_of(report) // max(report.cases, 1)
            t0 = time.perf_counter()
            bare([per_case] * report.cases)
            bares.append(time.perf_counter() - t0)
        engine.dispose()
    assert report is not None
    load_after = os.getloadavg()
    read, run, base = statistics.median(reads), statistics.median(runs), statistics.median(bares)
    totals = report.totals()
    print(f"machine load (1/5/15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print(f"machine load (1/5/15 min) after : {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(
        f"cases {report.cases:,} x {report.weeks} weeks, {args.visits_per_week:g} visits/week; "
        f"{events_of(report):,} clock events (visits {sum(t.visits_planned for t in totals):,}, "
        f"reminders {sum(t.reminders for t in totals):,}, escalations {sum(t.escalations for t in totals):,})"
    )
    first_week, last_week = totals[0].overdue_cases, totals[-1].overdue_cases
    print(f"overdue at the end of week 1 / week {report.weeks}: {first_week:,} / {last_week:,}")
    print(f"read the open cases (store)  : {read * 1000:8.1f} ms  (median of {args.repeat})")
    per_event = run / max(events_of(report), 1) * 1e6
    print(f"forecast (core)              : {run * 1000:8.1f} ms  ({per_event:.1f} µs an event)")
    print(f"read + forecast              : {(read + run) * 1000:8.1f} ms  (target: 10,000 x 26 weeks in 10 s)")
    print(f"bare loop, same events       : {base * 1000:8.1f} ms")
    print(f"ratio forecast / bare loop   : {run / base:8.1f}x")


if __name__ == "__main__":
    sys.exit(main())
