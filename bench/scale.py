"""Benchmark 2: scale.

Opens N pathways (default 10,000) through the API — each a real case: client identity
sealed in the store, the workflow started with its stage deadline and visit timers armed —
and reports:
- the start rate (cases whose first workflow task ran and whose projection landed, per
  second: what finished, not what was accepted) against starting N bare no-op workflows
  (each with a timer armed) on the same server;
- the memory of the worker process, the Temporal dev server and the API process;
- the advance latency (p50/p95/p99 of POST /cases/{id}/transitions) at 100 pathways and
  at N pathways (it must stay flat).

The worker runs as `pathway worker` in its own process (so its memory is its own).

    .venv/bin/python bench/scale.py [--n 10000] [--concurrency 16] [--store sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from common import Bench, embedded, fmt, machine, percentiles, rss_mb, timed
from sqlalchemy import func, select

from pathway.store.models import Case

SAMPLE = 100  # advances measured at each size


async def open_cases(b: Bench, n: int, concurrency: int) -> tuple[list[str], float]:
    """Open n cases through the API; the seconds until every one is projected as active."""
    sem = asyncio.Semaphore(concurrency)
    ids: list[str] = []

    async def one() -> None:
        async with sem:
            ids.append(await b.open_case())

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    await wait_projected(b, ids)
    return ids, time.perf_counter() - t0


async def wait_projected(b: Bench, ids: list[str]) -> None:
    want = set(ids)
    while True:
        with b.engine.connect() as conn:
            done = conn.execute(select(func.count()).select_from(Case).where(Case.status == "active")).scalar_one()
        if done >= len(want):
            return
        await asyncio.sleep(0.5)


async def bare_starts(b: Bench, n: int, concurrency: int) -> float:
    """Start n bare workflows with a timer; seconds until the last one's first task ran."""
    from temporalio.api.enums.v1 import DescribeTaskQueueMode, TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    t0 = time.perf_counter()
    await b.start_bare(n, timer_days=30, concurrency=concurrency)
    # Finished = no workflow task waiting on the queue any more.
    while True:
        d = await b.client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=b.client.namespace,
                task_queue=TaskQueue(name=b.bare_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                api_mode=DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
                report_stats=True,
            )
        )
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


async def main(n: int, concurrency: int, store: str) -> None:
    async with embedded(store, max_cached_workflows=max(10_000, n + 1000), worker_process=True) as b:
        small, _ = await open_cases(b, 100, concurrency)
        at_small = await advance_sample(b, small, SAMPLE)
        print(f"advance at 100 pathways:      {fmt(at_small)}", flush=True)

        bare_s = await bare_starts(b, n, concurrency)
        print(f"bare starts: {n} in {bare_s:.1f} s = {n / bare_s:.1f}/s", flush=True)

        opened, open_s = await open_cases(b, n - 100, concurrency)
        rate = (n - 100) / open_s
        print(f"pathways opened via the API: {n - 100} in {open_s:.1f} s = {rate:.1f}/s", flush=True)
        at_n = await advance_sample(b, opened, SAMPLE)  # not the 100: those have moved on already
        worker, server, api = rss_mb(b.worker_pid), rss_mb(b.server.pid), rss_mb()
        print(f"advance at {n} pathways: {fmt(at_n)}")
        print()
        print(f"machine: {machine()}; store: {store}; N = {n} pathways (+ {n} bare workflows on the same server)")
        print(f"start rate: {rate:.1f} pathways/s vs {n / bare_s:.1f} bare workflows/s = {rate / (n / bare_s):.2f}x")
        print(
            f"memory: worker {worker:.0f} MB ({worker * 1024 / n:.0f} KB per pathway), "
            f"Temporal dev server {server:.0f} MB, API process {api:.0f} MB"
        )
        print(
            f"advance p50 at {n} vs at 100: {at_n['p50']:.1f} / {at_small['p50']:.1f} ms = "
            f"{at_n['p50'] / at_small['p50']:.2f}x; "
            f"p99 {at_n['p99']:.1f} / {at_small['p99']:.1f} ms = {at_n['p99'] / at_small['p99']:.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.concurrency, args.store))
