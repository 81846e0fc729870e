"""The migrations are the schema: they build exactly what the models declare (on SQLite and
PostgreSQL), an old home made by ``create_all`` is adopted, and ``pathway db`` drives them.

If ``test_the_migrations_build_what_the_models_declare`` fails, a model changed without a
revision: run ``pathway db revision -m "what changed"`` (README, "Adding a migration")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pgstore import fresh_database, require_postgres
from sqlalchemy import Engine, inspect
from typer.testing import CliRunner

from pathway.cli import app
from pathway.security.identity import create_keystore_schema, make_keystore_engine
from pathway.store import schema as migrations
from pathway.store.db import create_schema, data_metadata, make_engine


def explain(diffs: list) -> str:
    lines = "\n".join(f"  {d}" for d in diffs)
    return (
        f"the models and the migrations disagree:\n{lines}\n"
        "write a revision: .venv/bin/pathway db revision -m 'what changed' (then read it and commit it)"
    )


def test_the_migrations_build_what_the_models_declare(store_engine: Engine) -> None:
    assert migrations.current(store_engine) == migrations.head("data")
    diffs = migrations.differences(store_engine)
    assert diffs == [], explain(diffs)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_key_store_migrations_build_what_its_models_declare(backend: str, tmp_path: Path) -> None:
    def check(url: str) -> None:
        engine = make_keystore_engine(url)
        try:
            create_keystore_schema(engine)
            assert migrations.current(engine, "keystore") == migrations.head("keystore")
            diffs = migrations.differences(engine, "keystore")
            assert diffs == [], explain(diffs)
            # Its own version table: the data store's revisions never land in the key store.
            assert "alembic_version" not in inspect(engine).get_table_names()
        finally:
            engine.dispose()

    if backend == "sqlite":
        check(f"sqlite:///{tmp_path / 'keystore.db'}")
    else:
        require_postgres()
        with fresh_database("ks") as url:
            check(url)


def test_each_tree_has_one_head() -> None:
    for tree in migrations.TREES:
        assert migrations.head(tree)  # raises when two revisions branch off one parent


def test_an_upgrade_twice_changes_nothing_and_can_stop_at_a_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    first = migrations.upgrade(engine, to=migrations.TREES["data"].baseline)
    assert (first.before, first.after, first.adopted) == (None, "0001_baseline", False)
    create_schema(engine)
    again = migrations.upgrade(engine)
    assert again.before == again.after == migrations.head("data")
    with pytest.raises(migrations.MigrationError, match="no-such-rev"):
        migrations.upgrade(engine, to="no-such-rev")
    engine.dispose()


def _baseline_tables() -> list:
    metadata = data_metadata()
    return [metadata.tables[name] for name in migrations._baseline_columns("data")]


def test_a_home_made_by_create_all_before_the_migrations_is_adopted(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old-home.db'}")
    # What create_schema's create_all made until now: the baseline's schema, no version table.
    migrations.upgrade(engine, to=migrations.TREES["data"].baseline)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    done = migrations.upgrade(engine)
    assert done.adopted and done.before == "0001_baseline" and done.after == migrations.head("data")
    assert migrations.differences(engine) == []
    engine.dispose()


def test_a_half_made_schema_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'half.db'}")
    data_metadata().create_all(engine, tables=[t for t in _baseline_tables() if t.name != "visits"])
    with pytest.raises(migrations.MigrationError, match="missing tables: \\['visits'\\]"):
        migrations.upgrade(engine)
    assert migrations.current(engine) is None
    engine.dispose()


def test_pathway_db_upgrade_and_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAY_HOME", str(tmp_path))
    monkeypatch.delenv("PATHWAY_DATABASE_URL", raising=False)
    monkeypatch.delenv("PATHWAY_KEYSTORE_URL", raising=False)
    runner = CliRunner()
    behind = runner.invoke(app, ["db", "current"])
    assert behind.exit_code == 3 and "pathway db upgrade" in behind.output
    for _ in range(2):  # idempotent
        result = runner.invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0 and "0001_baseline" in current.output and "k0001_baseline" in current.output
    refused = runner.invoke(app, ["db", "upgrade", "--to", "0001_baseline"])
    assert refused.exit_code == 1 and "--tree" in refused.output


def _upgrade_after_barrier(url: str, tree: str, barrier: Any, results: Any) -> None:
    from pathway.security.identity import make_keystore_engine

    engine = make_keystore_engine(url) if tree == "keystore" else make_engine(url)
    barrier.wait()
    try:
        migrations.upgrade(engine, tree=tree)
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        engine.dispose()


@pytest.mark.parametrize("tree", ["data", "keystore"])
def test_processes_starting_at_the_same_moment_upgrade_one_after_the_other(tmp_path: Path, tree: str) -> None:
    """Two workers (or a worker and the API) starting together on a new SQLite home: one
    migrates, the other waits and finds the schema at its head (it used to fail on
    'table ... already exists' about one start in three)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    for attempt in range(2):
        url = f"sqlite:///{tmp_path / f'{tree}-{attempt}.db'}"
        barrier, results = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_upgrade_after_barrier, args=(url, tree, barrier, results)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        assert [results.get(timeout=5) for _ in procs] == ["ok"] * 4
