"""`pathway up`, the real thing, as a person runs it: a subprocess on a home directory and
free ports, talked to over HTTP, the `temporal` CLI and the `pathway` CLI, stopped with
Ctrl-C (SIGINT) and started again on the same home.

- A case opened, checked, advanced and visited is still there after a restart — same stage,
  history and due dates (its timers survived) — and can be moved on.
- A refused move leaves no trace in the workflow's history on the real server.
- `pathway up --demo` twice adds nothing the second time, and its overdue case shows up in
  the stalled-pathway audit (API and CLI) and first in `pathway case list`, in 80 columns.
- The README's quick tour, through the real CLI, on a stack started with `pathway up --port N`
  alone: the CLI finds the port through the home.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from helpers import venv_binary

from pathway.runtime.devserver import free_port

pytestmark = pytest.mark.integration

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
CHECKLIST = {"situation": True, "needs": True, "resources": True, "limits": True, "safety": True}


# ------------------------------------------------------------------------------ the process
def _temporal_server_pids(home: Path) -> list[int]:
    """Processes running a Temporal dev server on ``home``'s SQLite file."""
    needle = str(home / "temporal.db").encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline and b"start-dev" in cmdline:
            found.append(int(entry.name))
    return found


@dataclass
class Stack:
    """One home and one set of ports; ``start()`` / ``stop()`` any number of times."""

    home: Path
    api_port: int = field(default_factory=free_port)
    temporal_port: int = field(default_factory=free_port)
    ui_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # True: the API port is only given as `pathway up --port N` (no PATHWAY_API_PORT, no
    # PATHWAY_API_URL), and the CLI must find it through the home.
    port_by_flag: bool = False
    runs: int = 0
    timings: dict[str, list[float]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/api/v1"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def log_path(self) -> Path:
        return self.home.parent / f"pathway-up-{self.runs}.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAY_")}
        env.update(
            PATHWAY_HOME=str(self.home),
            PATHWAY_API_PORT=str(self.api_port),
            PATHWAY_TEMPORAL_PORT=str(self.temporal_port),
            PATHWAY_TEMPORAL_UI_PORT=str(self.ui_port),
            PATHWAY_API_URL=f"http://127.0.0.1:{self.api_port}",
            PATHWAY_ADMIN_PASSWORD=ADMIN_PASSWORD,
            PYTHONUNBUFFERED="1",
        )
        if self.port_by_flag:
            del env["PATHWAY_API_PORT"], env["PATHWAY_API_URL"]
        return env

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return "(no output)"

    def start(self, *args: str) -> float:
        """Start ``pathway up *args`` and wait until /readyz answers 200; the seconds it took."""
        assert self.process is None or self.process.poll() is not None, "already running"
        self.runs += 1
        if self.port_by_flag:
            args = ("--port", str(self.api_port), *args)
        started = time.monotonic()
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pathway.cli", "up", *args],
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C at the test's terminal is not its Ctrl-C
            )
        deadline = started + READY_TIMEOUT
        with httpx.Client(timeout=2) as http:
            while True:
                if self.process.poll() is not None:
                    pytest.fail(f"`pathway up` exited with {self.process.returncode} while starting:\n{self.output()}")
                if time.monotonic() > deadline:
                    self.kill()
                    pytest.fail(f"`pathway up` not ready within {READY_TIMEOUT:.0f} s:\n{self.output()}")
                try:
                    if http.get(f"{self.base}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        took = time.monotonic() - started
        self.timings.setdefault("start", []).append(took)
        return took

    def stop(self) -> float:
        """Ctrl-C: SIGINT, then it must exit by itself, leaving no Temporal server behind."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"`pathway up` did not exit within {STOP_TIMEOUT:.0f} s of SIGINT:\n{self.output()}")
        took = time.monotonic() - started
        self.timings.setdefault("stop", []).append(took)
        assert code == 0, f"`pathway up` exited with {code} after SIGINT:\n{self.output()}"
        left = _temporal_server_pids(self.home)
        assert not left, f"a Temporal dev server is still running after Ctrl-C: pids {left}"
        return took

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # the dev server follows (parent-death signal)
            self.process.wait(timeout=10)
        for pid in _temporal_server_pids(self.home):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait_for_output(self, *needles: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.output()
            for needle in needles:
                if needle in text:
                    return needle
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"none of {needles} in the output of `pathway up`:\n{self.output()}")

    # -- clients ---------------------------------------------------------------------------
    def token(self, user: str, password: str) -> str:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            return _ok(http.post("/auth/token", json={"username": user, "password": password}))["access_token"]

    def http(self, user: str = "ewa.koordynatorka", password: str = "ewa-password-123") -> httpx.Client:
        """The API, signed in as ``user``."""
        return httpx.Client(
            base_url=self.base, timeout=30, headers={"Authorization": f"Bearer {self.token(user, password)}"}
        )

    def temporal(self, *args: str) -> Any:
        result = subprocess.run(
            [
                str(venv_binary("temporal")),
                *args,
                "--address",
                self.temporal_address,
                "-o",
                "json",
                "--disable-config-file",
                "--disable-config-env",
            ],
            capture_output=True,
            timeout=30,
            env=self.env(),
        )
        assert result.returncode == 0, result.stderr.decode()
        return json.loads(result.stdout)

    def pathway_cli(self, *args: str, token: str | None = None) -> str:
        return self.cli(*args, token=token).stdout

    def cli(
        self, *args: str, token: str | None = None, input: str | None = None, expect: int = 0
    ) -> subprocess.CompletedProcess[str]:
        """`pathway *args` as a person runs it, in an 80-column terminal; it must exit with ``expect``."""
        # English words (PATHWAY_LANG=en): the assertions below read the msgids.
        env = {**self.env(), "COLUMNS": "80", "PATHWAY_LANG": "en", **({"PATHWAY_TOKEN": token} if token else {})}
        result = subprocess.run(
            [sys.executable, "-m", "pathway.cli", *args],
            capture_output=True,
            timeout=30,
            env=env,
            input=input,
            text=True,
        )
        assert result.returncode == expect, (
            f"pathway {' '.join(args)}: {result.returncode}\n{result.stdout}{result.stderr}"
        )
        return result


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(home=tmp_path / "home")
    try:
        yield s
    finally:
        s.kill()
        timings = {k: [round(v, 2) for v in vs] for k, vs in s.timings.items()}
        print(f"\n`pathway up` timings (s): {timings}")


# ------------------------------------------------------------------------------ helpers
def _payload(value: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(value["data"]))


def describe(stack: Stack, case_id: str) -> dict[str, Any]:
    info = stack.temporal("workflow", "describe", "--workflow-id", f"case-{case_id}")["workflowExecutionInfo"]
    fields = info.get("searchAttributes", {}).get("indexedFields", {})
    return {
        "status": info["status"],
        "history_length": int(info["historyLength"]),
        "search_attributes": {k: _payload(v) for k, v in fields.items()},
    }


def settled_history_length(stack: Stack, case_id: str, timeout: float = 10.0) -> int:
    """The history length once the workflow is idle (no activity pending, no task to run):
    a successful command's projection runs after the update has answered."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        raw = stack.temporal("workflow", "describe", "--workflow-id", f"case-{case_id}")
        length = int(raw["workflowExecutionInfo"]["historyLength"])
        idle = not raw.get("pendingActivities") and not raw.get("pendingWorkflowTask")
        if idle and length == last:
            return length
        last = length
        time.sleep(0.2)
    raise AssertionError(f"the history of case-{case_id} did not settle (last length {last})")


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    return response.json()


ADMIN_PASSWORD = "admin-password-for-tests"


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


# ------------------------------------------------------------------------------ tests
def test_a_case_survives_ctrl_c_and_restart(stack: Stack) -> None:
    stack.start()

    with stack.http("admin", ADMIN_PASSWORD) as admin:  # the first admin, from PATHWAY_ADMIN_PASSWORD
        therapist = _ok(
            admin.post("/partners", json={"name": "Ośrodek Terapii „Test”", "kind": "therapy", "sector": "non_public"}),
            201,
        )
        _ok(
            admin.post(
                "/users",
                json={
                    "id": "ewa.koordynatorka",
                    "display_name": "Ewa",
                    "roles": ["coordinator"],
                    "password": "ewa-password-123",
                },
            ),
            201,
        )
    with stack.http() as api:
        opened = _ok(
            api.post(
                "/cases",
                headers=_key(),
                json={
                    "definition": "model-wsparcia",
                    "coordinator": "ewa.koordynatorka",
                    "client": {"name": "Klientka Testowa"},
                },
            ),
            201,
        )
        case_id = opened["id"]
        assert opened["stage"] == "diagnosis"

        _ok(api.put(f"/cases/{case_id}/facts/diagnosis", headers=_key(), json={"value": CHECKLIST}))
        moved = _ok(
            api.post(
                f"/cases/{case_id}/transitions",
                headers=_key(),
                json={"trigger": "advance", "expected_stage": "diagnosis"},
            )
        )
        assert moved["stage"] == "plan"
        visit = _ok(
            api.post(
                f"/cases/{case_id}/visits",
                headers=_key(),
                json={
                    "occurred_at": datetime.now(UTC).isoformat(),
                    "duration_minutes": 90,
                    "kind": "home",
                },
            ),
            201,
        )
        assert visit["counted"] is True

        before = _ok(api.get(f"/cases/{case_id}"))
        assert before["stage"] == "plan" and before["status"] == "active"
        assert before["visits_total"] == 1
        assert [h["stage"] for h in before["history"]] == ["diagnosis", "plan"]
        assert before["stage_due_at"] and before["next_visit_due_at"]

        # The workflow, as Temporal sees it.
        described = describe(stack, case_id)
        assert described["status"] == "WORKFLOW_EXECUTION_STATUS_RUNNING"
        assert described["search_attributes"]["PathwayStage"] == "plan"
        assert described["search_attributes"]["CoordinatorId"] == "ewa.koordynatorka"
        for attribute, key in (("StageDueAt", "stage_due_at"), ("NextVisitDueAt", "next_visit_due_at")):
            assert datetime.fromisoformat(described["search_attributes"][attribute]) == datetime.fromisoformat(
                before[key]
            )

        # A refused move (a guard unmet: no help plan, no therapist) leaves no trace in history.
        length = settled_history_length(stack, case_id)
        refused = api.post(f"/cases/{case_id}/transitions", headers=_key(), json={"trigger": "advance"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"]["code"] == "guard_unmet"
        time.sleep(0.3)
        assert settled_history_length(stack, case_id) == length
        # So does an illegal one (409: no such move from this stage).
        illegal = api.post(f"/cases/{case_id}/transitions", headers=_key(), json={"trigger": "employ"})
        assert illegal.status_code == 409, illegal.text
        assert settled_history_length(stack, case_id) == length

    stack.stop()
    stack.start()

    with stack.http() as api:
        after = _ok(api.get(f"/cases/{case_id}"))
        for key in (
            "stage",
            "status",
            "history",
            "visits_total",
            "stage_due_at",
            "next_visit_due_at",
            "facts",
            "opened_at",
        ):
            assert after[key] == before[key], f"{key} changed across the restart: {before[key]!r} -> {after[key]!r}"
        # The timers survived: nothing was re-armed or replayed into history by the restart.
        again = describe(stack, case_id)
        assert again["status"] == "WORKFLOW_EXECUTION_STATUS_RUNNING"
        ours = ("PathwayDefinition", "PathwayStage", "CoordinatorId", "UnitId", "StageDueAt", "NextVisitDueAt")
        assert {k: again["search_attributes"].get(k) for k in ours} == {
            k: described["search_attributes"].get(k) for k in ours
        }
        assert settled_history_length(stack, case_id) == length
        listed = _ok(api.get("/cases"))
        assert [c["id"] for c in listed["items"]] == [case_id]

        # The case moves on after the restart.
        _ok(
            api.put(
                f"/cases/{case_id}/facts/help_plan",
                headers=_key(),
                json={"value": {"agreed_on": datetime.now(UTC).date().isoformat(), "zi_reference": "ZI-TEST-1"}},
            )
        )
        _ok(
            api.put(
                f"/cases/{case_id}/facts/therapist", headers=_key(), json={"value": {"partner_id": therapist["id"]}}
            )
        )
        plan = {
            "agreed_on": datetime.now(UTC).date().isoformat(),
            "goals": [{"title": "Cel", "actions": [{"title": "Działanie", "owner": {"kind": "coordinator"}}]}],
        }
        _ok(api.put(f"/cases/{case_id}/plan", headers=_key(), json=plan))  # Model Wsparcia 7: plan_complete
        moved = _ok(
            api.post(
                f"/cases/{case_id}/transitions", headers=_key(), json={"trigger": "advance", "expected_stage": "plan"}
            )
        )
        assert moved["stage"] == "therapy"
        assert [h["stage"] for h in moved["history"]] == ["diagnosis", "plan", "therapy"]
    deadline = time.monotonic() + 10
    while describe(stack, case_id)["search_attributes"].get("PathwayStage") != "therapy":
        assert time.monotonic() < deadline, "PathwayStage never became 'therapy'"
        time.sleep(0.1)

    stack.stop()


def _supervisor(stack: Stack) -> httpx.Client:
    from pathway.runtime.demo_data import DEMO_PASSWORD

    return stack.http("anna.kierowniczka", DEMO_PASSWORD)


def _counts(stack: Stack) -> tuple[int, int]:
    with _supervisor(stack) as api:
        cases = _ok(api.get("/cases", params={"limit": 500}))["count"]
        partners = _ok(api.get("/partners", params={"limit": 500}))["count"]
    return cases, partners


def test_demo_twice_adds_nothing_and_its_overdue_case_is_stalled(stack: Stack) -> None:
    from pathway.runtime.demo_data import DEMO_CASES, DEMO_OTHER_CASES, DEMO_PARTNERS, DEMO_PASSWORD, DEMO_UNIT
    from pathway.store.queries import case_id_for_key

    overdue = next(c for c in DEMO_CASES if c.opened_days_ago >= 30)
    overdue_id = case_id_for_key(actor=overdue.coordinator, key=f"demo:{overdue.slug}:open", unit_id=DEMO_UNIT)

    stack.start("--demo")
    assert stack.wait_for_output("demo_seeded", "demo_seed_failed", "demo_skipped") == "demo_seeded", stack.output()
    first = _counts(stack)
    assert first == (len(DEMO_CASES) + len(DEMO_OTHER_CASES), len(DEMO_PARTNERS))
    with _supervisor(stack) as api:
        stages = {c["id"]: (c["stage"], c["status"]) for c in _ok(api.get("/cases", params={"limit": 500}))["items"]}
    assert sorted(s for s, _ in stages.values()) == sorted(
        [
            "diagnosis",
            "plan",
            "therapy",
            "internship",
            "transferred",
            "diagnosis",
            "diagnosis",  # Ewa's late visit, booked for tomorrow
            # one case of each other pathway: a family past its contract, a disability service admitted,
            # a person out of homelessness and a foreign family at their first stage
            "diagnosis",
            "needs_assessment",
            "basic_needs",
            "work_plan",
        ]
    )
    assert sorted(st for _, st in stages.values()).count("closed") == 1
    stack.stop()

    stack.start("--demo")
    assert stack.wait_for_output("demo_seeded", "demo_seed_failed", "demo_skipped") == "demo_seeded", stack.output()
    assert _counts(stack) == first
    with _supervisor(stack) as api:
        again = {c["id"]: (c["stage"], c["status"]) for c in _ok(api.get("/cases", params={"limit": 500}))["items"]}
    assert again == stages

    # The overdue case: its diagnosis deadline and weekly visit are past, the supervisor told.
    with _supervisor(stack) as api:
        stalled = _ok(api.get("/audit/stalled"))
        rules = {r["rule"] for r in stalled["items"] if r["case_id"] == overdue_id}
        assert {"stage_overdue", "visit_overdue"} <= rules, stalled
        case = _ok(api.get(f"/cases/{overdue_id}"))
        assert {o["watch"] for o in case["overdue"]} == {"stage_deadline", "visit"}
        assert all(o["escalated"] for o in case["overdue"]), case["overdue"]
    from_cli = json.loads(
        stack.pathway_cli("audit", "stalled", "--format", "json", token=stack.token("anna.kierowniczka", DEMO_PASSWORD))
    )
    assert overdue_id in {r["case_id"] for r in from_cli["items"]}
    assert from_cli["count"] == stalled["count"]

    # The supervisor's case list: the overdue case first, marked; a table of 80 columns.
    supervisor = stack.token("anna.kierowniczka", DEMO_PASSWORD)
    listed = stack.pathway_cli("case", "list", token=supervisor)
    rows = [line for line in listed.splitlines() if line[:8].isalnum()]
    assert rows[0].startswith(overdue_id[:8]) and "OVERDUE stage" in rows[0], listed
    for listing in (listed, stack.pathway_cli("partners", "list", token=supervisor)):
        assert max(len(line.rstrip()) for line in listing.splitlines()) <= 80, listing

    stack.stop()


def test_the_readme_quick_tour_on_a_port_given_with_port(stack: Stack) -> None:
    """The README's quick tour through the real CLI; `pathway up --port N` is all the CLI is
    told (no PATHWAY_API_PORT, no PATHWAY_API_URL): it finds N through the home."""
    from pathway.cli.accounts import MIN_PASSWORD_LENGTH

    stack.port_by_flag = True
    stack.start()
    assert "PATHWAY_API_URL" not in stack.env() and "PATHWAY_API_PORT" not in stack.env()
    assert (stack.home / "cli-api-url").read_text().strip() == f"http://127.0.0.1:{stack.api_port}"
    password = "ewa-password-123"

    stack.cli("login", "--user", "admin", input=f"{ADMIN_PASSWORD}\n")
    for login, name, role in (
        ("ewa.koordynatorka", "Ewa Nowak", "coordinator"),
        ("anna.kierowniczka", "Anna Kowalska", "supervisor"),
    ):
        added = stack.cli("users", "add", login, "--name", name, "--role", role, input=f"{password}\n{password}\n")
        assert f"Password (at least {MIN_PASSWORD_LENGTH} characters):" in added.stdout and "added" in added.stdout
    stack.cli("login", "--user", "ewa.koordynatorka", input=f"{password}\n")
    assert "diagnosis" in stack.cli("definitions", "show", "model-wsparcia").stdout

    opened = stack.cli(
        "case", "open", "--definition", "model-wsparcia", "--coordinator", "ewa.koordynatorka",
        "--client-name", "Anna Przykładowa", "--json",
    )  # fmt: skip
    case_id = json.loads(opened.stdout)["id"]
    assert "diagnosis" in stack.cli("case", "show", case_id[:8]).stdout, "a table's short id works"
    refused = stack.cli("case", "advance", case_id, expect=1)
    assert "422 guard_unmet" in refused.stderr, refused.stderr
    checklist = json.dumps(CHECKLIST)
    stack.cli("case", "fact", case_id, "diagnosis", checklist)
    assert "stage: plan" in stack.cli("case", "advance", case_id, "--note", "Diagnoza omówiona z klientką").stdout
    assert "visit recorded" in stack.cli("case", "visit", case_id, "--minutes", "90", "--kind", "home").stdout
    earlier = datetime.now(UTC).astimezone(ZoneInfo("Europe/Warsaw")) - timedelta(hours=2)
    stack.cli("case", "visit", case_id, "--minutes", "60", "--at", earlier.strftime("%Y-%m-%d %H:%M"))
    bad = stack.cli("case", "visit", case_id, "--at", "wczoraj", expect=2)
    assert "--at" in bad.stderr
    shown = stack.cli("case", "show", case_id, "--json").stdout
    assert json.loads(shown)["visits_total"] == 2

    listed = stack.cli("case", "list").stdout
    assert case_id[:8] in listed and case_id not in listed, listed
    assert max(len(line.rstrip()) for line in listed.splitlines()) <= 80, listed
    assert json.loads(stack.cli("case", "list", "--format", "json").stdout)["items"][0]["id"] == case_id
    assert stack.cli("case", "list", "--definition", "model-wsparca", expect=2).stderr.startswith("--definition:")

    assert "paused" in stack.cli("case", "pause", case_id, "--reason", "hospital").stdout
    assert "status: active" in stack.cli("case", "resume", case_id).stdout
    closed = stack.cli("case", "close", case_id, "transferred", "--exit-status", "inactive", "--note", "Przeprowadzka")
    assert "status: closed" in closed.stdout

    assert "0 stalled" in stack.cli("audit", "stalled").stdout
    stack.cli("login", "--user", "anna.kierowniczka", input=f"{password}\n")
    assert json.loads(stack.cli("audit", "stalled", "--format", "json").stdout)["count"] == 0
    stack.stop()
