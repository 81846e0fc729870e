"""One truth for the stalled audit's numbers: its fast per-row arithmetic
(``pathway.readmodels.local_days.LocalDays``, a grid of local midnights searched by bisection)
answers exactly what the core answers (``calendar.after``, ``overdue.days_overdue``), over years
of instants, both changes of the clocks a year, midnights and the microseconds around them,
and working-day limits across Polish holidays; and the audit's rows over a store of such cases
equal rows computed one by one with the core's own functions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from pathway.app.catalog import load_file
from pathway.core import calendar as cal
from pathway.core import overdue
from pathway.core.calendar import Duration
from pathway.readmodels import stalled as audit
from pathway.readmodels.local_days import LocalDays
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case

ROOT = Path(__file__).resolve().parents[2]
TZ = "Europe/Warsaw"
LIMITS = [
    Duration(amount=a, unit=u)  # type: ignore[arg-type]
    for a, u in [(5, "working_days"), (1, "working_days"), (10, "working_days"), (21, "days"), (2, "weeks")]
    + [(3, "months"), (1, "months"), (36, "hours")]
]
# Days the clocks change and holidays (Easter Monday, 1-3 May, Christmas) around the "now"s.
SPECIAL = [
    datetime(2025, 3, 30, tzinfo=UTC),
    datetime(2025, 10, 26, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 4, 6, tzinfo=UTC),
    datetime(2026, 5, 1, tzinfo=UTC),
    datetime(2025, 12, 24, tzinfo=UTC),
]


def instants(rng: random.Random, now: datetime, n: int) -> list[datetime]:
    out = []
    for _ in range(n):
        pick = rng.random()
        if pick < 0.3:  # a local midnight, or a microsecond either side of it
            day = cal.local_date(now - timedelta(days=rng.expovariate(1 / 90)), TZ)
            out.append(cal.start_of_day(day, TZ) + timedelta(microseconds=rng.choice([-1, 0, 1])))
        elif pick < 0.5:  # somewhere on a day the clocks change or a holiday
            out.append(rng.choice(SPECIAL) + timedelta(seconds=rng.uniform(-86400, 2 * 86400)))
        else:
            out.append(now - timedelta(days=rng.expovariate(1 / 60), seconds=rng.uniform(0, 86400)))
    return out


def scattered_cases(
    rng: random.Random, now: datetime, n: int, definition_ids: list[str], *, id_format: str
) -> list[Case]:
    """``n`` open cases (two active to one paused) of the given definitions, each with its clocks
    at one of ``instants`` before ``now``: the stage and the visit due there about half the time."""
    cases = []
    for i, moment in enumerate(instants(rng, now, n)):
        moment = min(moment, now - timedelta(seconds=1))
        status = rng.choice(["active", "active", "paused"])
        cases.append(
            Case(
                id=id_format.format(i),
                definition_id=rng.choice(definition_ids),
                definition_version=1,
                unit_id="u",
                coordinator_id="c",
                stage="therapy",
                status=status,
                opened_at=moment - timedelta(days=400),
                stage_entered_at=moment,
                stage_due_at=moment if rng.random() < 0.5 else None,
                next_visit_due_at=moment if rng.random() < 0.5 else None,
                last_activity_at=moment,
                paused_at=moment if status == "paused" else None,
                last_seq=1,
            )
        )
    return cases


@pytest.mark.parametrize("seed", range(6))
def test_local_days_answer_what_the_calendar_and_overdue_answer(seed: int) -> None:
    rng = random.Random(seed)
    for now in [rng.choice(SPECIAL) + timedelta(hours=rng.uniform(0, 48)) for _ in range(3)] + [
        datetime(2026, 5, 4, 12, tzinfo=UTC)
    ]:
        days = LocalDays(now, TZ)
        for moment in instants(rng, now, 700):
            assert days.due_on(moment) == overdue.due_on(moment, TZ), moment
            assert days.days_overdue(moment) == overdue.days_overdue(moment, now, TZ), (moment, now)
            assert days.late_days(moment) == (overdue.days_overdue(moment, now, TZ) or 1), (moment, now)
            limit = rng.choice(LIMITS)
            since = days.after(moment, limit)
            assert since == cal.after(moment, limit, TZ), (moment, limit)
            assert days.late_days(since) == (overdue.days_overdue(since, now, TZ) or 1), (since, now)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


def test_the_audits_rows_equal_the_cores_numbers_case_by_case(engine: Engine) -> None:
    model = load_file(ROOT / "definitions" / "model-wsparcia.yaml")
    family = load_file(ROOT / "tests" / "supervisors" / "rodzina-test.yaml")
    definitions = {model.id: model, family.id: family}
    now = datetime(2026, 4, 7, 10, 30, tzinfo=UTC)  # the day after Easter Monday, a week after the clocks changed
    rng = random.Random(7)
    with Session(engine) as s:
        s.add_all(scattered_cases(rng, now, 1500, [model.id, family.id, "retired"], id_format="c{}"))
        s.commit()
        rows = audit.stalled(s, now=now, definitions=definitions)
        cases = {c.id: c for c in s.exec(select(Case)).all()}
    assert len({r.rule for r in rows}) == 4 and len(rows) > 500
    for r in rows:
        case = cases[r.case_id]
        limits = audit.Limits.of(definitions[r.definition]) if r.definition in definitions else audit.Limits.default()
        clock, limit = {
            "stage_overdue": (case.stage_due_at, None),
            "visit_overdue": (case.next_visit_due_at, None),
            "inactive": (case.last_activity_at, limits.inactivity),
            "paused_too_long": (case.paused_at, limits.pause_max),
        }[r.rule]
        assert clock is not None
        since = clock if limit is None else cal.after(clock, limit, limits.tz)
        tz = definitions[r.definition].timezone if r.definition in definitions else audit.DEFAULT_TZ
        days = overdue.days_overdue(since, now, tz if r.rule == "stage_overdue" else limits.tz) or 1
        assert (r.since, r.days_overdue) == (since, days), r
        assert (r.severity, r.score) == audit.severity(r.rule, days)
    keys = [(-r.score, r.since, r.case_id, r.rule) for r in rows]
    assert keys == sorted(keys)
