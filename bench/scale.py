"""Benchmark 2: scale.

Opens N pathways (default 10,000) through the API — each a real case: client identity
sealed in the store, the workflow started with its stage deadline and visit timers armed —
and reports:
- the start rate (cases whose first workflow task ran and whose projection landed, per
  second: what finished, not what was accepted) against starting N bare no-op workflows
  (each with a timer armed) on the same server;
- the memory of the worker process, the Temporal dev server and the API process;
- the advance latency (p50/p95/p99 of POST /cases/{id}/transitions) at 100 pathways and
  at N pathways (it must stay flat);
- the worker restarted with N pathways open (SIGTERM, a new ``pathway worker``: its cache
  empty, every case replayed from its history on its next command): advances one after
  another, each on a case not touched since the restart, their p99 per window of
  ``--window`` seconds from the moment the old worker was stopped, against the p99 of the
  same loop just before the restart (steady).

The worker runs as `pathway worker` in its own process (so its memory is its own).

    .venv/bin/python bench/scale.py [--n 10000] [--concurrency 16] [--store sqlite|postgresql]
                                    [--restart-seconds 90] [--window 10] [--cache N]
                                    [--chunks 10] [--settle 300]
                                    [--bare-process]

``--cache`` sets the worker's ``max_cached_workflows`` (default: every case cached); smaller
than N, the advances sampled at N are on cases out of the cache (opened first and made ready
then, pushed out by the opens after them), each replayed from its history first.
``--bare-process`` runs the baseline's worker in a process of its own (``bare_worker.py``):
in this process, its cached workflows share the API's garbage collector.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time

from common import Bench, embedded, fmt, machine, percentiles, rss_mb, timed
from sqlalchemy import func, select
from temporalio.service import RPCError

from pathway.store.models import Case

SAMPLE = 100  # advances measured at each size


async def open_cases(b: Bench, n: int, concurrency: int) -> tuple[list[str], float]:
    """Open n cases through the API; the seconds until every one is projected as active."""
    sem = asyncio.Semaphore(concurrency)
    ids: list[str] = []

    async def one() -> None:
        async with sem:
            ids.append(await b.open_case())

    before = active_cases(b)
    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    await wait_projected(b, before + len(ids))
    return ids, time.perf_counter() - t0


def active_cases(b: Bench) -> int:
    with b.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Case).where(Case.status == "active")).scalar_one())


async def wait_projected(b: Bench, active: int) -> None:
    """Until ``active`` cases are projected as active (the cases opened before these too)."""
    while active_cases(b) < active:
        await asyncio.sleep(0.5)


async def bare_starts(b: Bench, n: int, concurrency: int) -> float:
    """Start n bare workflows with a timer; seconds until the last one's first task ran."""
    from temporalio.api.enums.v1 import DescribeTaskQueueMode, TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    t0 = time.perf_counter()
    await b.start_bare(n, timer_days=30, concurrency=concurrency)
    # Finished = no workflow task waiting on the queue any more.
    unanswered = 0
    while True:
        try:
            d = await b.client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=b.client.namespace,
                    task_queue=TaskQueue(name=b.bare_queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                    api_mode=DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
                    report_stats=True,
                )
            )
        except RPCError:
            # A poll the busy server cancelled (the third 50,000 run ended on one, "operation
            # was canceled", after 50,000 starts): ask again, within reason.
            unanswered += 1
            if unanswered > 60:
                raise
            await asyncio.sleep(1)
            continue
        backlog = sum(
            t.stats.approximate_backlog_count for v in d.versions_info.values() for t in v.types_info.values()
        )
        if backlog == 0:
            return time.perf_counter() - t0
        await asyncio.sleep(0.2)


async def advance_sample(b: Bench, cases: list[str], k: int) -> dict[str, float]:
    chosen = random.Random(len(cases)).sample(cases, k)
    for c in chosen:  # the checklist first, so that the advance is legal
        await b.ready_to_advance(c)
    return percentiles(await timed(k, lambda i: b.advance(chosen[i])))


async def ready(b: Bench, cases: list[str], concurrency: int) -> None:
    sem = asyncio.Semaphore(concurrency)

    async def one(c: str) -> None:
        async with sem:
            await b.ready_to_advance(c)

    await asyncio.gather(*(one(c) for c in cases))


async def advances_for(b: Bench, cases: list[str], seconds: float, t0: float) -> list[tuple[float, float]]:
    """Advance ``cases`` one after another (each once) for ``seconds``: (end since t0, took)."""
    out = []
    end = t0 + seconds
    for c in cases:
        start = time.perf_counter()
        if start >= end:
            break
        await b.advance(c)
        now = time.perf_counter()
        out.append((now - t0, now - start))
    return out


