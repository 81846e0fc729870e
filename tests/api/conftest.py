"""The ``stack`` fixture: the real stack for every API test (see ``apistack``).

One stack serves the whole ``tests/api`` directory (built once, in about a second on the
session's dev server); each test opens its own cases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from apistack import UNIT, Stack
from helpers import make_settings
from sqlmodel import Session

from pathway.runtime.asgi import create_app
from pathway.runtime.devserver import DevServer
from pathway.runtime.worker import build_worker
from pathway.store import queries
from pathway.store.db import create_schema, make_engine
from pathway.store.models import PartnerCreate


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_stores`` run on a second stack whose store and key store are
    PostgreSQL databases (tests/pgstore.py); the others on SQLite only."""
    if "stack" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_stores"):
        metafunc.parametrize(
            "stack", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True, scope="session"
        )


@pytest_asyncio.fixture(scope="session")
async def stack(
    dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    backend = getattr(request, "param", "sqlite")
    with ExitStack() as dbs:
        if backend == "sqlite":
            async for built in _stack(dev_server, tmp_path_factory, None, None):
                yield built
        else:
            from pgstore import fresh_database, require_postgres

            require_postgres()
            store_url, keystore_url = (
                dbs.enter_context(fresh_database("api")),
                dbs.enter_context(fresh_database("apikeys")),
            )
            async for built in _stack(dev_server, tmp_path_factory, store_url, keystore_url):
                yield built


async def _stack(
    dev_server: DevServer, tmp_path_factory: pytest.TempPathFactory, store_url: str | None, keystore_url: str | None
) -> AsyncIterator[Stack]:
    home: Path = tmp_path_factory.mktemp("api-home")
    task_queue = f"api-{uuid.uuid4()}"
    # Every test here signs in from ASGITransport's one address: the per-address limit would
    # refuse the directory's later sign-ins. Its own tests build apps of their own
    # (test_sign_in_limits.py); the (account, address) limit stays as it is by default.
    settings = make_settings(
        home,
        task_queue=task_queue,
        database_url=store_url,
        keystore_url=keystore_url,
        sign_in_rate_limit="100000/minute",
    )
    engine = make_engine(store_url or f"sqlite:///{home / 'store.db'}")
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
            row = queries.create_partner(
                session,
                partner=PartnerCreate(unit_id=UNIT, name=name, kind=kind, sector=sector, internship_capacity=capacity),
            )
            partners[kind] = row.id
    client = dev_server.client
    worker = build_worker(client, settings, engine, task_queue=task_queue)
    app = create_app(settings, client=client, engine=engine)
    async with worker:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test", timeout=30
        ) as http:
            yield Stack(settings=settings, client=client, engine=engine, app=app, http=http, partners=partners)
    engine.dispose()
