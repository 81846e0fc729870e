"""Session-wide fixtures shared by every test directory.

- ``time_skipping_env`` — a time-skipping ``WorkflowEnvironment`` (the pinned
  ``temporal-test-server`` binary, our data converter, the case search attributes
  registered). Session-scoped: give each test its own ``task_queue``.
- ``dev_server`` — a real Temporal dev server (``pathway.runtime.devserver.DevServer``) in a temporary
  home on free ports, for tests marked ``integration``. ``dev_server.client`` is connected.
- ``task_queue`` — a unique task queue name per test.
- ``test_settings`` — session ``Settings`` with a temporary home (the time-skipping
  environment's converter is built from them).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from helpers import make_settings, venv_binary
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from pathway.config import Settings
from pathway.runtime.devserver import DevServer
from pathway.temporal import data_converter, ensure_search_attributes


@pytest.fixture(scope="session")
def test_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("pathway-home"))


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env(test_settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(venv_binary("temporal-test-server")),
        data_converter=data_converter(test_settings),
    )
    try:
        # Without them an upsert fails: "search attribute ... is not defined".
        await ensure_search_attributes(env.client, env.client.namespace)
        yield env
    finally:
        await env.shutdown()
        # Let the SDK core finish its shutdown callbacks: exiting the interpreter right after
        # env.shutdown() crashes it (SIGSEGV / "PyGILState_Release ... must be current"),
        # which would turn a green run into exit code 134/139. Measured: 10 ms is enough.
        await asyncio.sleep(0.2)


@pytest_asyncio.fixture(scope="session")
async def dev_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevServer]:
    home: Path = tmp_path_factory.mktemp("dev-server-home")
    server = DevServer(make_settings(home), binary=venv_binary("temporal"))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4()}"


# ---------------------------------------------------------------- the store on SQLite and PostgreSQL
# ``store_engine`` runs a test once on a fresh SQLite file and once on PostgreSQL (one database
# per test session, migrated once, emptied before each test). See tests/pgstore.py.
STORE_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_store_url() -> Iterator[str]:
    from pgstore import fresh_database, require_postgres

    from pathway.store.db import create_schema, make_engine

    require_postgres()
    with fresh_database("store") as url:
        engine = make_engine(url)
        create_schema(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=STORE_BACKENDS)
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    from pathway.store.db import create_schema, make_engine

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        create_schema(engine)
    else:
        from pgstore import truncate_all

        engine = make_engine(request.getfixturevalue("pg_store_url"))
        truncate_all(engine)
    yield engine
    engine.dispose()
