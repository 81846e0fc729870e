"""Everything the case page shows of one case, read once: the workflow's view with the
client, what partners were told, visits, the household, the resource map, consents, the case's notes (the
newest, or those a search within the case found), its plan, its papers, and whether the person may act on it (or
only read)."""

from __future__ import annotations

from dataclasses import dataclass

from pathway.app import cases, consents, documents, household, notes, plans
from pathway.app.consents import ConsentOut
from pathway.app.context import Context
from pathway.app.documents import DocumentKindOut
from pathway.app.household import MemberOut
from pathway.app.notes import NotesPage
from pathway.app.plan_shapes import PlanOut
from pathway.app.schemas import CaseOut
from pathway.core.definition import Definition
from pathway.core.household import allowed_roles
from pathway.security.policy import Action, CaseScope, decide
from pathway.store import history, queries
from pathway.store.models import NotificationPublic, Partner, Visit


@dataclass(frozen=True)
class CaseSheet:
    case: CaseOut
    definition: Definition | None
    can_act: bool
    notifications: list[NotificationPublic]
    visits: list[Visit]
    partners: list[Partner]
    consents: list[ConsentOut]
    notes: NotesPage
    # The papers (PDF) the case's pathway has.
    papers: list[DocumentKindOut]
    # The household, and the roles the case's pathway allows a member.
    members: list[MemberOut]
    member_roles: tuple[str, ...]
    notes_query: str | None = None
    # The case's plan, for a pathway that keeps one.
    plan: PlanOut | None = None


# The case page shows this many notes (the newest, or the newest found); the API pages on.
PAGE_NOTES = 50


async def case_sheet(ctx: Context, case_id: str, notes_query: str | None = None) -> CaseSheet:
    case = await cases.read_case(ctx, case_id)
    found = await notes.read_notes(ctx, case_id, q=notes_query, limit=PAGE_NOTES)
    entry = ctx.services.catalog.get(case.definition)
    scope = CaseScope(unit_id=case.unit, coordinator_id=case.coordinator)
    partners, _count = queries.list_partners(ctx.session, unit_id=ctx.unit_id, limit=500)
    return CaseSheet(
        case=case,
        definition=entry.definition if entry else None,
        can_act=decide(ctx.actor, Action.CASE_ACT, scope).allowed,
        notifications=cases.notifications(ctx, case_id, limit=100).items,
        visits=history.list_visits(ctx.session, case_id=case_id),
        partners=partners,
        consents=consents.list_consents(ctx, case_id).items,
        notes=found,
        papers=documents.list_documents(ctx, case_id).items,
        members=household.list_members(ctx, case_id).items,
        member_roles=allowed_roles(entry.definition) if entry else (),
        notes_query=(notes_query or "").strip() or None,
        plan=await plans.read_plan(ctx, case_id) if entry and entry.definition.plan else None,
    )
