"""The family assistant's papers made from the case's plan: the plan to sign, the contract
with the family, the periodic assessment. Read here and cut to what they say (never an
address, never a note); ``pathway.documents`` lays them out. Due dates and days overdue come
from the plan as people read it (``plans.plan_out``: ``pathway.core.overdue``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pathway.app.context import Context
from pathway.app.plan_shapes import PlanOut
from pathway.app.plans import plan_out
from pathway.app.schemas import ClientOut
from pathway.core.case import CaseView
from pathway.core.definition import Definition
from pathway.documents.papers import (
    AssessmentPaper,
    Bilingual,
    ContractPaper,
    PlanActionLine,
    PlanGoalLine,
    PlanPaper,
    Stamp,
)
from pathway.store import plans as plan_store
from pathway.store import queries


@dataclass(frozen=True)
class PaperBasics:
    """What every paper of the case names, read once by ``app.documents``."""

    stamp: Stamp
    view: CaseView
    definition: Definition | None
    client: ClientOut | None
    pathway: Bilingual
    stage: Bilingual
    coordinator_name: str


def _heading(b: PaperBasics) -> dict[str, Any]:
    """What each of these papers opens with: its stamp, the client, the pathway, the assistant."""
    return {
        "stamp": b.stamp,
        "client_name": b.client.name if b.client else None,
        "pathway": b.pathway,
        "coordinator_name": b.coordinator_name,
    }


def _plan(ctx: Context, b: PaperBasics) -> PlanOut:
    found = plan_store.read_version(ctx.session, vault=ctx.vault, case_id=b.view.id)
    if found is None:
        return PlanOut(case_id=b.view.id, version=0)
    return plan_out(b.view.id, b.definition, found[0].version, found[1])


def _goals(ctx: Context, plan: PlanOut, coordinator_name: str) -> list[PlanGoalLine]:
    def owner(kind: str, owner_id: str | None) -> str:
        if kind == "coordinator":
            return coordinator_name
        partner = queries.get_partner(ctx.session, partner_id=owner_id) if kind == "partner" and owner_id else None
        return partner.name if partner is not None else (owner_id or "")

    return [
        PlanGoalLine(
            title=g.title,
            actions=[
                PlanActionLine(
                    title=a.title,
                    owner=owner(a.owner.kind, a.owner.id),
                    owner_kind=a.owner.kind,
                    due_on=a.due_on,
                    status=a.status,
                    days_overdue=a.days_overdue,
                )
                for a in g.actions
            ],
        )
        for g in plan.goals
    ]


def plan_paper(ctx: Context, b: PaperBasics) -> PlanPaper | ContractPaper | AssessmentPaper:
    plan = _plan(ctx, b)
    return PlanPaper(
        **_heading(b),
        plan_version=plan.version,
        agreed_on=plan.agreed_on,
        review_due_on=plan.review_due_on,
        goals=_goals(ctx, plan, b.coordinator_name),
    )


def contract_paper(ctx: Context, b: PaperBasics) -> PlanPaper | ContractPaper | AssessmentPaper:
    found = b.view.facts.get("contract")
    contract: dict[str, Any] = found if isinstance(found, dict) else {}
    first = b.definition.stages.get(b.definition.initial) if b.definition else None
    cadence = first.visits if first else None
    every = cadence.every if cadence and cadence.every.unit == "days" else None
    return ContractPaper(
        **_heading(b),
        signed_on=contract.get("signed_on"),
        family_members=contract.get("family_members"),
        visits_every_days=every.amount if every else None,
        visit_minutes=cadence.min_minutes if cadence else None,
    )


def assessment_paper(ctx: Context, b: PaperBasics) -> PlanPaper | ContractPaper | AssessmentPaper:
    plan = _plan(ctx, b)
    actions = [a for g in plan.goals for a in g.actions]
    return AssessmentPaper(
        **_heading(b),
        stage=b.stage,
        opened_at=b.view.opened_at,
        plan_version=plan.version,
        agreed_on=plan.agreed_on,
        review_due_on=plan.review_due_on,
        visits_total=b.view.visits_total,
        last_visit_at=b.view.last_visit_at,
        done=sum(a.status == "done" for a in actions),
        planned=sum(a.status == "planned" for a in actions),
        dropped=sum(a.status == "dropped" for a in actions),
        late=sum(bool(a.days_overdue) for a in actions),
        goals=_goals(ctx, plan, b.coordinator_name),
    )
