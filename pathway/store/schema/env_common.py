"""What both Alembic environments (the data store's and the key store's) run.

Programmatic only: :mod:`pathway.store.schema` hands a live connection in
``config.attributes["connection"]`` and names the tree in ``config.attributes["tree"]``;
there is no ``alembic.ini`` and no URL to read here."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from pathway.store.schema import TREES


def run() -> None:
    config = context.config
    tree = TREES[config.attributes["tree"]]
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=tree.metadata(),
        version_table=tree.version_table,
        # SQLite cannot ALTER most things: later revisions get "move and copy" batches.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        user_module_prefix="sa.",
    )
    with context.begin_transaction():
        context.run_migrations()


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Revisions must not import the application: its types are rendered as the plain
    SQLAlchemy types they store (UTCDateTime is a timezone-aware DATETIME, AutoString a
    VARCHAR)."""
    if type_ != "type":
        return False
    from sqlmodel.sql.sqltypes import AutoString

    from pathway.store.models import UTCDateTime

    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False
