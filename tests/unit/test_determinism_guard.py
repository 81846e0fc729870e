"""The determinism guard: workflow code and the pure core read no clock but ``workflow.now()``,
no randomness, no environment, no files, no network, and start no threads (DESIGN.md,
boundary 1). The workers run workflows outside the SDK's sandbox (workflows/runner.py), so
ruff catches these at lint time (pyproject.toml: banned-api, with ``open()`` and
``breakpoint()``); here the tree is held clean and each kind of call is planted to see it
caught, in ``workflows`` and in ``pathway.core``, and not elsewhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUARD = "TID251,PTH123,T10"
GUARDED = ("workflows", "pathway/core")

# One call of each kind that would make a replay differ from the run it replays.
PLANTED = {
    "datetime.now": "from datetime import datetime\n\n\ndef f():\n    return datetime.now()\n",
    "date.today": "import datetime\n\n\ndef f():\n    return datetime.date.today()\n",
    "time.time": "import time\n\n\ndef f():\n    return time.time()\n",
    "time.sleep": "from time import sleep\n\n\ndef f():\n    sleep(1)\n",
    "random": "import random\n\n\ndef f():\n    return random.random()\n",
    "uuid4": "import uuid\n\n\ndef f():\n    return uuid.uuid4()\n",
    "os.environ": "import os\n\n\ndef f():\n    return os.environ['PATHWAY_TZ']\n",
    "open": "import json\n\n\ndef f():\n    return json.load(open('x.json'))\n",
    "pathlib": "from pathlib import Path\n\n\ndef f():\n    return Path('x').read_text()\n",
    "socket": "import socket\n\n\ndef f():\n    return socket.create_connection(('x', 80))\n",
    "thread": "import threading\n\n\ndef f():\n    threading.Thread(target=print).start()\n",
    "asyncio.sleep": "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n",
    "asyncio.to_thread": "import asyncio\n\n\nasync def f():\n    await asyncio.to_thread(print)\n",
    "breakpoint": "import json\n\n\ndef f():\n    breakpoint()\n",
}

# What workflow code and the core do use, and may.
ALLOWED = """import asyncio
import threading
from datetime import UTC, datetime, timedelta

from temporalio import workflow

_LOCK = threading.Lock()


async def f(at: datetime) -> datetime:
    await workflow.sleep(timedelta(days=1))
    await asyncio.gather(asyncio.ensure_future(workflow.sleep(1)))
    with _LOCK:
        later = timedelta(days=workflow.random().randint(1, 2))
        return max(at, workflow.now(), datetime(2026, 1, 1, tzinfo=UTC)) + later
"""


def _ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "--select", GUARD]
    return subprocess.run([*command, *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60)


def _planted(code: str, path: str) -> subprocess.CompletedProcess[str]:
    """ruff over ``code`` as if it were the file ``path`` (its configuration for that path)."""
    return _ruff("--stdin-filename", path, "-", stdin=code)


def test_workflow_code_and_the_core_call_nothing_non_deterministic():
    result = _ruff(*GUARDED)
    assert result.returncode == 0, f"non-deterministic calls in workflow code or the core:\n{result.stdout}"


@pytest.mark.parametrize("where", GUARDED)
@pytest.mark.parametrize("kind", PLANTED)
def test_a_planted_call_is_caught(kind: str, where: str):
    path = f"{where}/planted.py"
    result = _planted(PLANTED[kind], path)
    assert result.returncode == 1, f"{kind} in {path} went through:\n{result.stdout}{result.stderr}"
    assert f"{path}:" in result.stdout, result.stdout


@pytest.mark.parametrize("where", GUARDED)
def test_what_workflow_code_may_call_goes_through(where: str):
    result = _planted(ALLOWED, f"{where}/allowed.py")
    assert result.returncode == 0, result.stdout


def test_the_rest_of_the_project_may_read_the_clock_and_files():
    for kind in ("datetime.now", "open", "os.environ"):
        result = _planted(PLANTED[kind], "pathway/app/planted.py")
        assert result.returncode == 0, result.stdout
