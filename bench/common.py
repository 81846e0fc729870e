"""What the benchmarks share: the embedded stack in one process (a Temporal dev server in a
temporary home, the real worker, the real API app driven over ASGI by httpx, signed in, the
payload codec and the audit trail on), a bare no-op workflow to measure against, and
percentiles. Run the scripts from the project root with the project's venv, e.g.
``.venv/bin/python bench/advance_latency.py``."""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/pgstore.py: a fresh PostgreSQL database

import httpx  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.worker import Worker  # noqa: E402
from tenacity import RetryCallState, retry, retry_if_result, stop_after_attempt, wait_fixed  # noqa: E402

from pathway.config import Settings  # noqa: E402
from pathway.runtime.devserver import DevServer, find_temporal_binary, free_port  # noqa: E402

UNIT = "unit-bench"
COORDINATOR = "coord-bench"
PASSWORD = "bench-password-long-enough"
DIAGNOSIS_DONE = {k: True for k in ("situation", "needs", "resources", "limits", "safety")}


from bare_workflow import BareWorkflow, CommandsWorkflow, noop_activity  # noqa: E402


def percentiles(samples_s: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    q = statistics.quantiles(samples_s, n=100, method="inclusive")
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "n": len(samples_s)}


def fmt(p: dict[str, float]) -> str:
    return f"p50 {p['p50']:.1f} ms  p95 {p['p95']:.1f} ms  p99 {p['p99']:.1f} ms  (n={p['n']:.0f})"


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default), from /proc."""
    path = f"/proc/{pid or os.getpid()}/status"
    for line in Path(path).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Bench:
    settings: Settings
    server: DevServer
    client: Client
    engine: Any
    app: Any
    http: httpx.AsyncClient
    task_queue: str
    headers: dict[str, str] = field(default_factory=dict)
    bare_queue: str = ""
    worker_pid: int | None = None  # the worker's own process, when it has one
    worker: WorkerProcess | None = None  # that process, to restart (bench/scale.py)
    opens_retried: int = 0  # opens answered 503 and sent again with their key

    async def restart_worker(self) -> tuple[float, float]:
        """The worker process stopped (SIGTERM) and started again: (seconds to stop, to poll)."""
        assert self.worker is not None, "only a worker in a process of its own restarts"
        took = await self.worker.restart()
        self.worker_pid = self.worker.pid
        return took

    def sign_in_again(self) -> None:
        """A new bearer token: a session unused for 30 minutes (IDLE_EXPIRY) has ended, as it
        does after the 50,000 bare starts of bench/scale.py, which use no API."""
        from pathway.security import accounts

        token, _ = accounts.login(self.engine, user_id=COORDINATOR, password=PASSWORD)
        self.headers = {"Authorization": f"Bearer {token}"}

    async def open_case(self) -> str:
        """Open one case as a client of the API does: with an Idempotency-Key, sent again with
        the same key while the answer is a 503 (the store or the worker busy under load)."""
        body = {
            "definition": "model-wsparcia",
            "coordinator": COORDINATOR,
            "client": {"name": f"Klientka {uuid.uuid4().hex[:6]}"},
        }
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}

        sent_again = 0

        def counted(_: RetryCallState) -> None:
            nonlocal sent_again
            sent_again += 1
            self.opens_retried += 1

        @retry(
            retry=retry_if_result(lambda r: r.status_code == 503),
            wait=wait_fixed(0.5),
            stop=stop_after_attempt(20),
            before_sleep=counted,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        async def post() -> httpx.Response:
            return await self.http.post("/api/v1/cases", headers=headers, json=body)

        r = await post()
        # 200: an earlier attempt opened the case and was answered 503 after it (the audit
        # trail's write locked out): the same key answers with that case, not a second one.
        assert r.status_code == 201 or (r.status_code == 200 and sent_again), r.text
        return str(r.json()["id"])

    async def ready_to_advance(self, case_id: str) -> None:
        r = await self.http.put(
            f"/api/v1/cases/{case_id}/facts/diagnosis", headers=self.headers, json={"value": DIAGNOSIS_DONE}
        )
        assert r.status_code == 200, r.text

    async def advance(self, case_id: str) -> httpx.Response:
        r = await self.http.post(
            f"/api/v1/cases/{case_id}/transitions",
            json={"trigger": "advance"},
            headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 200, r.text
        return r

    async def start_bare(self, n: int = 1, timer_days: int = 0, concurrency: int = 50) -> list[str]:
        ids = [f"bare-{uuid.uuid4().hex}" for _ in range(n)]
        sem = asyncio.Semaphore(concurrency)

        async def one(wid: str) -> None:
            async with sem:
                await self.client.start_workflow(BareWorkflow.run, timer_days, id=wid, task_queue=self.bare_queue)

        await asyncio.gather(*(one(w) for w in ids))
        return ids

    async def start_commands(self) -> str:
        wid = f"commands-{uuid.uuid4().hex}"
        await self.client.start_workflow(CommandsWorkflow.run, id=wid, task_queue=self.bare_queue)
        return wid

    async def commands_update(self, wid: str) -> None:
        await self.client.get_workflow_handle(wid).execute_update(CommandsWorkflow.advance, "x")

    async def bare_update(self, wid: str) -> None:
        await self.client.get_workflow_handle(wid).execute_update(BareWorkflow.noop, "x")


async def timed(n: int, call: Callable[[int], Awaitable[Any]], gap: float = 0.0) -> list[float]:
    """``call(i)`` n times in sequence, ``gap`` seconds apart; the seconds each took."""
    out = []
    for i in range(n):
        if gap:
            await asyncio.sleep(gap)
        t = time.perf_counter()
        await call(i)
        out.append(time.perf_counter() - t)
    return out


@contextmanager
def _store_url(store: str, home: Path):
    if store == "sqlite":
        yield f"sqlite:///{home / 'pathway.db'}", f"sqlite:///{home / 'keystore.db'}"
        return
    from pgstore import fresh_database, unavailable

    reason = unavailable()
    if reason:
        raise SystemExit(f"--store postgresql: {reason}")
    with fresh_database("bench") as data, fresh_database("benchkeys") as keys:
        yield data, keys


@asynccontextmanager
async def embedded(
    store: str = "sqlite",
    *,
    max_cached_workflows: int | None = None,
    worker_process: bool = False,
    bare_process: bool = False,
) -> AsyncIterator[Bench]:
    """The stack of ``pathway up`` in this process, on a new temporary home; with
    ``worker_process`` the engine's worker runs as ``pathway worker`` in a process of its own
    (the production shape: ``pathway worker`` + ``pathway serve``); with ``bare_process`` the
    baseline's worker too (``bare_worker.py``), so that this process holds the API alone."""
    from pathway.runtime.asgi import create_app
    from pathway.runtime.worker import build_worker
    from pathway.security import accounts
    from pathway.store.db import create_schema, make_engine
    from workflows.runner import sandboxed_runner

    async with AsyncExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pathway-bench-")))
        url, keys = stack.enter_context(_store_url(store, home))
        overrides: dict[str, Any] = dict(
            home=home,
            database_url=url,
            keystore_url=keys,
            temporal_address=None,
            temporal_port=free_port(),
            temporal_ui_port=free_port(),
            api_port=free_port(),
            task_queue=f"bench-{uuid.uuid4().hex[:8]}",
            log_level="WARNING",
        )
        if max_cached_workflows is not None:
            overrides["max_cached_workflows"] = max_cached_workflows
        settings = Settings(**overrides)
        from pathway.logging import configure_logging

        configure_logging(settings)
        server = await stack.enter_async_context(DevServer(settings, binary=find_temporal_binary(), startup_timeout=60))
        engine = make_engine(url)
        stack.callback(engine.dispose)
        create_schema(engine)
        client = server.client
        worker_pid, process = None, None
        if worker_process:
            process = await stack.enter_async_context(_process(settings, server))
            worker_pid = process.pid
        else:
            worker = build_worker(client, settings, engine)
            await stack.enter_async_context(worker)
        bare_queue = f"bare-{uuid.uuid4().hex[:8]}"
        # The baseline runs in the sandbox whatever the engine's worker runs in (the SDK's
        # default, what the targets were set against), with the same cache.
        if bare_process:
            command = [
                sys.executable,
                str(ROOT / "bench" / "bare_worker.py"),
                f"--task-queue={bare_queue}",
                f"--cache={settings.max_cached_workflows}",
            ]
            await stack.enter_async_context(_process(settings, server, command, bare_queue, "bare_worker.log"))
        else:
            bare = Worker(
                client,
                task_queue=bare_queue,
                workflows=[BareWorkflow, CommandsWorkflow],
                activities=[noop_activity],
                # Its module passed through as well, as the worker's sandbox passes ``workflows``.
                workflow_runner=sandboxed_runner("bare_workflow"),
                max_cached_workflows=settings.max_cached_workflows,
            )
            await stack.enter_async_context(bare)
        app = create_app(settings, client=client, engine=engine)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=60)
        )
        accounts.create_user(
            engine,
            user_id=COORDINATOR,
            display_name=COORDINATOR,
            unit_id=UNIT,
            roles=["coordinator"],
            password=PASSWORD,
        )
        token, _ = accounts.login(engine, user_id=COORDINATOR, password=PASSWORD)
        yield Bench(
            settings=settings,
            server=server,
            client=client,
            engine=engine,
            app=app,
            http=http,
            task_queue=settings.task_queue,
            headers={"Authorization": f"Bearer {token}"},
            bare_queue=bare_queue,
            worker_pid=worker_pid,
            worker=process,
        )


