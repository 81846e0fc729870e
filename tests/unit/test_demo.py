"""The demo data of ``pathway up --demo`` fits Model Wsparcia: every partner kind exists,
every key and id is one the API accepts, and the steps the demo makes take each case,
under the pure core's rules, exactly where it is meant to be — the overdue one overdue.

(The demo itself, through the real API, Temporal and a restart, is covered by
``tests/integration/test_pathway_up.py``.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pathway.core.case import CODE, Case
from pathway.core.commands import TOKEN, Advance, BookAppointment, Close, RecordPlan, RecordVisit, SetFact
from pathway.core.definition import PARTNER_KINDS, parse_definition, snapshot
from pathway.core.plan import PlanAction, PlanSkeleton
from pathway.runtime.demo_data import (
    DEFINITION,
    DEMO_CASES,
    DEMO_PARTNERS,
    MAIN_PATH,
    booked_visit_at,
    facts_to_leave,
    support_plan,
)
from pathway.store.models import PartnerCreate

ROOT = Path(__file__).resolve().parents[2]
MODEL = parse_definition(
    (ROOT / "definitions" / f"{DEFINITION}.yaml").read_text(encoding="utf-8"), f"{DEFINITION}.yaml"
)
NOW = datetime(2026, 5, 6, 10, 0, tzinfo=UTC)  # a Wednesday
PARTNER_KIND = {p.id: p.kind for p in DEMO_PARTNERS}


def test_partners_are_valid_and_cover_the_resource_map() -> None:
    ids = [p.id for p in DEMO_PARTNERS]
    assert len(ids) == len(set(ids))
    for p in DEMO_PARTNERS:
        assert CODE.match(p.id), p.id  # a partner fact carries the id into the workflow
        assert p.kind in PARTNER_KINDS
        PartnerCreate(
            name=p.name,
            kind=p.kind,
            sector=p.sector,
            services=list(p.services),
            email=p.email,  # type: ignore[arg-type]
            internship_capacity=p.internship_capacity,
        )
    kinds = [p.kind for p in DEMO_PARTNERS]
    for kind in ("police", "court", "zi", "therapy", "training", "pup"):
        assert kind in kinds
    employers = [p for p in DEMO_PARTNERS if p.kind == "employer"]
    assert len(employers) == 2 and all(p.internship_capacity > 0 for p in employers)
    assert {p.sector for p in DEMO_PARTNERS} == {"public", "non_public", "private"}


def test_cases_have_distinct_keys_and_cover_the_stages() -> None:
    slugs = [c.slug for c in DEMO_CASES]
    assert len(slugs) == len(set(slugs))
    for c in DEMO_CASES:
        assert TOKEN.match(f"demo:{c.slug}:open") and TOKEN.match(f"demo:{c.slug}:{c.target}:advance")
        assert TOKEN.match(c.coordinator)
        assert c.target in MAIN_PATH
        assert c.close is None or c.close in MODEL.outcomes
    targets = {c.target for c in DEMO_CASES if c.close is None}
    assert {"diagnosis", "plan", "therapy", "internship"} <= targets
    assert any(c.close for c in DEMO_CASES)
    assert any(c.opened_days_ago > 30 for c in DEMO_CASES)


def _resolve(value: object) -> object:
    """What the API does with ``{"partner_id": ...}``: the kind comes from the resource map."""
    if isinstance(value, dict) and set(value) == {"partner_id"}:
        return {"partner_id": value["partner_id"], "partner_kind": PARTNER_KIND[str(value["partner_id"])]}
    return value


def _skeleton(body: dict[str, Any]) -> PlanSkeleton:
    goals = [f"g-{i}" for i, _ in enumerate(body["goals"])]
    actions = [
        PlanAction(
            action_id=f"a-{i}-{j}",
            goal_id=goals[i],
            owner_kind=a["owner"]["kind"],
            due_on=date.fromisoformat(a["due_on"]) if a.get("due_on") else None,
        )
        for i, g in enumerate(body["goals"])
        for j, a in enumerate(g["actions"])
    ]
    return PlanSkeleton(version=1, agreed_on=date.fromisoformat(body["agreed_on"]), goal_ids=goals, actions=actions)


@pytest.mark.parametrize("spec", DEMO_CASES, ids=lambda c: c.slug)
def test_the_demo_steps_take_each_case_to_its_stage(spec) -> None:  # type: ignore[no-untyped-def]
    opened = NOW - timedelta(days=spec.opened_days_ago)
    case = Case.open(
        case_id=f"demo-{spec.slug}",
        definition=snapshot(MODEL),
        coordinator_id=spec.coordinator,
        unit_id="default",
        now=opened,
        actor="demo",
    )
    n = 0

    def cid() -> str:
        nonlocal n
        n += 1
        return f"c{n}"

    case.fire_due(NOW)
    if spec.visit:
        case.apply(
            RecordVisit(command_id=cid(), actor="demo", occurred_at=NOW - timedelta(days=1), duration_minutes=90), NOW
        )
    while MAIN_PATH.index(case.state.stage) < MAIN_PATH.index(spec.target):
        stage = case.state.stage
        for name, value in facts_to_leave(stage, NOW.date()):
            case.apply(SetFact(command_id=cid(), actor="demo", name=name, value=_resolve(value)), NOW)
        if stage == "plan":  # the demo's help plan, as the workflow gets it (its skeleton)
            case.apply(RecordPlan(command_id=cid(), actor="demo", plan=_skeleton(support_plan(NOW.date()))), NOW)
        case.apply(Advance(command_id=cid(), actor="demo", trigger="advance", expected_stage=stage), NOW)
    if spec.book_visit:
        at = booked_visit_at(NOW, "Europe/Warsaw")
        case.apply(BookAppointment(command_id=cid(), actor="demo", appointment_id="demo", at=at), NOW)
    if spec.close:
        case.apply(Close(command_id=cid(), actor="demo", outcome=spec.close), NOW)

    view = case.view(NOW)
    if spec.close:
        assert view.status == "closed" and view.outcome == spec.close
        return
    assert view.stage == spec.target and view.status == "active"
    overdue = {o.watch for o in view.overdue}
    if spec.opened_days_ago > 30:
        assert overdue == {"stage_deadline", "visit"}
    elif spec.book_visit:
        # Ewa's week: a visit late (she is reminded, her supervisor not told yet), booked.
        assert [(o.watch, o.escalated) for o in view.overdue] == [("visit", False)]
        assert [a.at for a in view.appointments] == [booked_visit_at(NOW, "Europe/Warsaw")]
    else:
        # Nothing else is overdue now, nor in the next few days a newcomer looks at it.
        assert not overdue
        assert view.next_visit_due_at is not None and view.next_visit_due_at > NOW + timedelta(days=1)


def test_the_demo_shows_every_other_pathway_with_valid_steps() -> None:
    from datetime import date
    from pathlib import Path

    from pathway.app.catalog import Catalog
    from pathway.app.plan_shapes import PlanIn
    from pathway.core.case import Case
    from pathway.runtime.demo_data import DEMO_OTHER_CASES

    catalog = Catalog.load(Path(__file__).resolve().parents[2] / "definitions")
    assert {c.definition for c in DEMO_OTHER_CASES} | {DEFINITION} == set(catalog.ids())
    for spec in DEMO_OTHER_CASES:
        d = catalog.get(spec.definition).definition  # type: ignore[union-attr]
        first = d.stages[d.initial]
        assert first.visits is None or spec.visit_kind in first.visits.kinds, spec.slug
        for kind, name, value in spec.steps:
            if kind == "fact":
                Case.coerce_fact(name, d.facts[name], value(date(2026, 3, 2)))
            elif kind == "plan":
                plan = PlanIn.model_validate(value(date(2026, 3, 2), ["m-partner"]))
                late = [a for g in plan.goals for a in g.actions if a.due_on and a.due_on < date(2026, 3, 2)]
                assert d.plan is not None and len(late) == 1, spec.slug  # the demo shows one overdue action
            else:
                assert any(t.trigger == name for t in d.transitions_from(d.initial)), (spec.slug, name)


@pytest.mark.parametrize("days", range(7))
def test_the_demo_books_its_visit_later_in_the_same_week(days: int) -> None:
    now = datetime(2026, 5, 4, 19, 30, tzinfo=UTC) + timedelta(days=days)  # Monday..Sunday, 21:30 in Warsaw
    at = booked_visit_at(now, "Europe/Warsaw")
    assert at > now
    assert at.isocalendar()[:2] == now.astimezone(at.tzinfo).isocalendar()[:2]


def test_the_demo_shows_a_family_with_children_in_roles_its_pathway_allows() -> None:
    from pathway.app.catalog import Catalog
    from pathway.core.household import allowed_roles, birth_year_problem
    from pathway.runtime.demo_data import DEMO_OTHER_CASES

    catalog = Catalog.load(ROOT / "definitions")
    families = [spec for spec in DEMO_OTHER_CASES if spec.members]
    assert families, "the demo shows no household"
    for spec in families:
        roles = allowed_roles(catalog.get(spec.definition).definition)  # type: ignore[union-attr]
        assert all(m.role in roles for m in spec.members), spec.slug
        assert all(birth_year_problem(NOW.year - m.age, NOW.year) is None for m in spec.members)
    children = [m for spec in families for m in spec.members if m.role == "child"]
    assert len(children) >= 2 and all(m.school for m in children)
    # someone not yet met: the family diagnosis still waits for them
    assert any(not m.present for spec in families for m in spec.members)
