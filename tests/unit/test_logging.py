"""The logging set-up: one format for structlog and stdlib records, and no personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from pathway.config import Settings
from pathway.logging import configure_logging, drop_personal_data, is_personal_data_key

SECRETS = {
    "name": "Anna Kowalska",
    "client_name": "Barbara Nowak",
    "address": "ul. Długa 5, Wrocław",
    "phone": "+48 600 100 200",
    "note": "partner threatened her again",
    "text": "free text about the family",
    "employer_address": "ul. Krótka 1",
}


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Leave logging as the test found it (other tests' logs must not vanish into a buffer)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def capture(tmp_path: Path) -> io.StringIO:
    """Logging configured as JSON into a buffer."""
    stream = io.StringIO()
    configure_logging(Settings(home=tmp_path, log_json=True, log_level="DEBUG"), stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_structlog_event_drops_personal_data_keys(capture: io.StringIO) -> None:
    structlog.get_logger("pathway.test").info("visit_recorded", case_id="c-17", stage="therapy", **SECRETS)

    [record] = lines(capture)
    assert record["event"] == "visit_recorded"
    assert record["case_id"] == "c-17"
    assert record["stage"] == "therapy"
    for key, value in SECRETS.items():
        assert key not in record
        assert value not in capture.getvalue()


def test_nested_and_bound_personal_data_is_dropped(capture: io.StringIO) -> None:
    structlog.contextvars.bind_contextvars(note="bound via contextvars")
    log = structlog.get_logger("pathway.test").bind(client_name="bound via bind()")
    log.warning("case_opened", case_id="c-1", client={"id": "k-9", "name": "Anna Kowalska", "phone": "600"})

    [record] = lines(capture)
    assert record["client"] == {"id": "k-9"}
    assert record["case_id"] == "c-1"
    out = capture.getvalue()
    for leaked in ("bound via contextvars", "bound via bind()", "Anna Kowalska", '"600"'):
        assert leaked not in out


def test_stdlib_records_share_the_format(capture: io.StringIO) -> None:
    """The Temporal SDK's and uvicorn's stdlib loggers come out as the same JSON lines."""
    logging.getLogger("temporalio.worker._workflow").warning("Workflow task failed %s", "wf-1")
    logging.getLogger("uvicorn.error").info("Application startup complete.")

    temporal, uvicorn = lines(capture)
    assert temporal["event"] == "Workflow task failed wf-1"
    assert temporal["logger"] == "temporalio.worker._workflow"
    assert temporal["level"] == "warning"
    assert str(temporal["timestamp"]).endswith("Z")  # ISO 8601, UTC
    assert uvicorn["logger"] == "uvicorn.error"


def test_level_is_respected_and_reconfiguring_does_not_duplicate(tmp_path: Path) -> None:
    stream = io.StringIO()
    for _ in range(3):
        configure_logging(Settings(home=tmp_path, log_json=True, log_level="WARNING"), stream=stream)
    log = structlog.get_logger("pathway.test")
    log.info("hidden")
    log.warning("shown", case_id="c-2")
    logging.getLogger("temporalio").info("hidden too")

    assert [r["event"] for r in lines(stream)] == ["shown"]
    assert (
        len([h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler) and h.stream is stream])
        == 1
    )


def test_console_renderer_by_default(tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging(Settings(home=tmp_path, log_level="INFO", log_json=False), stream=stream)
    structlog.get_logger("pathway.test").info("stack_up", case_id="c-3", address="ul. Długa 5")
    out = stream.getvalue()
    assert "stack_up" in out and "case_id=c-3" in out
    assert "Długa" not in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


@pytest.mark.parametrize(
    ("key", "dropped"),
    [
        ("name", True),
        ("client_name", True),
        ("Client-Name", True),
        ("address", True),
        ("home_address", True),
        ("phone", True),
        ("note", True),
        ("notes", True),
        ("text", True),
        ("pesel", True),
        ("case_id", False),
        ("coordinator_id", False),
        ("stage", False),
        ("event", False),
        ("hostname", False),
        ("context", False),
    ],
)
def test_which_keys_count_as_personal_data(key: str, dropped: bool) -> None:
    assert is_personal_data_key(key) is dropped
    assert (key in drop_personal_data(None, "info", {"event": "e", key: "v"})) is not dropped
