"""Canary: nothing about a client is readable in Temporal or in the logs.

Cases are opened for synthetic clients with distinctive names, addresses, phones and notes,
through the API of a real stack (dev server, worker, API in process), and driven through
every stage that can be reached without waiting months, with reminders and escalations
firing and one activity failing for good. Then the raw history (`temporal workflow show`,
every payload's base64 `data` decoded), the dev server's SQLite file and the captured logs
are searched.

The same test runs with the payload codec turned off. Client identity must be absent in
both runs (it never enters Temporal at all); a distinctive but harmless fact code and the
plaintext payloads must be FOUND when the codec is off and absent when it is on, which
proves that the search can find what it looks for.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import make_settings, venv_binary
from sqlmodel import Session

from pathway.logging import configure_logging
from pathway.runtime.asgi import create_app
from pathway.runtime.devserver import DevServer
from pathway.runtime.worker import build_worker
from pathway.security import accounts
from pathway.store import queries
from pathway.store.db import create_schema, make_engine
from pathway.store.models import PartnerCreate
from workflows.patches import (
    APPOINTMENTS,
    KEEP_ALARM,
    PLAN_CLOCKS,
    PROJECTION_IN_TASK,
    SEARCH_ATTRIBUTES_WITH_PROJECTION,
)

pytestmark = pytest.mark.integration

CLIENTS = [
    {"name": "Zdzisława Kanarkowska", "address": "ul. Kanarkowa 77, Wrocław", "phone": "+48 600 771 177"},
    {"name": "Bogumiła Szczygielska", "address": "ul. Szczygla 13, Sopot", "phone": "+48 601 131 313"},
]
NOTES = ["Sprawca mieszka przy ul. Wróblej 5", "Klientka boi się powrotu męża"]
PERSONAL = [v for c in CLIENTS for v in c.values()] + NOTES
FACT_CANARY = "ZI-KANAREK-7731"  # a harmless code that does travel in payloads
PASSWORD = "canary-password-123"
CHECKLIST = {k: True for k in ("situation", "needs", "resources", "limits", "safety")}


SEARCH_ATTRIBUTES = ("searchAttributes", "indexedFields")
PATCHES = {
    SEARCH_ATTRIBUTES_WITH_PROJECTION,
    KEEP_ALARM,
    PLAN_CLOCKS,
    APPOINTMENTS,
    PROJECTION_IN_TASK,
}  # every workflow.patched id PathwayWorkflow uses


# What the SDK writes in clear in a local activity's marker (``data``; its ``result`` is ours,
# encrypted): the call's bookkeeping, never its input.
LOCAL_ACTIVITY_MARKER = {
    "seq",
    "attempt",
    "activity_id",
    "activity_type",
    "complete_time",
    "backoff",
    "original_schedule_time",
    "activation_index",
}


def _walk(
    node: Any, under_search_attributes: bool = False, sdk_marker: str | None = None
) -> Iterator[tuple[dict[str, Any], bool, str | None]]:
    """Every payload (a dict with base64 ``data``) in a `temporal workflow show -o json`
    dump, whether it is a search attribute (those are never encrypted: they hold ids,
    stage names and dates only, which the identity checks below confirm) and whether the SDK
    wrote it for a marker, not our codec: a ``workflow.patched`` call's ("patch") or a local
    activity's bookkeeping ("local_activity")."""
    if isinstance(node, dict):
        if "data" in node and isinstance(node.get("metadata"), dict):
            yield node, under_search_attributes, sdk_marker
        local = node.get("markerName") == "core_local_activity"
        for key, value in node.items():
            marker = sdk_marker
            if key == "patch-data":
                marker = "patch"
            elif local and key == "details":
                # The SDK's bookkeeping in clear; the activity's result is ours (encrypted).
                yield from _walk(value.get("data"), under_search_attributes, "local_activity")
                yield from _walk(value.get("result"), under_search_attributes, sdk_marker)
                continue
            yield from _walk(value, under_search_attributes or key in SEARCH_ATTRIBUTES, marker)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, under_search_attributes, sdk_marker)


