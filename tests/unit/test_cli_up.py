"""`pathway up` as a newcomer meets it (issue 13, item 10):

- on a port in use: one line naming the port and the setting to change, exit 1, no traceback;
- ``pathway up --port N`` leaves the API's URL in the home, and later CLI calls on that home
  go there unless PATHWAY_API_URL says otherwise.

The real thing (a stack on ``--port N``, then the CLI without PATHWAY_API_URL) is in
tests/integration/test_pathway_up.py."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_fakes import run


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_up_on_a_port_in_use_is_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, taken_port: int
) -> None:
    monkeypatch.setenv("PATHWAY_LOG_LEVEL", "WARNING")
    result = run(monkeypatch, "up", "--home", str(tmp_path), "--port", str(taken_port), width=100)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: the API port {taken_port} on 127.0.0.1 is in use")
    assert "--port" in line and "PATHWAY_API_PORT" in line
    assert not (tmp_path / "temporal.db").exists(), "nothing was started"


def test_the_api_url_recorded_by_up_is_where_later_calls_go(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pathway.config import API_URL_FILE, Settings
    from pathway.runtime.stack import record_api_url

    monkeypatch.delenv("PATHWAY_API_URL", raising=False)
    monkeypatch.delenv("PATHWAY_API_PORT", raising=False)
    monkeypatch.setenv("PATHWAY_HOME", str(tmp_path))
    assert Settings().resolved_api_url == "http://127.0.0.1:8000", "a new home: the default port"

    record_api_url(Settings(home=tmp_path, api_port=8123))  # what `pathway up --port 8123` does once serving
    assert (tmp_path / API_URL_FILE).read_text().strip() == "http://127.0.0.1:8123"
    assert Settings().resolved_api_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("PATHWAY_API_URL", "https://pathway.example.org")
    assert Settings().resolved_api_url == "https://pathway.example.org", "PATHWAY_API_URL says otherwise"

    record_api_url(Settings(home=tmp_path, host="0.0.0.0", api_port=8124))
    monkeypatch.delenv("PATHWAY_API_URL")
    assert Settings().resolved_api_url == "http://127.0.0.1:8124", "listening everywhere: reached locally"
    (tmp_path / API_URL_FILE).write_text("garbage")
    assert Settings().resolved_api_url == "http://127.0.0.1:8000"
