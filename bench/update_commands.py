"""What each command an advance needs costs Temporal: an update alone, then with a search
attribute upserted, a timer re-armed, an activity or a local activity scheduled, each
against the bare no-op update on the same dev server, interleaved in rounds.

    .venv/bin/python bench/update_commands.py [--n 200] [--modes none,sa,timer,act,la,sa+timer+act,...] [--gap-ms 0]
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

from bare_workflow import VariantWorkflow, noop_activity
from common import embedded, fmt, machine, percentiles, timed
from temporalio.worker import Worker

from workflows.runner import sandboxed_runner

DEFAULT_MODES = "none,sa,timer,act,la,sa+timer+act,act+late_sa+timer,la+late_sa+timer"


async def main(n: int, modes: list[str], gap: float = 0.0) -> dict[str, dict[str, float]]:
    async with embedded("sqlite") as b:
        queue = f"variants-{uuid.uuid4().hex[:8]}"
        async with Worker(
            b.client,
            task_queue=queue,
            workflows=[VariantWorkflow],
            activities=[noop_activity],
            workflow_runner=sandboxed_runner(),
        ):
            [bare] = await b.start_bare(1)
            handles = {
                m: await b.client.start_workflow(
                    VariantWorkflow.run, m, id=f"variant-{uuid.uuid4().hex}", task_queue=queue
                )
                for m in modes
            }
            for h in handles.values():  # warm up
                for _ in range(10):
                    await h.execute_update(VariantWorkflow.go, "x")
            samples: dict[str, list[float]] = {"bare": [], **{m: [] for m in modes}}
            rounds = 5
            for _ in range(rounds):
                samples["bare"] += await timed(n // rounds, lambda i: b.bare_update(bare), gap)
                for m, h in handles.items():
                    samples[m] += await timed(
                        n // rounds, lambda i, h=h: h.execute_update(VariantWorkflow.go, "x"), gap
                    )
    return {m: percentiles(s) for m, s in samples.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--modes", default=DEFAULT_MODES)
    parser.add_argument(
        "--gap-ms", type=float, default=0.0, help="idle time before each update (as advance_latency.py)"
    )
    args = parser.parse_args()
    r = asyncio.run(main(args.n, args.modes.split(","), args.gap_ms / 1000))
    print(f"machine: {machine()}")
    base = r["bare"]["p50"]
    for m, p in r.items():
        print(f"{m:20s} {fmt(p)}  p50 {p['p50'] / base:.2f}x bare")
