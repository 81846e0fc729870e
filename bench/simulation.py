"""Benchmark 4: simulation.

Time-skipping a five-year pathway with weekly visits (the real workflow and activities, a
scripted coordinator: ``pathway simulate``), against the floor of the same server: a bare
workflow that sleeps through the same number of weekly timers.

    .venv/bin/python bench/simulation.py [--definition model-wsparcia] [--years 5] [--advance auto|none]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bare_workflow import WeeksWorkflow
from common import machine  # puts the project on sys.path
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from pathway.config import Settings
from pathway.runtime.simulate import _test_server_binary, run_simulation


async def bare_weeks(weeks: int) -> float:
    """Seconds for a bare workflow to sleep through ``weeks`` weekly timers, the test server's
    start-up included (as it is in the simulation's time)."""
    t = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(_test_server_binary()))
    try:
        queue = f"weeks-{uuid.uuid4().hex[:6]}"
        async with Worker(env.client, task_queue=queue, workflows=[WeeksWorkflow]):
            await env.client.execute_workflow(
                WeeksWorkflow.run, weeks, id=queue, task_queue=queue, run_timeout=timedelta(days=7 * weeks + 30)
            )
            return time.perf_counter() - t
    finally:
        await env.shutdown()


async def main(definition: str, years: float, advance: str) -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), log_level="WARNING")
        from pathway.logging import configure_logging

        configure_logging(settings)
        t = time.perf_counter()
        report = await run_simulation(
            settings,
            definition,
            years=years,
            visit_every_days=7,
            auto_advance=advance == "auto",
            advance_every_days=None,
        )
        sim_s = time.perf_counter() - t
    weeks = int(report.years * 365.25 // 7)  # what was simulated (a pathway may close early)
    bare_s = await bare_weeks(weeks)
    print(f"machine: {machine()}")
    print(
        f"{definition}: {report.years} years, {report.visits} weekly visits, stages "
        f"{[s.stage for s in report.stages]}, "
        f"reminders {report.reminders}, runs {report.runs}, history per run {report.history_events}"
    )
    print(f"simulation: {sim_s:.1f} s (start-up of the test server included)")
    print(f"bare: {weeks} weekly timers in {bare_s:.1f} s (start-up included)")
    print(f"ratio simulation/bare: {sim_s / bare_s:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--definition", default="model-wsparcia")
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument(
        "--advance",
        choices=["auto", "none"],
        default="none",
        help="auto: move on when half a stage's time is used; none: stay in the first stage (the longest history)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.definition, args.years, args.advance))
