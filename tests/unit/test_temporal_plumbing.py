"""pathway.temporal and pathway.runtime pieces that need no server."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.service import TLSConfig

from pathway.config import Settings
from pathway.runtime.devserver import DevServer, free_port
from pathway.temporal import SEARCH_ATTRIBUTES, _tls, data_converter, search_attribute_cli_flags

KEYWORD = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
DATETIME = IndexedValueType.INDEXED_VALUE_TYPE_DATETIME


def test_the_six_search_attributes() -> None:
    assert SEARCH_ATTRIBUTES == {
        "PathwayDefinition": KEYWORD,
        "PathwayStage": KEYWORD,
        "CoordinatorId": KEYWORD,
        "UnitId": KEYWORD,
        "StageDueAt": DATETIME,
        "NextVisitDueAt": DATETIME,
    }
    flags = search_attribute_cli_flags()
    assert flags[::2] == ["--search-attribute"] * 6
    assert "PathwayStage=Keyword" in flags and "StageDueAt=Datetime" in flags


def test_data_converter_is_pydantic(tmp_path: Path) -> None:
    assert data_converter(Settings(home=tmp_path)).payload_converter_class is PydanticPayloadConverter


def test_tls_from_settings(tmp_path: Path) -> None:
    cert, key, ca = tmp_path / "c.pem", tmp_path / "k.pem", tmp_path / "ca.pem"
    cert.write_bytes(b"CERT")
    key.write_bytes(b"KEY")
    ca.write_bytes(b"CA")

    assert _tls(Settings(home=tmp_path)) is False
    assert _tls(Settings(home=tmp_path, temporal_api_key=SecretStr("k"))) is True
    tls = _tls(Settings(home=tmp_path, temporal_tls_cert=cert, temporal_tls_key=key, temporal_tls_ca=ca))
    assert isinstance(tls, TLSConfig)
    assert (tls.client_cert, tls.client_private_key, tls.server_root_ca_cert) == (b"CERT", b"KEY", b"CA")
    with pytest.raises(RuntimeError, match="both"):
        _tls(Settings(home=tmp_path, temporal_tls_cert=cert))
    with pytest.raises(RuntimeError, match="cannot read"):
        _tls(Settings(home=tmp_path, temporal_tls_cert=cert, temporal_tls_key=tmp_path / "missing.pem"))


def test_free_port_can_be_bound_and_is_not_handed_out_again() -> None:
    port = free_port()
    with socket.socket() as other:  # what a server picking its own port does
        other.bind(("127.0.0.1", 0))
        assert other.getsockname()[1] != port
    with socket.socket() as server:  # what the dev server / uvicorn do with our pick
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()


def test_dev_server_command(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, temporal_port=7301, temporal_ui_port=8301, temporal_namespace="ops-wroclaw")
    server = DevServer(settings, ui_codec_endpoint="http://127.0.0.1:8000/codec", binary=Path("/bin/temporal"))
    server.http_port, server.metrics_port = 7302, 7303
    cmd = server.command()
    assert cmd[:3] == ["/bin/temporal", "server", "start-dev"]
    joined = " ".join(cmd)
    for part in (
        f"--db-filename {tmp_path / 'temporal.db'}",
        "--ip 127.0.0.1",
        "--port 7301",
        "--ui-port 8301",
        "--http-port 7302",
        "--metrics-port 7303",
        "--sqlite-pragma journal_mode=wal",
        "--sqlite-pragma synchronous=normal",
        "--ui-disable-news-fetch",
        "--log-level warn",
        "--namespace ops-wroclaw",
        "--ui-codec-endpoint http://127.0.0.1:8000/codec",
        "--search-attribute NextVisitDueAt=Datetime",
    ):
        assert part in joined
    assert server.address == "127.0.0.1:7301"
    assert server.ui_url == "http://127.0.0.1:8301"
