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
import gc
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
from pathway.core import overdue
from pathway.readmodels import stalled as audit
from pathway.readmodels.stalled_limits import audit_columns, limits_for
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, PlanActionRow, PlanReviewRow

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # pgstore: a fresh PostgreSQL database
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
TZ = "Europe/Warsaw"
UNITS = [f"unit-{i}" for i in range(8)]
COORDINATORS = {u: [f"coord-{u}-{i}" for i in range(40)] for u in UNITS}  # ~300 cases each


def build(url: str, n: int, definitions: dict, filled: bool = True) -> None:
    rng = random.Random(20260504)
    actions: list[dict] = []
    reviews: list[dict] = []
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
        case_id = f"{i:032x}"
        if status in ("active", "paused") and rng.random() < 0.3:  # a plan: its actions and review
            review = (NOW + timedelta(days=rng.uniform(-20, 150))).date()
            reviews.append(
                {"case_id": case_id, "version": 1, "agreed_on": review - timedelta(days=180)}
                | {"due_on": review, "due_at": overdue.due_at(review, TZ)}
            )
            for k in range(rng.randint(1, 4)):
                due_on = (NOW + timedelta(days=rng.uniform(-30, 90))).date()
                actions.append(
                    {"case_id": case_id, "action_id": f"a{k}", "goal_id": "g1", "version": 1}
                    | {"owner_kind": "coordinator", "owner_id": None, "due_on": due_on}
                    | {"due_at": overdue.due_at(due_on, TZ), "reason": None}
                    | {"status": rng.choices(["planned", "done", "dropped"], weights=[70, 25, 5])[0]}
                )
        rows.append(
            {
                "id": case_id,
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
        # The audit's answers, as the projection stores them (``--unfilled``: a store not yet
        # filled after upgrading, whose rows the audit computes in Python).
        rows[-1].update(audit_columns(rows[-1], limits_for(definitions, definition_id)) if filled else {})
    with engine.begin() as conn:
        for table, values in ((Case, rows), (PlanActionRow, actions), (PlanReviewRow, reviews)):
            for start in range(0, len(values), 10_000):
                conn.execute(insert(table), values[start : start + 10_000])
        conn.execute(text("ANALYZE"))
    engine.dispose()


def timed(fn) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """(wall, CPU of this process, result) of one run. Each run starts with no garbage left by
    the one before (the audit pauses the cyclic collector while it runs, and the collections
    it put off would otherwise land in the next run, the baseline's); the collection is
    not timed."""
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, time.process_time() - c0, result


def without_collector(fn):  # type: ignore[no-untyped-def]
    """``fn`` with the cyclic collector off, as the audit runs: the baseline pays for no
    collection the audit does not pay for either."""

    def run():  # type: ignore[no-untyped-def]
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()

    return run


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
    parser.add_argument("--unfilled", action="store_true", help="a store without the audit's stored answers")
    args = parser.parse_args()
    definitions = Catalog.load(ROOT / "definitions").definitions()
    with store_url(args.store, args.keep) as (url, built):
        if not built:
            t0 = time.perf_counter()
            build(url, args.cases, definitions, filled=not args.unfilled)
            print(f"built {args.cases:,} cases in {time.perf_counter() - t0:.1f} s ({args.store})")
        measure(make_engine(url), args, definitions)


def measure(engine, args: argparse.Namespace, definitions: dict) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    with Session(engine) as session:

        def full() -> list[audit.StalledRow]:
            return audit.stalled(session, now=NOW, definitions=definitions)

        def driver_sql(run) -> tuple[str, object]:  # type: ignore[no-untyped-def]
            """The statement and parameters ``run`` sends to the driver."""
            captured: list[tuple[str, object]] = []

            def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
                captured.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", grab)
            try:
                run()
            finally:
                event.remove(engine, "before_cursor_execute", grab)
            return captured[0]

        # The baseline: the indexed SELECT of the same stalled rows, their columns as stored
        # (nothing computed, not sorted), on the driver's own connection: what fetching the
        # stalled rows costs at the least. Also timed: the audit's own (finished, sorted)
        # statement run bare, to tell what the SQL adds from what Python adds.
        dialect = engine.dialect.name
        bare_statement = audit.audit_statement(dialect, now=NOW, definitions=definitions, bare=True)[0]
        statement, parameters = driver_sql(lambda: session.connection().execute(bare_statement).fetchall())
        sent, sent_parameters = driver_sql(full)
        raw = session.connection().connection.driver_connection

        @without_collector
        def bare() -> list[tuple]:
            return raw.execute(statement, parameters).fetchall()

        @without_collector
        def sent_bare() -> list[tuple]:
            return raw.execute(sent, sent_parameters).fetchall()

        # Interleaved (audit, bare, audit's statement bare ...): on a shared machine the load
        # moves between runs, and each triple sees the same load.
        # CPU time too: on SQLite all the work is this process's, and on a machine whose load
        # is several times its cores the CPU time moves far less than the wall time.
        fulls, bares, sents, ratios, cpu_ratios = [], [], [], [], []
        cpu_full, cpu_bare = [], []
        rows: object = None
        raw_rows: list[tuple] = []
        for _ in range(args.repeat):
            t_f, c_f, rows = timed(full)
            t_b, c_b, raw_rows = timed(bare)  # type: ignore[assignment]
            t_s, _c_s, _sent_rows = timed(sent_bare)
            fulls.append(t_f)
            bares.append(t_b)
            sents.append(t_s)
            cpu_full.append(c_f)
            cpu_bare.append(c_b)
            ratios.append(t_f / t_b)
            cpu_ratios.append(c_f / max(c_b, 1e-9))
        t_full, t_bare, t_sent = statistics.median(fulls), statistics.median(bares), statistics.median(sents)
        by_rule: dict[str, int] = {}
        for r in rows:  # type: ignore[union-attr]
            by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
        print(f"store: {args.store}; cases: {args.cases:,}; stalled rows: {len(rows):,} {by_rule}")  # type: ignore[arg-type]
        n = args.repeat
        got = f"{len(raw_rows):,} rows"
        print(f"bare indexed SELECT : {t_bare * 1000:8.1f} ms  ({got}, median of {n}; min {min(bares) * 1000:.1f})")
        done = "finished and sorted by the database" if dialect == "postgresql" else "finished; sorted by the audit"
        sorted_ = f"{done}; min {min(sents) * 1000:.1f}"
        print(f"audit's SQL, bare   : {t_sent * 1000:8.1f} ms  ({sorted_})")
        print(f"stalled audit       : {t_full * 1000:8.1f} ms  (median of {n}; min {min(fulls) * 1000:.1f})")
        print(
            f"CPU of this process : bare {statistics.median(cpu_bare) * 1000:.1f} ms (min {min(cpu_bare) * 1000:.1f}), "
            f"audit {statistics.median(cpu_full) * 1000:.1f} ms (min {min(cpu_full) * 1000:.1f})"
        )
        for name, (text_, params) in {
            "bare SELECT": (statement, parameters),
            "audit's": (sent, sent_parameters),
        }.items():
            lines = plan(raw, dialect, text_, params)
            index_scans = sum(
                "Index Scan" in line or "USING INDEX" in line or "USING COVERING INDEX" in line for line in lines
            )
            # SQLite's "SCAN <table>" reads the whole table, through an index or not ("SCAN
            # stalled" is the outer query reading the union's rows, no table).
            tables = ("cases", "plan_actions", "plan_reviews")
            table_scans = sum("Seq Scan" in line or any(f"SCAN {t} " in f"{line} " for t in tables) for line in lines)
            print(f"query plan ({name}): {len(lines)} lines, {index_scans} index scans, {table_scans} full table scans")
            for line in lines[: args.plan_lines]:
                print("  " + line)
            if len(lines) > args.plan_lines:
                print(f"  … ({len(lines) - args.plan_lines} more lines: --plan-lines)")
        load = os.getloadavg()
        print(f"machine load (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        cpu = statistics.median(cpu_ratios)
        print(
            f"ratio audit / bare  : {statistics.median(ratios):8.2f}x wall (min {min(ratios):.2f}x), {cpu:.2f}x CPU "
            f"of this process (medians of {n} interleaved runs); the audit's SQL bare / bare: {t_sent / t_bare:.2f}x"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
