"""Logging: structlog for our code, and the stdlib ``logging`` of everyone else (the Temporal
SDK's ``temporalio.*`` loggers, the SDK core's forwarded logs, uvicorn) rendered by the same
processors, so a process writes one format: a readable console line for people, or one JSON
object per line (``PATHWAY_LOG_JSON=1``) for a log collector.

Usage, once at a process's entry point (``pathway up``, ``pathway worker``, a test)::

    configure_logging(settings)
    log = structlog.get_logger(__name__)
    log.info("case_opened", case_id=case_id, definition_id="model-wsparcia")

Inside workflow code use ``workflow.logger`` (replay-aware); it is a stdlib logger and ends
up here too.

**No personal data in logs.** Logs are copied, shipped and kept far longer and more widely
than the case files of a welfare centre, and nobody reviews them for GDPR. Logs therefore
carry ids (``case_id``, ``coordinator_id``, ``partner_id``), stage names and codes, never a
client's name, address, phone number or a coordinator's free-text note. That rule is kept
by the code that logs; :func:`drop_personal_data` is defence in depth behind it: any
event-dict key that *looks like* personal data (``name``, ``client_name``, ``address``,
``phone``, ``note``, ``text``, … see :data:`PERSONAL_DATA_KEYS`) is dropped, at any nesting
depth of dicts, before anything is rendered. It cannot see personal data hidden inside a
message string — so never format personal data into a message; pass ids as keys. If a
harmless key vanishes from your log line, rename it (``definition_id`` rather than
``definition_name``): a false positive costs a rename, a false negative costs a breach.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import IO, Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from pathway.config import Settings

__all__ = [
    "PERSONAL_DATA_KEYS",
    "configure_logging",
    "drop_personal_data",
    "is_personal_data_key",
]

#: Key names (lower-cased) that carry, or are likely to carry, personal data. A key is
#: dropped when it equals one of these or ends with ``_<one of these>`` (``client_name``,
#: ``home_address``, ``employer_address``, ``phone``, ``mobile_phone``, ``free_text``).
PERSONAL_DATA_KEYS: frozenset[str] = frozenset(
    {
        "name",
        "names",
        "first_name",
        "last_name",
        "surname",
        "address",
        "addresses",
        "phone",
        "phones",
        "phone_number",
        "email",
        "note",
        "notes",
        "text",
        "pesel",  # the Polish national identification number
        "birth_date",
        "date_of_birth",
    }
)

# Keys structlog and the ProcessorFormatter need; never dropped whatever they look like.
_RESERVED_KEYS: frozenset[str] = frozenset(
    {"event", "level", "timestamp", "logger", "exc_info", "stack_info", "exception", "_record", "_from_structlog"}
)

# Marks the handler configure_logging() installs, so a second call replaces it.
_HANDLER_MARK = "_pathway_handler"

# Chatty third-party loggers, kept at WARNING unless our level is DEBUG.
_NOISY_LOGGERS = ("httpx", "httpcore", "asyncio", "aiosqlite", "sqlalchemy.engine", "transitions")


def is_personal_data_key(key: object) -> bool:
    """Whether an event-dict key is named like personal data (see :data:`PERSONAL_DATA_KEYS`)."""
    if not isinstance(key, str) or key in _RESERVED_KEYS:
        return False
    k = key.lower().replace("-", "_")
    if k in PERSONAL_DATA_KEYS:
        return True
    return any(k.endswith("_" + suffix) for suffix in PERSONAL_DATA_KEYS)


def _scrub(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _scrub(v) for k, v in value.items() if not is_personal_data_key(k)}
    return value


def drop_personal_data(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: drop every key named like personal data, also inside nested dicts.

    Defence in depth (see the module docstring): the code must not log personal data in the
    first place; this catches the ``log.info("visit", note=visit.note)`` that slipped
    through review before it reaches a terminal, a file or a log collector."""
    for key in [k for k in event_dict if is_personal_data_key(k)]:
        del event_dict[key]
    for key, value in event_dict.items():
        if isinstance(value, Mapping) and key not in _RESERVED_KEYS:
            event_dict[key] = _scrub(value)
    return event_dict


def _level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.strip().upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r} (use DEBUG, INFO, WARNING, ERROR)")
    return number


def _shared_processors() -> list[Processor]:
    """Run for our structlog calls and for foreign (stdlib) records alike."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        drop_personal_data,
        structlog.processors.StackInfoRenderer(),
    ]


def _renderer(json: bool, stream: IO[str]) -> Processor:
    if json:
        return structlog.processors.JSONRenderer()
    colors = bool(getattr(stream, "isatty", lambda: False)())
    # A traceback with its frames' local variables would print a function's arguments, a
    # client's name among them: tracebacks show code, never values.
    return structlog.dev.ConsoleRenderer(colors=colors, exception_formatter=structlog.dev.plain_traceback)


def configure_logging(settings: Settings, *, stream: IO[str] | None = None) -> None:
    """Set up structlog and the stdlib root logger for this process.

    Idempotent: calling it again (another level, JSON on/off, another ``stream``) replaces
    the handler installed by the previous call instead of adding a second one. ``stream``
    defaults to ``sys.stderr``; tests pass a ``StringIO``."""
    stream = stream if stream is not None else sys.stderr
    level = _level_number(settings.log_level)
    shared = _shared_processors()

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        context_class=dict,
        # Not cached: a module-level logger must follow a later configure_logging (tests,
        # a process that reconfigures), and the cost of not caching is a dict lookup.
        cache_logger_on_first_use=False,
    )

    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if settings.log_json:
        final.append(structlog.processors.dict_tracebacks)
    final.append(_renderer(settings.log_json, stream))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=final,
    )

    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)  # not closed: its stream is the caller's (stderr, a StringIO)
    root.addHandler(handler)
    root.setLevel(level)

    # Everyone propagates to the root handler: no handlers of their own, no double lines.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "temporalio"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
        lg.setLevel(logging.NOTSET)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG else max(level, logging.WARNING))
    logging.captureWarnings(True)