def windows(samples: list[tuple[float, float]], window: float) -> list[tuple[float, dict[str, float] | None]]:
    """p50/p95/p99 of the samples ending in each window from 0 to the last (None: no sample)."""
    out: list[tuple[float, dict[str, float] | None]] = []
    last = max((t for t, _ in samples), default=0.0)
    w = 0.0
    while w <= last:
        took = [d for t, d in samples if w <= t < w + window]
        out.append((w, percentiles(took + took[:1]) if took else None))  # one sample: its own percentiles
        w += window
    return out


async def restart_recovery(b: Bench, cases: list[str], seconds: float, window: float, concurrency: int) -> None:
    steady_s, per_second = 30.0, 50  # more advances a second than this machine manages
    chosen = random.Random(7).sample(cases, min(int((steady_s + seconds) * per_second), len(cases)))
    await ready(b, chosen, concurrency)
    cut = len(chosen) * int(steady_s) // int(steady_s + seconds)
    steady = await advances_for(b, chosen[:cut], steady_s, time.perf_counter())
    base = percentiles([d for _, d in steady])
    print(f"steady, before the restart ({steady_s:.0f} s): {fmt(base)}; load {os.getloadavg()[0]:.1f}", flush=True)
    rest = chosen[cut:]
    t0 = time.perf_counter()
    stop_s, start_s = await b.restart_worker()
    print(f"worker restarted: {stop_s:.1f} s to stop, {start_s:.1f} s until the new one polls", flush=True)
    after = await advances_for(b, rest, seconds, t0)
    back_at = None
    for w, p in windows(after, window):
        if p is None:
            print(f"  {w:5.0f}-{w + window:<4.0f} s after the stop: no advance finished", flush=True)
            continue
        ratio = p["p99"] / base["p99"]
        if ratio <= 1.3 and back_at is None:
            back_at = w
        elif ratio > 1.3:
            back_at = None
        print(f"  {w:5.0f}-{w + window:<4.0f} s after the stop: {fmt(p)}  p99 {ratio:.2f}x steady", flush=True)
    print(
        f"restart: advance p99 back within 1.3x of steady ({base['p99']:.1f} ms) "
        + (
            f"from the window starting {back_at:.0f} s after the stop on"
            if back_at is not None
            else "not within the time measured"
        )
        + f"; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )


async def settle(limit_s: float, below: float) -> float:
    """Wait until the machine's one-minute load is under ``below`` (at most ``limit_s``): the
    opens' burst over, 50,000 pathways open and waiting. Returns the seconds waited."""
    t0 = time.perf_counter()
    while os.getloadavg()[0] >= below and time.perf_counter() - t0 < limit_s:
        await asyncio.sleep(5)
    return time.perf_counter() - t0


async def interleaved(b: Bench, n: int, chunks: int, concurrency: int) -> tuple[list[str], float, int, float]:
    """n bare starts and n opens, in ``chunks`` alternating rounds (bare, open, bare, ...), so
    both series meet a server of the same size: run one after the other, the opens met one
    holding the bare series' n workflows on top of their own (the 50,000 run of
    2026-12-07). Returns (case ids, seconds opening, bare starts, seconds starting them)."""
    opened: list[str] = []
    open_s = bare_s = 0.0
    bare_n = 0
    for k in range(chunks):
        size = n // chunks + (1 if k < n % chunks else 0)
        took = await bare_starts(b, size, concurrency)
        bare_n, bare_s = bare_n + size, bare_s + took
        b.sign_in_again()  # a long chunk of bare starts may outlast the session's idle time
        ids, o_s = await open_cases(b, size, concurrency)
        opened, open_s = opened + ids, open_s + o_s
        print(
            f"  round {k + 1}/{chunks}: bare {size / took:.1f}/s, opens {len(ids) / o_s:.1f}/s "
            f"({len(opened)} open; load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    return opened, open_s, bare_n, bare_s


async def main(
    n: int,
    concurrency: int,
    store: str,
    restart_seconds: float,
    window: float,
    cache: int,
    chunks: int,
    settle_s: float,
    bare_process: bool,
) -> None:
    cache = cache or max(10_000, n + 1000)
    print(f"worker cache: {cache} workflows", flush=True)
    async with embedded(store, max_cached_workflows=cache, worker_process=True, bare_process=bare_process) as b:
        small, _ = await open_cases(b, 100, concurrency)
        worker_at_small = rss_mb(b.worker_pid)
        await settle(settle_s, 1.5)  # the 100 at the load the settled sample at N meets
        at_small = await advance_sample(b, small, SAMPLE)
        print(f"advance at 100 pathways:      {fmt(at_small)}; load {os.getloadavg()[0]:.1f}", flush=True)

        # Two samples at N, opened first and made ready to advance then, so the opens after
        # them push them out of a cache smaller than N (a command brings a case back in: made
        # ready just before its advance, a sample would measure cached cases only). The first
        # is advanced right after the opens, the second once the machine has settled.
        sample, _ = await open_cases(b, 2 * SAMPLE, concurrency)
        await ready(b, sample, concurrency)
        burst, later = sample[:SAMPLE], sample[SAMPLE:]
        opened, open_s, bare_n, bare_s = await interleaved(b, n - 100 - 2 * SAMPLE, chunks, concurrency)
        rate, bare_rate = len(opened) / open_s, bare_n / bare_s
        print(f"bare starts: {bare_n} in {bare_s:.1f} s = {bare_rate:.1f}/s", flush=True)
        print(f"pathways opened via the API: {len(opened)} in {open_s:.1f} s = {rate:.1f}/s", flush=True)
        worker, server, api = rss_mb(b.worker_pid), rss_mb(b.server.pid), rss_mb()
        load_after = os.getloadavg()[0]
        at_n = percentiles(await timed(SAMPLE, lambda i: b.advance(burst[i])))
        print(f"advance at {n} pathways, right after the opens: {fmt(at_n)}; load {load_after:.1f}", flush=True)
        waited = await settle(settle_s, 1.5)
        # Beside the sample out of the cache, at the same load: the last cases opened (in the
        # cache, made ready just now) — what the cache is worth at N.
        warm = opened[-SAMPLE:]
        await ready(b, warm, concurrency)
        load_settled = os.getloadavg()[0]
        at_n_settled = percentiles(await timed(SAMPLE, lambda i: b.advance(later[i])))
        at_n_warm = percentiles(await timed(SAMPLE, lambda i: b.advance(warm[i])))
        print(
            f"advance at {n} pathways, settled ({waited:.0f} s later, load {load_settled:.1f}): "
            f"{fmt(at_n_settled)}; cached cases beside it: {fmt(at_n_warm)}",
            flush=True,
        )
        print()
        print(
            f"machine: {machine()}; store: {store}; N = {n} pathways (+ {bare_n} bare workflows on the same "
            f"server, in {chunks} rounds between the opens, their worker "
            + ("in a process of its own" if bare_process else "in the API's process")
            + f"); worker cache {cache}"
            + (" (the samples at N out of it)" if cache < n else " (every case)")
        )
        print(f"start rate: {rate:.1f} pathways/s vs {bare_rate:.1f} bare workflows/s = {rate / bare_rate:.2f}x")
        print(
            f"memory: worker {worker:.0f} MB ({worker * 1024 / n:.0f} KB per pathway; "
            f"{(worker - worker_at_small) * 1024 / (n - 100):.0f} KB per pathway above the first 100), "
            f"Temporal dev server {server:.0f} MB, API process {api:.0f} MB"
        )
        for name, p in (("right after the opens", at_n), ("settled", at_n_settled), ("settled, cached", at_n_warm)):
            print(
                f"advance at {n} ({name}) vs at 100: p50 {p['p50']:.1f} / {at_small['p50']:.1f} ms = "
                f"{p['p50'] / at_small['p50']:.2f}x; p99 {p['p99']:.1f} / {at_small['p99']:.1f} ms = "
                f"{p['p99'] / at_small['p99']:.2f}x"
            )
        print(f"opens answered 503 and sent again with their key: {b.opens_retried}")
        print(f"load: {os.getloadavg()}", flush=True)
        if restart_seconds:
            await restart_recovery(b, opened[:-SAMPLE], restart_seconds, window, concurrency)  # not the warm sample


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--restart-seconds", type=float, default=90, help="0: no restart")
    parser.add_argument("--window", type=float, default=10)
    parser.add_argument("--cache", type=int, default=0, help="max_cached_workflows (0: every case, n + 1000)")
    parser.add_argument("--chunks", type=int, default=10, help="rounds of bare starts and opens (1: all bare first)")
    parser.add_argument("--settle", type=float, default=300, help="at most this long for the load to fall under 1.5")
    parser.add_argument(
        "--bare-process", action="store_true", help="the baseline's worker in a process of its own, not the API's"
    )
    args = parser.parse_args()
    asyncio.run(
        main(
            args.n,
            args.concurrency,
            args.store,
            args.restart_seconds,
            args.window,
            args.cache,
            args.chunks,
            args.settle,
            args.bare_process,
        )
    )
