"""Listing filters that name something must name something that exists.

``?definition=nope`` or ``?coordinator=nobody`` on a list, audit or caseload used to answer
an empty page, which reads as "all clear"; it is a 422 naming the field
(``unknown_definition``, ``unknown_coordinator``), for every surface alike."""

from __future__ import annotations

from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.security import accounts
from pathway.security.policy import own_cases_only


def check_filters(ctx: Context, *, definition: str | None = None, coordinator: str | None = None) -> None:
    """Refuse a definition the catalog does not have, and a coordinator who is not a
    coordinator of the person's unit (a disabled one still is: their cases remain to be seen
    and moved). A coordinator's own filter is left to the policy (asking for a colleague is
    refused there, and must not tell which colleagues exist)."""
    catalog = ctx.services.catalog
    if definition is not None and catalog.get(definition) is None:
        raise AppError(
            422,
            "unknown_definition",
            f"no pathway definition '{definition}' / nie ma definicji ścieżki '{definition}'",
            field="definition",
            definitions=catalog.ids(),
        )
    if coordinator is not None and own_cases_only(ctx.actor) is None:
        user = accounts.get_user(ctx.services.engine, coordinator)
        if user is None or user.unit_id != ctx.unit_id or "coordinator" not in user.roles:
            raise AppError(
                422,
                "unknown_coordinator",
                f"'{coordinator}' is not a coordinator of your unit / nie jest koordynatorem w jednostce",
                field="coordinator",
            )
