"""The one place that builds a Temporal client, and the search attributes a case carries.

Everything that talks to Temporal — the worker, the API, the CLI, tests — gets its client
from :func:`connect_client` so that all of them agree on the data converter (pydantic
payloads, and later the AES-GCM payload codec: see :func:`data_converter`), the namespace
and the credentials.

The search attribute *keys* live in :mod:`workflows.search_attributes` (which imports only
``temporalio.common``) so that workflow code can use them inside the sandbox without
pulling in this module's client machinery; they are re-exported here.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from pathway.config import Settings
from pathway.security.codec import AesGcmCodec, CodecKeyError, KeyRing, load_or_create_key_file
from workflows.search_attributes import (
    ALL_KEYS,
    COORDINATOR_ID,
    NEXT_VISIT_DUE_AT,
    PATHWAY_DEFINITION,
    PATHWAY_STAGE,
    STAGE_DUE_AT,
    UNIT_ID,
)

__all__ = [
    "ALL_KEYS",
    "COORDINATOR_ID",
    "NEXT_VISIT_DUE_AT",
    "PATHWAY_DEFINITION",
    "PATHWAY_STAGE",
    "SEARCH_ATTRIBUTES",
    "STAGE_DUE_AT",
    "UNIT_ID",
    "connect_client",
    "data_converter",
    "ensure_search_attributes",
    "search_attribute_cli_flags",
    "temporal_runtime",
]

log = logging.getLogger(__name__)


def _indexed_value_type(key: SearchAttributeKey[Any]) -> IndexedValueType.ValueType:
    # SearchAttributeIndexedValueType mirrors the proto enum value for value.
    return IndexedValueType.ValueType(int(key.indexed_value_type))


#: Every custom search attribute of a case's workflow, by name, with its proto type.
SEARCH_ATTRIBUTES: dict[str, IndexedValueType.ValueType] = {key.name: _indexed_value_type(key) for key in ALL_KEYS}

# The names `temporal server start-dev --search-attribute KEY=TYPE` accepts.
_CLI_TYPE_NAMES: dict[SearchAttributeIndexedValueType, str] = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


def search_attribute_cli_flags() -> list[str]:
    """``["--search-attribute", "PathwayStage=Keyword", ...]`` for the Temporal CLI."""
    flags: list[str] = []
    for key in ALL_KEYS:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPE_NAMES[key.indexed_value_type]}"]
    return flags


def key_ring(settings: Settings) -> KeyRing:
    """The payload keys: ``PATHWAY_CODEC_KEY``, else ``PATHWAY_CODEC_KEY_FILE`` (default
    ``<home>/codec.keys``). The embedded stack creates that file on a new home; against a
    remote cluster a missing key is an error — every worker and API process must share it."""
    if settings.codec_key is not None:
        return KeyRing.parse(settings.codec_key.get_secret_value())
    path = settings.resolved_codec_key_file
    if path.exists():
        return KeyRing.parse(path.read_text())
    if settings.embedded_temporal:
        return load_or_create_key_file(path, f"k{datetime.now(UTC):%Y%m%d}")
    raise CodecKeyError(
        f"no payload key: set PATHWAY_CODEC_KEY (id:base64, shared by every worker and API process) or "
        f"PATHWAY_CODEC_KEY_FILE (now {path}); PATHWAY_CODEC_DISABLED=true only for development"
    )


def payload_codec(settings: Settings) -> AesGcmCodec | None:
    return None if settings.codec_disabled else AesGcmCodec(key_ring(settings))


def data_converter(settings: Settings) -> DataConverter:
    """The data converter every client, worker and test uses: pydantic models in and out,
    every payload encrypted by the AES-GCM codec, and failure messages and stack traces
    moved into an encoded payload too (so the codec covers them) — unless
    ``PATHWAY_CODEC_DISABLED`` turns encryption off for development."""
    codec = payload_codec(settings)
    if codec is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


@functools.cache
def temporal_runtime() -> Runtime:
    """The SDK runtime, with the Rust core's own logs forwarded to the stdlib logger
    ``temporalio.core`` (so :func:`pathway.logging.configure_logging` formats them too)
    instead of printed to stderr in a format of their own. One per process."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
            )
        )
    )


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RuntimeError(f"cannot read the Temporal TLS {what} {path}: {exc.strerror}") from exc


