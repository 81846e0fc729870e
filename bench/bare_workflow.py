"""The baseline of the benchmarks: a workflow that does nothing but answer an update and wait
(its own module, so that the workflow sandbox imports nothing else)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("PathwayStage")


@workflow.defn(name="BenchBare")
class BareWorkflow:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self, timer_days: int) -> None:
        if timer_days:
            # Like a case: a timer armed, so the server holds one per workflow.
            await workflow.wait_condition(lambda: self.done, timeout=timedelta(days=timer_days))
        else:
            await workflow.wait_condition(lambda: self.done)

    @workflow.update
    def noop(self, value: str) -> str:
        return value

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@activity.defn(name="bench_noop")
async def noop_activity(value: str) -> str:
    return value


@workflow.defn(name="BenchCommands")
class CommandsWorkflow:
    """The commands an advance makes Temporal do, without our code: the update, a search
    attribute upserted, the waiting timer cancelled and armed again, one activity (the
    projection's place). What is left between this and an advance is ours."""

    def __init__(self) -> None:
        self.wake = False
        self.stage = 0

    @workflow.run
    async def run(self) -> None:
        while True:
            self.wake = False
            try:
                await workflow.wait_condition(lambda: self.wake, timeout=timedelta(days=30))
            except TimeoutError:
                pass
            await workflow.execute_activity(noop_activity, "x", start_to_close_timeout=timedelta(seconds=30))

    @workflow.update
    def advance(self, value: str) -> str:
        self.stage += 1
        workflow.upsert_search_attributes([STAGE.value_set(f"stage-{self.stage}")])
        self.wake = True
        return value


@workflow.defn(name="BenchWeeks")
class WeeksWorkflow:
    """The floor of a simulation: the same number of weekly timers, nothing else."""

    @workflow.run
    async def run(self, weeks: int) -> int:
        for _ in range(weeks):
            await workflow.sleep(timedelta(days=7))
        return weeks


@workflow.defn(name="BenchVariant")
class VariantWorkflow:
    """An update followed by a chosen mix of what an advance makes Temporal do, to price each
    command on its own (``update_commands.py``). ``mode`` names them: ``sa`` (a search
    attribute upserted by the update), ``timer`` (a waiting timer cancelled and re-armed),
    ``act`` (an activity), ``la`` (a local activity), ``late_sa`` (the search attribute
    upserted after the activity, in the next workflow task)."""

    def __init__(self) -> None:
        self.wake = False
        self.n = 0
        self.mode: set[str] = set()

    @workflow.run
    async def run(self, mode: str) -> None:
        self.mode = set(mode.split("+"))
        while True:
            self.wake = False
            if "timer" in self.mode:
                try:
                    await workflow.wait_condition(lambda: self.wake, timeout=timedelta(days=30))
                except TimeoutError:
                    pass
            else:
                await workflow.wait_condition(lambda: self.wake)
            if "la" in self.mode:
                await workflow.execute_local_activity(noop_activity, "x", start_to_close_timeout=timedelta(seconds=30))
            if "act" in self.mode:
                await workflow.execute_activity(noop_activity, "x", start_to_close_timeout=timedelta(seconds=30))
            if "late_sa" in self.mode:
                workflow.upsert_search_attributes([STAGE.value_set(f"stage-{self.n}")])

    @workflow.update
    def go(self, value: str) -> str:
        self.n += 1
        if "sa" in self.mode:
            workflow.upsert_search_attributes([STAGE.value_set(f"stage-{self.n}")])
        self.wake = True
        return value


@workflow.defn(name="BenchSignalledVisits")
class SignalledVisitsWorkflow:
    """What a visit by signal makes Temporal do, without our code (the floor of the
    simulation's week): the signal and the waiting timer cancelled and armed again; for every
    ``per_projection``-th visit, a local activity (the projection's place, in the same task)
    and a search attribute upserted."""

    def __init__(self) -> None:
        self.visits = 0
        self.wake = False
        self.done = False

    @workflow.run
    async def run(self, per_projection: int = 1) -> int:
        while not self.done:
            self.wake = False
            try:
                await workflow.wait_condition(lambda: self.wake or self.done, timeout=timedelta(days=14))
            except TimeoutError:
                pass
            if self.wake and self.visits % per_projection == 0:
                await workflow.execute_local_activity(noop_activity, "x", start_to_close_timeout=timedelta(seconds=30))
                workflow.upsert_search_attributes([STAGE.value_set(f"visit-{self.visits}")])
        return self.visits

    @workflow.signal
    def visit(self, value: str) -> None:
        self.visits += 1
        self.wake = True

    @workflow.signal
    def finish(self) -> None:
        self.done = True
