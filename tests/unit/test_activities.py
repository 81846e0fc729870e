"""The activities against a real SQLite file: projection, reminders, partner notifications."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from structlog.testing import capture_logs
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import build_activities
from activities.messages import NotifyPartnerInput, ProjectEventsInput, RemindInput
from activities.notify import (
    DeliveryResult,
    Message,
    NotifyActivities,
    OutboxChannel,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from activities.projection import ProjectionActivities
from activities.reminders import ReminderActivities
from pathway.core.case import Case as CoreCase
from pathway.core.commands import Advance, Close, RecordVisit, SetFact
from pathway.core.definition import load_definition, snapshot
from pathway.core.events import (
    CaseClosed,
    CaseOpened,
    Event,
    FactSet,
    StageEntered,
    VisitRecorded,
)
from pathway.core.state import PathwayState
from pathway.core.summary import CaseSummary, summarize
from pathway.security.codec import KeyRing
from pathway.security.identity import IdentityVault, make_keystore_engine
from pathway.store import consents, history, queries
from pathway.store.db import make_engine
from pathway.store.models import (
    Case,
    CaseEvent,
    Client,
    ClientCreate,
    Notification,
    Partner,
    PartnerCreate,
    Reminder,
    StagePeriod,
    Visit,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CEST = timezone(timedelta(hours=2))
SECRET_NAME = "Genowefa Zabłocka-Nieznana"
SECRET_ADDRESS = "ul. Ukryta 13/7, Wrocław"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(store_engine: Engine) -> Engine:
    """The store on SQLite and on PostgreSQL (tests/conftest.py)."""
    return store_engine


@pytest.fixture
def env() -> ActivityEnvironment:
    return ActivityEnvironment()


def count(engine: Engine, model: type) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def summary(case_id: str, seq: int, stage: str = "diagnosis", **kw: Any) -> CaseSummary:
    values: dict[str, Any] = dict(
        case_id=case_id,
        definition_id="model-wsparcia",
        definition_version=1,
        unit_id="u1",
        coordinator_id="coord-a",
        stage=stage,
        status="active",
        opened_at=T0,
        stage_entered_at=T0,
        last_activity_at=T0,
        seq=seq,
    )
    values.update(kw)
    return CaseSummary(**values)


def opened(at: datetime = T0) -> list[Event]:
    return [
        CaseOpened(
            seq=1,
            at=at,
            actor="coord-a",
            definition_id="model-wsparcia",
            definition_version=1,
            definition_hash="h",
            coordinator_id="coord-a",
            unit_id="u1",
        ),
        StageEntered(
            seq=2,
            at=at,
            actor="coord-a",
            from_stage=None,
            stage="diagnosis",
            trigger=None,
            due_at=at + timedelta(days=30),
        ),
    ]


def visit(seq: int, at: datetime, minutes: int = 90, counted: bool = True) -> VisitRecorded:
    return VisitRecorded(
        seq=seq,
        at=at,
        actor="coord-a",
        stage="diagnosis",
        visit_id=f"v{seq}",
        occurred_at=at - timedelta(hours=1),
        duration_minutes=minutes,
        visit_kind="home",
        counted=counted,
        not_counted_reason=None if counted else "too_short",
    )


def entered(seq: int, at: datetime, stage: str, from_stage: str, trigger: str = "advance") -> StageEntered:
    return StageEntered(seq=seq, at=at, actor="coord-a", from_stage=from_stage, stage=stage, trigger=trigger)


def batch(case_id: str, events: list[Event], **kw: Any) -> ProjectEventsInput:
    return ProjectEventsInput(summary=summary(case_id, max(e.seq for e in events), **kw), events=events)


# Client identity is sealed under per-client keys; these tests keep them in memory.
VAULT = IdentityVault(make_keystore_engine("sqlite://"), KeyRing.parse(KeyRing.generate_line("k1")))


def create_case(engine: Engine, case_id: str, name: str = "Anna Testowa") -> str:
    with Session(engine) as s:
        client, _ = queries.create_client_and_case(
            s,
            vault=VAULT,
            client=ClientCreate(unit_id="u1", name=name, address=SECRET_ADDRESS, phone="600700800"),
            definition_id="model-wsparcia",
            definition_version=1,
            coordinator_id="coord-a",
            initial_stage="diagnosis",
            opened_at=T0,
            case_id=case_id,
        )
        return client.id


# ---------------------------------------------------------------- projection
async def test_projection_fills_the_case_row_and_keeps_the_client(engine: Engine, env: ActivityEnvironment) -> None:
    client_id = create_case(engine, "k1")
    proj = ProjectionActivities(engine)
    due = T0 + timedelta(days=30)
    data = ProjectEventsInput(
        summary=summary(
            "k1",
            3,
            stage_due_at=due,
            next_visit_due_at=T0 + timedelta(days=7),
            last_activity_at=T0 + timedelta(hours=2),
        ),
        events=[*opened(), visit(3, T0 + timedelta(hours=2))],
    )
    result = await env.run(proj.project_events, data)
    assert (result.stored, result.duplicates, result.up_to_seq) == (3, 0, 3)
    with Session(engine) as s:
        case = queries.get_case(s, case_id="k1")
        assert case is not None
        assert (case.status, case.client_id, case.last_seq, case.stage_due_at) == ("active", client_id, 3, due)
        events = history.case_events(s, case_id="k1")
        assert [(e.seq, e.kind) for e in events] == [(1, "case_opened"), (2, "stage_entered"), (3, "visit_recorded")]
        # The payload is the whole event: it validates back into the core's Event.
        assert TypeAdapter(Event).validate_python(events[2].payload) == data.events[2]


async def test_projection_creates_a_missing_case_row(engine: Engine, env: ActivityEnvironment) -> None:
    result = await env.run(ProjectionActivities(engine).project_events, batch("sim-1", opened()))
    assert result.stored == 2
    with Session(engine) as s:
        case = queries.get_case(s, case_id="sim-1")
        assert case is not None and case.client_id is None and case.status == "active"


async def test_projecting_the_same_batch_twice_adds_nothing(engine: Engine, env: ActivityEnvironment) -> None:
    proj = ProjectionActivities(engine)
    data = batch(
        "k1",
        [*opened(), visit(3, T0 + timedelta(hours=1)), entered(4, T0 + timedelta(days=2), "plan", "diagnosis")],
        stage="plan",
    )
    first = await env.run(proj.project_events, data)
    second = await env.run(proj.project_events, data)
    assert (first.stored, first.duplicates) == (4, 0)
    assert (second.stored, second.duplicates, second.up_to_seq) == (0, 4, 4)
    assert count(engine, CaseEvent) == 4
    assert count(engine, Visit) == 1
    assert count(engine, StagePeriod) == 2


async def test_a_partly_new_batch_counts_only_the_new_events(engine: Engine, env: ActivityEnvironment) -> None:
    proj = ProjectionActivities(engine)
    await env.run(proj.project_events, batch("k1", opened()))
    result = await env.run(proj.project_events, batch("k1", [*opened(), visit(3, T0 + timedelta(hours=1))]))
    assert (result.stored, result.duplicates, result.up_to_seq) == (1, 2, 3)


async def test_out_of_order_batches_keep_the_later_summary_and_all_events(
    engine: Engine, env: ActivityEnvironment
) -> None:
    create_case(engine, "k1")
    proj = ProjectionActivities(engine)
    t_plan, t_therapy = T0 + timedelta(days=10), T0 + timedelta(days=40)
    early = batch("k1", [*opened(), visit(3, T0 + timedelta(days=1))], stage="diagnosis")
    late = batch(
        "k1",
        [
            entered(4, t_plan, "plan", "diagnosis"),
            visit(5, t_plan + timedelta(days=1)),
            entered(6, t_therapy, "therapy", "plan"),
        ],
        stage="therapy",
        stage_entered_at=t_therapy,
        last_activity_at=t_therapy,
    )
    await env.run(proj.project_events, late)
    result = await env.run(proj.project_events, early)
    assert (result.stored, result.duplicates) == (3, 0)
    with Session(engine) as s:
        case = queries.get_case(s, case_id="k1")
        assert case is not None
        assert (case.stage, case.last_seq, case.stage_entered_at) == ("therapy", 6, t_therapy)
        assert [e.seq for e in history.case_events(s, case_id="k1")] == [1, 2, 3, 4, 5, 6]
        periods = history.stage_periods(s, case_id="k1")
        # The diagnosis period arrived after the plan period and was still closed by it.
        assert [(p.stage, p.entered_at, p.left_at) for p in periods] == [
            ("diagnosis", T0, t_plan),
            ("plan", t_plan, t_therapy),
            ("therapy", t_therapy, None),
        ]


async def test_an_older_summary_never_rolls_the_case_back(engine: Engine, env: ActivityEnvironment) -> None:
    proj = ProjectionActivities(engine)
    await env.run(
        proj.project_events,
        ProjectEventsInput(summary=summary("k1", 9, stage="training", status="paused", paused_at=T0)),
    )
    await env.run(proj.project_events, ProjectEventsInput(summary=summary("k1", 8, stage="therapy")))
    with Session(engine) as s:
        case = queries.get_case(s, case_id="k1")
        assert case is not None and (case.stage, case.status, case.last_seq, case.paused_at) == (
            "training",
            "paused",
            9,
            T0,
        )
    # An equal seq (a retried batch) is applied again, a newer one wins.
    await env.run(proj.project_events, ProjectEventsInput(summary=summary("k1", 10, stage="training")))
    with Session(engine) as s:
        case = queries.get_case(s, case_id="k1")
        assert case is not None and (case.status, case.paused_at, case.last_seq) == ("active", None, 10)


async def test_stage_periods_close_when_the_next_stage_starts(engine: Engine, env: ActivityEnvironment) -> None:
    proj = ProjectionActivities(engine)
    t1, t2 = T0 + timedelta(days=5), T0 + timedelta(days=9)
    await env.run(proj.project_events, batch("k1", opened()))
    with Session(engine) as s:
        [only] = history.stage_periods(s, case_id="k1")
        assert (only.stage, only.left_at, only.trigger) == ("diagnosis", None, None)
    await env.run(proj.project_events, batch("k1", [entered(3, t1, "plan", "diagnosis")], stage="plan"))
    await env.run(
        proj.project_events,
        batch("k1", [entered(4, t2, "dropped_out", "plan", trigger=None)], stage="dropped_out", status="closed"),
    )
    with Session(engine) as s:
        periods = history.stage_periods(s, case_id="k1")
    assert [(p.seq, p.stage, p.entered_at, p.left_at, p.trigger) for p in periods] == [
        (2, "diagnosis", T0, t1, None),
        (3, "plan", t1, t2, "advance"),
        (4, "dropped_out", t2, None, None),
    ]


async def test_visits_are_stored_with_whether_they_counted(engine: Engine, env: ActivityEnvironment) -> None:
    proj = ProjectionActivities(engine)
    await env.run(
        proj.project_events,
        batch(
            "k1",
            [*opened(), visit(3, T0 + timedelta(days=1)), visit(4, T0 + timedelta(days=2), minutes=20, counted=False)],
        ),
    )
    with Session(engine) as s:
        visits = history.list_visits(s, case_id="k1")
    assert [(v.seq, v.visit_id, v.kind, v.duration_minutes, v.counted, v.not_counted_reason) for v in visits] == [
        (3, "v3", "home", 90, True, None),
        (4, "v4", "home", 20, False, "too_short"),
    ]
    assert visits[0].occurred_at == T0 + timedelta(days=1) - timedelta(hours=1)
    with Session(engine) as s:
        got = history.get_visit(s, case_id="k1", seq=4)
        assert got is not None and got.counted is False
        assert history.get_visit(s, case_id="k1", seq=3 + 100) is None


async def test_offset_datetimes_come_back_as_the_same_instant_in_utc(engine: Engine, env: ActivityEnvironment) -> None:
    local = datetime(2026, 6, 15, 23, 30, tzinfo=CEST)  # 21:30 UTC
    proj = ProjectionActivities(engine)
    await env.run(
        proj.project_events,
        batch("k1", [*opened(local), visit(3, local)], opened_at=local, stage_entered_at=local, last_activity_at=local),
    )
    with Session(engine) as s:
        case = queries.get_case(s, case_id="k1")
        [ev1, *_] = history.case_events(s, case_id="k1")
        [v] = history.list_visits(s, case_id="k1")
    assert case is not None
    for value in (case.opened_at, case.stage_entered_at, ev1.at, v.occurred_at + timedelta(hours=1)):
        assert value == local and value.tzinfo is UTC and value.hour == 21


async def test_a_database_error_is_raised_for_temporal_to_retry(tmp_path: Path, env: ActivityEnvironment) -> None:
    bare = make_engine(f"sqlite:///{tmp_path / 'no-schema.db'}")  # no tables: every statement fails
    try:
        with pytest.raises(ApplicationError) as raised:
            await env.run(ProjectionActivities(bare).project_events, batch("k1", opened()))
        # retryable, one short line, and none of the statement's parameters
        assert raised.value.type == "StoreUnavailable" and not raised.value.non_retryable
        assert raised.value.message.startswith("the store is unavailable: OperationalError: no such table")
        assert "INSERT" not in raised.value.message and len(raised.value.message) < 300
    finally:
        bare.dispose()


async def test_a_failed_batch_leaves_nothing_behind(engine: Engine, env: ActivityEnvironment) -> None:
    # The case row and the first events are written before the bad (naive) event fails.
    bad = StageEntered.model_construct(
        seq=3,
        at=datetime(2026, 3, 5, 9, 0),
        actor="coord-a",
        from_stage="diagnosis",
        stage="plan",
        trigger="advance",
        kind="stage_entered",
        due_at=None,
        ends_at=None,
        command_id=None,
        note_id=None,
    )
    data = ProjectEventsInput.model_construct(summary=summary("k1", 3), events=[*opened(), bad])
    with pytest.raises(Exception, match="naive datetime refused"):
        await env.run(ProjectionActivities(engine).project_events, data)
    assert (count(engine, Case), count(engine, CaseEvent), count(engine, StagePeriod)) == (0, 0, 0)


async def test_a_real_case_projects_every_event_of_the_core(engine: Engine, env: ActivityEnvironment) -> None:
    """Events produced by the pure core (not hand-built) project and read back unchanged."""
    definition = load_definition("model-wsparcia.yaml", (ROOT / "definitions" / "model-wsparcia.yaml").read_text())
    case = CoreCase.open(
        case_id="k1", definition=snapshot(definition), coordinator_id="coord-a", unit_id="u1", now=T0, actor="coord-a"
    )
    t = T0 + timedelta(days=1)
    case.apply(RecordVisit(command_id="c1", actor="coord-a", occurred_at=t, duration_minutes=90, kind="home"), t)
    items = {k: True for k in definition.facts["diagnosis"].items}
    case.apply(SetFact(command_id="c2", actor="coord-a", name="diagnosis", value=items), t)
    case.apply(Advance(command_id="c3", actor="coord-a", trigger="advance"), t + timedelta(days=1))
    case.apply(Close(command_id="c4", actor="coord-a", outcome="dropped_out"), t + timedelta(days=2))
    data = ProjectEventsInput(summary=summary_of(case.state), events=list(case.state.outbox))
    result = await env.run(ProjectionActivities(engine).project_events, data)
    assert result.up_to_seq == case.state.seq and result.stored == len(case.state.outbox)
    with Session(engine) as s:
        stored = history.case_events(s, case_id="k1")
        row = queries.get_case(s, case_id="k1")
        periods = history.stage_periods(s, case_id="k1")
    adapter = TypeAdapter(Event)
    assert [adapter.validate_python(e.payload) for e in stored] == list(case.state.outbox)
    assert row is not None and (row.status, row.outcome, row.stage) == ("closed", "dropped_out", "dropped_out")
    assert [(p.stage, p.left_at) for p in periods] == [(r.stage, r.left_at) for r in case.state.stages]
    assert any(isinstance(e, FactSet) for e in case.state.outbox) and isinstance(case.state.outbox[-1], CaseClosed)


def summary_of(state: PathwayState) -> CaseSummary:
    return summarize(state)


# ---------------------------------------------------------------- reminders
def remind_input(kind: str = "reminder", seq: int = 7, **kw: Any) -> RemindInput:
    values: dict[str, Any] = dict(
        case_id="k1",
        unit_id="u1",
        coordinator_id="coord-a",
        seq=seq,
        stage="diagnosis",
        kind=kind,
        watch="stage_deadline",
        n=2,
        due_at=T0 + timedelta(days=30),
        at=T0 + timedelta(days=32),
    )
    values.update(kw)
    return RemindInput(**values)


async def test_a_reminder_is_recorded_once_for_the_coordinator(engine: Engine, env: ActivityEnvironment) -> None:
    rem = ReminderActivities(engine)
    with capture_logs() as logs:
        first = await env.run(rem.remind, remind_input())
        again = await env.run(rem.remind, remind_input())
    assert (first.recorded, first.recipient) == (True, "coord-a")
    assert (again.recorded, again.recipient) == (False, "coord-a")
    with Session(engine) as s:
        [row] = s.exec(select(Reminder)).all()
        [note] = history.list_notifications(s, recipient="coord-a")
    assert (row.case_id, row.seq, row.kind, row.watch, row.n, row.recipient) == (
        "k1",
        7,
        "reminder",
        "stage_deadline",
        2,
        "coord-a",
    )
    assert row.due_at == T0 + timedelta(days=30) and row.at == T0 + timedelta(days=32)
    assert (note.key, note.channel, note.payload["subject_code"]) == ("k1:7:coord-a", "outbox", "reminder")
    sent = [e for e in logs if e["event"] == "reminder_sent"]
    assert len(sent) == 2 and sent[0]["case_id"] == "k1" and sent[0]["watch"] == "stage_deadline" and sent[0]["n"] == 2


async def test_an_escalation_goes_to_the_units_supervisors(engine: Engine, env: ActivityEnvironment) -> None:
    rem = ReminderActivities(engine)
    with capture_logs() as logs:
        result = await env.run(rem.remind, remind_input(kind="escalation", seq=9, n=3))
        elapsed = await env.run(rem.remind, remind_input(kind="duration_elapsed", seq=10, watch=None, due_at=None))
    assert result.recipient == "supervisors:u1" and result.recorded
    assert elapsed.recipient == "coord-a" and elapsed.recorded
    assert [e["event"] for e in logs] == ["escalated_to_supervisor", "reminder_sent"]
    with Session(engine) as s:
        inbox = history.list_notifications(s, recipient="supervisors:u1")
        assert [n.key for n in inbox] == ["k1:9:supervisors:u1"]
        assert count(engine, Reminder) == 2


# ---------------------------------------------------------------- partner notifications
def notify_input(partner_id: str = "p-emp", seq: int = 12, moment: str = "enter") -> NotifyPartnerInput:
    return NotifyPartnerInput(
        case_id="k1",
        unit_id="u1",
        coordinator_id="coord-a",
        seq=seq,
        stage="internship",
        moment=moment,
        partner_id=partner_id,
        partner_kind="employer",
        at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
    )


def add_partner(engine: Engine, partner_id: str = "p-emp", channel: str = "outbox", consent: bool = True) -> None:
    """An employer of the resource map; with ``consent``, the client of case k1 agreed to it being told."""
    with Session(engine) as s:
        queries.create_partner(
            s,
            partner=PartnerCreate(name="Zakład Pracy Sp. z o.o.", kind="employer", sector="private", channel=channel),
            partner_id=partner_id,
        )
        if consent:
            consents.give_consent(s, case_id="k1", partner_id=partner_id, actor="coord-a")


def outbox_notify(engine: Engine) -> NotifyActivities:
    return NotifyActivities(engine, {"outbox": OutboxChannel(engine)})


async def test_notify_writes_one_outbox_row_per_key(engine: Engine, env: ActivityEnvironment) -> None:
    add_partner(engine)
    act = outbox_notify(engine)
    first = await env.run(act.notify_partner, notify_input())
    second = await env.run(act.notify_partner, notify_input())
    other = await env.run(act.notify_partner, notify_input(seq=13, moment="exit"))
    assert (first.key, first.channel, first.status) == ("k1:12:p-emp", "outbox", "delivered")
    assert second.status == "duplicate" and second.key == first.key
    assert other.status == "delivered"
    with Session(engine) as s:
        rows = history.list_notifications(s, case_id="k1")
    assert [(n.key, n.partner_id, n.status, n.attempts) for n in rows] == [
        ("k1:12:p-emp", "p-emp", "delivered", 1),
        ("k1:13:p-emp", "p-emp", "delivered", 1),
    ]
    # What the partner learns, and nothing more. The date is the Warsaw date (01:30 on 1 April).
    assert rows[0].payload == {
        "subject_code": "case_stage_enter",
        "body": {
            "case_id": "k1",
            "stage": "internship",
            "moment": "enter",
            "date": "2026-04-01",
            "coordinator_id": "coord-a",
        },
    }


async def test_an_unknown_partner_is_a_non_retryable_error(engine: Engine, env: ActivityEnvironment) -> None:
    with pytest.raises(ApplicationError) as info:
        await env.run(outbox_notify(engine).notify_partner, notify_input(partner_id="ghost"))
    assert info.value.non_retryable and info.value.type == "UnknownPartner"
    assert count(engine, Notification) == 0


async def test_no_client_identity_reaches_a_notification_or_a_log(engine: Engine, env: ActivityEnvironment) -> None:
    create_case(engine, "k1", name=SECRET_NAME)
    add_partner(engine)
    with capture_logs() as logs:
        await env.run(ProjectionActivities(engine).project_events, batch("k1", opened()))
        await env.run(outbox_notify(engine).notify_partner, notify_input())
        await env.run(ReminderActivities(engine).remind, remind_input(kind="escalation"))
    with Session(engine) as s:
        stored = s.exec(select(Notification)).all()
        events = history.case_events(s, case_id="k1")
        client_names = [queries.get_client(s, vault=VAULT, client_id=c.id).name for c in s.exec(select(Client)).all()]
    assert client_names == [SECRET_NAME]  # the name is in the store, so the check below can fail
    assert len(stored) == 2
    dumped = json.dumps([n.payload for n in stored] + [e.payload for e in events], ensure_ascii=False) + repr(logs)
    for secret in (SECRET_NAME, "Genowefa", "Zabłocka", SECRET_ADDRESS, "600700800"):
        assert secret not in dumped


class FakeChannel:
    name = "smtp"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.seen: list[tuple[Message, Partner | None]] = []

    async def deliver(self, message: Message, partner: Partner | None) -> DeliveryResult:
        self.seen.append((message, partner))
        if self.error is not None:
            raise self.error
        return DeliveryResult(status="delivered", channel=self.name, detail="250 OK")


async def test_the_partners_channel_is_used(engine: Engine, env: ActivityEnvironment) -> None:
    add_partner(engine, channel="smtp")
    smtp = FakeChannel()
    result = await env.run(NotifyActivities(engine, {"smtp": smtp}).notify_partner, notify_input())
    assert (result.channel, result.status, result.detail) == ("smtp", "delivered", "250 OK")
    [(message, partner)] = smtp.seen
    assert message.key == "k1:12:p-emp" and message.recipient == "p-emp"
    assert partner is not None and partner.id == "p-emp"
    with Session(engine) as s:  # the outbox was not used: the row records the smtp delivery
        assert [(n.channel, n.status) for n in history.list_notifications(s, case_id="k1")] == [("smtp", "delivered")]


@pytest.mark.parametrize(
    ("error", "non_retryable", "type_"),
    [
        (PermanentDeliveryError("550 mailbox unknown"), True, "PermanentDeliveryError"),
        (TemporaryDeliveryError("421 try later"), False, "TemporaryDeliveryError"),
    ],
)
async def test_delivery_errors_map_to_retry_or_not(
    engine: Engine, env: ActivityEnvironment, error: Exception, non_retryable: bool, type_: str
) -> None:
    add_partner(engine, channel="smtp")
    with pytest.raises(ApplicationError) as info:
        await env.run(NotifyActivities(engine, {"smtp": FakeChannel(error)}).notify_partner, notify_input())
    assert info.value.non_retryable is non_retryable and info.value.type == type_


async def test_a_partner_without_a_channel_is_skipped_and_a_missing_channel_fails(
    engine: Engine, env: ActivityEnvironment
) -> None:
    add_partner(engine, "p-quiet", channel="none")
    add_partner(engine, "p-hook", channel="webhook")
    act = outbox_notify(engine)
    skipped = await env.run(act.notify_partner, notify_input(partner_id="p-quiet"))
    assert skipped.status == "skipped" and count(engine, Notification) == 0
    with pytest.raises(ApplicationError) as info:
        await env.run(act.notify_partner, notify_input(partner_id="p-hook"))
    assert info.value.non_retryable and info.value.type == "ChannelUnavailable"


# ---------------------------------------------------------------- wiring
def test_build_activities_gives_the_five_named_activities(engine: Engine) -> None:
    acts = build_activities(engine)
    names = [activity._Definition.must_from_callable(fn).name for fn in acts]
    assert names == ["project_events", "remind", "notify_partner", "send_digests", "remind_follow_ups"]
    notify = acts[2].__self__
    assert isinstance(notify.channels["outbox"], OutboxChannel)
    assert set(build_activities(engine, channels={"smtp": FakeChannel()})[2].__self__.channels) == {"outbox", "smtp"}


async def test_automatic_actions_are_in_the_audit_trail_once(engine: Engine, env: ActivityEnvironment) -> None:
    from pathway.store import audit_trail

    rem = ReminderActivities(engine)
    await env.run(rem.remind, remind_input())
    await env.run(rem.remind, remind_input())  # retried by Temporal: one entry
    await env.run(rem.remind, remind_input(kind="escalation", seq=8))
    add_partner(engine)
    act = outbox_notify(engine)
    await env.run(act.notify_partner, notify_input())
    with Session(engine) as s:
        entries = list(s.exec(select(audit_trail.AuditEntry).order_by(audit_trail.AuditEntry.seq)).all())
    assert [(e.actor, e.action, e.case_id, e.details["seq"]) for e in entries] == [
        ("system", "reminder.sent", "k1", 7),
        ("system", "escalation.sent", "k1", 8),
        ("system", "partner.notified", "k1", 12),
    ]
    assert entries[1].details["recipient"] == "supervisors:u1"
    assert audit_trail.verify(engine, unit_id="u1").ok
