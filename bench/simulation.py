"""Benchmark 4: simulation.

Time-skipping a five-year pathway with weekly visits (the real workflow and activities, a
scripted coordinator: ``pathway simulate``), against the floor of the same server: a bare
workflow that sleeps through the same number of weekly timers; and, to say what is Temporal's,
the "scripted bare": the script's loop (skip a week, signal a visit) on a bare workflow that
makes Temporal do what a visit does.

    .venv/bin/python bench/simulation.py [--definition model-wsparcia] [--years 5] [--advance auto|none] [--repeat 5]

Both sides count the same start-up: a time-skipping test server of their own started and shut
down, a worker built and run, the workflow started. They run in interleaved pairs (bare,
simulation, bare, ...; the order swapped every other pair) so each pair sees the same load.
The first simulation of the process also imports the store, the activities and the workflow
(the bare side's imports happen before any timing): it is printed on its own as ``cold`` and
left out of the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from bare_workflow import SignalledVisitsWorkflow, WeeksWorkflow, noop_activity
from common import machine  # puts the project on sys.path
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from pathway.config import Settings
from pathway.runtime.simulate import (
    SIMULATION_BUILD_ID,
    VISITS_PER_PROJECTION,
    SimulationReport,
    _test_server_binary,
    run_simulation,
    settle_process,
)
from pathway.temporal import ensure_search_attributes


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


async def bare_weeks(weeks: int) -> float:
    """Seconds for a bare workflow to sleep through ``weeks`` weekly timers, the test server's
    start-up and shut-down included (as they are in the simulation's time)."""
    t = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(_test_server_binary()))
    try:
        queue = f"weeks-{uuid.uuid4().hex[:6]}"
        # The same build id as the simulation's worker: neither side hashes the loaded modules.
        async with Worker(env.client, task_queue=queue, workflows=[WeeksWorkflow], build_id=SIMULATION_BUILD_ID):
            await env.client.execute_workflow(
                WeeksWorkflow.run, weeks, id=queue, task_queue=queue, run_timeout=timedelta(days=7 * weeks + 30)
            )
    finally:
        await env.shutdown()
    return time.perf_counter() - t


async def scripted_weeks(weeks: int) -> float:
    """Seconds for the simulation's client loop without our code: each week the test server
    skips a week and the client signals a visit to a bare workflow, which arms its timer
    again and, for as many visits as the simulation holds for one projection, runs a no-op
    local activity and upserts a search attribute (what simulated visits make Temporal do);
    start-up and shut-down included."""
    t = time.perf_counter()
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(_test_server_binary()))
    try:
        client = env.client
        await ensure_search_attributes(client, client.namespace)
        queue = f"scripted-{uuid.uuid4().hex[:6]}"
        async with Worker(
            client,
            task_queue=queue,
            workflows=[SignalledVisitsWorkflow],
            activities=[noop_activity],
            build_id=SIMULATION_BUILD_ID,
        ):
            handle = await client.start_workflow(
                SignalledVisitsWorkflow.run,
                VISITS_PER_PROJECTION,
                id=queue,
                task_queue=queue,
                run_timeout=timedelta(days=7 * weeks + 30),
            )
            for _ in range(weeks):
                await env.sleep(timedelta(days=7))
                await handle.signal(SignalledVisitsWorkflow.visit, "visit")
            await handle.signal(SignalledVisitsWorkflow.finish)
            assert await handle.result() == weeks
    finally:
        await env.shutdown()
    return time.perf_counter() - t


async def simulate(definition: str, years: float, advance: str) -> tuple[float, SimulationReport]:
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
        return time.perf_counter() - t, report


def _summary(name: str, xs: list[float]) -> str:
    return f"{name}: median {statistics.median(xs):.2f} s, min {min(xs):.2f} s ({', '.join(f'{x:.2f}' for x in xs)})"


async def main(definition: str, years: float, advance: str, repeat: int) -> None:
    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    settle_process()  # as `pathway simulate` does; both sides run on the settled process
    cold_s, report = await simulate(definition, years, advance)
    weeks = int(report.years * 365.25 // 7)  # what was simulated (a pathway may close early)
    print(
        f"{definition}: {report.years} years, {report.visits} weekly visits, stages "
        f"{[s.stage for s in report.stages]}, "
        f"reminders {report.reminders}, runs {report.runs}, history per run {report.history_events}"
    )
    print(f"cold simulation (the process's first: imports included): {cold_s:.2f} s, load {load()}")
    sims: list[float] = []
    bares: list[float] = []
    scripted: list[float] = []
    for i in range(repeat):
        # Each round runs the three in a rotated order, so none always follows another.
        order = ["bare", "sim", "scripted"]
        order = order[i % 3 :] + order[: i % 3]
        got: dict[str, float] = {}
        for side in order:
            if side == "bare":
                got[side] = await bare_weeks(weeks)
            elif side == "scripted":
                got[side] = await scripted_weeks(weeks)
            else:
                got[side] = (await simulate(definition, years, advance))[0]
        sims.append(got["sim"])
        bares.append(got["bare"])
        scripted.append(got["scripted"])
        print(
            f"round {i + 1}: simulation {got['sim']:.2f} s, bare {got['bare']:.2f} s "
            f"({got['sim'] / got['bare']:.2f}x), scripted bare {got['scripted']:.2f} s "
            f"({got['sim'] / got['scripted']:.2f}x), load {load()}"
        )
    print(_summary("simulation", sims) + " (start-up of the test server included)")
    print(_summary(f"bare, {weeks} weekly timers", bares) + " (start-up included)")
    print(_summary(f"scripted bare, {weeks} weekly signalled visits", scripted) + " (start-up included)")
    for name, base in (("scripted bare", scripted), ("bare", bares)):
        ratios = [s / b for s, b in zip(sims, base, strict=True)]
        print(
            f"ratio simulation/{name}: {statistics.median(sims) / statistics.median(base):.2f}x of the medians, "
            f"{min(sims) / min(base):.2f}x of the minimums, rounds median {statistics.median(ratios):.2f}x"
        )
    print(f"load after: {load()}")


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
    parser.add_argument(
        "--repeat", type=int, default=5, help="interleaved rounds (simulation and baselines) after the cold run"
    )
    args = parser.parse_args()
    asyncio.run(main(args.definition, args.years, args.advance, args.repeat))
