"""The baseline's worker in a process of its own (``embedded(bare_process=True)``): the bare
workflows of ``bare_workflow.py`` on their own task queue, in the sandbox as ``embedded``
runs them in its process, with the engine worker's cache and its client (our data converter,
the payload codec: the settings ``common.py`` gives ``pathway worker`` in its environment).
Started by ``common.py``; stops on SIGTERM or SIGINT.

In the benchmark's process, the baseline's cached workflows share the API's garbage
collector: 10,000 of them are millions of objects every full collection of the API walks
(the 50,000 run of 2026-12-07), which no production API process carries.

    PATHWAY_TEMPORAL_ADDRESS=... .venv/bin/python bench/bare_worker.py --task-queue bare-x --cache 10000
"""

from __future__ import annotations

import argparse
import asyncio
import signal

import common  # noqa: F401  (the project on sys.path)
from bare_workflow import BareWorkflow, CommandsWorkflow, noop_activity
from temporalio.worker import Worker

from pathway.config import Settings
from pathway.temporal import connect_client
from workflows.runner import sandboxed_runner


async def main(task_queue: str, cache: int) -> None:
    client = await connect_client(Settings())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[BareWorkflow, CommandsWorkflow],
        activities=[noop_activity],
        workflow_runner=sandboxed_runner("bare_workflow"),
        max_cached_workflows=cache,
    ):
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task-queue", required=True)
    parser.add_argument("--cache", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.task_queue, args.cache))
