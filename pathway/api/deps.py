"""What every request handler needs, built once per app and handed out by FastAPI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Iterator

from fastapi import Depends, Header, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from pathway.api.errors import ApiError
from pathway.catalog import Catalog
from pathway.config import Settings
from pathway.core.commands import TOKEN


@dataclass
class Services:
    settings: Settings
    client: Client
    engine: Engine
    catalog: Catalog


@dataclass(frozen=True)
class Actor:
    """Who is acting. Every command carries one; roles and tokens decide it in the trust
    issue, until then the ``X-Actor`` / ``X-Unit`` headers name it."""

    id: str
    unit_id: str


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    with Session(services.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_actor(
    x_actor: Annotated[str | None, Header()] = None,
    x_unit: Annotated[str | None, Header()] = None,
) -> Actor:
    actor, unit = x_actor or "system", x_unit or "default"
    for value, what in ((actor, "X-Actor"), (unit, "X-Unit")):
        if not TOKEN.match(value):
            raise ApiError(400, "invalid_header", f"{what} must be an id (letters, digits, _ . : @ -)")
    return Actor(id=actor, unit_id=unit)


ActorDep = Annotated[Actor, Depends(current_actor)]


def idempotency_key(idempotency_key: Annotated[str | None, Header()] = None) -> str | None:
    if idempotency_key is not None and not TOKEN.match(idempotency_key):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-128 characters of letters, digits, _ . : @ -")
    return idempotency_key


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]
