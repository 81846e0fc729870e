"""Short-hands of the API tests (import as ``from apistack import ...``; the ``stack``
fixture that builds the real stack is in this directory's conftest.py).

The stack: the session's Temporal dev server, one real worker on a task queue of its own,
a temporary SQLite store with the resource map seeded, and the FastAPI app driven
in-process through ``httpx.ASGITransport``. Requests are signed in: ``headers(unit, actor)``
creates that coordinator's account on first use and sends its bearer token. Tests that need
a clean list (counts, filters, the audit) work in a unit of their own (``new_unit()``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from helpers import local_today
from sqlalchemy.engine import Engine
from temporalio.client import Client

from pathway.config import Settings
from pathway.security import accounts
from pathway.security.identity import IdentityVault

UNIT = "unit-api"
COORDINATOR = "coord-api"
PASSWORD = "test-password-long-enough"
DIAGNOSIS_DONE = {k: True for k in ("situation", "needs", "resources", "limits", "safety")}


@dataclass
class Stack:
    settings: Settings
    client: Client
    engine: Engine
    app: FastAPI
    http: httpx.AsyncClient
    partners: dict[str, str] = field(default_factory=dict)  # kind -> partner id (unit UNIT)

    tokens: dict[tuple[str, str, tuple[str, ...]], str] = field(default_factory=dict)

    @property
    def vault(self) -> IdentityVault:
        """The app's identity vault: stored client names and notes are sealed, this opens them."""
        return self.app.state.services.vault

    # ------------------------------------------------------------------ short-hands
    def user(self, unit: str = UNIT, actor: str = COORDINATOR, roles: tuple[str, ...] = ("coordinator",)) -> str:
        """A real account (created on first use) signed in: its bearer token."""
        key = (unit, actor, roles)
        if key not in self.tokens:
            login = actor if unit == UNIT else f"{actor}.{unit}"
            if accounts.get_user(self.engine, login) is None:
                accounts.create_user(
                    self.engine, user_id=login, display_name=login, unit_id=unit, roles=list(roles), password=PASSWORD
                )
            self.tokens[key], _ = accounts.login(self.engine, user_id=login, password=PASSWORD)
        return self.tokens[key]

    def login_of(self, unit: str = UNIT, actor: str = COORDINATOR) -> str:
        return actor if unit == UNIT else f"{actor}.{unit}"

    def headers(
        self,
        unit: str = UNIT,
        actor: str = COORDINATOR,
        key: str | None = None,
        roles: tuple[str, ...] = ("coordinator",),
    ) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.user(unit, actor, roles)}"}
        if key is not None:
            h["Idempotency-Key"] = key
        return h

    def supervisor(self, unit: str = UNIT, key: str | None = None) -> dict[str, str]:
        return self.headers(unit, "supervisor-api", key, roles=("supervisor",))

    async def open_case(
        self,
        *,
        unit: str = UNIT,
        key: str | None = None,
        expect: int = 201,
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "definition": "model-wsparcia",
            "coordinator": self.login_of(unit),
            "client": {"name": f"Klientka {uuid.uuid4().hex[:8]}"},
        }
        payload.update(body)
        if headers is not None and key is not None:
            headers = {**headers, "Idempotency-Key": key}
        r = await self.http.post("/api/v1/cases", json=payload, headers=headers or self.headers(unit, key=key))
        assert r.status_code == expect, r.text
        return r.json()

    async def get_case(self, case_id: str, *, unit: str = UNIT) -> dict[str, Any]:
        r = await self.http.get(f"/api/v1/cases/{case_id}", headers=self.headers(unit))
        assert r.status_code == 200, r.text
        return r.json()

    async def transition(
        self, case_id: str, trigger: str = "advance", *, unit: str = UNIT, key: str | None = None, **body: Any
    ) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/cases/{case_id}/transitions",
            json={"trigger": trigger, **body},
            headers=self.headers(unit, key=key),
        )

    async def agree_plan(self, case_id: str, *, unit: str = UNIT, agreed_on: str | None = None) -> httpx.Response:
        """The smallest plan a pathway's ``plan_complete`` guard takes: one goal, one action of
        the coordinator's, agreed today (or on ``agreed_on``); a new version each time."""
        body = {
            "agreed_on": agreed_on or local_today().isoformat(),
            "goals": [{"title": "Cel planu", "actions": [{"title": "Działanie", "owner": {"kind": "coordinator"}}]}],
        }
        r = await self.http.put(
            f"/api/v1/cases/{case_id}/plan", json=body, headers=self.headers(unit, key=uuid.uuid4().hex)
        )
        assert r.status_code == 200, r.text
        return r

    async def fact(self, case_id: str, name: str, value: Any, *, unit: str = UNIT) -> httpx.Response:
        return await self.http.put(
            f"/api/v1/cases/{case_id}/facts/{name}", json={"value": value}, headers=self.headers(unit)
        )

    async def eventually(
        self, probe: Callable[[], Awaitable[Any]], *, timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        """Poll ``probe`` (an async callable returning a truthy value when done)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await probe()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{what} not reached within {timeout} s")
            await asyncio.sleep(0.1)


def new_unit() -> str:
    return f"unit-{uuid.uuid4().hex[:10]}"
