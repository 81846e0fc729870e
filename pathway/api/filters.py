"""Listing filters that name something must name something that exists.

``?definition=nope`` or ``?coordinator=nobody`` on a list, audit or caseload used to answer
an empty page, which reads as "all clear"; now it is a 422 naming the field
(``unknown_definition``, ``unknown_coordinator``), for every client alike.

Used as a route dependency (``dependencies=[KnownFilters]``): it reads the raw query
parameters, so the routes' own parameters, their validation and their OpenAPI stay as they are.
"""

from __future__ import annotations

from fastapi import Depends, Request

from pathway.api.deps import ActorDep, Services, ServicesDep
from pathway.api.errors import ApiError
from pathway.security import accounts
from pathway.security.accounts import Principal
from pathway.security.policy import own_cases_only


def check_filters(
    services: Services, actor: Principal, *, definition: str | None = None, coordinator: str | None = None
) -> None:
    """Refuse a definition the catalog does not have, and a coordinator who is not a
    coordinator of the actor's unit (a disabled one still is: their cases remain to be
    seen and moved). A coordinator's own filter is left to the route (asking for a
    colleague is refused there, and must not tell which colleagues exist)."""
    if definition is not None and services.catalog.get(definition) is None:
        raise ApiError(
            422,
            "unknown_definition",
            f"no pathway definition '{definition}' / nie ma definicji ścieżki '{definition}'",
            field="definition",
            definitions=services.catalog.ids(),
        )
    if coordinator is not None and own_cases_only(actor) is None:
        user = accounts.get_user(services.engine, coordinator)
        if user is None or user.unit_id != actor.unit_id or "coordinator" not in user.roles:
            raise ApiError(
                422,
                "unknown_coordinator",
                f"'{coordinator}' is not a coordinator of your unit / nie jest koordynatorem w jednostce",
                field="coordinator",
            )


async def known_filters(request: Request, services: ServicesDep, actor: ActorDep) -> None:
    check_filters(
        services,
        actor,
        definition=request.query_params.get("definition"),
        coordinator=request.query_params.get("coordinator"),
    )


KnownFilters = Depends(known_filters)