def _history(server: DevServer, workflow_id: str) -> tuple[str, list[tuple[str, bytes, bool]]]:
    result = subprocess.run(
        [
            str(venv_binary("temporal")),
            "workflow",
            "show",
            "--workflow-id",
            workflow_id,
            "--address",
            server.address,
            "-o",
            "json",
            "--disable-config-file",
            "--disable-config-env",
        ],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    raw = result.stdout.decode()
    payloads = []
    for payload, searchable, sdk_marker in _walk(json.loads(raw)):
        encoding = base64.b64decode(payload["metadata"].get("encoding", "")).decode(errors="replace")
        data = base64.b64decode(payload.get("data") or "")
        if sdk_marker == "patch":
            # In clear by design: the id of one of our patches and nothing else.
            marker = json.loads(data)
            assert marker.keys() <= {"id", "deprecated"} and marker["id"] in PATCHES, (
                f"an unexpected patch marker: {data!r}"
            )
            continue
        if sdk_marker == "local_activity":
            marker = json.loads(data)
            assert marker.keys() <= LOCAL_ACTIVITY_MARKER and marker["activity_type"] == "project_events", (
                f"an unexpected local activity marker: {data!r}"
            )
            continue
        payloads.append((encoding, data, searchable))
    return raw, payloads


async def _drive(http: httpx.AsyncClient, partners: dict[str, str]) -> list[str]:
    async def call(method: str, path: str, body: Any = None, expect: int = 200) -> dict[str, Any]:
        r = await http.request(method, f"/api/v1{path}", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert r.status_code == expect, r.text
        return r.json()

    ids = []
    # One case walks every stage it can without waiting months, and is closed.
    c = await call(
        "POST",
        "/cases",
        {"definition": "model-wsparcia", "coordinator": "canary.coord", "client": CLIENTS[0], "note": NOTES[0]},
        201,
    )
    cid = c["id"]
    ids.append(cid)
    now = datetime.now(UTC)
    await call(
        "POST", f"/cases/{cid}/visits", {"occurred_at": now.isoformat(), "duration_minutes": 90, "note": NOTES[1]}, 201
    )
    await call("PUT", f"/cases/{cid}/facts/diagnosis", {"value": CHECKLIST})
    await call("POST", f"/cases/{cid}/transitions", {"trigger": "advance", "note": NOTES[0]})
    await call(
        "PUT",
        f"/cases/{cid}/facts/help_plan",
        {"value": {"agreed_on": now.date().isoformat(), "zi_reference": FACT_CANARY}},
    )
    # The client agrees that the therapist is told, so the notification is attempted (and fails).
    await call("POST", f"/cases/{cid}/consents", {"partner_id": partners["broken"]}, 201)
    await call(
        "PUT", f"/cases/{cid}/facts/therapist", {"value": {"partner_id": partners["broken"]}}
    )  # its notification fails
    plan = {
        "agreed_on": now.date().isoformat(),
        "goals": [{"title": "Cel", "actions": [{"title": "Działanie", "owner": {"kind": "coordinator"}}]}],
    }
    await call("PUT", f"/cases/{cid}/plan", plan)  # Model Wsparcia 7: the structured plan (plan_complete)
    await call("POST", f"/cases/{cid}/transitions", {"trigger": "advance"})  # therapy
    await call("PUT", f"/cases/{cid}/facts/ready_for_training", {"value": True})
    await call("POST", f"/cases/{cid}/transitions", {"trigger": "advance"})  # training
    await call("PUT", f"/cases/{cid}/facts/training_completed", {"value": True})
    await call("PUT", f"/cases/{cid}/facts/placement", {"value": {"partner_id": partners["employer"]}})
    await call("POST", f"/cases/{cid}/transitions", {"trigger": "advance"})  # internship
    await call(
        "PUT",
        f"/cases/{cid}/facts/employment",
        {"value": {"employer": partners["employer"], "started_on": now.date().isoformat()}},
    )
    moved = await call("POST", f"/cases/{cid}/transitions", {"trigger": "employ"})
    assert moved["stage"] == "follow_up"
    await call("POST", f"/cases/{cid}/pause", {"reason": "hospital", "note": NOTES[1]})
    await call("POST", f"/cases/{cid}/resume")
    await call("POST", f"/cases/{cid}/close", {"outcome": "transferred", "note": NOTES[0], "exit_status": "inactive"})
    # Another, opened 40 days ago: its reminders and escalations fire at once.
    old = await call(
        "POST",
        "/cases",
        {
            "definition": "model-wsparcia",
            "coordinator": "canary.coord",
            "client": CLIENTS[1],
            "opened_at": (now - timedelta(days=40)).isoformat(),
        },
        201,
    )
    ids.append(old["id"])
    return ids


@pytest.mark.parametrize("codec", [True, False], ids=["codec-on", "codec-off"])
async def test_nothing_personal_is_readable_in_temporal_or_the_logs(tmp_path: Path, codec: bool) -> None:
    home = tmp_path / "home"
    settings = make_settings(home, codec_disabled=not codec, task_queue=f"canary-{uuid.uuid4().hex}")
    logs = io.StringIO()
    configure_logging(settings, stream=logs)
    engine = make_engine(f"sqlite:///{home / 'store.db'}")
    create_schema(engine)
    accounts.create_user(
        engine,
        user_id="canary.coord",
        display_name="C",
        unit_id="unit-canary",
        roles=["coordinator"],
        password=PASSWORD,
    )
    partners = {}
    with Session(engine) as session:
        for key, kind, channel in (("broken", "therapy", "smtp"), ("employer", "employer", "outbox")):
            partners[key] = queries.create_partner(
                session,
                partner=PartnerCreate(
                    unit_id="unit-canary",
                    name=f"Partner {key}",
                    kind=kind,
                    sector="private",
                    channel=channel,
                    internship_capacity=5 if kind == "employer" else 0,
                ),
            ).id
    async with DevServer(settings) as server:
        client = server.client
        app = create_app(settings, client=client, engine=engine)
        async with build_worker(client, settings, engine):
            token, _ = accounts.login(engine, user_id="canary.coord", password=PASSWORD)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://canary", timeout=60, headers={"Authorization": f"Bearer {token}"}
            ) as http:
                ids = await _drive(http, partners)
                for cid in ids:  # let every effect (reminders, escalations, the failing notification) run
                    await _settle(client, f"case-{cid}")
            histories = [_history(server, f"case-{cid}") for cid in ids]
    engine.dispose()

    temporal_bytes = b"".join(p.read_bytes() for p in home.glob("temporal.db*"))
    log_text = logs.getvalue() + (home / "temporal.log").read_text(errors="replace")
    all_payloads = [p for _, payloads in histories for p in payloads]
    assert all_payloads, "the histories have payloads to inspect"
    failed = [raw for raw, _ in histories if "ActivityTaskFailed" in raw or "ACTIVITY_TASK_FAILED" in raw]
    assert failed, "a notification failed for good, so a failure is in the history"

    for secret in PERSONAL:
        needle = secret.encode()
        assert all(needle not in data for _, data, _ in all_payloads), f"{secret!r} in a payload"
        assert all(secret not in raw for raw, _ in histories), f"{secret!r} in the history"
        assert needle not in temporal_bytes, f"{secret!r} in the dev server's SQLite file"
        assert secret not in log_text, f"{secret!r} in the logs"

    canary = FACT_CANARY.encode()
    assert any(searchable for _, _, searchable in all_payloads), "the search attributes were inspected too"
    plaintext = [enc for enc, _, searchable in all_payloads if enc != "binary/encrypted" and not searchable]
    if codec:
        assert plaintext == [], f"plaintext payloads: {sorted(set(plaintext))}"
        assert all(canary not in data for _, data, _ in all_payloads)
        assert canary not in temporal_bytes
    else:  # the proof that the searches above can find what they look for
        assert plaintext, "with the codec off, the payloads are plaintext"
        assert any(canary in data for _, data, _ in all_payloads)
        assert canary in temporal_bytes


async def _settle(client: Any, workflow_id: str, timeout: float = 20.0) -> None:
    """Wait until the case's workflow has no pending activity left."""
    import asyncio

    handle = client.get_workflow_handle(workflow_id)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        description = await handle.describe()
        if (
            not description.raw_description.pending_activities
            and description.raw_description.workflow_execution_info.history_length > 5
        ):
            return
        assert asyncio.get_running_loop().time() < deadline, f"{workflow_id} still has pending activities"
        await asyncio.sleep(0.2)
