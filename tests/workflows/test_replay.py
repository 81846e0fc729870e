"""Histories recorded from PathwayWorkflow replay cleanly against today's code.

A change to the workflow that would break running cases (a different sequence of commands
for the same history) fails here before it reaches a centre's cases. To record new
histories after a deliberate, versioned change: tests/workflows/record_histories.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from careless_change import FileReadingPathwayWorkflow, ReorderedPathwayWorkflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from pathway.config import Settings
from pathway.temporal import data_converter
from workflows.pathway import PathwayWorkflow
from workflows.runner import workflow_runner

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"case-{path.stem}", path.read_text())


SANDBOXED = pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "unsandboxed"])


def _replayer(workflow_class: type, *, sandboxed: bool) -> Replayer:
    return Replayer(
        workflows=[workflow_class],
        workflow_runner=workflow_runner(sandboxed=sandboxed),
        data_converter=data_converter(Settings(codec_disabled=True)),
    )


def test_there_are_histories_to_replay():
    assert {p.stem for p in HISTORIES} >= {"full_pathway", "paused_and_dropped", "continued_as_new"}


@SANDBOXED
@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path, sandboxed: bool):
    result = await _replayer(PathwayWorkflow, sandboxed=sandboxed).replay_workflow(
        _history(path), raise_on_replay_failure=False
    )
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"


@SANDBOXED
async def test_a_workflow_change_that_breaks_running_cases_is_caught(sandboxed: bool):
    result = await _replayer(ReorderedPathwayWorkflow, sandboxed=sandboxed).replay_workflow(
        _history(HISTORIES[0]), raise_on_replay_failure=False
    )
    assert result.replay_failure is not None
    assert "nondetermin" in f"{type(result.replay_failure).__name__} {result.replay_failure}".lower()


async def test_the_sandbox_still_stops_what_it_restricts():
    """Run with ``PATHWAY_WORKFLOW_SANDBOX=true``, the workflow tests still catch a sandbox
    violation; without the sandbox the same code replays, and the lint guard must stop it."""
    history = _history(HISTORIES[0])
    sandboxed = await _replayer(FileReadingPathwayWorkflow, sandboxed=True).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert sandboxed.replay_failure is not None
    assert "__builtins__.open" in str(sandboxed.replay_failure), sandboxed.replay_failure
    unsandboxed = await _replayer(FileReadingPathwayWorkflow, sandboxed=False).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert unsandboxed.replay_failure is None
