"""Process plumbing: the embedded Temporal dev server, and the bodies of ``pathway up``,
``pathway worker`` and ``pathway serve``.

``pathway up`` runs everything one machine needs in one asyncio loop: the Temporal dev
server as a child process (its SQLite file under the home dir, so a restart keeps every
case), the worker and the HTTP API. Ctrl-C / SIGTERM stop the API, then the worker
(gracefully: running activities may finish), then the dev server — in that order.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import inspect
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

import structlog
import uvicorn

from pathway.config import API_URL_FILE, Settings
from pathway.logging import configure_logging
from pathway.runtime.devserver import DevServer, hostport, port_is_free
from pathway.runtime.heap import freeze_startup_heap, watch_pauses
from pathway.security.bootstrap import FirstAdmin, ensure_first_admin
from pathway.temporal import connect_client

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.worker import Worker

__all__ = ["StackError", "record_api_url", "run_api", "run_stack", "run_worker"]

log = structlog.get_logger(__name__)


class StackError(RuntimeError):
    """A part of the stack could not start or stopped on its own."""


# --------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------


class _Stopper:
    """SIGINT/SIGTERM handling for one run: while starting, a signal cancels the start
    (everything already up is stopped); while serving, the first signal asks for an orderly
    stop and the second forces the API to drop open connections."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.task = asyncio.current_task()
        self.stop = asyncio.Event()
        self.serving = False
        self.interrupted = False
        self.on_force: Callable[[], None] | None = None

    def _handle(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if not self.serving:
            self.interrupted = True
            log.warning("interrupted_while_starting", signal=name)
            if self.task is not None:
                self.task.cancel()
        elif not self.stop.is_set():
            log.info("stopping", signal=name)
            self.stop.set()
        else:
            log.warning("forcing_stop", signal=name)
            if self.on_force is not None:
                self.on_force()

    @contextlib.contextmanager
    def installed(self) -> Iterator[_Stopper]:
        sigs = (signal.SIGINT, signal.SIGTERM)
        added = []
        for sig in sigs:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self.loop.add_signal_handler(sig, self._handle, sig)
                added.append(sig)
        try:
            yield self
        finally:
            for sig in added:
                self.loop.remove_signal_handler(sig)


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handling: we stop it, in order, with the rest."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _make_api_server(settings: Settings, app: Any) -> _ApiServer:
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default;
    # the app does it, for PATHWAY_TRUSTED_PROXIES only (pathway.api.app).
    config = uvicorn.Config(app, host=settings.host, port=settings.api_port, log_config=None, proxy_headers=False)
    return _ApiServer(config)


async def _serve_api(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit as exc:  # uvicorn exits the process on a startup failure
        raise StackError(
            f"the API could not start on {hostport(server.config.host, server.config.port)} "
            "(port in use? set PATHWAY_API_PORT); see the log above"
        ) from exc


async def _wait_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    while not server.started:
        if task.done():
            task.result()  # raises its error
            raise StackError("the API stopped while starting")
        await asyncio.sleep(0.05)


async def _wait_any(stop: asyncio.Event, *tasks: asyncio.Task[Any]) -> None:
    """Until a stop is requested or one of ``tasks`` ends (which is an error: they run
    until told to stop)."""
    stop_wait = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait([stop_wait, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_wait.cancel()
    for task in tasks:
        if task.done():
            exc = task.exception()
            if exc is not None:
                raise StackError(f"{task.get_name()} failed: {exc}") from exc
            raise StackError(f"{task.get_name()} stopped on its own")


async def _connect(settings: Settings) -> Client:
    try:
        return await connect_client(settings)
    except RuntimeError as exc:
        hint = (
            "start the embedded stack with `pathway up`, or set PATHWAY_TEMPORAL_ADDRESS"
            if settings.embedded_temporal
            else "check PATHWAY_TEMPORAL_ADDRESS, _NAMESPACE and the TLS / API key settings"
        )
        raise StackError(f"cannot connect to Temporal at {settings.resolved_temporal_address}: {exc}; {hint}") from exc


def _print_urls(settings: Settings, server: DevServer | None) -> None:
    from rich.console import Console
    from rich.table import Table

    base = f"http://{hostport(settings.host, settings.api_port)}"
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("Web UI", f"{base}/")
    table.add_row("API", f"{base}/api/v1")
    table.add_row("API docs (OpenAPI)", f"{base}/docs")
    if server is not None:
        table.add_row("Temporal UI", server.ui_url)
        table.add_row("Temporal gRPC", server.address)
    else:
        table.add_row("Temporal", f"{settings.resolved_temporal_address} ({settings.temporal_namespace})")
    table.add_row("Home", str(settings.home))
    console = Console()
    console.print()
    console.print("[bold green]pathway is up[/] — Ctrl-C stops everything", highlight=False)
    console.print(table)
    console.print()


def record_api_url(settings: Settings) -> None:
    """Tell later CLI calls on this home where the API listens (``Settings.resolved_api_url``),
    so that ``pathway up --port N`` needs no PATHWAY_API_URL afterwards."""
    reachable = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)
    (settings.home / API_URL_FILE).write_text(f"http://{hostport(reachable, settings.api_port)}\n", encoding="utf-8")


def _print_first_admin(admin: FirstAdmin | None) -> None:
    if admin is None:
        return
    from rich.console import Console

    console = Console()
    if admin.password is None:
        console.print(f"First admin: [bold]{admin.user_id}[/bold] (password from PATHWAY_ADMIN_PASSWORD)")
    else:
        # Printed once, never logged: only the person starting the stack sees it.
        console.print(
            f"First admin: [bold]{admin.user_id}[/bold], password [bold]{admin.password}[/bold] — shown once, "
            "note it now"
        )


async def _seed_demo(settings: Settings, client: Client, engine: Any) -> None:
    if importlib.util.find_spec("pathway.runtime.demo") is None:
        log.warning("demo_skipped", reason="pathway.runtime.demo is not there yet")
        return
    from pathway.runtime.demo import seed_demo  # type: ignore[import-not-found,unused-ignore]

    try:
        result = seed_demo(settings, client, engine)
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("demo_seed_failed")
    else:
        log.info("demo_seeded")


# --------------------------------------------------------------------------------------
# The commands
# --------------------------------------------------------------------------------------


async def run_stack(settings: Settings, *, demo: bool = False) -> None:
    """``pathway up``: dev server (unless ``PATHWAY_TEMPORAL_ADDRESS`` is set), worker and
    API in this loop; prints the URLs; returns after Ctrl-C / SIGTERM has stopped the API,
    the worker and the dev server, in that order."""
    from pathway.app.audit_days import fill_audit_days
    from pathway.app.catalog import Catalog
    from pathway.runtime.asgi import codec_endpoint, create_app
    from pathway.runtime.schedules import ensure_schedules
    from pathway.runtime.worker import build_worker
    from pathway.store.db import create_schema, make_engine

    configure_logging(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    if not port_is_free(settings.host, settings.api_port):
        raise StackError(
            f"the API port {settings.api_port} on {settings.host} is in use "
            "(is another `pathway up` running?); stop it, or choose another port with "
            "`pathway up --port N` or PATHWAY_API_PORT"
        )

    stopper = _Stopper()
    with stopper.installed():
        try:
            async with AsyncExitStack() as stack:
                server: DevServer | None = None
                if settings.embedded_temporal:
                    # The Temporal UI asks our API to decrypt payloads for signed-in staff.
                    ui_codec = None if settings.codec_disabled else codec_endpoint(settings)
                    server = await stack.enter_async_context(DevServer(settings, ui_codec_endpoint=ui_codec))
                    client = server.client
                else:
                    client = await _connect(settings)

                engine = make_engine(settings.resolved_database_url)
                stack.callback(engine.dispose)
                create_schema(engine)
                # Cases projected before the audit's stored answers existed get theirs.
                fill_audit_days(
                    engine, Catalog.load(settings.resolved_definitions_dir).definitions(), only_missing=True
                )
                first_admin = ensure_first_admin(settings, engine)

                worker = build_worker(client, settings, engine)
                await ensure_schedules(client, task_queue=settings.task_queue, tz=settings.tz)
                api = _make_api_server(settings, create_app(settings, client=client, engine=engine))
                stopper.on_force = lambda: setattr(api, "force_exit", True)

                freeze_startup_heap()
                watch_pauses()
                worker_task = asyncio.create_task(worker.run(), name="the worker")
                api_task = asyncio.create_task(_serve_api(api), name="the API")
                try:
                    await _wait_started(api, api_task)
                    stopper.serving = True
                    record_api_url(settings)
                    _print_urls(settings, server)
                    _print_first_admin(first_admin)
                    if demo:
                        await _seed_demo(settings, client, engine)
                    await _wait_any(stopper.stop, worker_task, api_task)
                finally:
                    stopper.serving = True
                    stopper.stop.set()  # a signal from here on forces the API to close
                    await _shutdown(api, api_task, worker, worker_task)
                # Leaving the stack stops the dev server, last.
        except asyncio.CancelledError:
            if not stopper.interrupted:
                raise
            log.info("stopped_before_start_completed")


async def _shutdown(
    api: uvicorn.Server | None,
    api_task: asyncio.Task[None] | None,
    worker: Worker | None,
    worker_task: asyncio.Task[None] | None,
) -> None:
    """Stop the API, then the worker (graceful: in-flight activities may finish)."""
    if api is not None and api_task is not None:
        api.should_exit = True
        with contextlib.suppress(BaseException):
            await api_task
    if worker is not None and worker_task is not None:
        if not worker_task.done():
            with contextlib.suppress(Exception):
                await worker.shutdown()
        with contextlib.suppress(BaseException):
            await worker_task
        log.info("worker_stopped")


@contextlib.asynccontextmanager
async def _single_process(settings: Settings) -> AsyncIterator[tuple[_Stopper, Client, Any]]:
    """What `pathway worker` and `pathway serve` share: logging, the signal handling, a
    Temporal client and the database engine (disposed on the way out). A Ctrl-C that lands
    before start-up finished ends the process quietly."""
    from pathway.store.db import make_engine

    configure_logging(settings)
    stopper = _Stopper()
    with stopper.installed():
        try:
            client = await _connect(settings)
            engine = make_engine(settings.resolved_database_url)
            try:
                _check_schema(engine, settings)
                yield stopper, client, engine
            finally:
                engine.dispose()
        except asyncio.CancelledError:
            if not stopper.interrupted:
                raise


def _check_schema(engine: Any, settings: Settings) -> None:
    """``pathway worker`` and ``pathway serve`` never migrate (two processes starting at once
    must not race on DDL): they refuse a store that ``pathway db upgrade`` has not brought
    to this code's schema."""
    from pathway.store import schema as migrations

    try:
        status = migrations.status(engine)
    except Exception as exc:
        raise StackError(
            f"cannot read the SQL store's schema version: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}; check PATHWAY_DATABASE_URL"
        ) from exc
    if status in ("empty", "behind"):
        raise StackError(
            f"the SQL store's schema is {status} (this code needs {migrations.head()}): run `pathway db upgrade` first"
        )
    if status == "ahead":
        log.warning("schema_ahead_of_code", database_revision=migrations.current(engine), code_head=migrations.head())


async def run_worker(settings: Settings) -> None:
    """``pathway worker``: a worker against the settings' Temporal (a cluster, or the
    embedded dev server of a running ``pathway up``) until Ctrl-C / SIGTERM."""
    from pathway.runtime.schedules import ensure_schedules
    from pathway.runtime.worker import build_worker

    async with _single_process(settings) as (stopper, client, engine):
        worker = build_worker(client, settings, engine)
        await ensure_schedules(client, task_queue=settings.task_queue, tz=settings.tz)
        freeze_startup_heap()
        watch_pauses()
        worker_task = asyncio.create_task(worker.run(), name="the worker")
        stopper.serving = True
        log.info("worker_running", endpoint=settings.resolved_temporal_address, task_queue=settings.task_queue)
        try:
            await _wait_any(stopper.stop, worker_task)
        finally:
            await _shutdown(None, None, worker, worker_task)


async def run_api(settings: Settings) -> None:
    """``pathway serve``: the HTTP API only, until Ctrl-C / SIGTERM."""
    from pathway.runtime.asgi import create_app

    async with _single_process(settings) as (stopper, client, engine):
        api = _make_api_server(settings, create_app(settings, client=client, engine=engine))
        stopper.on_force = lambda: setattr(api, "force_exit", True)
        api_task = asyncio.create_task(_serve_api(api), name="the API")
        try:
            await _wait_started(api, api_task)
            stopper.serving = True
            await _wait_any(stopper.stop, api_task)
        finally:
            stopper.serving = True
            stopper.stop.set()
            await _shutdown(api, api_task, None, None)
