"""A fake API for the CLI's unit tests: ``httpx.request`` answered from a table of routes,
every request recorded; and the CLI run with typer's CliRunner at a given terminal width."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

API = "http://api.test"
Answer = Callable[[dict[str, Any], Any], tuple[int, Any]]


@dataclass
class Sent:
    method: str
    path: str
    params: dict[str, Any]
    body: Any
    headers: dict[str, str]


@dataclass
class FakeApi:
    routes: dict[tuple[str, str], Answer] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def on(self, method: str, path: str, answer: Answer | Any, status: int = 200) -> None:
        """Answer ``method path`` with ``answer(params, body)`` -> (status, json), or always
        with ``status`` and the JSON ``answer``."""
        self.routes[(method, path)] = answer if callable(answer) else (lambda p, b: (status, answer))

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        path = urlsplit(url).path.removeprefix("/api/v1")
        params = dict(kw.get("params") or {})
        self.sent.append(Sent(method, path, params, kw.get("json"), dict(kw.get("headers") or {})))
        request = httpx.Request(method, url)
        if (method, path) not in self.routes:
            return httpx.Response(404, json={"detail": {"code": "not_found", "message": path}}, request=request)
        status, body = self.routes[(method, path)](params, kw.get("json"))
        if isinstance(body, str):
            return httpx.Response(status, text=body, request=request)
        return httpx.Response(status, json=body, request=request)

    def paged(self, method: str, path: str, items: list[dict[str, Any]], by: str | None = None) -> None:
        """A paged listing (limit/offset, like the API's), filtered on ``by`` when asked."""

        def answer(params: dict[str, Any], _: Any) -> tuple[int, Any]:
            chosen = [i for i in items if by is None or params.get(by) in (None, i[by])]
            offset, limit = int(params.get("offset", 0)), int(params.get("limit", 50))
            return 200, {"items": chosen[offset : offset + limit], "count": len(chosen)}

        self.on(method, path, answer)


def fake_api(monkeypatch: pytest.MonkeyPatch, home: Path, *, lang: str = "en") -> FakeApi:
    """The CLI's API calls answered by a FakeApi; signed in; home ``home``; Warsaw time; the
    words of ``lang`` (PATHWAY_LANG: English, so that tests read the msgids; Polish is the
    default, ``test_cli_words.py``)."""
    from pathway.cli import console as cli_console

    fake = FakeApi()
    monkeypatch.setenv("PATHWAY_HOME", str(home))
    monkeypatch.setenv("PATHWAY_API_URL", API)
    monkeypatch.setenv("PATHWAY_TOKEN", "a-token")
    monkeypatch.setenv("PATHWAY_TZ", "Europe/Warsaw")
    monkeypatch.setenv("PATHWAY_LANG", lang)
    monkeypatch.setattr(cli_console.httpx, "request", fake.request)
    cli_console.centre_zone.cache_clear()
    cli_console.words.cache_clear()
    return fake


def run(monkeypatch: pytest.MonkeyPatch, *args: str, width: int = 80, input: str | None = None) -> Result:
    """``pathway *args`` in a terminal ``width`` columns wide."""
    from pathway import cli
    from pathway.cli import console as cli_console

    monkeypatch.setattr(cli_console.console, "width", width)
    monkeypatch.setattr(cli_console.err, "width", width)
    return CliRunner().invoke(cli.app, list(args), input=input, env={"COLUMNS": str(width)})


def case_item(
    now: datetime,
    *,
    name: str,
    stage_due: float | None = None,
    visit_due: float | None = None,
    status: str = "active",
    stage: str = "diagnosis",
    definition: str = "model-wsparcia",
    coordinator: str = "ewa.koordynatorka",
    case_id: str | None = None,
) -> dict[str, Any]:
    """A case list item as the API answers it; due dates in days from ``now``."""

    def at(days: float | None) -> str | None:
        return None if days is None else (now + timedelta(days=days)).isoformat()

    return {
        "id": case_id or uuid.uuid4().hex,
        "definition": definition,
        "definition_version": 1,
        "stage": stage,
        "status": status,
        "outcome": "transferred" if status == "closed" else None,
        "coordinator": coordinator,
        "unit": "default",
        "client_name": name,
        "opened_at": (now - timedelta(days=40)).isoformat(),
        "stage_entered_at": (now - timedelta(days=12)).isoformat(),
        "stage_due_at": at(stage_due),
        "next_visit_due_at": at(visit_due),
        "last_activity_at": now.isoformat(),
    }


def utc_now() -> datetime:
    return datetime.now(UTC)
