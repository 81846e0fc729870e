"""PostgreSQL for the tests (import as ``from pgstore import ...``).

The suite runs its store, projection, audit-trail and a representative set of API tests on
both SQLite and PostgreSQL. PostgreSQL is the machine's server on 127.0.0.1:5432 (trust
auth; the database ``test`` exists to connect to). Every run creates databases of its own
(``pathway_t_<hex>``) and drops them at the end, so runs never see each other's rows.

When the server does not answer, the PostgreSQL variants skip, saying why; with ``CI=true``
they fail instead: CI must not go green without having run them.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

# Where the test server is; the one place to change it.
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@functools.cache
def unavailable() -> str | None:
    """Why PostgreSQL cannot be used (``None``: it answers)."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        return f"psycopg is not installed ({exc})"
    engine = create_engine(ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return (
            f"PostgreSQL does not answer at {make_url(ADMIN_URL).render_as_string(hide_password=True)}: "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        )
    finally:
        engine.dispose()
    return None


def require_postgres() -> None:
    """Skip (or, with CI=true, fail) the calling test when PostgreSQL is not there."""
    reason = unavailable()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}: the PostgreSQL tests must run in CI", pytrace=False)
    pytest.skip(reason)


@contextmanager
def fresh_database(label: str = "t") -> Iterator[str]:
    """A new, empty database for the block; dropped (even with sessions still open) after."""
    name = f"pathway_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def truncate_all(engine: Engine) -> None:
    """Empty every table but the migration versions: a clean store for the next test at the
    cost of one statement (cheaper than a database per test)."""
    tables = [t for t in inspect(engine).get_table_names() if not t.startswith("alembic_version")]
    if tables:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
