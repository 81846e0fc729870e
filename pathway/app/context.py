"""One person's request, as every use case receives it: who acts, from where, with which
database session, on which services; and the audit trail written on their behalf."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session

from pathway.app.gateway import CaseGateway
from pathway.app.services import Services
from pathway.security.accounts import Principal
from pathway.security.identity import IdentityVault
from pathway.store import audit_trail

T = TypeVar("T")


@dataclass
class Context:
    services: Services
    session: Session
    actor: Principal
    # The staff machine's address (for the audit trail); None for a process of our own.
    address: str | None = None

    @property
    def unit_id(self) -> str:
        return self.actor.unit_id

    @property
    def vault(self) -> IdentityVault:
        return self.services.vault

    @property
    def gateway(self) -> CaseGateway:
        return self.services.gateway

    async def apart(self, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run blocking database work in a thread, off the event loop. The request's own
        connection goes back first: the work takes one of its own, and a request that held one
        while waiting for another could, with enough of them in flight, leave the pool empty for
        the very work they wait on."""
        self.release_connection()
        return await asyncio.to_thread(work, *args, **kwargs)

    async def record(self, action: str, *, case_id: str | None = None, **details: object) -> None:
        """Append to the unit's tamper-evident audit trail (a transaction that may wait for the
        unit's lock), off the event loop."""
        await self.apart(
            audit_trail.append,
            self.services.engine,
            unit_id=self.actor.unit_id,
            actor=self.actor.id,
            action=action,
            case_id=case_id,
            address=self.address,
            details=dict(details),
        )

    def release_connection(self) -> None:
        """End the session's transaction before waiting on Temporal, so that its database
        connection goes back to the pool. A request parked on a workflow must not hold one:
        with more requests in flight than the pool has connections, the next request's
        checkout blocks the event loop, and with it every parked request that would give one
        back (the scale benchmark deadlocked so at 16 concurrent opens)."""
        if self.session.in_transaction():
            self.session.commit()


def open_session(services: Services) -> Session:
    """A session for one request: the vault rides along in ``session.info`` so that store code
    holding only the session can reach it; ``expire_on_commit=False`` so rows read before
    ``release_connection`` stay readable after it."""
    return Session(services.engine, info={"vault": services.vault}, expire_on_commit=False)
