"""Two worker processes projecting the same cases' batches at once, each in its own order,
never store an event twice, never leave a gap, and leave every stage period closed by the
next one (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from projection_race import event_stream, project_in_order
from sqlalchemy import Engine, select

from pathway.core.events import StageEntered, VisitRecorded
from pathway.store.models import Case, CaseEvent, StagePeriod, Visit

CASES = [f"race-{i}" for i in range(4)]


def test_two_processes_projecting_out_of_order_leave_no_duplicate_and_no_gap(store_engine: Engine) -> None:
    url = store_engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start = manager.Barrier(2)
        with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
            done = [pool.submit(project_in_order, url, CASES, seed, start) for seed in (1, 2)]
            assert all(f.result(timeout=120) > 0 for f in done)

    events = event_stream()
    entered = [e for e in events if isinstance(e, StageEntered)]
    n_visits = sum(isinstance(e, VisitRecorded) for e in events)
    with store_engine.connect() as conn:
        for case_id in CASES:
            seqs = (
                conn.execute(select(CaseEvent.seq).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))
                .scalars()
                .all()
            )
            assert seqs == list(range(1, len(events) + 1)), f"{case_id}: duplicates or gaps in {seqs}"
            visits = conn.execute(select(Visit.seq).where(Visit.case_id == case_id)).scalars().all()
            assert len(visits) == len(set(visits)) == n_visits
            periods = conn.execute(
                select(StagePeriod.seq, StagePeriod.stage, StagePeriod.entered_at, StagePeriod.left_at)
                .where(StagePeriod.case_id == case_id)
                .order_by(StagePeriod.seq)
            ).all()
            assert [(p.seq, p.stage) for p in periods] == [(e.seq, e.stage) for e in entered]
            # Each stay ends exactly when the next one starts; only the last is open.
            assert [p.left_at for p in periods] == [p.entered_at for p in periods[1:]] + [None], case_id
            row = conn.execute(select(Case.last_seq, Case.stage).where(Case.id == case_id)).one()
            assert (row.last_seq, row.stage) == (len(events), entered[-1].stage)
