"""The store does not answer in time: a person is told so, and nothing is lost.

Found by the 50,000-case run (bench/scale.py, 2026-12-07): under load, SQLite's write lock
was held past the busy timeout and an open answered 500 ``internal_error`` (and logged the
statement with its parameters). A second app on the stack's SQLite store, whose engine waits
0.2 s for the lock; another connection holds the lock. An open answers 503
``store_unavailable`` (send it again with the same key), a sign-in through the web a page in
words; once the lock is released, the same open with the same key opens one case."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import httpx
import pytest
import pytest_asyncio
from apistack import PASSWORD, Stack
from sqlalchemy import select

from pathway.runtime.asgi import create_app
from pathway.store import db
from pathway.store.models import Case

pytestmark = pytest.mark.integration
API = "/api/v1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest_asyncio.fixture
async def impatient(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    engine = db.make_engine(stack.engine.url.render_as_string(hide_password=False))
    app = create_app(stack.settings, client=stack.client, engine=engine, vault=stack.vault)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test", timeout=30
    ) as http:
        yield http
    engine.dispose()


@contextmanager
def write_lock_held(stack: Stack) -> Iterator[None]:
    """Another writer holds SQLite's one write lock (as the projection does under load)."""
    other = sqlite3.connect(str(stack.engine.url.database), isolation_level=None, timeout=30)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_an_open_the_store_cannot_take_is_refused_in_words_and_opened_once_when_sent_again(
    stack: Stack, impatient: httpx.AsyncClient
) -> None:
    name = f"Klientka Zajętej Bazy {uuid.uuid4().hex[:6]}"
    body = {"definition": "model-wsparcia", "coordinator": stack.login_of(), "client": {"name": name}}
    headers = stack.headers(key=uuid.uuid4().hex)
    with write_lock_held(stack):
        refused = await impatient.post(f"{API}/cases", json=body, headers=headers)
    assert refused.status_code == 503, refused.text
    detail = refused.json()["detail"]
    assert detail["code"] == "store_unavailable" and detail["retry_with_same_key"] is True
    assert refused.headers["retry-after"] == "5"
    assert "INSERT" not in refused.text and "BEGIN" not in refused.text

    opened = await impatient.post(f"{API}/cases", json=body, headers=headers)
    again = await impatient.post(f"{API}/cases", json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    assert again.json()["id"] == opened.json()["id"]
    with stack.engine.connect() as conn:
        ids = conn.execute(select(Case.id).where(Case.id == opened.json()["id"])).scalars().all()
    assert len(ids) == 1
    assert (await stack.get_case(opened.json()["id"]))["client"]["name"] == name


async def test_a_page_the_store_cannot_answer_says_so_in_polish(stack: Stack, impatient: httpx.AsyncClient) -> None:
    stack.headers()  # the coordinator's account exists
    form = await impatient.get("/login")
    with write_lock_held(stack):
        refused = await impatient.post(
            "/login",
            data={"csrf": CSRF.search(form.text).group(1), "username": stack.login_of(), "password": PASSWORD},
        )
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert "Usługa chwilowo nie odpowiada" in refused.text


def test_a_failed_statement_never_carries_its_parameters(stack: Stack) -> None:
    """What SQLAlchemy's message would put in a log line or a traceback: the statement, never
    the values bound to it (a sealed name, a note's words)."""
    engine = db.make_engine(stack.engine.url.render_as_string(hide_password=False))
    secret = f"Adres Tajny {uuid.uuid4().hex}"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT * FROM no_such_table WHERE name = ?", (secret,))
    except Exception as exc:  # noqa: BLE001 - the message is what is checked
        assert secret not in str(exc)
        assert "no_such_table" in db.failure_line(exc)
    else:
        pytest.fail("the statement should have failed")
    finally:
        engine.dispose()
