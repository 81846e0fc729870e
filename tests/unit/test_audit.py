"""The stalled-pathway audit on the store (pathway/readmodels/stalled.py): each rule with the limits of
the case's own definition, counted in calendar and working days; one statement per audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from pathway.app.catalog import load_file
from pathway.core.calendar import Duration
from pathway.readmodels import stalled as audit
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case

ROOT = Path(__file__).resolve().parents[2]
MODEL = load_file(ROOT / "definitions" / "model-wsparcia.yaml")
FAMILY = load_file(ROOT / "tests" / "supervisors" / "rodzina-test.yaml")
DEFINITIONS = {MODEL.id: MODEL, FAMILY.id: FAMILY}
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # a Monday, after the 1-3 May holidays


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def add_case(s: Session, case_id: str, **overrides: object) -> Case:
    values: dict[str, object] = dict(
        id=case_id,
        definition_id=MODEL.id,
        definition_version=1,
        unit_id="u1",
        coordinator_id="coord-a",
        stage="therapy",
        status="active",
        opened_at=NOW - timedelta(days=200),
        stage_entered_at=NOW - timedelta(days=20),
        last_activity_at=NOW - timedelta(days=1),
        last_seq=5,
    )
    values.update(overrides)
    case = Case(**values)
    s.add(case)
    s.commit()
    return case


@pytest.fixture
def cases(engine: Engine) -> Engine:
    visit_due = datetime(2026, 4, 24, 12, 0, tzinfo=UTC)  # Friday 14:00 in Warsaw
    with Session(engine) as s:
        add_case(s, "deadline", stage_due_at=NOW - timedelta(days=3, hours=2))
        # 5 working days after Fri 24 April: 27, 28, 29, 30 April and - over the 1 and 3 May
        # holidays and the weekend - Monday 4 May 14:00 in Warsaw: exactly NOW, not yet past.
        add_case(s, "visit-model", next_visit_due_at=visit_due, coordinator_id="coord-b")
        # The family pathway gives 3 working days: listed from Wednesday 29 April on, overdue
        # since the visit was due (24 April), as the case itself says (issue 13, item 8).
        add_case(s, "visit-family", definition_id=FAMILY.id, stage="intake", next_visit_due_at=visit_due)
        add_case(s, "idle-model", last_activity_at=NOW - timedelta(days=30), unit_id="u2")  # 21 days: since NOW-9d
        # 10 working days from Saturday 4 April (Easter Monday 6 April is a holiday): Monday 20 April.
        add_case(s, "idle-family", definition_id=FAMILY.id, stage="support", last_activity_at=NOW - timedelta(days=30))
        add_case(
            s,
            "paused-model",
            status="paused",
            paused_at=NOW - timedelta(days=100),
            stage_due_at=NOW - timedelta(days=50),
        )
        add_case(
            s,
            "paused-family",
            definition_id=FAMILY.id,
            stage="support",
            status="paused",
            paused_at=NOW - timedelta(days=40),
        )
        add_case(s, "paused-short", status="paused", paused_at=NOW - timedelta(days=40))  # 3 months allowed
        add_case(s, "unknown-def", definition_id="gone", last_activity_at=NOW - timedelta(days=31))  # defaults: 30 days
        # Never stalled: clocks in the future, closed, opening.
        add_case(s, "fine", stage_due_at=NOW + timedelta(days=3), next_visit_due_at=NOW + timedelta(hours=1))
        add_case(
            s,
            "closed",
            status="closed",
            stage_due_at=NOW - timedelta(days=9),
            last_activity_at=NOW - timedelta(days=90),
        )
        add_case(s, "opening", status="opening", last_activity_at=NOW - timedelta(days=90))
    return engine


def run(engine: Engine, **kw: object) -> list[audit.StalledRow]:
    with Session(engine) as s:
        return audit.stalled(s, now=kw.pop("now", NOW), definitions=DEFINITIONS, **kw)  # type: ignore[arg-type]


def test_each_rule_fires_with_the_limits_of_the_case_s_own_definition(cases: Engine) -> None:
    rows = run(cases)
    found = {(r.case_id, r.rule): (r.since, r.days_overdue) for r in rows}
    assert found == {
        ("deadline", "stage_overdue"): (NOW - timedelta(days=3, hours=2), 3),
        ("visit-family", "visit_overdue"): (datetime(2026, 4, 24, 12, 0, tzinfo=UTC), 10),
        ("idle-model", "inactive"): (NOW - timedelta(days=9), 9),
        ("idle-family", "inactive"): (datetime(2026, 4, 20, 12, 0, tzinfo=UTC), 14),
        # 24 January 13:00 in Warsaw + 3 months: 24 April 13:00, summer time (11:00 UTC).
        ("paused-model", "paused_too_long"): (datetime(2026, 4, 24, 11, 0, tzinfo=UTC), 10),
        ("paused-family", "paused_too_long"): (datetime(2026, 4, 25, 11, 0, tzinfo=UTC), 9),  # 25 March + 1 month
        ("unknown-def", "inactive"): (NOW - timedelta(days=1), 1),
    }
    # Most severe first: weighted days (a visit weighs 3, a pause 1) and a label for people.
    assert [(r.case_id, r.severity, r.score) for r in rows[:3]] == [
        ("visit-family", "high", 30),
        ("idle-family", "medium", 28),
        ("idle-model", "medium", 18),
    ]
    assert rows[-1].case_id == "unknown-def" and rows[-1].severity == "low"
    idle = next(r for r in rows if r.case_id == "idle-model")
    assert (idle.coordinator, idle.stage, idle.unit_id, idle.definition) == ("coord-a", "therapy", "u2", MODEL.id)
    assert all(r.since.tzinfo is not None for r in rows)


def test_the_visit_grace_ends_exactly_when_the_supervisor_is_told(cases: Engine) -> None:
    assert "visit-model" not in {r.case_id for r in run(cases, rule="visit_overdue")}
    later = run(cases, rule="visit_overdue", now=NOW + timedelta(seconds=1))
    # Listed once the grace is over, overdue since the visit was due: 24 April to 4 May.
    assert [(r.case_id, r.since, r.days_overdue) for r in later if r.case_id == "visit-model"] == [
        ("visit-model", datetime(2026, 4, 24, 12, 0, tzinfo=UTC), 10)
    ]


def test_filters_and_an_asked_for_inactivity(cases: Engine) -> None:
    assert {r.case_id for r in run(cases, rule="paused_too_long")} == {"paused-model", "paused-family"}
    assert [r.case_id for r in run(cases, coordinator_id="coord-b")] == []
    assert {r.case_id for r in run(cases, unit_id="u2")} == {"idle-model"}
    assert {r.case_id for r in run(cases, definition_id=FAMILY.id)} == {"visit-family", "idle-family", "paused-family"}
    assert {r.case_id for r in run(cases, definition_id="gone")} == {"unknown-def"}
    # --inactive-days replaces every definition's limit: 35 days idle is none of them.
    assert run(cases, rule="inactive", inactive_days=35) == []
    assert {r.case_id for r in run(cases, rule="inactive", inactive_days=25)} == {
        "idle-model",
        "idle-family",
        "unknown-def",
    }
    with pytest.raises(ValueError, match="unknown rule"):
        run(cases, rule="slow")
    with pytest.raises(ValueError, match="timezone-aware"):
        run(cases, now=NOW.replace(tzinfo=None))


def test_the_whole_audit_is_one_statement(cases: Engine) -> None:
    statements: list[str] = []
    event.listen(cases, "before_cursor_execute", lambda *a: statements.append(a[2]))
    rows = run(cases)
    assert len(rows) == 7 and len(statements) == 1, statements
    assert statements[0].count("UNION ALL") >= 6


def test_due_at_now_is_overdue_as_the_case_says(engine: Engine) -> None:
    # pathway.core.overdue: late from the due moment on, when the workflow's reminder fires
    # and the case view lists it (issue 13, item 8: one definition everywhere).
    with Session(engine) as s:
        add_case(s, "edge", stage_due_at=NOW)
    assert run(engine, now=NOW - timedelta(microseconds=1)) == []
    assert [(r.case_id, r.rule, r.days_overdue) for r in run(engine)] == [("edge", "stage_overdue", 1)]


def _in_spring_gap(s: datetime, duration: Duration) -> bool:
    if duration.unit == "hours":
        return False
    zone = ZoneInfo("Europe/Warsaw")
    local = s.astimezone(zone)
    wall = datetime.combine(audit._shifted(local.date(), duration), local.time(), tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None)


@pytest.mark.parametrize(
    "text", ["5 working_days", "10 working_days", "21 days", "3 months", "1 months", "2 weeks", "36 hours"]
)
@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 1, 2, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 15, tzinfo=UTC),
        datetime(2026, 3, 2, 23, 59, tzinfo=UTC),
    ],
)
def test_past_limit_is_exactly_the_clocks_whose_limit_ran_out(text: str, now: datetime) -> None:
    duration = Duration.model_validate(text)
    ranges = audit.past_limit(now, duration, "Europe/Warsaw")

    def inside(s: datetime) -> bool:
        return any((lo is None or lo <= s) and s < hi for lo, hi in ranges)

    edges = [e for lo, hi in ranges for e in (lo, hi) if e is not None]
    probes = [e + timedelta(microseconds=d) for e in edges for d in (-1, 0, 1)]
    probes += [now - timedelta(days=130) + timedelta(minutes=37 * i) for i in range(130 * 24 * 60 // 37)]
    # A limit ending at a wall-clock time that does not exist (02:30 on the night clocks go
    # forward) has no single right answer: the ranges count it from 03:00, ``after`` from 01:30.
    probes = [s for s in probes if not _in_spring_gap(s, duration)]
    wrong = [s for s in probes if inside(s) != (audit.after(s, duration, "Europe/Warsaw") < now)]
    assert not wrong, wrong[:5]
