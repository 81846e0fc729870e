"""What every command shares: the consoles, the API client (with the saved token),
listings in table, JSON or CSV, and times in the centre's zone."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import typer
from rich.console import Console

from pathway.config import Settings

console = Console()
err = Console(stderr=True, soft_wrap=True)


def settings_with(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


# --------------------------------------------------------------------------- processes
def run_process(main: Any) -> None:
    """Run a long-lived process until Ctrl-C / SIGTERM. Afterwards, give the Temporal SDK's
    native threads a moment to let go before the interpreter finalizes: without it the exit
    sometimes aborts (seen 1 run in 3 on `pathway worker`), which an operator would read as
    a crash."""
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        pass
    finally:
        gc.collect()
        time.sleep(0.3)


FORMATS = ("table", "json", "csv")


def check_format(format: str) -> None:
    if format not in FORMATS:
        err.print("--format is table, json or csv", style="red")
        raise typer.Exit(2)


def fetch_listing(api: ApiClient, path: str, params: dict[str, Any], format: str) -> dict[str, Any] | None:
    """GET a listing: CSV and JSON are printed as the API gives them (None is returned);
    for a table, the parsed answer is returned to be drawn."""
    if format == "csv":
        sys.stdout.write(api.call("GET", path, params={**params, "format": "csv"}).text)
        return None
    page = api.call("GET", path, params=params).json()
    if format == "json":
        sys.stdout.write(json.dumps(page, indent=2, ensure_ascii=False) + "\n")
        return None
    return page


# --------------------------------------------------------------------------- API client
def token_file(settings: Settings) -> Path:
    return settings.home / "cli-token"


def saved_token(settings: Settings) -> str | None:
    if settings.token is not None:
        return settings.token.get_secret_value()
    try:
        return token_file(settings).read_text().strip() or None
    except OSError:
        return None


class ApiClient:
    def __init__(self, settings: Settings, *, token: str | None = None) -> None:
        self.base = settings.resolved_api_url.rstrip("/") + "/api/v1"
        self.token = token or saved_token(settings)

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool = False,
    ) -> httpx.Response:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotent else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = httpx.request(
                method, self.base + path, json=json_body, params=params, headers=headers, timeout=30
            )
        except httpx.HTTPError as exc:
            err.print(f"cannot reach the API at {self.base}: {exc}. Is `pathway up` running?", style="red")
            raise typer.Exit(2) from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", {})
            except ValueError:
                detail = {"message": response.text}
            err.print(
                f"{response.status_code} {detail.get('code', '')}: {detail.get('message', '')}",
                style="red",
                markup=False,
            )
            if response.status_code == 401:
                err.print("sign in with `pathway login`", markup=False)
            for guard in detail.get("guards", []) or []:
                err.print(f"  - {guard.get('guard')}: {guard.get('reason')}", markup=False)
            raise typer.Exit(1)
        return response


def local_time(value: Any) -> str:
    """A timestamp from the API in the centre's time zone (PATHWAY_TZ), not the machine's."""
    if value is None:
        return "—"
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        try:
            return datetime.fromisoformat(value).astimezone(ZoneInfo(Settings().tz)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)
