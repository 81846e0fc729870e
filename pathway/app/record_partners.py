"""The partners a record names (an employment's employer) are partners of the unit's resource
map, of the kind the case's definition declares for the field (issue 13, item 6): checked
before the command travels, since the core has no resource map. Anything else is a 422 naming
the field (``value.<field>``); the case is left as it was."""

from __future__ import annotations

from typing import Any

from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.partners import partner_of_unit
from pathway.core.definition import FactSpecBase
from pathway.store.models import Case


def case_fact_spec(ctx: Context, case: Case, name: str) -> FactSpecBase | None:
    """Fact ``name`` as the case's own version of its definition declares it (a case keeps the
    version it was opened with), or the current version where the catalog does not keep the
    case's; None for a fact neither declares."""
    catalog = ctx.services.catalog
    definition = catalog.version(case.definition_id, case.definition_version)
    if definition is None:
        entry = catalog.get(case.definition_id)
        definition = entry.definition if entry is not None else None
    return definition.facts.get(name) if definition is not None else None


def check_partner_fields(ctx: Context, case: Case, name: str, value: Any) -> None:
    spec = case_fact_spec(ctx, case, name)
    if spec is None or not isinstance(value, dict):
        return  # the workflow refuses an unknown fact, or a value that is not a record
    for field, kind in spec.partner_fields().items():
        partner_id = value.get(field)
        if not isinstance(partner_id, str):
            continue  # none given, or not an id: the core's coercion names the field
        where = f"value.{field}"
        partner = partner_of_unit(ctx, partner_id, field=where)
        if kind is not None and partner.kind != kind:
            raise AppError(
                422,
                "wrong_partner_kind",
                f"{field} names a partner of the kind '{kind}'; '{partner_id}' is a '{partner.kind}'",
                field=where,
                fact=name,
                expected_kind=kind,
                partner_kind=partner.kind,
            )
