"""What a case that fell out of the worker's cache costs to bring back: its history replayed.

Replays each recorded history of tests/workflows/histories (a typical case's: opened,
facts set, visits, an advance, ...) through a ``Replayer`` with the worker's sandbox, in
interleaved rounds: the sandbox as the worker had it (``workflows`` passed through: the
workflow module imported once), as it was before that (the workflow module re-imported for
every run), and no sandbox at all (``PATHWAY_WORKFLOW_SANDBOX=false``). Prints ms per replay
(median and min of the rounds) and the ratios: passed through ÷ re-imported, and last no
sandbox ÷ passed through.

    .venv/bin/python bench/replay.py [--rounds 5] [--k 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import common  # noqa: F401  (the project on sys.path)
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from pathway.config import Settings
from pathway.temporal import data_converter
from workflows import runner
from workflows.pathway import PathwayWorkflow

HISTORIES = sorted((common.ROOT / "tests" / "workflows" / "histories").glob("*.json"))


def runners() -> dict[str, WorkflowRunner]:
    before = tuple(m for m in runner.PASSTHROUGH if m != "workflows")
    return {
        "worker's sandbox": runner.sandboxed_runner(),
        "module re-imported per run": SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*before)
        ),
        "no sandbox": UnsandboxedWorkflowRunner(),
    }


async def replay_ms(sandbox: WorkflowRunner, histories: list[WorkflowHistory], k: int) -> float:
    replayer = Replayer(
        workflows=[PathwayWorkflow],
        workflow_runner=sandbox,
        data_converter=data_converter(Settings(codec_disabled=True)),
    )
    t = time.perf_counter()
    for _ in range(k):
        for h in histories:
            result = await replayer.replay_workflow(h, raise_on_replay_failure=False)
            assert result.replay_failure is None, result.replay_failure
    return (time.perf_counter() - t) * 1000 / (k * len(histories))


async def main(rounds: int, k: int) -> None:
    histories = [WorkflowHistory.from_json(f"case-{p.stem}", p.read_text()) for p in HISTORIES]
    events = statistics.median(len(h.events) for h in histories)
    sandboxes = runners()
    times: dict[str, list[float]] = {name: [] for name in sandboxes}
    for sandbox in sandboxes.values():  # warm: imports, definitions
        await replay_ms(sandbox, histories, 1)
    for _ in range(rounds):
        for name, sandbox in sandboxes.items():
            times[name].append(await replay_ms(sandbox, histories, k))
    print(f"load {os.getloadavg()[0]:.1f}; {len(histories)} histories, median {events:.0f} events")
    for name, ms in times.items():
        print(f"{name:28s} median {statistics.median(ms):6.1f} ms  min {min(ms):6.1f} ms per replay")
    new, old, bare = (times[n] for n in sandboxes)
    print(f"passed through / re-imported: median {ratio(new, old)}")
    print(f"no sandbox / passed through: median {ratio(bare, new)}")


def ratio(a: list[float], b: list[float]) -> str:
    return f"{statistics.median(a) / statistics.median(b):.2f}x, min {min(a) / min(b):.2f}x"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--k", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.k))
