"""CPU per request: what a bare update, the same-commands workflow and an advance cost in CPU
time, in this process (the API, the worker, the benchmark's client) and in the Temporal dev
server, each series followed by a second of quiet so that its follow-up work (projection,
the task after it) is counted. On a machine with its cores busy, back-to-back latency follows
CPU: this is where to look when the back-to-back ratio will not move.

    .venv/bin/python bench/request_cpu.py [--n 150] [--gap-ms 0] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from collections.abc import Awaitable, Callable
from typing import Any

from common import Bench, embedded, machine, timed


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far, in milliseconds (from /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") * 1000


async def series(b: Bench, n: int, call: Callable[[int], Awaitable[Any]], gap: float) -> dict[str, float]:
    server = b.server.pid
    assert server is not None
    idle = 1.0
    p0, s0 = cpu_ms(os.getpid()), cpu_ms(server)
    took = await timed(n, call, gap)
    await asyncio.sleep(idle)
    p1, s1 = cpu_ms(os.getpid()), cpu_ms(server)
    return {"p50": statistics.median(took) * 1000, "process": (p1 - p0) / n, "server": (s1 - s0) / n}


async def main(n: int, gap: float, rounds: int) -> None:
    async with embedded("sqlite") as b:
        cases = []
        for _ in range(rounds * n + 20):
            case_id = await b.open_case()
            await b.ready_to_advance(case_id)
            cases.append(case_id)
        [bare] = await b.start_bare(1)
        commands = await b.start_commands()
        for i in range(20):
            await b.bare_update(bare)
            await b.commands_update(commands)
            await b.advance(cases[i])
        await asyncio.sleep(1)
        server = b.server.pid
        assert server is not None
        p0, s0 = cpu_ms(os.getpid()), cpu_ms(server)
        await asyncio.sleep(1)
        idle_process, idle_server = cpu_ms(os.getpid()) - p0, cpu_ms(server) - s0
        print(f"idle, 1 s: this process {idle_process:.0f} ms, dev server {idle_server:.0f} ms of CPU")
        for r in range(rounds):
            for name, call in (
                ("bare update", lambda i: b.bare_update(bare)),
                ("same commands", lambda i: b.commands_update(commands)),
                ("advance", lambda i, r=r: b.advance(cases[20 + r * n + i])),
            ):
                s = await series(b, n, call, gap)
                print(
                    f"{name:14s} p50 {s['p50']:6.1f} ms   CPU per request: this process {s['process']:5.1f} ms, "
                    f"dev server {s['server']:5.1f} ms   load {os.getloadavg()[0]:.1f}"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--gap-ms", type=float, default=0.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.gap_ms / 1000, args.rounds))
    print(f"machine: {machine()}")
