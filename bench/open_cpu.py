"""CPU per open: what opening a pathway through the API costs in CPU time, against starting a
bare workflow with a timer, in each process that does the work — this one (the API and the
benchmark's client), the worker (``pathway worker``, a process of its own) and the Temporal
dev server. Each series runs until it has finished (opens: projected as active; bare starts:
no workflow task left on the queue), then a second of quiet.

On a machine whose cores others share, the start rate of ``scale.py`` moves with their load;
the CPU each open costs does not (much): when every process is short of CPU, the rate follows
it. Series alternate (opens, bare, opens, bare, ...), the ratio of the medians last.

    .venv/bin/python bench/open_cpu.py [--n 300] [--rounds 3] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from collections.abc import Awaitable, Callable

from common import Bench, embedded, machine
from request_cpu import cpu_ms
from scale import bare_starts
from sqlalchemy import func, select
from sqlmodel import col

from pathway.store.models import Case


async def open_cases(b: Bench, n: int, concurrency: int) -> None:
    """Open n cases through the API; return once every one of them is projected as active."""
    sem = asyncio.Semaphore(concurrency)
    ids: list[str] = []

    async def one() -> None:
        async with sem:
            ids.append(await b.open_case())

    await asyncio.gather(*(one() for _ in range(n)))
    while True:
        with b.engine.connect() as conn:
            done = conn.execute(
                select(func.count()).select_from(Case).where(col(Case.id).in_(ids), Case.status == "active")
            ).scalar_one()
        if done >= n:
            return
        await asyncio.sleep(0.2)


async def series(b: Bench, n: int, run: Callable[[], Awaitable[object]]) -> dict[str, float]:
    pids = {"process": os.getpid(), "worker": b.worker_pid, "server": b.server.pid}
    before = {k: cpu_ms(p) for k, p in pids.items() if p is not None}
    await run()
    await asyncio.sleep(1.0)
    after = {k: cpu_ms(p) for k, p in pids.items() if p is not None}
    out = {k: (after[k] - before[k]) / n for k in before}
    out["total"] = sum(out.values())
    return out


def fmt(name: str, s: dict[str, float]) -> str:
    parts = "  ".join(f"{k} {v:5.1f}" for k, v in s.items())
    return f"{name:>5}: ms of CPU per workflow: {parts}  (load {os.getloadavg()[0]:.1f})"


async def main(n: int, rounds: int, concurrency: int) -> None:
    async with embedded("sqlite", max_cached_workflows=max(10_000, 2 * n * rounds), worker_process=True) as b:
        await open_cases(b, 50, concurrency)  # warm: imports, pools, the first definition
        await bare_starts(b, 50, concurrency)
        opens, bares = [], []
        for _ in range(rounds):
            opens.append(await series(b, n, lambda: open_cases(b, n, concurrency)))
            print(fmt("open", opens[-1]), flush=True)
            bares.append(await series(b, n, lambda: bare_starts(b, n, concurrency)))
            print(fmt("bare", bares[-1]), flush=True)
        print()
        print(f"machine: {machine()}; n = {n} a series, {rounds} rounds")
        for k in opens[0]:
            o, r = statistics.median(s[k] for s in opens), statistics.median(s[k] for s in bares)
            print(f"median {k}: open {o:.1f} ms, bare start {r:.1f} ms")
        o = statistics.median(s["total"] for s in opens)
        r = statistics.median(s["total"] for s in bares)
        print(f"CPU per open / CPU per bare start (all three processes): {o:.1f} / {r:.1f} ms = {o / r:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.rounds, args.concurrency))
