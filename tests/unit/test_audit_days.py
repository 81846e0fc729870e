"""One truth for the stalled audit's rows computed in SQL: with the answers the projection
stores (``stalled_limits.audit_columns``, migration 0012), the statement returns each row's
``since``, days overdue, severity and order itself; they must equal the core's own
(``calendar.after``, ``overdue.days_overdue``) case by case, over cases spanning both clock
changes a year, midnights and Polish holidays, on SQLite AND PostgreSQL; and a store whose
answers are missing or were computed for other limits gives the same rows (computed in
Python) as one whose answers fit."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pgstore import fresh_database, require_postgres
from sqlalchemy import Engine, update
from sqlmodel import Session, select
from test_local_days import scattered_cases

from activities.projection import _upsert_case
from pathway.app.audit_days import fill_audit_days
from pathway.app.catalog import load_file
from pathway.core import calendar as cal
from pathway.core import overdue
from pathway.core.summary import CaseSummary
from pathway.readmodels import stalled as audit
from pathway.readmodels import stalled_limits
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, PlanActionRow, PlanReviewRow
from pathway.store.tables import table_of

ROOT = Path(__file__).resolve().parents[2]
TZ = "Europe/Warsaw"
MODEL = load_file(ROOT / "definitions" / "model-wsparcia.yaml")
FAMILY = load_file(ROOT / "tests" / "supervisors" / "rodzina-test.yaml")
DEFINITIONS = {MODEL.id: MODEL, FAMILY.id: FAMILY}
# The day after Easter Monday, a week after the clocks went forward; and the night they go back.
NOWS = [datetime(2026, 4, 7, 10, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        engine = make_engine(url)
        create_schema(engine)
        yield engine
        engine.dispose()
        return
    require_postgres()
    with fresh_database("days") as url:
        engine = make_engine(url)
        create_schema(engine)
        yield engine
        engine.dispose()


def fill(engine: Engine, now: datetime, seed: int) -> None:
    rng = random.Random(seed)
    with Session(engine) as s:
        s.add_all(scattered_cases(rng, now, 900, [MODEL.id, FAMILY.id, "retired"], id_format="c{:04d}"))
        s.commit()
        for i in range(0, 900, 3):  # plans: a late action or two, a review
            due = cal.local_date(now - timedelta(days=rng.expovariate(1 / 30)), TZ)
            for k in range(rng.choice([1, 2])):
                day = due + timedelta(days=k * rng.randint(0, 9))
                s.add(
                    PlanActionRow(
                        case_id=f"c{i:04d}",
                        action_id=f"a{k}",
                        goal_id="g",
                        version=1,
                        owner_kind="coordinator",
                        due_on=day,
                        due_at=overdue.due_at(day, TZ),
                        status="planned",
                    )
                )
            s.add(
                PlanReviewRow(case_id=f"c{i:04d}", version=1, agreed_on=due, due_on=due, due_at=overdue.due_at(due, TZ))
            )
        s.commit()


def cores(engine: Engine, now: datetime) -> dict[tuple[str, str], tuple[datetime, int]]:
    """Each stalled row's (since, days overdue) by the core's own functions."""
    with Session(engine) as s:
        cases = {c.id: c for c in s.exec(select(Case)).all()}
        actions = s.exec(select(PlanActionRow)).all()
        reviews = {r.case_id: r for r in s.exec(select(PlanReviewRow)).all()}
    rows = audit_rows(engine, now)
    out = {}
    for r in rows:
        case = cases[r.case_id]
        limits = stalled_limits.limits_for(DEFINITIONS, r.definition)
        if r.rule == "action_overdue":
            clock, limit = min(a.due_at for a in actions if a.case_id == r.case_id and a.due_at < now), None
        elif r.rule == "review_overdue":
            clock, limit = reviews[r.case_id].due_at, None
        else:
            clock, limit = {
                "stage_overdue": (case.stage_due_at, None),
                "visit_overdue": (case.next_visit_due_at, None),
                "inactive": (case.last_activity_at, limits.inactivity),
                "paused_too_long": (case.paused_at, limits.pause_max),
            }[r.rule]
        assert clock is not None
        since = clock if limit is None else cal.after(clock, limit, limits.tz)
        out[(r.case_id, r.rule)] = (since, overdue.days_overdue(since, now, limits.tz) or 1)
    return out


def audit_rows(engine: Engine, now: datetime, **kw: object) -> list[audit.StalledRow]:
    with Session(engine) as s:
        return audit.stalled(s, now=now, definitions=DEFINITIONS, **kw)  # type: ignore[arg-type]


class _NotInPython(audit.LocalDays):
    def __init__(self, *a: object, **kw: object) -> None:
        raise AssertionError("a row was computed in Python: the store's answers should have finished it")


@pytest.mark.parametrize("now", NOWS)
def test_the_rows_sql_finishes_equal_the_cores_numbers(engine: Engine, now: datetime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fill(engine, now, seed=now.day)
    unfilled = audit_rows(engine, now)  # no stored answers: every row computed in Python
    assert fill_audit_days(engine, DEFINITIONS) == 900
    with monkeypatch.context() as m:
        m.setattr(audit, "LocalDays", _NotInPython)
        finished = audit_rows(engine, now)  # every row finished by the statement
    assert len({r.rule for r in finished}) == 6 and len(finished) > 400
    assert finished == unfilled
    expected = cores(engine, now)
    assert {(r.case_id, r.rule): (r.since, r.days_overdue) for r in finished} == expected
    for r in finished:
        assert (r.severity, r.score) == audit.severity(r.rule, r.days_overdue)
        assert r.since.tzinfo is UTC
    keys = [(-r.score, r.since, r.case_id, r.rule) for r in finished]
    assert keys == sorted(keys)


def test_answers_for_other_limits_are_not_used(engine: Engine) -> None:
    now = NOWS[0]
    fill(engine, now, seed=3)
    fill_audit_days(engine, {})  # as if the catalog had none of these definitions: the defaults
    filled_for_defaults = audit_rows(engine, now)
    with engine.begin() as conn:  # and a store never filled
        conn.execute(update(table_of(Case)).values({name: None for name in stalled_limits.AUDIT_COLUMNS}))
    assert filled_for_defaults == audit_rows(engine, now)
    # --inactive-days: a limit no stored answer was computed for
    fill_audit_days(engine, DEFINITIONS)
    idle = audit_rows(engine, now, rule="inactive", inactive_days=12)
    assert idle
    with Session(engine) as s:
        cases = {c.id: c for c in s.exec(select(Case)).all()}
    twelve = stalled_limits.Duration(amount=12, unit="days")
    for r in idle:
        since = cal.after(cases[r.case_id].last_activity_at, twelve, TZ)
        assert (r.since, r.days_overdue) == (since, overdue.days_overdue(since, now, TZ) or 1)


def test_the_projection_stores_the_answers_it_computes(engine: Engine) -> None:
    now = NOWS[0]
    summary = CaseSummary(
        case_id="p1",
        definition_id=FAMILY.id,
        definition_version=1,
        unit_id="u",
        coordinator_id="c",
        stage="support",
        status="paused",
        opened_at=now - timedelta(days=90),
        stage_entered_at=now - timedelta(days=40),
        stage_due_at=datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # midnight in Warsaw, summer time
        next_visit_due_at=datetime(2026, 4, 3, 9, 0, tzinfo=UTC),
        last_activity_at=datetime(2026, 3, 27, 15, 0, tzinfo=UTC),  # + 10 working days, Easter Monday off
        paused_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        seq=3,
    )
    with engine.begin() as conn:
        assert _upsert_case(conn, summary, {FAMILY.id: stalled_limits.Limits.of(FAMILY)})
    with Session(engine) as s:
        row = s.exec(select(Case)).one()
    limits = stalled_limits.Limits.of(FAMILY)
    assert row.due_zone == TZ
    assert row.stage_due_on == overdue.due_on(summary.stage_due_at, TZ) == datetime(2026, 3, 29).date()  # type: ignore[arg-type]
    assert row.next_visit_due_on == overdue.due_on(summary.next_visit_due_at, TZ)  # type: ignore[arg-type]
    assert row.inactive_since == cal.after(summary.last_activity_at, limits.inactivity, TZ)
    assert row.inactive_since_on == overdue.due_on(row.inactive_since, TZ)  # type: ignore[arg-type]
    assert row.pause_ends_at == cal.after(summary.paused_at, limits.pause_max, TZ)  # type: ignore[arg-type]
    assert row.inactive_limit == f"{limits.inactivity} {TZ}" and row.pause_limit == f"{limits.pause_max} {TZ}"


def test_pathway_db_upgrade_fills_the_cases_projected_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store from before migration 0012: its cases have no stored answers until ``pathway
    db upgrade`` fills them from the catalog (the audit is right either way, only slower)."""
    from typer.testing import CliRunner

    from pathway.cli import app
    from pathway.config import Settings
    from pathway.store import schema as migrations

    monkeypatch.setenv("PATHWAY_HOME", str(tmp_path))
    monkeypatch.delenv("PATHWAY_DATABASE_URL", raising=False)
    monkeypatch.delenv("PATHWAY_KEYSTORE_URL", raising=False)
    engine = make_engine(Settings().resolved_database_url)
    migrations.upgrade(engine, to="0011_plan_review")
    now = NOWS[0]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO cases (id, definition_id, definition_version, unit_id, coordinator_id, stage, status,"
            " opened_at, stage_entered_at, stage_due_at, last_activity_at, last_seq)"
            " VALUES ('old', 'model-wsparcia', 1, 'u', 'c', 'therapy', 'active',"
            " '2025-01-02 10:00:00.000000', '2026-03-01 10:00:00.000000', '2026-03-29 22:00:00.000000',"
            " '2026-03-13 11:00:00.000000', 4)"
        )
    migrations.upgrade(engine)  # the schema alone: the columns there, empty
    before = audit_rows(engine, now)  # computed in Python
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with Session(engine) as s:
        row = s.exec(select(Case)).one()
    assert (row.due_zone, row.stage_due_on) == (TZ, datetime(2026, 3, 29).date())
    assert row.inactive_since == cal.after(row.last_activity_at, MODEL.inactivity_alert, TZ)
    with monkeypatch.context() as m:
        m.setattr(audit, "LocalDays", _NotInPython)
        assert audit_rows(engine, now) == before and {r.rule for r in before} == {"stage_overdue", "inactive"}
    engine.dispose()


def test_only_the_cases_without_answers_are_filled_at_start(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """``pathway up`` fills, at every start, the cases that have no stored answers yet (a
    store projected before migration 0012) and leaves the others: cheap once filled."""
    now = NOWS[0]
    fill(engine, now, seed=5)
    assert fill_audit_days(engine, DEFINITIONS, only_missing=True) == 900
    assert fill_audit_days(engine, DEFINITIONS, only_missing=True) == 0
    cases = table_of(Case)
    with engine.begin() as conn:
        some = [r[0] for r in conn.execute(select(cases.c.id).where(cases.c.status != "closed").limit(7))]
        conn.execute(update(cases).where(cases.c.id.in_(some)).values({n: None for n in stalled_limits.AUDIT_COLUMNS}))
    assert fill_audit_days(engine, DEFINITIONS, only_missing=True) == 7
    monkeypatch.setattr(audit, "LocalDays", _NotInPython)
    assert audit_rows(engine, now)  # every row finished by the statement again
