"""Filling the stalled audit's stored answers of cases projected before they existed
(migration ``0012_audit_days``), or after the catalog's limits changed: ``pathway db
upgrade`` runs it for every case, ``pathway up`` for the cases that have none. Until then
the audit computes those rows itself, with the same numbers; filled, they come back from
SQL finished. Idempotent."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine, bindparam, select, update

from pathway.core.definition import Definition
from pathway.readmodels.stalled_limits import AUDIT_COLUMNS, audit_columns, limits_for
from pathway.store.models import Case
from pathway.store.tables import table_of

_BATCH = 5_000


def fill_audit_days(engine: Engine, definitions: Mapping[str, Definition], *, only_missing: bool = False) -> int:
    """Store the audit's answers for every case not closed, under ``definitions``' limits
    (the catalog's); the number of cases filled. ``only_missing``: only the cases that have
    none yet (what ``pathway up`` does at every start: cheap once they are filled)."""
    cases = table_of(Case)
    c = cases.c
    clocks = (c.id, c.definition_id, c.stage_due_at, c.next_visit_due_at, c.last_activity_at, c.paused_at)
    done = 0
    with engine.begin() as conn:
        query = select(*clocks).where(c.status != "closed")
        if only_missing:
            query = query.where(c.due_zone.is_(None))
        rows = conn.execute(query).mappings().all()
        statement = (
            update(cases)
            .where(c.id == bindparam("case_id"))
            .values({name: bindparam(f"new_{name}") for name in AUDIT_COLUMNS})
        )
        for start in range(0, len(rows), _BATCH):
            batch = [
                {
                    "case_id": row["id"],
                    **{
                        f"new_{name}": value
                        for name, value in audit_columns(
                            dict(row), limits_for(definitions, row["definition_id"])
                        ).items()
                    },
                }
                for row in rows[start : start + _BATCH]
            ]
            conn.execute(statement, batch)
            done += len(batch)
    return done
