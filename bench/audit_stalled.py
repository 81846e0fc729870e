"""Benchmark: the stalled-pathway audit over 100,000 cases, on SQLite or PostgreSQL.

Builds a store (bulk insert, a realistic spread of definitions, stages, statuses, dates and
coordinators), then times the audit (``pathway.readmodels.stalled.stalled``: one UNION ALL statement plus
computing ``since`` for each stalled row) against the bare indexed SELECT it is built on
(the same statement on the driver's own connection, rows fetched and nothing else), prints
both, their ratio and the database's query plan. PostgreSQL: a fresh database on
127.0.0.1:5432, as the tests use, dropped afterwards.

    .venv/bin/python bench/audit_stalled.py [--cases 100000] [--store sqlite|postgresql] [--keep PATH] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

from pathway.app.catalog import Catalog
from pathway.readmodels import stalled as audit
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # pgstore: a fresh PostgreSQL database
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
UNITS = [f"unit-{i}" for i in range(8)]
COORDINATORS = {u: [f"coord-{u}-{i}" for i in range(40)] for u in UNITS}  # ~300 cases each


def build(url: str, n: int, definitions: dict) -> None:
    rng = random.Random(20260504)
    engine = make_engine(url)
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
        rows.append(
            {
                "id": f"{i:032x}",
                "client_id": None,
                "definition_id": definition_id,
                "definition_version": 1,
                "unit_id": unit,
                "coordinator_id": rng.choice(COORDINATORS[unit]),
                "stage": stage,
                "status": status,
                "outcome": None,
                "opened_at": opened,
                "stage_entered_at": entered,
                "stage_due_at": None if status == "closed" else due,
                "duration_ends_at": None,
                "next_visit_due_at": None if status == "closed" else visit,
                "last_activity_at": activity,
                "paused_at": NOW - timedelta(days=rng.uniform(0, 150)) if status == "paused" else None,
                "closed_at": NOW - timedelta(days=rng.uniform(0, 300)) if status == "closed" else None,
                "last_seq": 5,
            }
        )
    with engine.begin() as conn:
        for start in range(0, n, 10_000):
            conn.execute(insert(Case), rows[start : start + 10_000])
        conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


@contextmanager
def store_url(store: str, keep: Path | None) -> Iterator[tuple[str, bool]]:
    """The store's URL, and whether it already holds the cases (a kept SQLite file)."""
    if store == "postgresql":
        from pgstore import fresh_database, require_postgres

        require_postgres()
        with fresh_database("bench") as url:
            yield url, False
        return
    with tempfile.TemporaryDirectory() as folder:
        path = keep or Path(folder) / "bench.db"
        yield f"sqlite:///{path}", path.exists()


def plan(raw, dialect: str, statement: str, parameters) -> list[str]:  # type: ignore[no-untyped-def]
    if dialect == "sqlite":
        return [
            " | ".join(str(c) for c in row[1:])
            for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
        ]
    return [row[0] for row in raw.execute("EXPLAIN " + statement, parameters).fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--keep", type=Path, default=None, help="SQLite: reuse or keep the store in this file")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--plan-lines", type=int, default=12, help="how much of the query plan to print")
    args = parser.parse_args()
    definitions = Catalog.load(ROOT / "definitions").definitions()
    with store_url(args.store, args.keep) as (url, built):
        if not built:
            t0 = time.perf_counter()
            build(url, args.cases, definitions)
            print(f"built {args.cases:,} cases in {time.perf_counter() - t0:.1f} s ({args.store})")
        measure(make_engine(url), args, definitions)


def measure(engine, args: argparse.Namespace, definitions: dict) -> None:  # type: ignore[no-untyped-def]
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

        # Interleaved (audit, bare, audit, bare ...): on a shared machine the load moves between
        # runs, and each pair sees the same load.
        # CPU time too: on SQLite all the work is this process's, and on a machine whose load
        # is several times its cores the CPU time moves far less than the wall time.
        fulls, bares, ratios, cpu_ratios = [], [], [], []
        rows: object = None
        raw_rows: list[tuple] = []
        for _ in range(args.repeat):
            c0 = time.process_time()
            t_f, rows = timed(full, 1)
            c1 = time.process_time()
            t_b, raw_rows = timed(bare, 1)  # type: ignore[assignment]
            c2 = time.process_time()
            fulls.append(t_f)
            bares.append(t_b)
            ratios.append(t_f / t_b)
            cpu_ratios.append((c1 - c0) / max(c2 - c1, 1e-9))
        t_full, t_bare = statistics.median(fulls), statistics.median(bares)
        by_rule: dict[str, int] = {}
        for r in rows:  # type: ignore[union-attr]
            by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
        print(f"store: {args.store}; cases: {args.cases:,}; stalled rows: {len(rows):,} {by_rule}")  # type: ignore[arg-type]
        print(f"bare indexed SELECT : {t_bare * 1000:8.1f} ms  ({len(raw_rows):,} rows, median of {args.repeat})")
        print(f"stalled audit       : {t_full * 1000:8.1f} ms  (median of {args.repeat})")
        ratio = statistics.median(ratios)
        lines = plan(raw, engine.dialect.name, statement, parameters)
        index_scans = sum(
            "Index Scan" in line or "USING INDEX" in line or "USING COVERING INDEX" in line for line in lines
        )
        table_scans = sum("Seq Scan" in line or ("SCAN cases" in line and "USING" not in line) for line in lines)
        print(f"query plan: {len(lines)} lines, {index_scans} index scans, {table_scans} full table scans")
        for line in lines[: args.plan_lines]:
            print("  " + line)
        if len(lines) > args.plan_lines:
            print(f"  … ({len(lines) - args.plan_lines} more lines: --plan-lines)")
        load = os.getloadavg()
        print(f"machine load (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        cpu = statistics.median(cpu_ratios)
        print(
            f"ratio audit / bare  : {ratio:8.2f}x wall, {cpu:.2f}x CPU of this process "
            f"(medians of {args.repeat} interleaved pairs)"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
