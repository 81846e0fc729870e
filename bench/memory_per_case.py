"""What a cached case costs the worker, and where it goes.

Opens N pathways through the API with the worker in this process (so ``tracemalloc`` sees
its allocations), then N bare workflows with a timer on the same kind of worker, and prints
the Python heap each one added per workflow (tracemalloc, after a full collection) and the
lines that allocated most of the pathways' share. The API's own per-request garbage is
collected before each snapshot; what stays is what the worker's cache (and the store's
session caches) keep per case.

    .venv/bin/python bench/memory_per_case.py [--n 1000] [--top 25] [--frames 1]
    .venv/bin/python bench/memory_per_case.py --rss [--n 2000]   # the worker in its own process
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import tracemalloc

from common import Bench, embedded, machine, rss_mb
from scale import open_cases


def heap() -> tracemalloc.Snapshot:
    gc.collect()
    return tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    )


def total(snap: tracemalloc.Snapshot) -> int:
    return sum(s.size for s in snap.statistics("filename"))


async def bare(b: Bench, n: int) -> None:
    await b.start_bare(n - cached(b, "bare-"), timer_days=30, concurrency=16)
    while cached(b, "bare-") < n:  # every one of them run once (its first task done: cached)
        await asyncio.sleep(0.5)


_WORKERS: list = []


def cached(b: Bench, prefix: str) -> int:
    """How many runs whose workflow id starts with ``prefix`` the in-process workers cache."""
    if not _WORKERS:
        from temporalio.worker._workflow import _WorkflowWorker

        _WORKERS.extend(o for o in gc.get_objects() if isinstance(o, _WorkflowWorker))
    return sum(r.workflow_id.startswith(prefix) for w in _WORKERS for r in w._running_workflows.values())


async def rss_only(n: int, store: str) -> None:
    """The production shape: the worker in its own process, its RSS before and after."""
    async with embedded(store, max_cached_workflows=n + 500, worker_process=True) as b:
        await open_cases(b, 100, 16)
        await asyncio.sleep(2)
        w0 = rss_mb(b.worker_pid)
        await open_cases(b, n, 16)
        await asyncio.sleep(2)
        w1 = rss_mb(b.worker_pid)
        print(f"machine: {machine()}; load {os.getloadavg()[0]:.1f}; store {store}")
        print(f"worker RSS {w0:.0f} MB -> {w1:.0f} MB: +{(w1 - w0) * 1024 / n:.1f} KB per case ({n} cases)")


def type_counts() -> dict[str, int]:
    gc.collect()
    counts: dict[str, int] = {}
    for o in gc.get_objects():
        k = f"{type(o).__module__}.{type(o).__qualname__}"
        counts[k] = counts.get(k, 0) + 1
    return counts


async def objects(n: int, top: int) -> None:
    """No tracemalloc: RSS of this process (worker + API) and the objects each case adds."""
    async with embedded("sqlite", max_cached_workflows=3 * n + 500) as b:
        await open_cases(b, 50, 16)
        await bare(b, 50)
        c0, r0 = type_counts(), rss_mb()
        await open_cases(b, n, 16)
        c1, r1 = type_counts(), rss_mb()
        await bare(b, 50 + n)
        c2, r2 = type_counts(), rss_mb()
        print(f"pathways: RSS +{(r1 - r0) * 1024 / n:.1f} KB per case", end="; ")
        print(f"bare: +{(r2 - r1) * 1024 / n:.1f} KB per workflow")
        for label, a, z in (("pathway", c0, c1), ("bare", c1, c2)):
            diff = sorted(((z.get(k, 0) - a.get(k, 0), k) for k in z), reverse=True)[:top]
            print(f"\nobjects per {label}: {(sum(z.values()) - sum(a.values())) / n:.0f}")
            for d, k in diff:
                print(f"{d / n:8.1f}  {k}")


async def main(n: int, top: int, frames: int) -> None:
    tracemalloc.start(frames)
    async with embedded("sqlite", max_cached_workflows=3 * n + 500) as b:
        await open_cases(b, 50, 16)  # warm: imports, first definition, pools
        await bare(b, 50)
        s0, r0 = heap(), rss_mb()
        await open_cases(b, n, 16)
        s1, r1 = heap(), rss_mb()
        await bare(b, 50 + n)
        s2, r2 = heap(), rss_mb()
        per_case = (total(s1) - total(s0)) / n
        per_bare = (total(s2) - total(s1)) / n
        print(f"machine: {machine()}; load {os.getloadavg()[0]:.1f}")
        print(f"pathways: heap +{per_case / 1024:.1f} KB per case, RSS +{(r1 - r0) * 1024 / n:.1f} KB per case")
        print(f"bare:     heap +{per_bare / 1024:.1f} KB per workflow, RSS +{(r2 - r1) * 1024 / n:.1f} KB per workflow")
        print(f"ratio pathway / bare (heap): {per_case / per_bare:.2f}x")
        print(f"\ntop {top} lines of the pathways' share (KB per case):")
        for stat in s1.compare_to(s0, "traceback" if frames > 1 else "lineno")[:top]:
            where = " <- ".join(f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in stat.traceback)
            print(f"{stat.size_diff / n / 1024:8.2f}  {stat.count_diff / n:7.1f} blocks  {where}")
        print("\nby file (KB per case):")
        for stat in s1.compare_to(s0, "filename")[:top]:
            name = stat.traceback[0].filename.split("site-packages/")[-1]
            print(f"{stat.size_diff / n / 1024:8.2f}  {name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--frames", type=int, default=1)
    parser.add_argument("--rss", action="store_true", help="only the worker process's RSS per case")
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--objects", action="store_true", help="no tracemalloc: RSS and object counts")
    args = parser.parse_args()
    if args.objects:
        asyncio.run(objects(args.n, args.top))
    elif args.rss:
        asyncio.run(rss_only(args.n, args.store))
    else:
        asyncio.run(main(args.n, args.top, args.frames))
