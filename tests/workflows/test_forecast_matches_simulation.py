"""The forecast and the Temporal simulation say the same: the same case, the same script (a
visit every ten days on a weekly cadence, no move: visits fall overdue, the coordinator is
reminded, the supervisor told, the stage deadline passes), run once by the real workflow and
activities on the time-skipping server (``pathway simulate``) and once by the forecast in the
pure core (``pathway.core.forecast``), give the same events in the same order."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import make_settings

from pathway.app.catalog import Catalog
from pathway.core.case import Case
from pathway.core.events import Event
from pathway.core.forecast import Assumptions, CaseRun, planned_visits
from pathway.runtime.simulate import COORDINATOR, UNIT, SimulatedEvent, run_simulation

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EVERY_DAYS = 16
# Instants a person or the script chose (a visit's time, its event's time) differ by the
# milliseconds the simulation's client takes; due dates and alarm times must be equal.
LOOSE = ("at", "occurred_at")
SAME = ("stage", "watch", "level", "n", "due_at", "next_visit_due_at", "counted", "visit_kind", "from_stage", "ends_at")


def _fields(kind: str, at: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "at": at}
    for name in (*SAME, "occurred_at"):
        if name in payload and payload[name] is not None:
            value = payload[name]
            out[name] = datetime.fromisoformat(value) if isinstance(value, str) and name.endswith("_at") else value
    return out


def _same(simulated: dict[str, Any], forecast: dict[str, Any]) -> bool:
    if simulated.keys() != forecast.keys():
        return False
    for name, value in simulated.items():
        if name in LOOSE:
            if abs(value - forecast[name]) > timedelta(seconds=5):
                return False
        elif value != forecast[name]:
            return False
    return True


def _forecast_events(definition_id: str, opened_at: datetime, until: datetime, case_id: str) -> list[Event]:
    entry = Catalog.load(ROOT / "definitions").get(definition_id)
    assert entry is not None
    case = Case.open(
        case_id=case_id,
        definition=entry.snapshot,
        coordinator_id=COORDINATOR,
        unit_id=UNIT,
        now=opened_at,
        actor=COORDINATOR,
    )
    events = list(case.state.outbox)
    case.state.outbox.clear()
    # The forecast's own script: a visit every EVERY_DAYS days from the opening.
    visits = planned_visits(
        Assumptions(visits_per_week=7 / EVERY_DAYS),
        case_id=case_id,
        coordinator_id=COORDINATOR,
        last_activity_at=opened_at,
        now=opened_at,
        until=until,
        tz=case.tz,
    )
    return events + CaseRun(case, visits).advance(until)


@pytest.mark.parametrize("definition_id", ["model-wsparcia", "wychodzenie-z-bezdomnosci", "asystent-rodziny"])
async def test_the_forecast_and_the_simulation_give_the_same_events(tmp_path: Path, definition_id: str) -> None:
    report = await run_simulation(
        make_settings(tmp_path),
        definition_id,
        years=0.75,
        visit_every_days=EVERY_DAYS,
        advance_every_days=None,
        auto_advance=False,
    )
    simulated = [_fields(e.kind, e.at, e.payload) for e in report.events]
    # What the workflow's timers had rung by the simulation's last moment (a second of slack).
    until = report.simulated_to + timedelta(seconds=1)
    forecast = [
        _fields(e.kind, e.at, e.model_dump(mode="json"))
        for e in _forecast_events(definition_id, report.simulated_from, until, report.case_id)
    ]
    kinds = [e["kind"] for e in simulated]
    # The script is rich enough to be a test: visits, reminders and escalations of both clocks.
    assert kinds.count("visit_recorded") == report.visits >= 15
    levels = {(e.get("watch"), e.get("level")) for e in simulated if e["kind"] == "reminder_due"}
    assert {("visit", "reminder"), ("visit", "escalation")} <= levels
    assert len(forecast) == len(simulated), (kinds, [e["kind"] for e in forecast])
    for i, (s, f) in enumerate(zip(simulated, forecast, strict=True)):
        assert _same(s, f), (i, s, f)


def test_events_compare_field_by_field() -> None:
    at = datetime(2026, 3, 1, 12, 0)
    base = SimulatedEvent(seq=1, kind="reminder_due", at=at, payload={"watch": "visit", "n": 1})
    a = _fields(base.kind, base.at, base.payload)
    assert _same(a, _fields("reminder_due", at + timedelta(seconds=1), {"watch": "visit", "n": 1}))
    assert not _same(a, _fields("reminder_due", at, {"watch": "visit", "n": 2}))
    assert not _same(a, _fields("reminder_due", at + timedelta(minutes=1), {"watch": "visit", "n": 1}))
