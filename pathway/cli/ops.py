"""Operator commands: ``pathway db ...`` (schema migrations), ``pathway temporal setup``
(search attributes on a cluster) and ``pathway simulate`` (a definition through time-skipping).

Registered on the main ``pathway`` app in :mod:`pathway.cli`."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from pathway.config import Settings

db_app = typer.Typer(help="The SQL store's schema: migrations (Alembic).", no_args_is_help=True)
temporal_app = typer.Typer(help="The Temporal cluster the engine runs on.", no_args_is_help=True)

TREE_HELP = (
    "data: the SQL store (PATHWAY_DATABASE_URL); keystore: the client key store (PATHWAY_KEYSTORE_URL); all: both."
)


def _done() -> None:
    """End a command that ran a Temporal client or worker. The SDK's native runtime can crash
    while the interpreter finalizes (a SIGSEGV after the work was done and printed, seen on
    `temporal setup`), which a script or an operator would read as a failure: everything is
    written, so leave without finalizing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _fail(message: str, code: int = 1) -> None:
    Console(stderr=True).print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _engines(settings: Settings, tree: str) -> list[tuple[str, str, Engine]]:
    from pathway.security.identity import keystore_engine
    from pathway.store.db import make_engine

    if tree not in ("data", "keystore", "all"):
        _fail(f"unknown tree '{tree}': data, keystore or all")
    out: list[tuple[str, str, Engine]] = []
    if tree in ("data", "all"):
        out.append(("data", settings.resolved_database_url, make_engine(settings.resolved_database_url)))
    if tree in ("keystore", "all"):
        out.append(("keystore", settings.resolved_keystore_url, keystore_engine(settings)))
    return out


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade(
    to: str = typer.Option("head", "--to", help="The revision to upgrade to (default: the newest)."),
    tree: str = typer.Option("all", "--tree", help=TREE_HELP),
) -> None:
    """Bring the database(s) to the newest schema (or to --to REV). Safe to run twice, and
    from two machines at once (PostgreSQL: an advisory lock)."""
    from pathway.store import schema as migrations

    settings = Settings()
    if to != "head" and tree == "all":
        _fail("--to names a revision of one tree: add --tree data or --tree keystore")
    table = Table("tree", "database", "before", "after", "note")
    for name, url, engine in _engines(settings, tree):
        try:
            done = migrations.upgrade(engine, tree=name, to=to)
        except migrations.MigrationError as exc:
            _fail(str(exc))
        except Exception as exc:  # the database does not answer, or refuses us
            _fail(f"cannot migrate the {name} database {_shown(url)}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        finally:
            engine.dispose()
        note = "adopted: made before migrations, stamped at the baseline" if done.adopted else ""
        table.add_row(name, _shown(url), done.before or "(empty)", done.after or "(empty)", note)
    Console().print(table)


@db_app.command("current")
def db_current(tree: str = typer.Option("all", "--tree", help=TREE_HELP)) -> None:
    """The revision each database is at, and the newest one this code knows."""
    from pathway.store import schema as migrations

    settings = Settings()
    table = Table("tree", "database", "current", "head", "up to date")
    behind = False
    for name, url, engine in _engines(settings, tree):
        try:
            rev = migrations.current(engine, name)
        except Exception as exc:
            _fail(f"cannot read the {name} database {_shown(url)}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        finally:
            engine.dispose()
        head = migrations.head(name)
        behind = behind or rev != head
        table.add_row(name, _shown(url), rev or "(empty)", head, "yes" if rev == head else "[yellow]no[/]")
    Console().print(table)
    if behind:
        Console().print("behind the code: run `pathway db upgrade`", highlight=False)
        raise typer.Exit(3)


@db_app.command("revision")
def db_revision(
    message: str = typer.Option(..., "-m", "--message", help="What the revision changes, e.g. 'add partner_contacts'."),
    tree: str = typer.Option("data", "--tree", help="data or keystore"),
) -> None:
    """(Developers) Write a new revision from what the models declare and the migrations do
    not have yet. Read it before committing: Alembic cannot see renames."""
    from pathway.store import schema as migrations

    if tree not in migrations.TREES:
        _fail(f"unknown tree '{tree}': data or keystore")
    path = migrations.revision(message, tree=tree)
    Console().print(f"wrote {path}")


@db_app.command("rewrap-keys")
def db_rewrap_keys() -> None:
    """After a new master key was put first in PATHWAY_CODEC_KEY: wrap every client's data
    key under it (the old key can then leave the ring once Temporal no longer holds payloads
    encrypted with it). Idempotent."""
    from pathway.security.identity import IdentityVault, keystore_engine
    from pathway.temporal import key_ring

    settings = Settings()
    engine = keystore_engine(settings)
    try:
        count = IdentityVault(engine, key_ring(settings), create_schema=False).rewrap()
    except Exception as exc:
        _fail(f"cannot rewrap the client keys: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    Console().print(f"{count} client key(s) wrapped under the current master key")


@temporal_app.command("setup")
def temporal_setup() -> None:
    """Register the case search attributes on the cluster's namespace
    (PATHWAY_TEMPORAL_ADDRESS / _NAMESPACE). Idempotent: what is there is left alone; an
    attribute registered with another type is an error. Needs the operator API (on Temporal
    Cloud, add them in the namespace's settings instead)."""
    from pathway.temporal import SEARCH_ATTRIBUTES, connect_client, ensure_search_attributes

    settings = Settings()

    async def main() -> list[str]:
        client = await connect_client(settings)
        return await ensure_search_attributes(client, settings.temporal_namespace)

    try:
        added = asyncio.run(main())
    except Exception as exc:
        _fail(
            f"cannot set up namespace '{settings.temporal_namespace}' at {settings.resolved_temporal_address}: "
            f"{type(exc).__name__}: {exc}"
        )
    table = Table("search attribute", "status")
    for name in sorted(SEARCH_ATTRIBUTES):
        table.add_row(name, "added" if name in added else "present")
    Console().print(table)
    _done()


def simulate(
    definition_id: str = typer.Argument(
        ..., metavar="ID", help="A definition id (definitions/ or PATHWAY_DEFINITIONS_DIR)."
    ),
    years: float = typer.Option(5.0, "--years", help="How long the simulated pathway runs."),
    visits_every: str = typer.Option("7d", "--visits-every", help="A visit every N days ('7d'), or 'none'."),
    advance_every: str = typer.Option(
        "auto",
        "--advance-every",
        help="Try the next move every N days ('90d'); 'auto': once a stage's deadline is half gone; 'none': never.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    continue_as_new_after: int = typer.Option(
        0,
        "--continue-as-new-after",
        help="Continue as new after this many history events (0: when Temporal suggests it).",
    ),
) -> None:
    """Run a definition through the time-skipping test server with a scripted client:
    visits on a cadence, the checklist ticked and the next move taken, and print what
    happened (stages, reminders, escalations, continue-as-new runs, history length)."""
    from pathway.logging import configure_logging
    from pathway.runtime.simulate import SimulationError, parse_days, print_report, run_simulation

    settings = Settings()
    # The worker's per-event logs would bury the report: warnings and errors only.
    configure_logging(settings.model_copy(update={"log_level": "WARNING"}))
    # The test server is not a production server: the SDK core's notes about it are noise here.
    logging.getLogger("temporalio.core").setLevel(logging.ERROR)
    try:
        visit_days = parse_days(visits_every, "--visits-every")
        advance_days = None if advance_every == "auto" else parse_days(advance_every, "--advance-every")
        report = asyncio.run(
            run_simulation(
                settings,
                definition_id,
                years=years,
                visit_every_days=visit_days,
                advance_every_days=advance_days,
                auto_advance=advance_every == "auto",
                continue_as_new_after=continue_as_new_after or None,
            )
        )
    except SimulationError as exc:
        _fail(str(exc))
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        print_report(report)
    _done()


def register(app: Any) -> None:
    """``pathway db ...``, ``pathway temporal ...`` and ``pathway simulate``."""
    app.add_typer(db_app, name="db")
    app.add_typer(temporal_app, name="temporal")
    app.command("simulate")(simulate)


__all__ = ["db_app", "register", "simulate", "temporal_app"]
