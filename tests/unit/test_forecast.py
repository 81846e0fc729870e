"""The forecast in the pure core (``pathway.core.forecast``): the script of visits the
assumptions make, a case resumed from its projected clocks, and the week-by-week tally per
coordinator. That it rings what the workflow rings is tests/workflows/test_forecast_matches_simulation.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pathway.app.catalog import Catalog
from pathway.core import calendar as cal
from pathway.core import overdue
from pathway.core.forecast import Absence, Assumptions, CaseStart, forecast, planned_visits, resume, week_starts

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Catalog.load(ROOT / "definitions")
MW = CATALOG.get("model-wsparcia")
assert MW is not None
TZ = "Europe/Warsaw"
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # a Wednesday; the clocks go forward on 29 March


def start(case_id: str = "c1", coordinator: str = "anna", *, days_ago: int = 3, **changes: object) -> CaseStart:
    """A Model Wsparcia case in diagnosis entered ``days_ago`` days ago, its clocks as projected."""
    entered = NOW - timedelta(days=days_ago)
    d = MW.definition
    values: dict[str, object] = dict(
        case_id=case_id,
        definition_id=d.id,
        definition_version=d.version,
        coordinator_id=coordinator,
        unit_id="u",
        stage="diagnosis",
        opened_at=entered,
        stage_entered_at=entered,
        last_activity_at=entered,
        stage_due_at=cal.deadline_at(entered, d.stages["diagnosis"].deadline, TZ),  # type: ignore[arg-type]
        next_visit_due_at=cal.deadline_at(entered, d.stages["diagnosis"].visits.every, TZ),  # type: ignore[union-attr]
    )
    values.update(changes)
    return CaseStart(**values)  # type: ignore[arg-type]


def snapshots(definition_id: str, version: int) -> object:
    entry = CATALOG.get(definition_id)
    return entry.snapshot if entry and entry.definition.version == version else None


def test_the_script_visits_on_the_rhythm_from_the_last_activity_and_not_while_away() -> None:
    a = Assumptions(visits_per_week=2)
    last = NOW - timedelta(days=1)
    visits = planned_visits(
        a, case_id="c", coordinator_id="anna", last_activity_at=last, now=NOW, until=NOW + timedelta(days=14), tz=TZ
    )
    assert visits == [last + timedelta(days=3.5) * k for k in range(1, 5)]
    away = Assumptions(
        visits_per_week=2,
        absences=(Absence(coordinator_id="anna", first_day=date(2026, 3, 6), last_day=date(2026, 3, 12)),),
    )
    kept = planned_visits(
        away, case_id="c", coordinator_id="anna", last_activity_at=last, now=NOW, until=NOW + timedelta(days=14), tz=TZ
    )
    assert kept == visits[2:]  # the visits of 6 and 10 March fall while away; 13 March she is back
    # someone else's absence changes nothing; nobody visits at rate 0
    other = planned_visits(
        away, case_id="c", coordinator_id="bea", last_activity_at=last, now=NOW, until=NOW + timedelta(days=14), tz=TZ
    )
    assert other == visits
    assert (
        planned_visits(
            Assumptions(visits_per_week=0),
            case_id="c",
            coordinator_id="a",
            last_activity_at=last,
            now=NOW,
            until=NOW + timedelta(days=30),
            tz=TZ,
        )
        == []
    )


def test_a_case_late_for_its_visit_is_visited_within_the_first_interval_at_a_moment_its_id_fixes() -> None:
    a = Assumptions(visits_per_week=1)
    long_ago = NOW - timedelta(days=40)
    firsts = {
        planned_visits(
            a,
            case_id=f"c{i}",
            coordinator_id="a",
            last_activity_at=long_ago,
            now=NOW,
            until=NOW + timedelta(days=8),
            tz=TZ,
        )[0]
        for i in range(20)
    }
    assert all(NOW < f <= NOW + timedelta(days=7) for f in firsts) and len(firsts) > 10


def test_an_absence_ends_on_or_after_it_begins() -> None:
    with pytest.raises(ValueError, match="ends on or after"):
        Absence(coordinator_id="a", first_day=date(2026, 3, 2), last_day=date(2026, 3, 1))


def test_a_resumed_case_has_its_projected_clocks_and_no_past_alarms() -> None:
    s = start(days_ago=20)  # the weekly visit is 13 days late, the 30-day diagnosis is not yet
    case = resume(s, MW.snapshot, NOW)
    assert case.state.watches["visit"].due_at == s.next_visit_due_at
    assert case.state.watches["stage_deadline"].due_at == s.stage_due_at
    assert case.state.outbox == []  # what the catching up rang is the past
    assert overdue.is_overdue(case.state.watches["visit"].due_at, NOW)
    assert case.next_alarm_at() is not None and case.next_alarm_at() > NOW  # type: ignore[operator]


def test_week_starts_are_local_mondays_across_the_change_of_the_clocks() -> None:
    starts = week_starts(NOW, 6, TZ)
    assert len(starts) == 7
    assert [cal.local_date(s, TZ) for s in starts] == [date(2026, 3, 2) + timedelta(weeks=i) for i in range(7)]
    assert starts[0] == datetime(2026, 3, 1, 23, 0, tzinfo=UTC) and starts[5] == datetime(2026, 4, 5, 22, 0, tzinfo=UTC)


def test_the_tally_per_coordinator_and_week() -> None:
    cases = [start(f"a{i}", "anna") for i in range(3)] + [start(f"b{i}", "bea") for i in range(2)]
    cases.append(start("gone", "bea", definition_version=999))  # a version nobody keeps
    away = Absence(coordinator_id="anna", first_day=date(2026, 3, 9), last_day=date(2026, 3, 29))
    report = forecast(cases, snapshots, Assumptions(visits_per_week=1, absences=(away,), weeks=8), now=NOW, paused=4)  # type: ignore[arg-type]
    assert report.cases == 5 and report.unknown_definition == 1 and report.paused == 4
    rows = {(r.coordinator_id, r.week_start): r for r in report.rows}
    assert len(report.rows) == 2 * 8
    weeks = [date(2026, 3, 2) + timedelta(weeks=i) for i in range(8)]
    anna = [rows["anna", w] for w in weeks]
    bea = [rows["bea", w] for w in weeks]
    assert [r.absent for r in anna] == [False, True, True, True, False, False, False, False]
    assert not any(r.absent for r in bea)
    # Anna's cases go unvisited while she is away: late from the second week of it, back on
    # time once she is back; Bea's stay on time.
    assert [r.visits_planned for r in anna[1:4]] == [0, 0, 0]
    assert anna[2].overdue_visits == 3 and anna[3].overdue_visits == 3 and anna[6].overdue_visits == 0
    assert all(r.overdue_visits == 0 for r in bea)
    assert sum(r.escalations for r in anna) >= 3  # the supervisor is told of each late visit
    # The 30-day diagnosis (no move in a forecast) falls due once and stays overdue.
    due = [r for r in bea if r.deadlines_due]
    assert len(due) == 1 and due[0].deadlines_due == 2
    assert overdue.due_on(cases[3].stage_due_at, TZ) - due[0].week_start < timedelta(days=7)  # type: ignore[arg-type]
    assert bea[-1].overdue_stages == 2 and bea[0].overdue_stages == 0
    # The unit's weeks add up its coordinators.
    totals = report.totals()
    assert [t.week_start for t in totals] == weeks
    assert all(
        t.overdue_cases == rows["anna", t.week_start].overdue_cases + rows["bea", t.week_start].overdue_cases
        for t in totals
    )
    assert totals[1].absent and not totals[0].absent


def test_a_deadline_whose_last_day_is_a_sunday_is_due_in_that_week() -> None:
    # Entered on Friday 6 February: 30 days -> due on Sunday 8 March (the first late instant
    # is Monday 9 March's local midnight, but the last day on time is in the week of 2 March).
    entered = datetime(2026, 2, 6, 10, 0, tzinfo=UTC)
    due_at = cal.deadline_at(entered, MW.definition.stages["diagnosis"].deadline, TZ)  # type: ignore[arg-type]
    assert overdue.due_on(due_at, TZ) == date(2026, 3, 8)
    s = start(
        opened_at=entered, stage_entered_at=entered, last_activity_at=NOW, stage_due_at=due_at, next_visit_due_at=None
    )
    report = forecast([s], snapshots, Assumptions(visits_per_week=0, weeks=2), now=NOW)  # type: ignore[arg-type]
    assert [r.deadlines_due for r in report.rows] == [1, 0]
    assert [r.overdue_stages for r in report.rows] == [1, 1]


def test_a_tiny_visit_rate_waits_past_the_horizon_instead_of_overflowing() -> None:
    """The fuzzer found it: 7e-90 visits a week made a visit interval of 1e90 days (a 500)."""
    from pathway.core.forecast.script import MAX_WEEKS, Assumptions

    tiny = Assumptions(visits_per_week=7.2e-90)
    assert tiny.interval == timedelta(days=7 * (MAX_WEEKS + 1))
    assert Assumptions(visits_per_week=1).interval == timedelta(days=7)
