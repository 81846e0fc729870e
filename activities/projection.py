"""Project a case's events into the SQL store.

The workflow sends its unprojected events with a summary of the case after them. A batch can
arrive twice (an activity retried after its commit) or late (an older batch retried after a
newer one landed), so everything is idempotent on (case_id, seq) and the ``cases`` row is
only overwritten by a summary at least as new as the one it shows.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, Insert, Table, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import Projection
from activities.messages import ProjectEventsInput, ProjectEventsResult
from pathway.core.events import Event, ReferralAnswered, ReferralMade, StageEntered, VisitRecorded
from pathway.core.summary import CaseSummary, row_name
from pathway.readmodels.stalled_limits import Limits, audit_columns
from pathway.store.appointments import project_appointments
from pathway.store.db import conflict_insert, failure_line
from pathway.store.models import Case, CaseEvent, Referral, StagePeriod, Visit
from pathway.store.placements import project_placements
from pathway.store.tables import table_of

log = structlog.get_logger()

_CASE_TABLE: Table = table_of(Case)
_EVENTS: Table = table_of(CaseEvent)
_PERIODS: Table = table_of(StagePeriod)
_VISITS: Table = table_of(Visit)
_REFERRALS: Table = table_of(Referral)


def store_unavailable(exc: SQLAlchemyError) -> ApplicationError:
    """A retryable failure that says what went wrong in one line. SQLAlchemy's own message
    carries the whole statement and its parameters: too big for a Temporal failure, and
    nothing that belongs in the workflow's history."""
    return ApplicationError(f"the store is unavailable: {failure_line(exc)}", type="StoreUnavailable")


@functools.cache
def _insert_new_stmt(dialect: str, table: Table) -> Insert:
    """Built once per dialect and table: a statement is immutable, and building one (the
    ``excluded`` alias's column proxies above all) cost more than executing its cached
    compiled form (bench/RESULTS.md, "The projection's statements built once")."""
    stmt = conflict_insert(dialect, table).on_conflict_do_nothing(index_elements=["case_id", "seq"])
    return stmt.returning(table.c.seq)


def _insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> set[int]:
    """Insert the rows whose (case_id, seq) is not stored yet; return the seqs inserted.

    One statement executed with many parameter sets (SQLAlchemy batches them into multi-row
    INSERTs itself), not ``.values(rows)``: a statement built around its values is compiled
    anew for every batch, which was a quarter of the worker's CPU under load."""
    if not rows:
        return set()
    return set(conn.execute(_insert_new_stmt(conn.dialect.name, table), list(rows)).scalars())


def _upsert_case(conn: Connection, summary: CaseSummary, limits: Mapping[str, Limits]) -> bool:
    """Insert or update the case row unless it already shows a newer summary.

    ``client_id`` is never touched: the API set it when it created the row. With the row go
    the stalled audit's answers for its clocks under its definition's limits
    (``stalled_limits.audit_columns``)."""
    values = {row_name(field): value for field, value in summary.model_dump().items()}  # case_id -> id, ...
    values.update(audit_columns(values, limits.get(summary.definition_id) or Limits.default()))
    # Values as parameters, not baked into the statement, so its compiled form is cached.
    return conn.execute(_upsert_case_stmt(conn.dialect.name, tuple(values)), values).first() is not None


@functools.cache
def _upsert_case_stmt(dialect: str, names: tuple[str, ...]) -> Insert:
    """The case row's upsert for these columns, built once (as ``_insert_new_stmt``)."""
    base = conflict_insert(dialect, _CASE_TABLE)
    return base.on_conflict_do_update(
        index_elements=["id"],
        set_={name: base.excluded[name] for name in names if name != "id"},
        where=_CASE_TABLE.c.last_seq <= base.excluded.last_seq,
    ).returning(_CASE_TABLE.c.id)  # a row back = written (rowcount is -1 on PostgreSQL with RETURNING)


def _event_row(case_id: str, event: Event) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "seq": event.seq,
        "kind": event.kind,
        "at": event.at,
        "actor": event.actor,
        "payload": event.model_dump(mode="json"),
    }


def _visit_row(case_id: str, e: VisitRecorded) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "seq": e.seq,
        "visit_id": e.visit_id,
        "stage": e.stage,
        "occurred_at": e.occurred_at,
        "duration_minutes": e.duration_minutes,
        "kind": e.visit_kind,
        "counted": e.counted,
        "not_counted_reason": e.not_counted_reason,
    }


def _period_row(case_id: str, e: StageEntered) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "seq": e.seq,
        "stage": e.stage,
        "entered_at": e.at,
        "left_at": None,
        "trigger": e.trigger,
    }


_p = _PERIODS.c
# Built once, with their values as parameters (as ``_insert_new_stmt``).
_PERIOD_BEFORE = (
    select(_p.seq).where(_p.case_id == bindparam("case"), _p.seq < bindparam("at")).order_by(_p.seq.desc()).limit(1)
)
_PERIOD_AFTER = (
    select(_p.entered_at).where(_p.case_id == bindparam("case"), _p.seq > bindparam("at")).order_by(_p.seq).limit(1)
)
_PERIOD_CLOSE = (
    update(_PERIODS)
    .where(_p.case_id == bindparam("case"), _p.seq == bindparam("at"))
    .values(left_at=bindparam("until"))
)
_CASE_LOCK = select(_CASE_TABLE.c.id).where(_CASE_TABLE.c.id == bindparam("case")).with_for_update()


