"""A case's event stream cut into batches, and a process that projects them in its own
order (tests/unit/test_projection_concurrency.py starts two at once)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from activities.messages import ProjectEventsInput
from pathway.core.events import CaseOpened, Event, FactSet, StageEntered, VisitRecorded
from pathway.core.summary import CaseSummary

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STAGES = ["diagnosis", "plan", "therapy", "training", "internship", "follow_up"]


def event_stream(n_events: int = 96) -> list[Event]:
    """Opened, then visits and facts, with a stage change every 16 events."""
    events: list[Event] = [
        CaseOpened(
            seq=1,
            at=T0,
            actor="coord",
            definition_id="model-wsparcia",
            definition_version=1,
            definition_hash="h",
            coordinator_id="coord",
            unit_id="u1",
        ),
        StageEntered(seq=2, at=T0, actor="coord", from_stage=None, stage=STAGES[0], trigger=None),
    ]
    stage = 0
    for seq in range(3, n_events + 1):
        at = T0 + timedelta(days=seq)
        if seq % 16 == 0 and stage + 1 < len(STAGES):
            stage += 1
            events.append(
                StageEntered(
                    seq=seq, at=at, actor="coord", from_stage=STAGES[stage - 1], stage=STAGES[stage], trigger="advance"
                )
            )
        elif seq % 3 == 0:
            events.append(FactSet(seq=seq, at=at, actor="coord", name="diagnosis", value={"needs": True}))
        else:
            events.append(
                VisitRecorded(
                    seq=seq,
                    at=at,
                    actor="coord",
                    stage=STAGES[stage],
                    visit_id=f"v{seq}",
                    occurred_at=at,
                    duration_minutes=90,
                    visit_kind="home",
                    counted=True,
                )
            )
    return events


def stage_at(events: list[Event], seq: int) -> str:
    return [e for e in events if isinstance(e, StageEntered) and e.seq <= seq][-1].stage


def batches(case_id: str, events: list[Event], size: int = 5) -> list[ProjectEventsInput]:
    """Consecutive batches plus overlapping ones (a retried activity's batch), each with the
    summary the workflow had after its last event."""
    spans = [(i, i + size) for i in range(0, len(events), size)]
    spans += [(i, i + 2 * size) for i in range(size // 2, len(events), 3 * size)]
    out = []
    for lo, hi in spans:
        chunk = events[lo:hi]
        last = chunk[-1].seq
        summary = CaseSummary(
            case_id=case_id,
            definition_id="model-wsparcia",
            definition_version=1,
            unit_id="u1",
            coordinator_id="coord",
            stage=stage_at(events, last),
            status="active",
            opened_at=T0,
            stage_entered_at=T0,
            last_activity_at=chunk[-1].at,
            seq=last,
        )
        out.append(ProjectEventsInput(summary=summary, events=chunk))
    return out


def project_in_order(url: str, case_ids: list[str], seed: int, start: Any) -> int:
    """One "worker": project every case's batches in a shuffled order of its own."""
    from activities.projection import ProjectionActivities
    from pathway.store.db import make_engine

    engine = make_engine(url)
    activities = ProjectionActivities(engine)
    work = [b for case_id in case_ids for b in batches(case_id, event_stream())]
    random.Random(seed).shuffle(work)
    start.wait(timeout=60)
    for item in work:
        activities._project_sync(item)
    engine.dispose()
    return len(work)
