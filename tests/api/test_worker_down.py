"""No worker polls the task queue: a person is told so within a bounded wait, and nothing is
lost (issue 13, item 3).

A second app on the stack's store and dev server, with a task queue of its own that no worker
polls and PATHWAY_COMMAND_WAIT_SECONDS=1: an open is answered (201: the start is durable in
Temporal, the case lists as ``opening`` until a worker runs its first task and the projection
lands, and its clocks run from the moment it was opened, not from when a worker came back);
reading it or a command answers 503 ``worker_unavailable`` (a command may still be applied; a
retry with the same Idempotency-Key returns its outcome), /readyz says 503 naming the worker;
once a worker polls, the same key gives the command's outcome and the visit is recorded once."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from apistack import Stack

from pathway.runtime.asgi import create_app
from pathway.runtime.worker import build_worker

pytestmark = pytest.mark.integration
API = "/api/v1"
WAIT_SECONDS = 1.0


@pytest_asyncio.fixture
async def lonely(stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    queue = f"nobody-polls-{uuid.uuid4().hex[:8]}"
    settings = stack.settings.model_copy(update={"task_queue": queue, "command_wait_seconds": WAIT_SECONDS})
    app = create_app(settings, client=stack.client, engine=stack.engine, vault=stack.vault)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test", timeout=30
    ) as http:
        yield http, queue


async def test_without_a_worker_a_command_is_refused_in_time_and_applied_once_when_one_returns(
    stack: Stack, lonely: tuple[httpx.AsyncClient, str]
) -> None:
    http, queue = lonely
    headers = stack.headers(key=uuid.uuid4().hex)
    body = {"definition": "model-wsparcia", "coordinator": stack.login_of(), "client": {"name": "Klientka Bez Procesu"}}
    opened = await http.post(f"{API}/cases", json=body, headers=headers)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert (case["stage"], case["status"]) == ("diagnosis", "active")  # what its first task will make of it
    listed = (await http.get(f"{API}/cases", params={"coordinator": stack.login_of()}, headers=headers)).json()
    assert [i["status"] for i in listed["items"] if i["id"] == case["id"]] == ["opening"]

    started = time.monotonic()
    read = await http.get(f"{API}/cases/{case['id']}", headers=headers)
    assert read.status_code == 503, read.text
    assert read.json()["detail"]["code"] == "worker_unavailable"
    assert time.monotonic() - started < WAIT_SECONDS + 5

    ready = await http.get(f"{API}/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["worker"].startswith("unavailable")

    worker = build_worker(stack.client, stack.settings.model_copy(update={"task_queue": queue}), stack.engine)
    async with worker:
        again = await http.post(f"{API}/cases", json=body, headers=headers)  # the same open, its key again
        assert again.status_code == 200, again.text  # answered by the workflow, now running
        assert again.json()["id"] == case["id"]
        assert again.json()["opened_at"] == case["opened_at"], "its clocks run from the open, not from the worker"
        visit = {"occurred_at": datetime.now(UTC).isoformat(), "duration_minutes": 90, "kind": "home"}
        visit_headers = stack.headers(key=uuid.uuid4().hex)

    # The worker is gone again: the visit waits for none.
    started = time.monotonic()
    waited = await http.post(f"{API}/cases/{case['id']}/visits", json=visit, headers=visit_headers)
    assert waited.status_code == 503, waited.text
    detail = waited.json()["detail"]
    assert detail["code"] == "worker_unavailable" and detail["retry_with_same_key"] is True
    assert waited.headers["retry-after"]
    assert time.monotonic() - started < WAIT_SECONDS + 5

    async with build_worker(stack.client, stack.settings.model_copy(update={"task_queue": queue}), stack.engine):
        # What a client does with a 503: send it again, with the same key, until it is answered
        # (the worker that just started replays the case first: on a busy machine, over 1 s).
        for _ in range(20):
            again = await http.post(f"{API}/cases/{case['id']}/visits", json=visit, headers=visit_headers)
            if again.status_code != 503:
                break
        assert again.status_code == 201, again.text
        assert again.json()["case"]["visits_total"] == 1
        once_more = await http.post(f"{API}/cases/{case['id']}/visits", json=visit, headers=visit_headers)
        assert once_more.json()["case"]["visits_total"] == 1
        assert (await http.get(f"{API}/readyz")).status_code == 200
