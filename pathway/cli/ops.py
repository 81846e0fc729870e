"""Operator commands: ``pathway db ...`` (schema migrations), ``pathway temporal setup``
(search attributes on a cluster) and ``pathway simulate`` (a definition through time-skipping).

Registered on the main ``pathway`` app in :mod:`pathway.cli`."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from pathway.cli.cases import case_status
from pathway.cli.console import _, centre_zone, code, n_, styled, words
from pathway.config import Settings
from pathway.i18n import formats

if TYPE_CHECKING:
    from pathway.runtime.simulate import SimulationReport

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


def _fail(message: str, code: int = 1) -> NoReturn:
    label = styled("red", _("error:"))
    Console(stderr=True).print(f"{label} {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _engines(settings: Settings, tree: str) -> list[tuple[str, str, Engine]]:
    from pathway.security.identity import keystore_engine
    from pathway.store.db import make_engine

    if tree not in ("data", "keystore", "all"):
        _fail(_("unknown tree '%(tree)s': data, keystore or all", tree=tree))
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
        _fail(_("--to names a revision of one tree: add --tree data or --tree keystore"))
    table = Table(_("tree"), _("database"), _("before"), _("after"), _("note"))
    for name, url, engine in _engines(settings, tree):
        try:
            done = migrations.upgrade(engine, tree=name, to=to)
            if name == "data" and to == "head":
                _fill_audit_days(settings, engine)
        except migrations.MigrationError as exc:
            _fail(str(exc))
        except Exception as exc:  # the database does not answer, or refuses us
            _fail(_cannot(_("cannot migrate the %(tree)s database %(url)s", tree=name, url=_shown(url)), exc))
        finally:
            engine.dispose()
        note = _("adopted: made before migrations, stamped at the baseline") if done.adopted else ""
        table.add_row(name, _shown(url), done.before or _("(empty)"), done.after or _("(empty)"), note)
    Console().print(table)


def _fill_audit_days(settings: Settings, engine: Any) -> None:
    """The stalled audit's stored answers for cases projected before they existed (or under
    limits the catalog has changed since): filled once the schema is new."""
    from pathway.app.audit_days import fill_audit_days
    from pathway.app.catalog import Catalog

    fill_audit_days(engine, Catalog.load(settings.resolved_definitions_dir).definitions())


@db_app.command("current")
def db_current(tree: str = typer.Option("all", "--tree", help=TREE_HELP)) -> None:
    """The revision each database is at, and the newest one this code knows."""
    from pathway.store import schema as migrations

    settings = Settings()
    table = Table(_("tree"), _("database"), _("current"), _("newest"), _("up to date"))
    behind = False
    for name, url, engine in _engines(settings, tree):
        try:
            rev = migrations.current(engine, name)
        except Exception as exc:
            _fail(_cannot(_("cannot read the %(tree)s database %(url)s", tree=name, url=_shown(url)), exc))
        finally:
            engine.dispose()
        head = migrations.head(name)
        behind = behind or rev != head
        fresh = _("yes") if rev == head else styled("yellow", _("no"))
        table.add_row(name, _shown(url), rev or _("(empty)"), head, fresh)
    Console().print(table)
    if behind:
        Console().print(_("behind the code: run `pathway db upgrade`"), highlight=False, markup=False)
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
        _fail(_("unknown tree '%(tree)s': data or keystore", tree=tree))
    path = migrations.revision(message, tree=tree)
    Console().print(_("wrote %(file)s", file=str(path)), highlight=False, markup=False)


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
        _fail(_cannot(_("cannot rewrap the client keys"), exc))
    finally:
        engine.dispose()
    Console().print(
        n_(
            "%(num)d client key wrapped under the current master key",
            "%(num)d client keys wrapped under the current master key",
            count,
        ),
        highlight=False,
    )


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
        why = _(
            "cannot set up namespace '%(namespace)s' at %(address)s",
            namespace=settings.temporal_namespace,
            address=settings.resolved_temporal_address,
        )
        _fail(_cannot(why, exc))
    table = Table(_("search attribute"), _("status"))
    for name in sorted(SEARCH_ATTRIBUTES):
        table.add_row(name, _("added") if name in added else _("present"))
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
    from pathway.runtime.simulate import SimulationError, run_simulation, settle_process

    settings = Settings()
    # The worker's per-event logs would bury the report: warnings and errors only.
    configure_logging(settings.model_copy(update={"log_level": "WARNING"}))
    # The test server is not a production server: the SDK core's notes about it are noise here.
    logging.getLogger("temporalio.core").setLevel(logging.ERROR)
    try:
        visit_days = _days_option(visits_every, "--visits-every")
        advance_days = None if advance_every == "auto" else _days_option(advance_every, "--advance-every")
        if years <= 0 or years > 50:
            _fail(_("--years takes a number of years between 0 and 50"))
        settle_process()
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
        print_simulation(report)
    _done()


def print_simulation(report: SimulationReport) -> None:
    """What ``pathway simulate`` prints for people: the days in words, the counts in plural forms."""
    w, zone = words(), centre_zone()
    console = Console()
    head = _(
        "%(definition)s v%(version)s: %(years)s simulated (%(start)s – %(end)s) in %(seconds)s s",
        definition=report.definition,
        version=report.definition_version,
        years=formats.count(report.years, "years", w.lang),
        start=w.day(report.simulated_from, zone),
        end=w.day(report.simulated_to, zone),
        seconds=w.number(report.wall_seconds),
    )
    console.print(styled("bold", head), highlight=False)
    table = Table(_("stage"), _("entered"), _("left"), _("days"))
    for s in report.stages:
        open_end = s.left_at is None and s is report.stages[-1] and report.status == "closed"
        table.add_row(
            s.stage,
            w.compact_day(s.entered_at.astimezone(zone).date()),
            w.compact_day(s.left_at.astimezone(zone).date()) if s.left_at else "—",
            "—" if open_end else w.number(s.days),
        )
    console.print(table)
    for move in report.moves:
        console.print(f"  {move}", highlight=False, markup=False)
    reminders = ", ".join(f"{code('inbox_kind', k)}: {w.number(n)}" for k, n in sorted(report.reminders.items()))
    console.print(
        _(
            "final stage: %(stage)s (%(status)s); %(visits)s; reminders: %(reminders)s; %(refused)s",
            stage=report.final_stage,
            status=case_status(report.status),
            visits=n_("%(num)d visit", "%(num)d visits", report.visits),
            reminders=reminders or _("none"),
            refused=n_("%(num)d move refused", "%(num)d moves refused", report.refused_moves),
        ),
        highlight=False,
        markup=False,
    )
    console.print(
        _(
            "runs (continue-as-new): %(runs)s; history events per run: %(events)s; events projected: %(projected)s",
            runs=w.number(report.runs),
            events=", ".join(w.number(n) for n in report.history_events),
            projected=w.number(report.events_projected),
        ),
        highlight=False,
        markup=False,
    )


def _days_option(text: str, option: str) -> int | None:
    """An option's number of days (``7d``, ``none``), or the command ends saying what to type."""
    from pathway.runtime.simulate import SimulationError, parse_days

    try:
        return parse_days(text, option)
    except SimulationError:
        _fail(_("%(option)s takes a number of days such as 7d, or none; got '%(value)s'", option=option, value=text))


def _cannot(what: str, exc: BaseException) -> str:
    """``what`` failed, and why (the first line of the error, as its library words it)."""
    lines = str(exc).splitlines()
    return f"{what}: {type(exc).__name__}: {lines[0] if lines else ''}"


def register(app: Any) -> None:
    """``pathway db ...``, ``pathway temporal ...`` and ``pathway simulate``."""
    app.add_typer(db_app, name="db")
    app.add_typer(temporal_app, name="temporal")
    app.command("simulate")(simulate)


__all__ = ["db_app", "register", "simulate", "temporal_app"]
