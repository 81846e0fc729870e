"""CPU per projected batch: what ``activities.projection.project`` costs the worker for the
batch every open sends (the case opened, its first stage entered), against writing the same
rows with plain statements built once (the events and the stage period inserted, the case
row updated) — the store's own work, without the projection's idempotence and ordering.

Both run on one SQLite file (``--store postgresql``: a fresh PostgreSQL database), each batch
in a transaction of its own, in alternating rounds over cases created as the API creates them;
CPU time of this thread (the worker's projection runs in a thread of its own). The ratio of
the medians last.

    .venv/bin/python bench/projection_cpu.py [--n 1000] [--rounds 5] [--store sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from common import ROOT, machine
from sqlalchemy import Connection, Engine, bindparam, insert, update
from unit.test_activities import create_case  # a client and its placeholder case row, as the API writes them

from activities.messages import ProjectEventsInput
from activities.projection import project
from pathway.app.catalog import Catalog
from pathway.core.summary import row_name, summarize
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, CaseEvent, StagePeriod
from pathway.store.tables import table_of
from workflows.messages import OpenCaseInput
from workflows.opening import first_case

_CASES, _EVENTS, _PERIODS = table_of(Case), table_of(CaseEvent), table_of(StagePeriod)
_PLAIN_EVENTS = insert(_EVENTS)
_PLAIN_PERIOD = insert(_PERIODS)
_PLAIN_CASE = update(_CASES).where(_CASES.c.id == bindparam("case"))


@contextmanager
def engine_for(store: str) -> Iterator[Engine]:
    if store == "postgresql":
        from pgstore import fresh_database, require_postgres

        require_postgres()
        with fresh_database() as url:
            engine = make_engine(url)
            create_schema(engine)
            yield engine
            engine.dispose()
        return
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{d}/bench.db")
        create_schema(engine)
        yield engine
        engine.dispose()


def opening_batches(engine: Engine, n: int, tag: str) -> list[ProjectEventsInput]:
    """n cases created in the store, each with the batch its workflow's first task projects."""
    entry = Catalog.load(ROOT / "definitions").get("model-wsparcia")
    assert entry is not None
    out = []
    for i in range(n):
        case_id = f"{tag}{i:06d}"
        create_case(engine, case_id)
        now = datetime.now(UTC)
        opening = OpenCaseInput(
            case_id=case_id,
            definition=entry.snapshot,
            coordinator_id="coord-a",
            unit_id="u1",
            actor="coord-a",
            opened_at=now,
        )
        state = first_case(opening, now).state
        out.append(ProjectEventsInput(summary=summarize(state), events=list(state.outbox)))
    return out


def plain(conn: Connection, data: ProjectEventsInput) -> None:
    """The rows ``project`` writes for an opening batch, each by a plain statement: the events
    (their JSON as stored), the first stage's period, the case row's summary columns."""
    case_id = data.summary.case_id
    rows = [
        {
            "case_id": case_id,
            "seq": e.seq,
            "kind": e.kind,
            "at": e.at,
            "actor": e.actor,
            "payload": e.model_dump(mode="json"),
        }
        for e in data.events
    ]
    conn.execute(_PLAIN_EVENTS, rows)
    period = {"case_id": case_id, "seq": 1, "stage": data.summary.stage, "entered_at": data.summary.stage_entered_at}
    conn.execute(_PLAIN_PERIOD, period)
    summary = {row_name(k): v for k, v in data.summary.model_dump().items() if k != "case_id"}
    conn.execute(_PLAIN_CASE, {"case": case_id, **summary})


def cpu_ms(
    engine: Engine, batches: list[ProjectEventsInput], write: Callable[[Connection, ProjectEventsInput], object]
) -> float:
    t = time.thread_time()
    for data in batches:
        with engine.begin() as conn:
            write(conn, data)
    return (time.thread_time() - t) * 1000 / len(batches)


def main(n: int, rounds: int, store: str) -> None:
    with engine_for(store) as engine:
        projected = opening_batches(engine, n + 50, "p")
        written = opening_batches(engine, n + 50, "w")
        cpu_ms(engine, projected[:50], project)  # warm: compiled statements, the pool
        cpu_ms(engine, written[:50], plain)
        per = n // rounds
        ours, bare = [], []
        for r in range(rounds):
            chunk = slice(50 + r * per, 50 + (r + 1) * per)
            ours.append(cpu_ms(engine, projected[chunk], project))
            bare.append(cpu_ms(engine, written[chunk], plain))
            print(f"round {r + 1}: project {ours[-1]:.3f} ms, plain statements {bare[-1]:.3f} ms", flush=True)
        print()
        print(f"machine: {machine()}; store: {store}; {per} opening batches a round, {rounds} rounds")
        o, b = statistics.median(ours), statistics.median(bare)
        print(f"CPU per opening batch: project {o:.3f} ms / plain statements {b:.3f} ms = {o / b:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    main(args.n, args.rounds, args.store)
