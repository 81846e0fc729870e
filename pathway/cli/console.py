"""What every command shares: the consoles, the API client (with the saved token),
listings in table, JSON or CSV, and times in the centre's zone."""

from __future__ import annotations

import asyncio
import csv
import functools
import gc
import json
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from pathway.config import Settings
from pathway.i18n import NONE, Words

console = Console()
err = Console(stderr=True, soft_wrap=True)


def settings_with(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


# --------------------------------------------------------------------------- processes
def run_process(main: Any, *, expected: tuple[type[BaseException], ...] = ()) -> None:
    """Run a long-lived process until Ctrl-C / SIGTERM. An ``expected`` error (a port in use,
    a server that did not start) is one line on stderr and exit code 1, not a traceback.
    Afterwards, give the Temporal SDK's native threads a moment to let go before the
    interpreter finalizes: without it the exit sometimes aborts (seen 1 run in 3 on
    `pathway worker`), which an operator would read as a crash."""
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        pass
    except expected as exc:
        # The process's own message (runtime: ports, the dev server) is English, as its logs are.
        err.print(f"error: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(1) from None
    finally:
        gc.collect()
        time.sleep(0.3)


FORMATS = ("table", "json", "csv")


def check_format(format: str) -> None:
    if format not in FORMATS:
        err.print(_("--format is table, json or csv"), style="red")
        raise typer.Exit(2)


FORMAT_HELP = "table, json or csv"

# The API's filter errors and the flags that set those filters: an error names the flag.
FILTER_FLAGS = {"definition": "--definition", "coordinator": "--coordinator"}


def fetch_listing(api: ApiClient, path: str, params: dict[str, Any], format: str) -> dict[str, Any] | None:
    """GET a listing the API also answers in CSV: CSV and JSON are printed as the API gives
    them (None is returned); for a table, the parsed answer is returned to be drawn."""
    if format == "csv":
        sys.stdout.write(api.call("GET", path, params={**params, "format": "csv"}, flags=FILTER_FLAGS).text)
        return None
    page: dict[str, Any] = api.call("GET", path, params=params, flags=FILTER_FLAGS).json()
    if format == "json":
        print_json(page)
        return None
    return page


def fetch_all(
    api: ApiClient, path: str, params: Mapping[str, Any], *, page_size: int = 500
) -> Iterator[dict[str, Any]]:
    """Every item of a paged listing, page by page."""
    offset = 0
    while True:
        page = api.call("GET", path, params={**params, "limit": page_size, "offset": offset}, flags=FILTER_FLAGS).json()
        yield from page["items"]
        offset += len(page["items"])
        if not page["items"] or offset >= page["count"]:
            return


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def print_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """A listing as CSV, the way the API writes its own (a header row, ISO 8601 times);
    a list in a cell is joined with "; "."""
    writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value.isoformat() if hasattr(value, "isoformat") else value


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
        flags: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Call the API; an error answer is printed and ends the command (exit 1; exit 2
        when it is about a value given with one of ``flags``: API field -> the flag)."""
        headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotent else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = httpx.request(
                method, self.base + path, json=json_body, params=params, headers=headers, timeout=30
            )
        except httpx.HTTPError as exc:
            err.print(
                _("cannot reach the API at %(url)s: %(error)s. Is `pathway up` running?", url=self.base, error=exc),
                style="red",
                markup=False,
            )
            raise typer.Exit(2) from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", {})
            except ValueError:
                detail = {"message": response.text}
            if not isinstance(detail, dict):
                detail = {"message": str(detail)}
            flag = (flags or {}).get(_field_of(detail))
            if flag is not None and response.status_code == 422:
                known = detail.get("definitions")
                err.print(
                    f"{flag}: {detail.get('message', '')}"
                    + (_(" (known: %(names)s)", names=", ".join(known)) if known else ""),
                    style="red",
                    markup=False,
                )
                raise typer.Exit(2)
            err.print(
                f"{response.status_code} {detail.get('code', '')}: {detail.get('message', '')}",
                style="red",
                markup=False,
            )
            if response.status_code == 401:
                err.print(_("sign in with `pathway login`"), markup=False)
            for guard in detail.get("guards", []) or []:
                err.print(f"  - {guard.get('guard')}: {guard.get('reason')}", markup=False)
            raise typer.Exit(1)
        return response


def _field_of(detail: Mapping[str, Any]) -> str:
    """The request field an API error is about: its ``field``, else what its code names
    (``unknown_definition`` -> ``definition``)."""
    field = detail.get("field")
    if isinstance(field, str):
        return field
    code = str(detail.get("code", ""))
    return code.removeprefix("unknown_") if code.startswith("unknown_") else ""


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


def local_time(value: Any) -> str:
    """A timestamp from the API as a person reads it, in the centre's time zone (PATHWAY_TZ),
    not the machine's, and in words of PATHWAY_LANG: ``pon., 14 grudnia, 14:30``."""
    if value is None:
        return NONE
    moment = _moment(value)
    if moment is None:
        return str(value)
    return words().moment(moment, centre_zone(), today=datetime.now(centre_zone()).date())


def local_day(value: Any) -> str:
    """The day of a timestamp from the API, in words, for a table's narrow column: ``pon., 14 grudnia``."""
    if value is None:
        return NONE
    moment = _moment(value)
    if moment is None:
        return str(value)
    zone = centre_zone()
    return words().day(moment, zone, today=datetime.now(zone).date())


def _last_day_on_time(value: Any) -> date | None:
    """A due moment from the API (its first late instant) as the last day still on time, in
    the centre's zone (``pathway.core.overdue.due_on``: the day the web shows)."""
    from pathway.core.overdue import due_on  # the holiday table behind it: only when needed

    moment = _moment(value)
    return None if moment is None else due_on(moment, centre_zone().key)


def due_day(value: Any) -> str:
    """A due date and how far it is: ``pon., 14 grudnia (za 3 dni)``, ``… (3 dni po terminie)``."""
    last = _last_day_on_time(value)
    if last is None:
        return NONE if value is None else str(value)
    zone = centre_zone()
    today = datetime.now(zone).date()
    return f"{words().day(last, zone, today=today)} ({words().days_until((last - today).days)})"


def due_date(value: Any) -> str:
    """The last day on time alone, in words, for a table's narrow column: ``pon., 14 grudnia``."""
    last = _last_day_on_time(value)
    if last is None:
        return NONE if value is None else str(value)
    zone = centre_zone()
    return words().day(last, zone, today=datetime.now(zone).date())


@functools.cache
def words() -> Words:
    """The words of PATHWAY_LANG (Polish unless it says en), read once per command."""
    return Words(Settings().lang)


def _(message: str, /, **fields: Any) -> str:
    """``message`` (English, the msgid) in the words of PATHWAY_LANG: the web's catalogs."""
    return words()._(message, **fields)


def styled(style: str, text: str) -> str:
    """``text`` in a Rich style, its own brackets escaped (a translation is text, not markup)."""
    return f"[{style}]{escape(text)}[/{style}]"


def code(group: str, value: str | None) -> str:
    """A stored code (a rule, a severity, a sector) in the words of PATHWAY_LANG."""
    return words().code(group, value)


def n_(singular: str, plural: str, n: int, /, **fields: Any) -> str:
    """The form of the message for ``n`` in the words of PATHWAY_LANG (``%(num)d`` is ``n``)."""
    return words().n_(singular, plural, n, **fields)


@functools.cache
def centre_zone() -> ZoneInfo:
    """PATHWAY_TZ, read once per command."""
    return ZoneInfo(Settings().tz)


_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def parse_when(value: str, tz_name: str) -> datetime:
    """A moment typed by a person: ``2026-12-06 14:30`` or ``2026-12-06T14:30`` is a local
    time in the centre's zone (``PATHWAY_TZ``); ISO 8601 with an offset (``+01:00``, ``Z``)
    is taken as it is. A local time the clocks skip, or one they pass twice, is refused
    with what to type instead (ValueError)."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or not _LOCAL_TIME.match(text):
        raise ValueError(
            _(
                "'%(value)s' is not a date and time: use YYYY-MM-DD HH:MM (local, %(zone)s) or ISO 8601",
                value=value,
                zone=tz_name,
            )
        )
    if moment.tzinfo is not None:
        return moment
    zone = ZoneInfo(tz_name)
    earlier, later = moment.replace(tzinfo=zone, fold=0), moment.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != moment:
            raise ValueError(
                _("%(time)s does not exist in %(zone)s (the clocks go forward then)", time=text, zone=tz_name)
            )
        raise ValueError(
            _(
                "%(time)s happens twice in %(zone)s (the clocks go back then): add the offset, "
                "e.g. %(one)s or %(other)s",
                time=text,
                zone=tz_name,
                one=earlier.isoformat(timespec="minutes"),
                other=later.isoformat(timespec="minutes"),
            )
        )
    return earlier
