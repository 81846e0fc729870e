"""The stalled audit's ``action_overdue`` rule: a case with a planned action late past the
visit grace (when the supervisor is told) is listed once, since its earliest late action,
with the days overdue the case page shows (``pathway.core.overdue``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pathway.app.catalog import load_file
from pathway.core import overdue
from pathway.readmodels import stalled as audit
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, PlanActionRow

ROOT = Path(__file__).resolve().parents[2]
MODEL = load_file(ROOT / "definitions" / "model-wsparcia.yaml")
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # a Monday, after the 1-3 May holidays
TZ = "Europe/Warsaw"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def add(s: Session, case_id: str, *actions: tuple[str, date, str], status: str = "active") -> None:
    s.add(
        Case(
            id=case_id,
            definition_id=MODEL.id,
            definition_version=4,
            unit_id="u1",
            coordinator_id="coord-a",
            stage="therapy",
            status=status,
            opened_at=NOW - timedelta(days=200),
            stage_entered_at=NOW - timedelta(days=20),
            last_activity_at=NOW - timedelta(days=1),
            last_seq=5,
        )
    )
    s.commit()
    for action_id, due_on, action_status in actions:
        s.add(
            PlanActionRow(
                case_id=case_id,
                action_id=action_id,
                goal_id="g1",
                version=1,
                owner_kind="coordinator",
                due_on=due_on,
                due_at=overdue.due_at(due_on, TZ),
                status=action_status,
            )
        )
    s.commit()


def test_a_late_action_is_listed_once_per_case_after_the_grace(engine: Engine) -> None:
    with Session(engine) as s:
        # due on Thursday 16 April: 5 working days later (23 April) the supervisor is told
        add(s, "late", ("a1", date(2026, 4, 16), "planned"), ("a2", date(2026, 4, 20), "planned"))
        add(s, "done", ("a1", date(2026, 4, 16), "done"))
        add(s, "in-grace", ("a1", date(2026, 4, 30), "planned"))  # late, but the supervisor not told yet
        add(s, "paused", ("a1", date(2026, 4, 16), "planned"), status="paused")
        rows = audit.stalled(s, now=NOW, definitions={MODEL.id: MODEL}, rule="action_overdue")
    assert [(r.case_id, r.rule) for r in rows] == [("late", "action_overdue")]
    [row] = rows
    assert row.since == overdue.due_at(date(2026, 4, 16), TZ)
    assert row.days_overdue == overdue.days_overdue(overdue.due_at(date(2026, 4, 16), TZ), NOW, TZ) == 18


def test_the_rule_is_among_the_audit_s_rules(engine: Engine) -> None:
    with Session(engine) as s:
        add(s, "late", ("a1", date(2026, 4, 16), "planned"))
        rules = {r.rule for r in audit.stalled(s, now=NOW, definitions={MODEL.id: MODEL})}
    assert "action_overdue" in rules
