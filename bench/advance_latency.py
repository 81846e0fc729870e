"""Benchmark 1: advance latency.

p50/p95/p99 of ``POST /api/v1/cases/{id}/transitions`` end to end (HTTP through the real
FastAPI app over ASGI, signed in, payload codec and audit trail on: auth, the case row, the
workflow update with its validator, the audit append, the answer with the client's name
opened) against a bare no-op Temporal update on the same dev server, from the same client.
Target: p50 within 2x of the bare update.

    .venv/bin/python bench/advance_latency.py [--n 300] [--store sqlite|postgresql] [--profile out.html]
"""

from __future__ import annotations

import argparse
import asyncio
import os

from common import embedded, fmt, machine, percentiles, timed


async def main(
    n: int, store: str, profile: str | None, worker_process: bool = False, warmup: int = 20, gap: float = 0.0
) -> dict[str, dict[str, float]]:
    async with embedded(store, worker_process=worker_process) as b:
        # Cases ready to move (diagnosis checklist complete), one advance each.
        cases = []
        for _ in range(n + warmup):
            case_id = await b.open_case()
            await b.ready_to_advance(case_id)
            cases.append(case_id)
        [bare] = await b.start_bare(1)
        commands = await b.start_commands()

        for i in range(warmup):  # warm both paths: caches, connections, JIT-less but lazy imports
            await b.bare_update(bare)
            await b.commands_update(commands)
            await b.advance(cases[i])
        todo = cases[warmup:]

        # Interleaved in rounds so both see the same machine state.
        bare_s: list[float] = []
        commands_s: list[float] = []
        api_s: list[float] = []
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled", interval=0.0005)
        rounds = 5
        per = n // rounds
        for r in range(rounds):
            bare_s += await timed(per, lambda i: b.bare_update(bare), gap)
            commands_s += await timed(per, lambda i: b.commands_update(commands), gap)
            if profiler and r == 0:
                profiler.start()
            api_s += await timed(per, lambda i, r=r: b.advance(todo[r * per + i]), gap)
            if profiler and r == 0:
                profiler.stop()
        if profiler:
            profiler.write_html(profile)
            profiler.last_session.save(profile + ".pyisession")
            print(
                profiler.output_text(unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1")[
                    : int(os.environ.get("PROFILE_CHARS", "6000"))
                ]
            )
    result = {"bare": percentiles(bare_s), "commands": percentiles(commands_s), "advance": percentiles(api_s)}
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", help="write a pyinstrument profile of the API side (HTML) here")
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="the worker as `pathway worker` in its own process (else in the API's process, as `pathway up`)",
    )
    parser.add_argument(
        "--gap-ms",
        type=float,
        default=0.0,
        help="idle time before each request (0: back to back, each request behind the last one's follow-up work)",
    )
    args = parser.parse_args()
    r = asyncio.run(main(args.n, args.store, args.profile, args.worker_process, gap=args.gap_ms / 1000))
    print(f"machine: {machine()}")
    print(f"store: {args.store}; worker: {'its own process' if args.worker_process else 'in the API process'}")
    print(f"bare Temporal update:        {fmt(r['bare'])}")
    print(f"same commands, no code:      {fmt(r['commands'])}  (update + search attribute + timer + activity)")
    print(f"POST /cases/{{id}}/transitions: {fmt(r['advance'])}")
    print(
        f"ratio advance/bare: p50 {r['advance']['p50'] / r['bare']['p50']:.2f}x  "
        f"p95 {r['advance']['p95'] / r['bare']['p95']:.2f}x  p99 "
        f"{r['advance']['p99'] / r['bare']['p99']:.2f}x  (target p50 <= 2x)"
    )
    print(f"ratio advance/same-commands: p50 {r['advance']['p50'] / r['commands']['p50']:.2f}x")
