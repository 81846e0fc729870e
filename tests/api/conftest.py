"""The ``stack`` fixture: the real stack for every API test (see ``apistack``).

One stack serves the whole ``tests/api`` directory (built once, in about a second on the
session's dev server); each test opens its own cases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from apistack import UNIT, Stack
from helpers import make_settings
from sqlmodel import Session

from pathway.api.app import create_app
from pathway.runtime import DevServer
from pathway.store import queries
from pathway.store.db import create_schema, make_engine
from pathway.store.models import PartnerCreate
from pathway.worker import build_worker


@pytest_asyncio.fixture(scope="session")
async def stack(dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    home: Path = tmp_path_factory.mktemp("api-home")
    task_queue = f"api-{uuid.uuid4()}"
    settings = make_settings(home, task_queue=task_queue)
    engine = make_engine(f"sqlite:///{home / 'store.db'}")
    create_schema(engine)
    partners: dict[str, str] = {}
    with Session(engine) as session:
        for name, kind, sector in (
            ("Ośrodek Terapii Przykładowej", "therapy", "non_public"),
            ("Piekarnia Przykładowa sp. z o.o.", "employer", "private"),
            ("Centrum Szkoleń Zawodowych", "training", "private"),
        ):
            # The employer's places are many: the tests of this session share it.
            capacity = 1000 if kind == "employer" else 0
            row = queries.create_partner(session, partner=PartnerCreate(unit_id=UNIT, name=name, kind=kind, sector=sector,
                                                                        internship_capacity=capacity))
            partners[kind] = row.id
    client = dev_server.client
    worker = build_worker(client, settings, engine, task_queue=task_queue)
    app = create_app(settings, client=client, engine=engine)
    async with worker:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test", timeout=30) as http:
            yield Stack(settings=settings, client=client, engine=engine, app=app, http=http, partners=partners)
    engine.dispose()
