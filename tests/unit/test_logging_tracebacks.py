"""An exception logged to the console never prints its frames' local variables."""

from __future__ import annotations

import io

import structlog

from pathway.config import Settings
from pathway.logging import configure_logging


def test_a_logged_traceback_shows_no_local_values(tmp_path):
    buffer = io.StringIO()
    configure_logging(Settings(home=tmp_path, log_json=False), stream=buffer)

    def create(client_name: str) -> None:
        raise RuntimeError("database is locked")

    name = " ".join(["Anna", "Kowalska-Kanarek"])  # not in any source line a traceback quotes
    try:
        create(name)
    except RuntimeError:
        structlog.get_logger().exception("projection_failed", case_id="c1")
    output = buffer.getvalue()
    assert "projection_failed" in output and "database is locked" in output and "create" in output
    assert "Anna Kowalska-Kanarek" not in output
