"""Everything the case page shows of one case, read once: the workflow's view with the
client, what partners were told, visits, the resource map, consents, and whether the person
may act on it (or only read)."""

from __future__ import annotations

from dataclasses import dataclass

from pathway.app import cases, consents
from pathway.app.consents import ConsentOut
from pathway.app.context import Context
from pathway.app.schemas import CaseOut
from pathway.core.definition import Definition
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


async def case_sheet(ctx: Context, case_id: str) -> CaseSheet:
    case = await cases.read_case(ctx, case_id)
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
    )
