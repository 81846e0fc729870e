"""A careless change to the workflow, in a module of its own: the sandbox re-imports a
workflow's module, and this one imports nothing but workflow code."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows.messages import CaseResult, OpenCaseInput
from workflows.pathway import PathwayWorkflow


@workflow.defn(name="PathwayWorkflow")
class ReorderedPathwayWorkflow(PathwayWorkflow):
    """What a careless change looks like: one extra timer before the projection."""

    @workflow.run
    async def run(self, input: OpenCaseInput) -> CaseResult:
        return await super().run(input)

    async def _flush(self, *, everything: bool = False) -> None:
        if self.case.state.outbox:
            await workflow.sleep(timedelta(seconds=1))
        await super()._flush(everything=everything)


@workflow.defn(name="PathwayWorkflow")
class FileReadingPathwayWorkflow(PathwayWorkflow):
    """Another: workflow code that reads a file (the sandbox restricts ``open``; without it
    only the lint guard, tests/unit/test_determinism_guard.py, stops this)."""

    @workflow.run
    async def run(self, input: OpenCaseInput) -> CaseResult:
        return await super().run(input)

    async def _flush(self, *, everything: bool = False) -> None:
        with open(__file__) as source:
            source.read(1)
        await super()._flush(everything=everything)
