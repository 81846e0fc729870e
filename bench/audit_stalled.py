"""Benchmark: the stalled-pathway audit over 100,000 cases on the embedded SQLite store.

Builds a store (bulk insert, a realistic spread of definitions, stages, statuses, dates and
coordinators), then times the audit (``pathway.audit.stalled``: one UNION ALL statement plus
computing ``since`` for each stalled row) against the bare indexed SELECT it is built on
(the same statement, rows fetched and nothing else), prints both, their ratio and SQLite's
EXPLAIN QUERY PLAN.

    .venv/bin/python bench/audit_stalled.py [--cases 100000] [--store PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

from pathway import audit
from pathway.catalog import Catalog
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
UNITS = [f"unit-{i}" for i in range(8)]
COORDINATORS = {u: [f"coord-{u}-{i}" for i in range(40)] for u in UNITS}  # ~300 cases each


def build(path: Path, n: int, definitions: dict) -> None:
    rng = random.Random(20260504)
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    defs = list(definitions.values()) + [None]  # None: a definition no longer in the catalog
    rows = []
    for i in range(n):
        d = rng.choices(defs, weights=[6] * (len(defs) - 1) + [1])[0]
        definition_id = d.id if d else "retired-pathway"
        stages = [s for s in d.main_path() if not d.stages[s].terminal] if d else ["intake"]
        terminal = [s for s in d.stages if d.stages[s].terminal] if d else ["closed"]
        status = rng.choices(["active", "paused", "closed", "opening"], weights=[70, 5, 24, 1])[0]
        opened = NOW - timedelta(days=rng.uniform(0, 900))
        # Cases move on: most entered their stage weeks ago, within its deadline; a tail is late.
        entered = max(opened, NOW - timedelta(days=rng.expovariate(1 / 25)))
        stage = rng.choice(terminal) if status == "closed" else rng.choice(stages)
        due = entered + timedelta(days=rng.choice([30, 60, 90, 180]))
        # Visits: mostly due in the coming two weeks; some a few days late, a few weeks late.
        visit = NOW + timedelta(days=rng.uniform(-3, 14) if rng.random() < 0.9 else rng.uniform(-40, 0))
        activity = NOW - timedelta(days=rng.expovariate(1 / 6))
        unit = rng.choice(UNITS)
        rows.append({
            "id": f"{i:032x}", "client_id": None, "definition_id": definition_id, "definition_version": 1, "unit_id": unit,
            "coordinator_id": rng.choice(COORDINATORS[unit]), "stage": stage, "status": status, "outcome": None,
            "opened_at": opened, "stage_entered_at": entered, "stage_due_at": None if status == "closed" else due,
            "duration_ends_at": None, "next_visit_due_at": None if status == "closed" else visit, "last_activity_at": activity,
            "paused_at": NOW - timedelta(days=rng.uniform(0, 150)) if status == "paused" else None,
            "closed_at": NOW - timedelta(days=rng.uniform(0, 300)) if status == "closed" else None, "last_seq": 5,
        })
    with engine.begin() as conn:
        for start in range(0, n, 10_000):
            conn.execute(insert(Case), rows[start:start + 10_000])
        conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--store", type=Path, default=None, help="reuse or keep the store here")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    definitions = Catalog.load(ROOT / "definitions").definitions()
    folder = tempfile.TemporaryDirectory()
    path = args.store or Path(folder.name) / "bench.db"
    if not path.exists():
        t0 = time.perf_counter()
        build(path, args.cases, definitions)
        print(f"built {args.cases:,} cases in {time.perf_counter() - t0:.1f} s ({path})")
    engine = make_engine(f"sqlite:///{path}")
    captured: list[object] = []

    with Session(engine) as session:
        def full() -> list[audit.StalledRow]:
            return audit.stalled(session, now=NOW, definitions=definitions)

        # The statement the audit sends, captured once, then run bare (rows fetched, no Python work).
        from sqlalchemy import event

        def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            captured.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", grab)
        full()
        event.remove(engine, "before_cursor_execute", grab)
        statement, parameters = captured[0]
        raw = session.connection().connection.driver_connection

        def bare() -> list[tuple]:
            return raw.execute(statement, parameters).fetchall()

        t_full, rows = timed(full, args.repeat)
        t_bare, raw_rows = timed(bare, args.repeat)
        by_rule: dict[str, int] = {}
        for r in rows:  # type: ignore[union-attr]
            by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
        print(f"cases: {args.cases:,}; stalled rows: {len(rows):,} {by_rule}")  # type: ignore[arg-type]
        print(f"bare indexed SELECT : {t_bare * 1000:8.1f} ms  ({len(raw_rows):,} rows, median of {args.repeat})")
        print(f"stalled audit       : {t_full * 1000:8.1f} ms  (median of {args.repeat})")
        print(f"ratio audit / bare  : {t_full / t_bare:8.2f}x")
        print("EXPLAIN QUERY PLAN:")
        for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall():
            print("  " + " | ".join(str(c) for c in row[1:]))
    engine.dispose()
    folder.cleanup()


if __name__ == "__main__":
    main()
