"""Schema migrations (Alembic) of the two databases the engine keeps.

Two trees, each with its own script directory and version table, because they are two
databases that are backed up, placed and secured apart (see ``pathway.security.identity``):

- ``data``: the SQL store (``PATHWAY_DATABASE_URL``) — projection, clients, partners, users,
  audit trail; version table ``alembic_version``;
- ``keystore``: the client key store (``PATHWAY_KEYSTORE_URL``); version table
  ``alembic_version_keystore``.

The embedded SQLite default, ``pathway up``, the tests and ``pathway db upgrade`` all go
through :func:`upgrade`: there is no ``create_all`` anywhere, so a home made by
``pathway up`` has exactly the schema PostgreSQL gets from the same revisions.

A database made by ``create_all`` before the migrations existed has the baseline's tables
but no version table: :func:`upgrade` checks that every baseline table is there with its
columns and then stamps it at the baseline (and upgrades on from there). A database with
only some of them is refused, naming what is missing; nothing is guessed.

Concurrent upgrades (two processes starting on one PostgreSQL) are serialised by a
transaction-scoped advisory lock; the DDL runs in that same transaction.
"""

from __future__ import annotations

import functools
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, create_engine, inspect
from sqlalchemy.pool import StaticPool

from pathway.store import locks

HERE = Path(__file__).resolve().parent


def _data_metadata() -> MetaData:
    from pathway.store.db import data_metadata

    return data_metadata()


def _keystore_metadata() -> MetaData:
    from pathway.store.models import KEYSTORE_METADATA

    return KEYSTORE_METADATA


@dataclass(frozen=True)
class Tree:
    name: str
    version_table: str
    metadata: Callable[[], MetaData]
    # The revision a database made by ``create_all`` before the migrations is stamped at.
    baseline: str

    @property
    def location(self) -> Path:
        return HERE / self.name


TREES: dict[str, Tree] = {
    "data": Tree("data", "alembic_version", _data_metadata, baseline="0001_baseline"),
    "keystore": Tree("keystore", "alembic_version_keystore", _keystore_metadata, baseline="k0001_baseline"),
}


class MigrationError(RuntimeError):
    """The schema cannot be brought to the requested revision (the message says why)."""


