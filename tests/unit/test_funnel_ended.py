"""The internship -> employment conversion counts ended internships only (issue 13, item 17)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pathway.app.catalog import Catalog
from pathway.readmodels.funnel import funnel
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, StagePeriod

ROOT = Path(__file__).resolve().parents[2]
MODEL = Catalog.load(ROOT / "definitions").definitions()["model-wsparcia"]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PATH = ["diagnosis", "plan", "therapy", "training", "internship"]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def _case(s: Session, case_id: str, stages: list[str], *, ends_in: str | None = None) -> None:
    """A case that went through ``stages``; the last one is still running unless it ``ends_in``."""
    status = "closed" if ends_in in ("closed", "not_employed") else "active"
    last = stages[-1] if ends_in is None else ends_in
    s.add(
        Case(
            id=case_id,
            definition_id=MODEL.id,
            definition_version=MODEL.version,
            unit_id="u1",
            coordinator_id="c1",
            stage=last,
            status=status,
            opened_at=T0,
            stage_entered_at=T0,
            last_activity_at=T0,
            last_seq=1,
        )
    )
    walk = stages + ([ends_in] if ends_in else [])
    for i, stage in enumerate(walk):
        entered = T0 + timedelta(days=10 * i)
        left = None if i == len(walk) - 1 else entered + timedelta(days=10)
        s.add(StagePeriod(case_id=case_id, seq=i + 1, stage=stage, entered_at=entered, left_at=left))
    s.commit()


def test_running_internships_are_shown_apart_and_left_out_of_the_rate(engine: Engine) -> None:
    with Session(engine) as s:
        for n in range(2):  # employed: internship ended, follow-up reached
            _case(s, f"job-{n}", PATH + ["follow_up"])
        for n in range(3):  # internship ended without a job
            _case(s, f"nojob-{n}", PATH, ends_in="not_employed")
        for n in range(5):  # internship still running
            _case(s, f"running-{n}", PATH)
        report = funnel(s, definition=MODEL, unit_id="u1")
    [conv] = [c for c in report.conversions if (c.source, c.target) == ("internship", "follow_up")]
    # 2 employed of 5 ended internships: 40%, not 2 of 10 (20%) while 5 still run.
    assert (conv.source_count, conv.target_count, conv.running) == (5, 2, 5)
    assert conv.rate == pytest.approx(0.4)
    follow_up = next(step for step in report.steps if step.stage == "follow_up")
    assert follow_up.conversion == pytest.approx(0.4)
    internship = next(step for step in report.steps if step.stage == "internship")
    assert internship.running == 5  # shown apart on the web chart, the CLI and the CSV
