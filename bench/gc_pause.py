"""What the worker's cache costs each full garbage collection.

Python's cyclic collector walks every container object it tracks; a full collection holds
the GIL for all of it. A worker with tens of thousands of cached cases pauses each time the
heap has grown by a quarter (and the SDK calls an activation that does not yield within 2 s
a deadlock). Opens N pathways through the API with the worker in this process, then N bare
workflows with a timer, and prints, for each, the tracked objects a cached workflow adds and
the time a full collection takes per 1,000 cached workflows (the median of ``--repeat``
collections), then what that makes at 50,000.

    .venv/bin/python bench/gc_pause.py [--n 2000] [--repeat 5] [--freeze]

``--freeze`` freezes the heap after the warm-up, as ``pathway worker`` and ``pathway up`` do
(``pathway/runtime/heap.freeze_startup_heap``): the "warm" pass is then what is left of it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import time

from common import embedded, machine
from memory_per_case import bare
from scale import open_cases

from pathway.runtime.heap import freeze_startup_heap

AT = 50_000


def full_collection(repeat: int) -> tuple[float, int]:
    """(median CPU seconds of a full collection, objects the collector tracks). CPU time of
    this thread, which holds the GIL throughout: the pause itself, not the machine's load."""
    gc.collect()
    took = []
    for _ in range(repeat):
        t0 = time.thread_time()
        gc.collect()
        took.append(time.thread_time() - t0)
    return statistics.median(took), len(gc.get_objects())


async def main(n: int, repeat: int, freeze: bool) -> None:
    async with embedded("sqlite", max_cached_workflows=3 * n + 500) as b:
        await open_cases(b, 50, 16)  # warm: imports, first definition, pools
        await bare(b, 50)
        if freeze:
            gc.collect()
            print(f"unfrozen warm heap: {full_collection(repeat)[0] * 1000:.0f} ms a full pass", flush=True)
            freeze_startup_heap()
        t0, o0 = full_collection(repeat)
        await open_cases(b, n, 16)
        t1, o1 = full_collection(repeat)
        await bare(b, 50 + n)
        t2, o2 = full_collection(repeat)
    case_ms, bare_ms = (t1 - t0) * 1000 / n * 1000, (t2 - t1) * 1000 / n * 1000
    print(f"machine: {machine()}; load {os.getloadavg()[0]:.1f}; n = {n}; start-up heap frozen: {freeze}")
    print(f"full collection: {t0 * 1000:.0f} ms warm, {t1 * 1000:.0f} ms with {n} pathways, ", end="")
    print(f"{t2 * 1000:.0f} ms with as many bare workflows added")
    for label, objects, ms in (("pathway", o1 - o0, case_ms), ("bare", o2 - o1, bare_ms)):
        print(f"{label:8} {objects / n:5.0f} tracked objects each, ", end="")
        print(f"{ms:.1f} ms per 1,000 cached -> {ms * AT / 1e6:.2f} s at {AT:,}")
    print(f"full-collection cost per cached pathway / per bare workflow: {case_ms / bare_ms:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--freeze", action="store_true", help="freeze the heap after the warm-up")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.repeat, args.freeze))
