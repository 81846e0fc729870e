"""The end-to-end set-up: the real stack on a free port and a real headless Chromium.

- ``live``: the session's Temporal dev server, a worker on a task queue of its own, a fresh
  SQLite store with a small resource map and staff accounts, and the app that
  ``pathway up`` serves (API and pages) run by uvicorn on 127.0.0.1 exactly as there.
- ``browser``: Debian's ``chromium`` driven by Playwright (``executable_path``; the browser
  build Playwright would download is never used). ``make e2e-deps`` (a prerequisite of
  ``make test``) installs chromium and axe-core; without them these tests fail and say
  what to run: they never skip.
- ``Visit``: one page of the scenario: checked with axe-core (no serious or critical
  violation of WCAG 2.1 A/AA) and saved as a screenshot under ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from e2estack import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COORDINATOR,
    PARTNERS,
    PASSWORD,
    SUPERVISOR,
    UNIT,
    Live,
    Visit,
    require_tools,
)
from helpers import make_settings
from sqlmodel import Session

from pathway.runtime.asgi import create_app
from pathway.runtime.devserver import DevServer
from pathway.runtime.stack import _make_api_server, _serve_api, _wait_started
from pathway.runtime.worker import build_worker
from pathway.security import accounts
from pathway.store import queries
from pathway.store.db import create_schema, make_engine
from pathway.store.models import PartnerCreate


@pytest.fixture(scope="session")
def axe_source() -> str:
    return require_tools()


@pytest_asyncio.fixture(scope="session")
async def live(dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    home: Path = tmp_path_factory.mktemp("e2e-home")
    task_queue = f"e2e-{uuid.uuid4()}"
    settings = make_settings(home, task_queue=task_queue)
    engine = make_engine(f"sqlite:///{home / 'store.db'}")
    create_schema(engine)
    with Session(engine) as session:
        for pid, name, kind, sector, capacity in PARTNERS:
            queries.create_partner(
                session,
                partner=PartnerCreate(
                    unit_id=UNIT,
                    name=name,
                    kind=kind,
                    sector=sector,  # type: ignore[arg-type]
                    internship_capacity=capacity,
                ),
                partner_id=pid,
            )
    accounts.create_user(
        engine,
        user_id=COORDINATOR,
        display_name="Ewa Koordynatorka",
        unit_id=UNIT,
        roles=["coordinator"],
        password=PASSWORD,
    )
    accounts.create_user(
        engine,
        user_id=SUPERVISOR,
        display_name="Anna Kierowniczka",
        unit_id=UNIT,
        roles=["supervisor"],
        password=PASSWORD,
    )
    server = _make_api_server(settings, create_app(settings, client=dev_server.client, engine=engine))
    async with build_worker(dev_server.client, settings, engine, task_queue=task_queue):
        task = asyncio.create_task(_serve_api(server), name="api")
        await _wait_started(server, task)
        try:
            yield Live(base_url=f"http://{settings.host}:{settings.api_port}", engine=engine)
        finally:
            server.should_exit = True
            await task
    engine.dispose()


@pytest_asyncio.fixture(scope="session")
async def browser(axe_source: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def visit(axe_source: str) -> Visit:
    return Visit(axe_source)