def config(tree: str = "data", connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(TREES[tree].location))
    cfg.attributes["tree"] = tree
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _format_with_ruff(cfg: Config) -> None:
    """A new revision comes out formatted and linted like the rest of the repository (Alembic's
    ``ruff`` post-write hook), when ruff is installed (it is, with the test extras)."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        return
    cfg.set_section_option("post_write_hooks", "hooks", "ruff_fix, ruff_format")
    for name, options in (
        ("ruff_fix", "check --fix REVISION_SCRIPT_FILENAME"),
        ("ruff_format", "format REVISION_SCRIPT_FILENAME"),
    ):
        cfg.set_section_option("post_write_hooks", f"{name}.type", "exec")
        cfg.set_section_option("post_write_hooks", f"{name}.executable", ruff)
        cfg.set_section_option("post_write_hooks", f"{name}.options", options)


@functools.cache
def _script(tree: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(config(tree))


def head(tree: str = "data") -> str:
    heads = _script(tree).get_heads()
    if len(heads) != 1:
        raise MigrationError(f"the {tree} migrations have {len(heads)} heads {heads}: merge them (alembic merge)")
    return heads[0]


def _current(connection: Connection, tree: str) -> str | None:
    ctx = MigrationContext.configure(connection, opts={"version_table": TREES[tree].version_table})
    return ctx.get_current_revision()


def current(engine: Engine, tree: str = "data") -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    with engine.connect() as conn:
        return _current(conn, tree)


def is_current(engine: Engine, tree: str = "data") -> bool:
    return current(engine, tree) == head(tree)


def status(engine: Engine, tree: str = "data") -> str:
    """``current``; ``empty`` (never migrated); ``behind`` (an older revision of this code's
    tree: run ``pathway db upgrade``); ``ahead`` (a revision this code does not know: a newer
    release migrated it — revisions are additive, so older processes keep working)."""
    at = current(engine, tree)
    if at is None:
        return "empty"
    if at == head(tree):
        return "current"
    known = {rev.revision for rev in _script(tree).walk_revisions()}
    return "behind" if at in known else "ahead"


def _lock(connection: Connection, tree: str) -> None:
    """Serialise upgrades: two processes starting at once (two workers, a worker and the API)
    would otherwise both create the version table (the second waits, then finds the schema
    at its head)."""
    locks.hold(connection, f"pathway-migrations:{tree}")


@functools.cache
def _baseline_columns(tree: str) -> dict[str, set[str]]:
    """Table -> column names of the baseline revision (built in a scratch SQLite)."""
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with scratch.begin() as conn:
            command.upgrade(config(tree, conn), TREES[tree].baseline)
        insp = inspect(scratch)
        return {
            t: {c["name"] for c in insp.get_columns(t)}
            for t in insp.get_table_names()
            if t != TREES[tree].version_table
        }
    finally:
        scratch.dispose()


def _adopt_legacy(connection: Connection, tree: str) -> bool:
    """Stamp a database that ``create_all`` made before the migrations; True if it was one."""
    insp = inspect(connection)
    present = set(insp.get_table_names())
    if not present:
        return False  # a new database (the baseline, built in a scratch database, is not needed)
    baseline = _baseline_columns(tree)
    found = present & baseline.keys()
    if not found:
        return False
    missing_tables = sorted(baseline.keys() - present)
    missing_columns = sorted(
        f"{t}.{c}" for t in found for c in baseline[t] - {col["name"] for col in insp.get_columns(t)}
    )
    if missing_tables or missing_columns:
        raise MigrationError(
            f"the {tree} database has some of the engine's tables but no migration version, and it does not match "
            f"the baseline (missing tables: {missing_tables or 'none'}; missing columns: {missing_columns or 'none'}); "
            "restore it from a backup or migrate it by hand"
        )
    command.stamp(config(tree, connection), TREES[tree].baseline)
    return True


@dataclass(frozen=True)
class Upgraded:
    tree: str
    before: str | None
    after: str | None
    adopted: bool  # a pre-migration (create_all) database was stamped at the baseline


# How long a process starting on SQLite waits for another one's migration (all revisions of a
# new home, on a busy machine, take longer than the store's usual 5 s busy timeout).
MIGRATION_WAIT_MS = 120_000


@contextmanager
def _patient(connection: Connection) -> Iterator[None]:
    """On SQLite, wait for the write lock as long as a migration may take, then as usual."""
    if connection.dialect.name != "sqlite":
        yield
        return
    from pathway.store.db import BUSY_TIMEOUT_MS

    connection.exec_driver_sql(f"PRAGMA busy_timeout={MIGRATION_WAIT_MS}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def upgrade_connection(connection: Connection, *, tree: str = "data", to: str = "head") -> Upgraded:
    with _patient(connection):
        _lock(connection, tree)
        before = _current(connection, tree)
        adopted = before is None and _adopt_legacy(connection, tree)
        if adopted:
            before = TREES[tree].baseline
        command.upgrade(config(tree, connection), to)
        return Upgraded(tree, before, _current(connection, tree), adopted)


def upgrade(engine: Engine, *, tree: str = "data", to: str = "head") -> Upgraded:
    """Bring ``engine``'s database to revision ``to`` (default the head), in one transaction."""
    try:
        with engine.begin() as conn:
            return upgrade_connection(conn, tree=tree, to=to)
    except MigrationError:
        raise
    except Exception as exc:  # Alembic's CommandError: an unknown or backward revision
        from alembic.util import CommandError

        if isinstance(exc, CommandError):
            raise MigrationError(f"cannot upgrade the {tree} database to {to!r}: {exc}") from exc
        raise


def differences(engine: Engine, tree: str = "data") -> list[Any]:
    """What the models declare that the database does not have (or the other way round):
    Alembic's autogenerate diff; empty when the migrations and the models agree."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": TREES[tree].version_table, "compare_type": True})
        return list(compare_metadata(ctx, TREES[tree].metadata()))


def revision(message: str, *, tree: str = "data", rev_id: str | None = None) -> Path:
    """Autogenerate a revision from the models against a scratch SQLite at the head: what a
    developer runs after changing a table (``pathway db revision -m ...``)."""
    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with scratch.begin() as conn:
            cfg = config(tree, conn)
            _format_with_ruff(cfg)
            command.upgrade(cfg, "head")
            script = command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
    finally:
        scratch.dispose()
    _script.cache_clear()
    if script is None or isinstance(script, list):
        raise MigrationError("no revision was written")
    return Path(script.path)