class WorkerProcess:
    """``pathway worker`` in a process of its own, which a benchmark may restart; or, given a
    ``command`` and its ``task_queue``, another worker (``bare_worker.py``)."""

    def __init__(
        self,
        settings: Settings,
        server: DevServer,
        command: list[str] | None = None,
        task_queue: str | None = None,
        log_name: str = "worker.log",
    ) -> None:
        self.settings, self.server = settings, server
        self.command = command or [sys.executable, "-m", "pathway.cli", "worker"]
        self.task_queue = task_queue or settings.task_queue
        self.log_path = settings.home / log_name
        self.proc: Any = None
        self.log: Any = None

    @property
    def pid(self) -> int:
        return int(self.proc.pid)

    async def start(self) -> int:
        import subprocess

        settings, server = self.settings, self.server
        env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAY_")}
        env.update(
            PATHWAY_HOME=str(settings.home),
            PATHWAY_DATABASE_URL=settings.resolved_database_url,
            PATHWAY_KEYSTORE_URL=settings.resolved_keystore_url,
            PATHWAY_TEMPORAL_ADDRESS=server.address,
            PATHWAY_TASK_QUEUE=settings.task_queue,
            PATHWAY_CODEC_KEY_FILE=str(settings.resolved_codec_key_file),
            PATHWAY_MAX_CACHED_WORKFLOWS=str(settings.max_cached_workflows),
            PATHWAY_WORKFLOW_SANDBOX=str(settings.workflow_sandbox).lower(),
            PATHWAY_LOG_LEVEL="WARNING",
        )
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        await self._polling()
        return self.pid

    async def _polling(self) -> None:
        """Ready when it polls: wait until the task queue has a poller of this process."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

        for _ in range(600):
            if self.proc.poll() is not None:
                raise SystemExit(f"the worker exited: {self.log_path.read_text()[-2000:]}")
            d = await self.server.client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=self.server.client.namespace,
                    task_queue=TaskQueue(name=self.task_queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
            if any(p.identity.startswith(f"{self.pid}@") for p in d.pollers):
                return
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM (the worker shuts down as in production), SIGKILL after 30 s."""
        import signal
        import subprocess

        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    async def restart(self) -> tuple[float, float]:
        """Stop, start again; the seconds each took (the new process's pid is ``pid``)."""
        t = time.perf_counter()
        self.stop()
        stopped = time.perf_counter()
        await self.start()
        return stopped - t, time.perf_counter() - stopped


@asynccontextmanager
async def _process(
    settings: Settings,
    server: DevServer,
    command: list[str] | None = None,
    task_queue: str | None = None,
    log_name: str = "worker.log",
) -> AsyncIterator[WorkerProcess]:
    worker = WorkerProcess(settings, server, command, task_queue, log_name)
    await worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def machine() -> str:
    """The machine, and the runner the engine's worker runs workflows in (every script prints
    it with its figures: ``PATHWAY_WORKFLOW_SANDBOX=false`` measures the worker without it)."""
    import platform

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    runner = "sandboxed" if Settings().workflow_sandbox else "unsandboxed"
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}, {platform.system()}; "
        f"workflows {runner}"
    )
