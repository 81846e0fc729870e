"""A new database is migrated without first building the baseline in a scratch database to
compare it with (that comparison is for a database ``create_all`` made before the
migrations: one with tables). ``pathway simulate`` makes a new store on every run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from pathway.store import schema
from pathway.store.db import make_engine


def test_a_new_database_is_migrated_without_the_baseline_scratch_build(tmp_path: Path) -> None:
    schema._baseline_columns.cache_clear()
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        done = schema.upgrade(engine)
        assert done.before is None and done.after == schema.head("data") and not done.adopted
        assert "cases" in inspect(engine).get_table_names()
        assert schema._baseline_columns.cache_info().misses == 0
    finally:
        engine.dispose()
