"""The rules of one case on Model Wsparcia, with concrete times (UTC in, Europe/Warsaw dates).

Dates worked out by hand for 2026: 2 March is a Monday; Easter Monday is 6 April; Warsaw
moves from CET (+1) to CEST (+2) on Sunday 29 March."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers import Ids, record_plan  # noqa: F401  (the ids fixture is in tests/unit/conftest.py)

from pathway.core.case import Case
from pathway.core.commands import Advance, AssignCoordinator, Close, Pause, RecordVisit, Resume, SetFact
from pathway.core.definition import parse_definition, snapshot
from pathway.core.errors import GuardUnmet, IllegalMove, InvalidCommand, PathwayError
from pathway.core.events import (
    CaseClosed,
    CaseOpened,
    CasePaused,
    CaseResumed,
    DurationElapsed,
    FactSet,
    NotificationRequested,
    ReminderDue,
    StageEntered,
    VisitRecorded,
)
from pathway.core.state import MAX_REMEMBERED_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
MODEL = parse_definition(
    (ROOT / "definitions" / "model-wsparcia.yaml").read_text(encoding="utf-8"), "model-wsparcia.yaml"
)
SNAP = snapshot(MODEL)
ALL_GUARDS = parse_definition(
    (ROOT / "tests" / "unit" / "fixtures" / "all-guards.yaml").read_text(encoding="utf-8"), "all-guards.yaml"
)
UTC = UTC
WAW = ZoneInfo("Europe/Warsaw")

OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March, 09:00 in Warsaw
DIAGNOSIS_DUE = datetime(2026, 4, 1, 22, 0, tzinfo=UTC)  # 30 days: due 1 April, missed from 2 April 00:00 CEST
FIRST_VISIT_DUE = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)  # 7 days: due 9 March, missed from 10 March 00:00 CET
DIAGNOSIS_DONE = {"situation": True, "needs": True, "resources": True, "limits": True, "safety": True}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def warsaw(*args: int) -> datetime:
    return datetime(*args, tzinfo=WAW)


def open_case(now: datetime = OPENED, definition: Any = SNAP) -> Case:
    return Case.open(
        case_id="case-42",
        definition=definition,
        coordinator_id="coord-1",
        unit_id="unit-wroclaw",
        now=now,
        actor="coord-1",
        command_id="open-42",
    )


def set_fact(case: Case, ids: Ids, name: str, value: Any, now: datetime) -> list:
    return case.apply(SetFact(command_id=ids(), actor="coord-1", name=name, value=value), now)


def advance(case: Case, ids: Ids, trigger: str, now: datetime) -> list:
    return case.apply(Advance(command_id=ids(), actor="coord-1", trigger=trigger), now)


def visit(
    case: Case, ids: Ids, occurred: datetime, minutes: int, now: datetime | None = None, kind: str = "home"
) -> VisitRecorded:
    [event] = case.apply(
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=occurred, duration_minutes=minutes, kind=kind),
        now or occurred,
    )
    assert isinstance(event, VisitRecorded)
    return event


def refused(case: Case, command: Any, now: datetime, error: type[PathwayError]) -> PathwayError:
    before = case.state.model_dump()
    with pytest.raises(error) as info:
        case.apply(command, now)
    assert case.state.model_dump() == before, "a refused command changed the state"
    assert case.applied(command.command_id) is None
    return info.value


def walk_to_internship(case: Case, ids: Ids, now: datetime) -> list:
    """diagnosis -> plan -> therapy -> training -> internship, all at ``now``; the events."""
    events: list = []
    events += set_fact(case, ids, "diagnosis", DIAGNOSIS_DONE, now)
    events += advance(case, ids, "advance", now)
    events += record_plan(case, ids, now, "2026-03-10")
    events += set_fact(case, ids, "therapist", {"partner_id": "TH-3", "partner_kind": "therapy"}, now)
    events += advance(case, ids, "advance", now)
    events += set_fact(case, ids, "ready_for_training", True, now)
    events += advance(case, ids, "advance", now)
    events += set_fact(case, ids, "training_completed", True, now)
    events += set_fact(case, ids, "placement", {"partner_id": "EMP-7", "partner_kind": "employer"}, now)
    events += advance(case, ids, "advance", now)
    assert case.state.stage == "internship"
    return events


def deadline_events(events: list, watch: str = "stage_deadline") -> list[ReminderDue]:
    return [e for e in events if isinstance(e, ReminderDue) and e.watch == watch]


# =========================================================================== opening


def test_opening_emits_case_opened_and_stage_entered_with_due_dates() -> None:
    case = open_case()
    opened, entered = case.state.outbox
    assert isinstance(opened, CaseOpened)
    assert (opened.seq, opened.at, opened.actor, opened.command_id) == (1, OPENED, "coord-1", "open-42")
    assert (opened.definition_id, opened.definition_version, opened.definition_hash) == (
        "model-wsparcia",
        SNAP.version,
        SNAP.content_hash,
    )
    assert (opened.coordinator_id, opened.unit_id) == ("coord-1", "unit-wroclaw")
    assert isinstance(entered, StageEntered)
    assert (entered.seq, entered.from_stage, entered.stage, entered.trigger) == (2, None, "diagnosis", None)
    assert entered.due_at == DIAGNOSIS_DUE
    assert entered.due_at.astimezone(WAW) == warsaw(2026, 4, 2, 0, 0)
    assert entered.ends_at is None

    s = case.state
    assert (s.stage, s.status, s.seq, s.stage_entered_at, s.opened_at) == ("diagnosis", "active", 2, OPENED, OPENED)
    assert s.watches["stage_deadline"].due_at == DIAGNOSIS_DUE
    # escalation after 5 working days: Fri 3 Apr, (Easter Monday 6 Apr), Tue 7, Wed 8, Thu 9, Fri 10
    assert s.watches["stage_deadline"].escalate_at == warsaw(2026, 4, 10, 0, 0)
    assert s.watches["visit"].due_at == FIRST_VISIT_DUE
    assert case.next_alarm_at() == FIRST_VISIT_DUE
    assert [r.stage for r in s.stages] == ["diagnosis"]

    view = case.view(OPENED)
    assert view.stage == "diagnosis" and view.stage_due_at == DIAGNOSIS_DUE
    assert view.next_visit_due_at == FIRST_VISIT_DUE
    assert view.allowed == []
    assert [(b.trigger, b.dest, b.guard, b.fact) for b in view.blocked] == [
        ("advance", "plan", "checklist_complete", "diagnosis")
    ]
    assert view.outcomes == ["dropped_out", "transferred"]
    assert view.overdue == []


def test_opening_uses_the_warsaw_date_of_the_moment() -> None:
    # 23:30 UTC on Sunday 1 March is already Monday 2 March in Warsaw
    case = open_case(utc(2026, 3, 1, 23, 30))
    assert case.state.watches["stage_deadline"].due_at == DIAGNOSIS_DUE


# =========================================================================== visits


def test_visit_cadence(ids: Ids) -> None:
    case = open_case()
    short = visit(case, ids, utc(2026, 3, 4, 9, 0), 30)
    assert short.counted is False
    assert short.not_counted_reason is not None and "60 minutes" in short.not_counted_reason
    assert short.next_visit_due_at == FIRST_VISIT_DUE  # a short visit does not move the cadence
    assert case.state.watches["visit"].due_at == FIRST_VISIT_DUE
    # recorded, but a visit too short to count does not count toward "visits in this stage" either
    assert (case.state.visits_total, case.state.visits_in_stage) == (1, 0)
    assert case.state.last_visit_at == utc(2026, 3, 4, 9, 0)
    assert case.state.last_counted_visit_at is None

    exactly = visit(case, ids, utc(2026, 3, 5, 9, 0), 60)  # 10:00 Thursday 5 March in Warsaw
    assert exactly.counted is True and exactly.not_counted_reason is None
    # due 7 days later, 12 March, so missed from 13 March 00:00 CET
    assert exactly.next_visit_due_at == utc(2026, 3, 12, 23, 0)
    assert case.view(utc(2026, 3, 6)).next_visit_due_at == utc(2026, 3, 12, 23, 0)

    older = visit(case, ids, utc(2026, 3, 3, 9, 0), 90, now=utc(2026, 3, 6, 9, 0))  # logged late
    assert older.counted is True
    assert older.next_visit_due_at == utc(2026, 3, 12, 23, 0)  # an older visit never moves the due date back
    assert case.state.last_counted_visit_at == utc(2026, 3, 5, 9, 0)
    assert (case.state.visits_total, case.state.visits_in_stage) == (3, 2)  # the short one does not count


def test_missed_visit_reminds_and_a_counted_visit_resets_the_clock(ids: Ids) -> None:
    case = open_case()
    assert deadline_events(case.fire_due(FIRST_VISIT_DUE - timedelta(microseconds=1)), "visit") == []
    [reminder] = deadline_events(case.fire_due(FIRST_VISIT_DUE), "visit")
    assert (reminder.level, reminder.n, reminder.at, reminder.due_at) == (
        "reminder",
        1,
        FIRST_VISIT_DUE,
        FIRST_VISIT_DUE,
    )
    assert [o.watch for o in case.view(FIRST_VISIT_DUE).overdue] == ["visit"]
    # a short visit does not stop the reminders, a proper one does
    visit(case, ids, utc(2026, 3, 10, 9, 0), 20)
    assert case.state.watches["visit"].reminders == 1
    visit(case, ids, utc(2026, 3, 10, 10, 0), 75)
    w = case.state.watches["visit"]
    assert (w.due_at, w.reminders, w.escalated) == (utc(2026, 3, 17, 23, 0), 0, False)
    assert case.view(utc(2026, 3, 11)).overdue == []


def test_visit_checks(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 4, 12, 0)
    visit(case, ids, now + timedelta(minutes=10), 60, now=now)  # phone clock a little ahead: fine
    err = refused(
        case,
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=now + timedelta(minutes=20), duration_minutes=60),
        now,
        InvalidCommand,
    )
    assert "future" in err.message
    err = refused(
        case,
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=OPENED - timedelta(days=2), duration_minutes=60),
        now,
        InvalidCommand,
    )
    assert "before the case was opened" in err.message
    err = refused(
        case,
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=now, duration_minutes=60, kind="skype"),
        now,
        InvalidCommand,
    )
    assert "skype" in err.message and "home" in err.message


# =========================================================================== reminders and escalation


def test_deadline_reminders_repeat_every_two_working_days_then_escalate_once(ids: Ids) -> None:
    case = open_case()
    # nothing before the due moment
    assert deadline_events(case.fire_due(DIAGNOSIS_DUE - timedelta(microseconds=1))) == []
    [r1] = deadline_events(case.fire_due(DIAGNOSIS_DUE))
    assert (r1.level, r1.n, r1.at, r1.due_at, r1.stage, r1.coordinator_id) == (
        "reminder",
        1,
        DIAGNOSIS_DUE,
        DIAGNOSIS_DUE,
        "diagnosis",
        "coord-1",
    )
    assert deadline_events(case.fire_due(DIAGNOSIS_DUE)) == []  # the same moment again: nothing new
    # Thu 2 Apr + 2 working days: Fri 3, (weekend, Easter Monday 6 Apr), Tue 7
    r2_at = warsaw(2026, 4, 7, 0, 0)
    assert deadline_events(case.fire_due(r2_at - timedelta(seconds=1))) == []
    [r2] = deadline_events(case.fire_due(r2_at))
    assert (r2.level, r2.n, r2.at) == ("reminder", 2, r2_at)
    r3_at = warsaw(2026, 4, 9, 0, 0)
    [r3] = deadline_events(case.fire_due(r3_at))
    assert (r3.level, r3.n, r3.at) == ("reminder", 3, r3_at)
    # the next repeat (Mon 13 Apr) is after the end of the grace period (Fri 10 Apr): escalate then
    escalate_at = warsaw(2026, 4, 10, 0, 0)
    assert deadline_events(case.fire_due(escalate_at - timedelta(seconds=1))) == []
    [esc] = deadline_events(case.fire_due(escalate_at))
    assert (esc.level, esc.n, esc.at, esc.due_at) == ("escalation", 4, escalate_at, DIAGNOSIS_DUE)
    # and then nothing more, ever
    assert deadline_events(case.fire_due(utc(2026, 4, 13, 12, 0))) == []
    assert deadline_events(case.fire_due(utc(2027, 4, 13, 12, 0))) == []
    w = case.state.watches["stage_deadline"]
    assert (w.reminders, w.escalated, w.next_alarm_at) == (3, True, None)
    [overdue] = [o for o in case.view(utc(2026, 4, 10, 12, 0)).overdue if o.watch == "stage_deadline"]
    assert (overdue.reminders, overdue.escalated, overdue.due_at) == (3, True, DIAGNOSIS_DUE)
    assert overdue.days_overdue == 9  # due 1 April, today 10 April


def test_a_late_wake_up_sends_one_alarm_not_a_burst() -> None:
    """After a gap (a worker was down), the case catches up with the latest alarm only."""
    case = open_case()
    events = deadline_events(case.fire_due(utc(2026, 4, 8, 12, 0)))  # after the 2nd reminder, before the 3rd
    assert [(e.level, e.n, e.at) for e in events] == [("reminder", 2, warsaw(2026, 4, 7, 0, 0))]
    assert case.state.watches["stage_deadline"].next_alarm_at == warsaw(2026, 4, 9, 0, 0)

    case = open_case()
    events = deadline_events(case.fire_due(utc(2026, 5, 1, 12, 0)))  # long after the grace period
    assert [(e.level, e.n, e.at) for e in events] == [("escalation", 4, warsaw(2026, 4, 10, 0, 0))]
    w = case.state.watches["stage_deadline"]
    assert (w.reminders, w.escalated, w.next_alarm_at) == (3, True, None)
    assert [e.seq for e in case.state.outbox] == list(range(1, case.state.seq + 1))
    assert deadline_events(case.fire_due(utc(2026, 6, 1))) == []


def test_reminders_go_to_the_current_coordinator(ids: Ids) -> None:
    case = open_case()
    case.apply(AssignCoordinator(command_id=ids(), actor="sup-1", coordinator_id="coord-2"), utc(2026, 3, 20))
    [r1] = deadline_events(case.fire_due(DIAGNOSIS_DUE))
    assert r1.coordinator_id == "coord-2"
    refused(
        case,
        AssignCoordinator(command_id=ids(), actor="sup-1", coordinator_id="coord-2"),
        utc(2026, 3, 21),
        InvalidCommand,
    )


def test_moving_on_clears_the_old_stage_deadline(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 20, 9, 0)
    set_fact(case, ids, "diagnosis", DIAGNOSIS_DONE, now)
    [entered] = [e for e in advance(case, ids, "advance", now) if isinstance(e, StageEntered)]
    # plan: 15 working days from Fri 20 Mar: 23-27 (5), 30 Mar-3 Apr (10), Easter Monday 6 Apr
    # skipped, 7-10 Apr (14), Mon 13 Apr (15); missed from Tue 14 Apr 00:00 CEST
    assert entered.due_at == warsaw(2026, 4, 14, 0, 0)
    assert case.state.watches["stage_deadline"].due_at == warsaw(2026, 4, 14, 0, 0)
    assert deadline_events(case.fire_due(DIAGNOSIS_DUE + timedelta(days=1))) == []


# =========================================================================== pause and resume


def test_pause_stops_the_clocks_and_resume_shifts_them_by_the_paused_time(ids: Ids) -> None:
    case = open_case()
    visit(case, ids, utc(2026, 3, 20, 9, 0), 90)  # next visit due: missed from 28 March 00:00 CET
    visit_due = utc(2026, 3, 27, 23, 0)
    assert case.state.watches["visit"].due_at == visit_due
    deadline_escalation = case.state.watches["stage_deadline"].escalate_at

    paused_at = utc(2026, 3, 20, 10, 0)
    [paused] = case.apply(Pause(command_id=ids(), actor="coord-1", reason="hospital"), paused_at)
    assert isinstance(paused, CasePaused) and (paused.reason, paused.stage) == ("hospital", "diagnosis")
    assert case.state.status == "paused" and case.next_alarm_at() is None
    # the clocks do not run while paused: nothing falls due, even well past the due dates
    assert case.fire_due(visit_due) == []
    assert case.fire_due(DIAGNOSIS_DUE + timedelta(days=1)) == []
    assert case.view(DIAGNOSIS_DUE + timedelta(days=1)).overdue == []
    # moves and visits wait for the resume; facts may still be recorded
    err = refused(case, Advance(command_id=ids(), actor="coord-1", trigger="advance"), utc(2026, 3, 25), IllegalMove)
    assert "paused" in err.message
    refused(
        case,
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=utc(2026, 3, 25), duration_minutes=60),
        utc(2026, 3, 25),
        IllegalMove,
    )
    refused(case, Pause(command_id=ids(), actor="coord-1"), utc(2026, 3, 25), IllegalMove)
    set_fact(case, ids, "diagnosis", {"safety": True}, utc(2026, 3, 25))

    resumed_at = utc(2026, 4, 3, 12, 30)  # across the DST change and the original due date
    paused_for = resumed_at - paused_at
    [resumed] = case.apply(Resume(command_id=ids(), actor="coord-1"), resumed_at)
    assert isinstance(resumed, CaseResumed)
    assert resumed.paused_seconds == paused_for.total_seconds()
    s = case.state
    assert (s.status, s.paused_at, s.pause_reason) == ("active", None, None)
    assert s.watches["stage_deadline"].due_at == DIAGNOSIS_DUE + paused_for
    assert s.watches["stage_deadline"].next_alarm_at == DIAGNOSIS_DUE + paused_for
    assert s.watches["stage_deadline"].escalate_at == deadline_escalation + paused_for  # type: ignore[operator]
    assert s.watches["visit"].due_at == visit_due + paused_for
    view = case.view(resumed_at)
    assert view.stage_due_at == DIAGNOSIS_DUE + paused_for
    assert view.next_visit_due_at == visit_due + paused_for
    # the reminders come at the shifted moments, not the original ones
    assert case.fire_due(resumed_at) == []
    assert deadline_events(case.fire_due(DIAGNOSIS_DUE + paused_for - timedelta(seconds=1))) == []
    [r1] = deadline_events(case.fire_due(DIAGNOSIS_DUE + paused_for))
    assert (r1.at, r1.due_at) == (DIAGNOSIS_DUE + paused_for, DIAGNOSIS_DUE + paused_for)
    refused(case, Resume(command_id=ids(), actor="coord-1"), resumed_at, IllegalMove)


def test_pause_shifts_a_fixed_duration_too(ids: Ids) -> None:
    case = open_case()
    entered = utc(2026, 3, 15, 9, 0)
    walk_to_internship(case, ids, entered)
    end = utc(2026, 6, 14, 22, 0)
    case.apply(Pause(command_id=ids(), actor="coord-1", reason="shelter"), utc(2026, 4, 1, 8, 0))
    case.apply(Resume(command_id=ids(), actor="coord-1"), utc(2026, 4, 8, 8, 0))
    assert case.state.duration_ends_at == end + timedelta(days=7)
    refused(
        case, Advance(command_id=ids(), actor="coord-1", trigger="end_without_job"), end + timedelta(days=1), GuardUnmet
    )
    assert [
        e.kind for e in case.fire_due(end + timedelta(days=7) - timedelta(seconds=1)) if e.kind == "duration_elapsed"
    ] == []
    [elapsed] = [e for e in case.fire_due(end + timedelta(days=7)) if e.kind == "duration_elapsed"]
    assert elapsed.at == end + timedelta(days=7)


# =========================================================================== the internship


def test_internship_fixed_duration_then_decision_deadline(ids: Ids) -> None:
    case = open_case()
    entered_at = warsaw(2026, 3, 15, 10, 0).astimezone(UTC)  # a Sunday, 10:00 CET
    events = walk_to_internship(case, ids, entered_at)
    end = utc(2026, 6, 14, 22, 0)  # 15 June 00:00 CEST

    [entered] = [e for e in events if isinstance(e, StageEntered) and e.stage == "internship"]
    assert (entered.from_stage, entered.trigger, entered.ends_at, entered.due_at) == ("training", "advance", end, None)
    assert case.state.duration_ends_at == end
    assert "stage_deadline" not in case.state.watches  # the decision deadline starts when the internship ends
    # partners are told: the therapist on entering and leaving therapy, the employer on entering
    notes = [
        (e.stage, e.moment, e.partner_fact, e.partner_id, e.partner_kind)
        for e in events
        if isinstance(e, NotificationRequested)
    ]
    assert notes == [
        ("therapy", "enter", "therapist", "TH-3", "therapy"),
        ("therapy", "exit", "therapist", "TH-3", "therapy"),
        ("internship", "enter", "placement", "EMP-7", "employer"),
    ]

    view = case.view(end - timedelta(seconds=1))
    assert view.duration_ends_at == end
    assert set(view.allowed) == {"back_to_therapy"}
    blocked = {(b.trigger, b.guard) for b in view.blocked}
    assert ("end_without_job", "duration_elapsed") in blocked and ("employ", "fact_recorded") in blocked
    [why] = [b for b in view.blocked if b.trigger == "end_without_job"]
    assert "2026-06-15" in why.reason

    err = refused(
        case,
        Advance(command_id=ids(), actor="coord-1", trigger="end_without_job"),
        end - timedelta(seconds=1),
        GuardUnmet,
    )
    assert [f.guard for f in err.failures] == ["duration_elapsed"]  # type: ignore[attr-defined]

    assert [e.kind for e in case.fire_due(end - timedelta(seconds=1)) if e.kind == "duration_elapsed"] == []
    fired = [e for e in case.fire_due(end) if not (isinstance(e, ReminderDue) and e.watch == "visit")]
    assert len(fired) == 1 and isinstance(fired[0], DurationElapsed)
    assert (fired[0].at, fired[0].stage) == (end, "internship")
    assert case.state.duration_elapsed is True
    # 10 working days from Mon 15 June: 16,17,18,19,22,23,24,25,26,29 -> missed from 30 June 00:00 CEST
    decision_due = utc(2026, 6, 29, 22, 0)
    assert case.state.watches["stage_deadline"].due_at == decision_due
    assert case.view(end).stage_due_at == decision_due
    assert "end_without_job" in case.view(end).allowed
    assert [e.kind for e in case.fire_due(end + timedelta(days=1)) if e.kind == "duration_elapsed"] == []

    [r1] = deadline_events(case.fire_due(decision_due))
    assert (r1.n, r1.due_at, r1.stage) == (1, decision_due, "internship")

    out = advance(case, ids, "end_without_job", decision_due + timedelta(hours=1))
    assert [e.kind for e in out] == ["notification_requested", "stage_entered", "case_closed"]
    assert (out[0].moment, out[0].partner_id) == ("exit", "EMP-7")
    assert isinstance(out[2], CaseClosed) and out[2].outcome == "not_employed"
    s = case.state
    assert (s.stage, s.status, s.outcome, s.watches) == ("not_employed", "closed", "not_employed", {})


def test_fire_due_leaves_nothing_due_at_now_after_a_fixed_duration_ends(ids: Ids) -> None:
    """A late wake-up after the internship ended and its decision deadline passed: the one call
    must emit the elapsed duration and the (one) decision reminder; nothing may stay due."""
    case = open_case()
    walk_to_internship(case, ids, utc(2026, 3, 15, 9, 0))
    decision_due = utc(2026, 6, 29, 22, 0)
    now = decision_due + timedelta(days=1)
    events = [e for e in case.fire_due(now) if not (isinstance(e, ReminderDue) and e.watch == "visit")]
    assert [e.kind for e in events] == ["duration_elapsed", "reminder_due"]
    assert events[1].due_at == decision_due
    nxt = case.next_alarm_at()
    assert nxt is None or nxt > now, f"fire_due({now}) left an alarm due at {nxt}"


def test_end_without_job_is_allowed_at_the_end_even_before_the_timer_fires(ids: Ids) -> None:
    case = open_case()
    walk_to_internship(case, ids, utc(2026, 3, 15, 9, 0))
    out = advance(case, ids, "end_without_job", utc(2026, 6, 14, 22, 0))
    assert case.state.stage == "not_employed" and out[-1].kind == "case_closed"


def test_employment_moves_to_follow_up(ids: Ids) -> None:
    case = open_case()
    walk_to_internship(case, ids, utc(2026, 3, 15, 9, 0))
    now = utc(2026, 5, 4, 9, 0)
    err = refused(case, Advance(command_id=ids(), actor="coord-1", trigger="employ"), now, GuardUnmet)
    assert [(f.guard, f.fact) for f in err.failures] == [("fact_recorded", "employment")]  # type: ignore[attr-defined]
    set_fact(case, ids, "employment", {"employer": "EMP-7", "started_on": "2026-05-04", "contract": "UoP"}, now)
    advance(case, ids, "employ", now)
    assert case.state.stage == "follow_up"
    assert case.state.duration_ends_at == warsaw(2026, 8, 4, 0, 0)


def test_advance_with_a_stale_expected_stage_is_refused(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 3)
    set_fact(case, ids, "diagnosis", DIAGNOSIS_DONE, now)
    advance(case, ids, "advance", now)  # someone else moved it to 'plan'
    record_plan(case, ids, now, "2026-03-03")
    set_fact(case, ids, "therapist", {"partner_id": "TH-3", "partner_kind": "therapy"}, now)
    err = refused(
        case, Advance(command_id=ids(), actor="c", trigger="advance", expected_stage="diagnosis"), now, IllegalMove
    )
    assert "'plan'" in err.message and err.details["expected_stage"] == "diagnosis"
    case.apply(Advance(command_id=ids(), actor="c", trigger="advance", expected_stage="plan"), now)
    assert case.state.stage == "therapy"


# =========================================================================== close


def test_close_with_an_unknown_outcome_is_refused_with_the_outcomes(ids: Ids) -> None:
    case = open_case()
    err = refused(case, Close(command_id=ids(), actor="coord-1", outcome="employed"), utc(2026, 3, 3), InvalidCommand)
    assert err.code == "invalid_command"
    assert err.details["outcomes"] == ["dropped_out", "transferred"]
    assert "dropped_out" in err.message and "transferred" in err.message and "'employed'" in err.message


def test_close_ends_the_case_from_any_open_stage(ids: Ids) -> None:
    case = open_case()
    walk_to_internship(case, ids, utc(2026, 3, 15, 9, 0))
    out = case.apply(Close(command_id=ids(), actor="coord-1", outcome="dropped_out", note_id="note-9"), utc(2026, 4, 1))
    assert [e.kind for e in out] == ["notification_requested", "stage_entered", "case_closed"]
    assert (out[0].moment, out[0].partner_fact) == ("exit", "placement")
    assert (out[1].from_stage, out[1].stage, out[1].trigger, out[1].note_id) == (
        "internship",
        "dropped_out",
        None,
        "note-9",
    )
    assert out[2].outcome == "dropped_out"
    s = case.state
    assert (s.stage, s.status, s.outcome, s.closed_at) == ("dropped_out", "closed", "dropped_out", utc(2026, 4, 1))
    assert s.stages[-2].left_at == utc(2026, 4, 1)
    assert case.state.stage == "dropped_out"


def test_a_paused_case_can_be_closed(ids: Ids) -> None:
    case = open_case()
    case.apply(Pause(command_id=ids(), actor="coord-1"), utc(2026, 3, 3))
    case.apply(Close(command_id=ids(), actor="coord-1", outcome="transferred"), utc(2026, 3, 4))
    s = case.state
    assert (s.status, s.stage, s.paused_at, s.pause_reason) == ("closed", "transferred", None, None)


def test_a_closed_case_refuses_every_command(ids: Ids) -> None:
    case = open_case()
    case.apply(Close(command_id=ids(), actor="coord-1", outcome="transferred"), utc(2026, 3, 4))
    now = utc(2026, 3, 5)
    for command in (
        Advance(command_id=ids(), actor="coord-1", trigger="advance"),
        SetFact(command_id=ids(), actor="coord-1", name="diagnosis", value={"needs": True}),
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=now, duration_minutes=60),
        Pause(command_id=ids(), actor="coord-1"),
        Resume(command_id=ids(), actor="coord-1"),
        Close(command_id=ids(), actor="coord-1", outcome="dropped_out"),
        AssignCoordinator(command_id=ids(), actor="sup-1", coordinator_id="coord-2"),
    ):
        err = refused(case, command, now, IllegalMove)
        assert "closed" in err.message
    assert case.fire_due(utc(2030, 1, 1)) == []
    view = case.view(now)
    assert (view.allowed, view.blocked, view.outcomes, view.overdue) == ([], [], [], [])


# =========================================================================== facts


def test_checklist_facts_merge(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 3)
    [e1] = set_fact(case, ids, "diagnosis", {"situation": True, "needs": True}, now)
    assert isinstance(e1, FactSet) and e1.value == {"situation": True, "needs": True}
    [e2] = set_fact(case, ids, "diagnosis", {"needs": False, "safety": True}, now)
    assert e2.value == {"situation": True, "needs": False, "safety": True}
    assert case.state.facts["diagnosis"] == {"situation": True, "needs": False, "safety": True}
    err = refused(
        case, SetFact(command_id=ids(), actor="c", name="diagnosis", value={"income": True}), now, InvalidCommand
    )
    assert "income" in err.message and "situation" in err.message
    refused(case, SetFact(command_id=ids(), actor="c", name="diagnosis", value={"needs": "yes"}), now, InvalidCommand)
    refused(case, SetFact(command_id=ids(), actor="c", name="diagnosis", value=["needs"]), now, InvalidCommand)
    set_fact(case, ids, "diagnosis", DIAGNOSIS_DONE, now)
    assert case.view(now).allowed == ["advance"]


def test_partner_facts(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 3)
    err = refused(
        case,
        SetFact(
            command_id=ids(), actor="c", name="therapist", value={"partner_id": "EMP-7", "partner_kind": "employer"}
        ),
        now,
        InvalidCommand,
    )
    assert "therapy" in err.message and "employer" in err.message
    err = refused(
        case,
        SetFact(
            command_id=ids(),
            actor="c",
            name="therapist",
            value={"partner_id": "Jan Kowalski", "partner_kind": "therapy"},
        ),
        now,
        InvalidCommand,
    )
    assert "free text" in err.message
    assert "Jan Kowalski" not in err.message  # a refusal does not echo personal data
    refused(
        case,
        SetFact(
            command_id=ids(),
            actor="c",
            name="therapist",
            value={"partner_id": "TH-3", "partner_kind": "therapy", "phone": "600100200"},
        ),
        now,
        InvalidCommand,
    )
    refused(
        case,
        SetFact(command_id=ids(), actor="c", name="therapist", value={"partner_kind": "therapy"}),
        now,
        InvalidCommand,
    )
    refused(case, SetFact(command_id=ids(), actor="c", name="therapist", value="TH-3"), now, InvalidCommand)
    [e] = set_fact(case, ids, "therapist", {"partner_id": "TH-3", "partner_kind": "therapy"}, now)
    assert e.value == {"partner_id": "TH-3", "partner_kind": "therapy"}


def test_record_and_flag_facts(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 3)
    err = refused(
        case,
        SetFact(
            command_id=ids(),
            actor="c",
            name="employment",
            value={"employer": "Jan Kowalski", "started_on": "2026-05-04"},
        ),
        now,
        InvalidCommand,
    )
    assert "employer" in err.message and "Jan Kowalski" not in err.message
    refused(
        case,
        SetFact(command_id=ids(), actor="c", name="employment", value={"started_on": "4 maja"}),
        now,
        InvalidCommand,
    )
    refused(case, SetFact(command_id=ids(), actor="c", name="employment", value={"salary": 4000}), now, InvalidCommand)
    refused(case, SetFact(command_id=ids(), actor="c", name="employment", value={}), now, InvalidCommand)
    [e] = set_fact(case, ids, "employment", {"employer": "EMP-7", "started_on": "2026-05-04", "contract": None}, now)
    assert e.value == {"employer": "EMP-7", "started_on": "2026-05-04"}
    refused(case, SetFact(command_id=ids(), actor="c", name="ready_for_training", value="yes"), now, InvalidCommand)
    refused(case, SetFact(command_id=ids(), actor="c", name="ready_for_training", value=1), now, InvalidCommand)
    set_fact(case, ids, "ready_for_training", True, now)
    [cleared] = set_fact(case, ids, "ready_for_training", None, now)
    assert cleared.value is None and "ready_for_training" not in case.state.facts
    err = refused(case, SetFact(command_id=ids(), actor="c", name="client_name", value="Anna"), now, InvalidCommand)
    assert "unknown fact 'client_name'" in err.message


def test_certificate_needs_a_date_and_its_guard_checks_validity(ids: Ids) -> None:
    case = open_case(definition=snapshot(ALL_GUARDS))
    now = utc(2026, 3, 3, 9, 0)
    for bad in (
        {},
        {"valid_until": "soon"},
        {"valid_until": "2027-02-30"},
        {"valid_from": "2026-01-01"},
        {"valid_until": "2027-01-01", "diagnosis": "F32"},
        "2027-01-01",
    ):
        refused(case, SetFact(command_id=ids(), actor="c", name="certificate", value=bad), now, InvalidCommand)
    [e] = set_fact(
        case, ids, "certificate", {"valid_until": "2026-03-10", "valid_from": "2024-03-10", "degree": "moderate"}, now
    )
    assert e.value == {"valid_until": "2026-03-10", "valid_from": "2024-03-10", "degree": "moderate"}
    refused(
        case,
        SetFact(
            command_id=ids(),
            actor="c",
            name="certificate",
            value={"valid_until": "2027-01-01", "degree": "umiarkowany stopień"},
        ),
        now,
        InvalidCommand,
    )

    # get to 'assess' and check the certificate guard on 'approve'
    set_fact(case, ids, "documents", {"id_card": True, "income": True}, now)
    visit(case, ids, now, 45, kind="office")
    visit(case, ids, now, 45, kind="home")
    advance(case, ids, "start", now)
    set_fact(case, ids, "ops", {"partner_id": "OPS-1", "partner_kind": "ops"}, now)
    set_fact(case, ids, "plan", {"agreed_on": "2026-03-03", "hours": 10}, now)
    assert "approve" in case.view(warsaw(2026, 3, 10, 23, 59)).allowed  # valid through its last day
    err = refused(case, Advance(command_id=ids(), actor="c", trigger="approve"), warsaw(2026, 3, 11, 0, 0), GuardUnmet)
    [failure] = err.failures  # type: ignore[attr-defined]
    assert (failure.guard, failure.fact) == ("certificate_valid", "certificate")
    assert "expired on 2026-03-10" in failure.reason
    set_fact(case, ids, "certificate", {"valid_until": "2028-03-10"}, warsaw(2026, 3, 11, 9, 0))
    advance(case, ids, "approve", warsaw(2026, 3, 11, 9, 0))
    assert case.state.stage == "support"


def test_min_visits_guard_counts_visits_in_the_stage(ids: Ids) -> None:
    case = open_case(definition=snapshot(ALL_GUARDS))
    now = utc(2026, 3, 3, 9, 0)
    set_fact(case, ids, "documents", {"id_card": True, "income": True}, now)
    visit(case, ids, now, 45)
    err = refused(case, Advance(command_id=ids(), actor="c", trigger="start"), now, GuardUnmet)
    assert [f.guard for f in err.failures] == ["min_visits_in_stage"]  # type: ignore[attr-defined]
    visit(case, ids, now, 45)
    advance(case, ids, "start", now)
    assert case.state.visits_in_stage == 0 and case.state.visits_total == 2


# =========================================================================== commands remembered


def test_applied_command_ids_are_remembered(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 3)
    set_fact(case, ids, "diagnosis", DIAGNOSIS_DONE, now)  # cmd-1
    advance(case, ids, "advance", now)  # cmd-2
    first, second = case.applied("cmd-1"), case.applied("cmd-2")
    assert first is not None and (first.seq, first.stage, first.status) == (3, "diagnosis", "active")
    assert second is not None and (second.seq, second.stage, second.status) == (case.state.seq, "plan", "active")
    assert case.applied("cmd-404") is None
    refused(case, Advance(command_id="cmd-refused", actor="c", trigger="advance"), now, GuardUnmet)
    assert case.applied("cmd-refused") is None


def test_only_the_most_recent_command_ids_are_kept(ids: Ids) -> None:
    case = open_case()
    now = utc(2026, 3, 3)
    total = MAX_REMEMBERED_COMMANDS + 5
    for i in range(total):
        case.apply(SetFact(command_id=f"flag-{i}", actor="c", name="ready_for_training", value=i % 2 == 0), now)
    assert len(case.state.applied) == MAX_REMEMBERED_COMMANDS
    assert case.applied("flag-0") is None and case.applied("flag-4") is None
    assert case.applied("flag-5") is not None
    assert case.applied(f"flag-{total - 1}").seq == case.state.seq  # type: ignore[union-attr]


def test_acknowledge_drops_projected_events(ids: Ids) -> None:
    case = open_case()
    set_fact(case, ids, "diagnosis", {"needs": True}, utc(2026, 3, 3))
    assert [e.seq for e in case.state.outbox] == [1, 2, 3]
    case.acknowledge(2)
    assert [e.seq for e in case.state.outbox] == [3]
    [e] = set_fact(case, ids, "diagnosis", {"limits": True}, utc(2026, 3, 3))
    assert e.seq == 4
