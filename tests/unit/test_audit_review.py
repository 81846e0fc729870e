"""The stalled audit's ``review_overdue`` rule: a case whose plan's review (the definition's
``plan.review_every`` after the day it was agreed) is late past the visit grace is listed,
since the review was due, with the days overdue the case view shows (``pathway.app.plans``
and ``pathway.core.overdue``); the review's due moment is written to the store with the plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pathway.app import plans as app_plans
from pathway.app.catalog import load_file
from pathway.core import overdue
from pathway.core.plan import PlanSkeleton, review_due_at
from pathway.readmodels import stalled as audit
from pathway.store import plans as store
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, Client

ROOT = Path(__file__).resolve().parents[2]
FAMILY = load_file(ROOT / "definitions" / "asystent-rodziny.yaml")
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # a Monday, after the 1-3 May holidays
TZ = FAMILY.timezone


class Vault:
    def seal(self, client_id: str, field: str, value: str) -> str:
        return f"sealed:{value}"

    def open(self, client_id: str, field: str, sealed: str) -> str | None:
        return sealed.removeprefix("sealed:")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def doc(agreed_on: date) -> dict[str, Any]:
    owner = {"kind": "coordinator", "id": None}
    action = {"id": "a1", "title": "t", "owner": owner, "due_on": None, "status": "planned", "reason": None}
    return {"agreed_on": agreed_on.isoformat(), "goals": [{"id": "g1", "title": "g", "actions": [action]}]}


def add(s: Session, case_id: str, agreed_on: date, status: str = "active") -> None:
    s.add(Client(id=f"client-{case_id}", unit_id="u1", name_sealed="x"))
    s.commit()
    s.add(
        Case(
            id=case_id,
            client_id=f"client-{case_id}",
            definition_id=FAMILY.id,
            definition_version=FAMILY.version,
            unit_id="u1",
            coordinator_id="coord-a",
            stage="plan",
            status=status,
            opened_at=NOW - timedelta(days=400),
            stage_entered_at=NOW - timedelta(days=20),
            last_activity_at=NOW - timedelta(days=1),
            last_seq=5,
        )
    )
    s.commit()
    skeleton = PlanSkeleton(version=1, agreed_on=agreed_on, goal_ids=["g1"])
    store.add_version(
        s,
        vault=Vault(),  # type: ignore[arg-type]
        case_id=case_id,
        version=1,
        agreed_on=agreed_on,
        author="coord-a",
        command_id=f"cmd-{case_id}",
        body=doc(agreed_on),
        actions=[],
        review_due=app_plans._review(skeleton, FAMILY),
    )


def test_the_review_is_due_as_the_workflow_watches_it() -> None:
    assert FAMILY.plan is not None and FAMILY.plan.review_every is not None
    due = review_due_at(date(2025, 10, 16), FAMILY.plan.review_every, TZ)
    assert due is not None and overdue.due_on(due, TZ) == date(2026, 4, 16)
    assert review_due_at(None, FAMILY.plan.review_every, TZ) is None


def test_a_missed_review_is_listed_after_the_grace_with_the_case_view_s_days(engine: Engine) -> None:
    with Session(engine) as s:
        # agreed on 16 October: the review was due by Thursday 16 April; 5 working days later the supervisor is told
        add(s, "late", date(2025, 10, 16))
        add(s, "in-grace", date(2025, 10, 30))  # due by 30 April: late, the supervisor not told yet
        add(s, "on-time", date(2026, 1, 10))
        add(s, "paused", date(2025, 10, 16), status="paused")
        rows = audit.stalled(s, now=NOW, definitions={FAMILY.id: FAMILY}, rule="review_overdue")
    assert [(r.case_id, r.rule) for r in rows] == [("late", "review_overdue")]
    [row] = rows
    due = overdue.due_at(date(2026, 4, 16), TZ)
    assert row.since == due
    # what the case view says of the same plan at the same moment
    view = app_plans.plan_out("late", FAMILY, 1, doc(date(2025, 10, 16)))
    assert view.review_due_on == date(2026, 4, 16)
    assert row.days_overdue == overdue.days_overdue(due, NOW, TZ) == 18


def test_a_new_agreement_moves_the_review(engine: Engine) -> None:
    with Session(engine) as s:
        add(s, "late", date(2025, 10, 16))
        skeleton = PlanSkeleton(version=2, agreed_on=date(2026, 4, 20), goal_ids=["g1"])
        store.add_version(
            s,
            vault=Vault(),  # type: ignore[arg-type]
            case_id="late",
            version=2,
            agreed_on=date(2026, 4, 20),
            author="coord-a",
            command_id="cmd-late-2",
            body=doc(date(2026, 4, 20)),
            actions=[],
            review_due=app_plans._review(skeleton, FAMILY),
        )
        rows = audit.stalled(s, now=NOW, definitions={FAMILY.id: FAMILY})
    assert "review_overdue" not in {r.rule for r in rows}


def test_the_rule_is_among_the_audit_s_rules() -> None:
    assert "review_overdue" in audit.RULES
    audit.check_rule("review_overdue")
