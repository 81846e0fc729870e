"""``pathway simulate``: the real workflow and activities on the time-skipping server, driven
by the scripted coordinator; the report is read back from the projection and the history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import make_settings
from typer.testing import CliRunner

from pathway.cli import app
from pathway.core.case import CaseView
from pathway.runtime import simulate
from pathway.runtime.simulate import SimulationError, parse_days, run_simulation
from pathway.runtime.simulate_script import ScriptedCoordinator

pytestmark = pytest.mark.slow


async def test_a_coordinator_who_keeps_to_the_deadlines_takes_the_case_to_its_end(tmp_path: Path) -> None:
    report = await run_simulation(make_settings(tmp_path), "model-wsparcia", years=3, visit_every_days=7)
    assert report.status == "closed" and report.final_stage == "closed"
    stages = [s.stage for s in report.stages]
    assert stages == ["diagnosis", "plan", "therapy", "training", "internship", "follow_up", "closed"]
    # Each stay but the last ends when the next begins.
    assert all(a.left_at == b.entered_at for a, b in zip(report.stages, report.stages[1:], strict=False))
    assert report.visits >= 20 and report.refused_moves == 0
    assert report.moves[0].startswith("diagnosis -[advance]-> plan")
    # The partners the script assigned are in the resource map: every one could be told.
    assert "partner_unreachable" not in report.reminders


async def test_five_years_of_weekly_visits_without_a_move_continue_as_new_and_escalate(tmp_path: Path) -> None:
    report = await run_simulation(
        make_settings(tmp_path),
        "model-wsparcia",
        years=5,
        visit_every_days=7,
        advance_every_days=None,
        auto_advance=False,
        continue_as_new_after=400,
    )
    assert report.status == "active" and [s.stage for s in report.stages] == ["diagnosis"]
    assert report.years >= 4.9
    assert report.visits == 260  # one a week, every one projected
    assert report.reminders.get("reminder", 0) >= 1 and report.reminders.get("escalation", 0) >= 1
    assert report.runs > 1 and max(report.history_events) < 600  # the history stays short
    assert report.events_projected > report.visits


async def test_out_of_homelessness_the_script_visits_on_the_street_and_never_takes_a_setback(tmp_path: Path) -> None:
    report = await run_simulation(make_settings(tmp_path), "wychodzenie-z-bezdomnosci", years=5, visit_every_days=7)
    # "home" is no kind of visit for a person without one: the stage's own kind is used
    assert report.refused_moves == 0 and report.visits >= 100
    assert [s.stage for s in report.stages] == [
        "basic_needs",
        "addiction_therapy",
        "work_search",
        "keeping_work",
        "housing_application",
        "closed",
    ]
    assert not any("job_lost" in m or "relapse" in m for m in report.moves)


async def test_a_simulated_week_is_one_signal_and_asks_the_case_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A visit is the workflow's signal (the script reads no answer, so it waits for none)
    and no move can be due without a coordinator's move: no state query (a round trip through
    the worker) in any week and one update, the last visit's (its projection takes the visits
    the run held with it), yet every visit lands in the store, a week apart."""
    queries: list[int] = []
    ask = ScriptedCoordinator.state

    async def counted(self: ScriptedCoordinator) -> CaseView:
        queries.append(1)
        return await ask(self)

    updates: list[int] = []
    update = ScriptedCoordinator._update

    async def counted_update(self: ScriptedCoordinator, *args: Any) -> CaseView | None:
        updates.append(1)
        return await update(self, *args)

    monkeypatch.setattr(ScriptedCoordinator, "_update", counted_update)
    monkeypatch.setattr(ScriptedCoordinator, "state", counted)
    # Waiting for the last projection asks until it has landed (more often on a busy machine):
    # only the queries of the weeks count.
    weeks_asked: list[int] = []
    settle = simulate._settled

    async def settled(*args: Any) -> CaseView:
        weeks_asked.append(len(queries))
        return await settle(*args)

    monkeypatch.setattr(simulate, "_settled", settled)
    report = await run_simulation(
        make_settings(tmp_path),
        "model-wsparcia",
        years=0.5,
        visit_every_days=7,
        advance_every_days=None,
        auto_advance=False,
    )
    assert report.visits == 26 and report.status == "active"
    assert weeks_asked == [1]  # the case as opened, before the first week
    assert updates == [1]
    # The visits are a week apart, each at a moment the server had reached.
    visits = [e.payload["occurred_at"] for e in report.events if e.kind == "visit_recorded"]
    assert len(visits) == 26 and len(set(visits)) == 26


def test_parse_days() -> None:
    assert parse_days("7d", "--x") == 7 and parse_days("14", "--x") == 14 and parse_days("none", "--x") is None
    with pytest.raises(SimulationError, match="--x"):
        parse_days("0d", "--x")


def test_the_cli_names_a_wrong_definition_and_a_wrong_cadence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAY_HOME", str(tmp_path))
    runner = CliRunner()
    missing = runner.invoke(app, ["simulate", "no-such-pathway"])
    assert missing.exit_code == 1 and "no pathway definition 'no-such-pathway'" in missing.output
    wrong = runner.invoke(app, ["simulate", "model-wsparcia", "--visits-every", "weekly"])
    assert wrong.exit_code == 1 and "--visits-every" in wrong.output