def _tls(settings: Settings) -> TLSConfig | bool:
    cert, key = settings.temporal_tls_cert, settings.temporal_tls_key
    if (cert is None) != (key is None):
        raise RuntimeError("set both PATHWAY_TEMPORAL_TLS_CERT and PATHWAY_TEMPORAL_TLS_KEY, or neither")
    ca, server_name = settings.temporal_tls_ca, settings.temporal_tls_server_name
    if cert is not None and key is not None or ca is not None or server_name:
        return TLSConfig(
            client_cert=_read(cert, "client certificate") if cert else None,
            client_private_key=_read(key, "client key") if key else None,
            server_root_ca_cert=_read(ca, "server CA certificate") if ca else None,
            domain=server_name or None,
        )
    # An API key (Temporal Cloud) always travels over TLS.
    return settings.temporal_tls or settings.temporal_api_key is not None


async def connect_client(
    settings: Settings,
    *,
    address: str | None = None,
    connect_timeout: timedelta | None = None,
) -> Client:
    """Connect to Temporal: ``address`` if given, else ``settings.resolved_temporal_address``
    (the embedded dev server when ``PATHWAY_TEMPORAL_ADDRESS`` is unset).

    mTLS when ``PATHWAY_TEMPORAL_TLS_CERT``/``_KEY`` are set (server CA from
    ``PATHWAY_TEMPORAL_TLS_CA``, else the system roots; the certificate checked against
    ``PATHWAY_TEMPORAL_TLS_SERVER_NAME`` when set); TLS without a client certificate when
    only the CA, the server name or ``PATHWAY_TEMPORAL_TLS=true`` is set; an API key
    (``PATHWAY_TEMPORAL_API_KEY``, always with TLS) may come with either; otherwise plain gRPC."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        address or settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=_tls(settings),
        api_key=api_key,
        runtime=temporal_runtime(),
        connect_timeout=connect_timeout,
    )


async def ensure_search_attributes(client: Client, namespace: str | None = None) -> list[str]:
    """Register the case search attributes missing from ``namespace`` (default: the
    client's). Idempotent: lists first and adds only what is missing; returns the names
    added. Needs operator rights (on Temporal Cloud register them in the console instead).

    The time-skipping test server implements ``AddSearchAttributes`` but not
    ``ListSearchAttributes``: there each attribute is added on its own and "already exists"
    counts as present."""
    namespace = namespace or client.namespace
    try:
        listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        return await _add_one_by_one(client, namespace)

    present = dict(listed.custom_attributes)
    wrong = {
        name: (IndexedValueType.Name(present[name]), IndexedValueType.Name(kind))
        for name, kind in SEARCH_ATTRIBUTES.items()
        if name in present and present[name] != kind
    }
    if wrong:
        raise RuntimeError(f"search attributes registered with another type in {namespace!r}: {wrong}")
    missing = {name: kind for name, kind in SEARCH_ATTRIBUTES.items() if name not in present}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=namespace)
        )
        log.info("registered search attributes %s in namespace %s", sorted(missing), namespace)
    return sorted(missing)


async def _add_one_by_one(client: Client, namespace: str) -> list[str]:
    added: list[str] = []
    for name, kind in SEARCH_ATTRIBUTES.items():
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(search_attributes={name: kind}, namespace=namespace)
            )
        except RPCError as exc:
            if exc.status != RPCStatusCode.ALREADY_EXISTS:
                raise
        else:
            added.append(name)
    return sorted(added)
