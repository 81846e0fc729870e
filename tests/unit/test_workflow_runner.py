"""The worker runs workflows in the runner its settings name (``PATHWAY_WORKFLOW_SANDBOX``,
workflows/runner.py): without the SDK's sandbox by default, in it when asked."""

from __future__ import annotations

import pytest
from temporalio.worker import UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from pathway.config import Settings
from workflows.runner import PASSTHROUGH, workflow_runner


def _runner():
    return workflow_runner(sandboxed=Settings().workflow_sandbox)


def test_workflows_run_without_the_sandbox_by_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PATHWAY_WORKFLOW_SANDBOX", raising=False)
    assert isinstance(_runner(), UnsandboxedWorkflowRunner)


@pytest.mark.parametrize("value", ["true", "1", "on"])
def test_the_sandbox_when_the_setting_asks_for_it(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv("PATHWAY_WORKFLOW_SANDBOX", value)
    runner = _runner()
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert set(PASSTHROUGH) <= runner.restrictions.passthrough_modules


def test_no_sandbox_when_the_setting_says_so(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATHWAY_WORKFLOW_SANDBOX", "false")
    assert isinstance(_runner(), UnsandboxedWorkflowRunner)