def _link_period(conn: Connection, case_id: str, seq: int, entered_at: Any) -> None:
    """A stay ends when the next one starts: close the period before ``seq`` and, when a
    later batch landed first, close this one at the start of the period after it."""
    before = conn.execute(_PERIOD_BEFORE, {"case": case_id, "at": seq}).scalar()
    if before is not None:
        conn.execute(_PERIOD_CLOSE, {"case": case_id, "at": before, "until": entered_at})
    after = conn.execute(_PERIOD_AFTER, {"case": case_id, "at": seq}).scalar()
    if after is not None:
        conn.execute(_PERIOD_CLOSE, {"case": case_id, "at": seq, "until": after})


def _project_referrals(conn: Connection, case_id: str, events: list[Event]) -> None:
    r = _REFERRALS.c
    made = [
        {
            "id": e.referral_id,
            "case_id": case_id,
            "seq": e.seq,
            "partner_id": e.partner_id,
            "partner_kind": e.partner_kind,
            "service": e.service,
            "consent_id": e.consent_id,
            "status": "pending",
            "made_at": e.at,
            "answer_due_at": e.answer_due_at,
        }
        for e in events
        if isinstance(e, ReferralMade)
    ]
    if made:
        conn.execute(conflict_insert(conn, _REFERRALS).values(made).on_conflict_do_nothing(index_elements=["id"]))
    for e in events:
        if isinstance(e, ReferralAnswered):
            # Only a later answer overwrites: a batch retried out of order never rolls one back.
            conn.execute(
                update(_REFERRALS)
                .where(r.id == e.referral_id, r.case_id == case_id, r.answer_seq < e.seq)
                .values(status=e.answer, reason=e.reason, answered_at=e.at, answered_by=e.actor, answer_seq=e.seq)
            )


def project(
    conn: Connection, data: ProjectEventsInput, limits: Mapping[str, Limits] | None = None
) -> tuple[ProjectEventsResult, bool]:
    """The whole projection of one batch, inside the caller's transaction. ``limits``: each
    definition's stalled-audit limits (a definition not in it gets the defaults)."""
    case_id = data.summary.case_id
    # The case row first: the event tables reference it.
    case_updated = _upsert_case(conn, data.summary, limits or {})
    # One projection of a case at a time: two workers projecting batches of one case at once
    # could each miss the other's uncommitted stage period and leave a stay that never ends.
    # PostgreSQL's upsert above already locks the conflicting row (even when its WHERE keeps
    # the row as it is); the explicit lock says so and keeps it true if the upsert changes.
    # SQLite has one writer at a time.
    if conn.dialect.name == "postgresql":
        conn.execute(_CASE_LOCK, {"case": case_id})
    events = sorted(data.events, key=lambda e: e.seq)
    stored = _insert_new(conn, _EVENTS, [_event_row(case_id, e) for e in events])
    # Derived rows are keyed like the events, so a retried batch adds nothing twice.
    _insert_new(conn, _VISITS, [_visit_row(case_id, e) for e in events if isinstance(e, VisitRecorded)])
    entered = [e for e in events if isinstance(e, StageEntered)]
    _insert_new(conn, _PERIODS, [_period_row(case_id, e) for e in entered])
    for e in entered:
        _link_period(conn, case_id, e.seq, e.at)
    _project_referrals(conn, case_id, events)
    # Internship places at employers: used by a placement fact, freed when it ends.
    project_placements(conn, case_id, events)
    project_appointments(conn, case_id, events)
    result = ProjectEventsResult(
        stored=len(stored),
        duplicates=len(events) - len(stored),
        up_to_seq=max((e.seq for e in events), default=0),
    )
    return result, case_updated


class ProjectionActivities(Projection):
    def __init__(self, engine: Engine, limits: Mapping[str, Limits] | None = None) -> None:
        self.engine = engine
        self.limits = dict(limits or {})

    def _project_sync(self, data: ProjectEventsInput) -> tuple[ProjectEventsResult, bool]:
        with self.engine.begin() as conn:
            return project(conn, data, self.limits)

    @activity.defn(name="project_events")
    async def project_events(self, input: ProjectEventsInput) -> ProjectEventsResult:
        """Store a batch of a case's events and its summary, in one transaction.

        ``up_to_seq`` is the highest seq of the batch (0 for an empty batch): every event of
        the batch is stored once this returns, so the workflow may drop them from its outbox.
        A database error propagates, so Temporal retries the batch; a retry is harmless."""
        # A thread, so a slow commit (SQLite waiting on its lock) never blocks the worker's loop.
        try:
            result, case_updated = await asyncio.to_thread(self._project_sync, input)
        except SQLAlchemyError as exc:
            raise store_unavailable(exc) from None
        log.info(
            "events_projected",
            case_id=input.summary.case_id,
            summary_seq=input.summary.seq,
            case_updated=case_updated,
            stored=result.stored,
            duplicates=result.duplicates,
            up_to_seq=result.up_to_seq,
        )
        return result
