"""Settings: the only place that reads the environment (prefix ``PATHWAY_``).

Build once with ``Settings()`` at a process's entry point and pass it down."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".pathway"


# Where `pathway up` records the URL its API listens on, next to the CLI's saved token, so
# that later CLI calls on the same home reach it (`pathway up --port N`).
API_URL_FILE = "cli-api-url"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHWAY_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    definitions_dir: Path | None = None

    # Temporal. An unset address means: start and use the embedded dev server.
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    # CA that signed the server's certificate (self-hosted mTLS); unset: the system roots.
    temporal_tls_ca: Path | None = None
    # The name the server's certificate is checked against, when it is not the address's host
    # (a cluster reached through a load balancer or by IP).
    temporal_tls_server_name: str | None = None
    # TLS without a client certificate (a cluster behind a TLS proxy); implied by the above.
    temporal_tls: bool = False
    temporal_api_key: SecretStr | None = None
    task_queue: str = "pathway"
    # The worker's workflow cache must cover the open caseload (see DESIGN.md).
    max_cached_workflows: int = 10_000
    # Run workflows in the SDK's sandbox (PATHWAY_WORKFLOW_SANDBOX). Off by default: it checked
    # little of our code and cost every activation and payload; workflows/runner.py says what
    # guards determinism without it (docs/ARCHITECTURE.md, "Decisions worth knowing").
    workflow_sandbox: bool = False
    # How long a person's command or read waits for the case's workflow before the answer is
    # 503 worker_unavailable (no worker polls the task queue; the command may still be applied
    # later, and a retry with the same Idempotency-Key returns its outcome).
    command_wait_seconds: float = Field(default=15.0, gt=0, le=120)

    # Embedded stack ports, all bound to 127.0.0.1.
    host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_http_port: int | None = None
    temporal_metrics_port: int | None = None

    # Payload encryption (AES-GCM). Off only when explicitly disabled for development.
    codec_key: SecretStr | None = None
    codec_key_file: Path | None = None
    codec_disabled: bool = False
    # The key store of client identity: one wrapped data key per client, in a database of its
    # own so that backups of the data never hold the keys (pathway/security/identity.py).
    keystore_url: str | None = None

    tz: str = "Europe/Warsaw"
    # The language of the dates the CLI prints for people (PATHWAY_LANG): pl (default) or en.
    lang: str = "pl"
    # The unit (centre) of the first admin on a new home.
    unit: str = "default"
    admin_password: SecretStr | None = None
    api_url: str | None = None
    # A bearer token for the CLI (else the one `pathway login` saved under the home).
    token: SecretStr | None = None
    log_level: str = "INFO"
    log_json: bool = False

    # Where partners reach this system (referral callbacks): PATHWAY_PUBLIC_URL.
    public_url: str = "http://127.0.0.1:8000"
    # Partner notifications by e-mail. Without a host the worker has no smtp channel (a
    # partner told by e-mail is then reported to the coordinator as not reached).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_from: str = "pathway@localhost"
    smtp_timeout_seconds: float = 20.0
    # Partner notifications by webhook (HTTP POST, HMAC-signed).
    webhook_timeout_seconds: float = 15.0

    # Limits on signing in (pathway/security/rate_limits.py), in the `limits` library's
    # notation ("30/minute"; several joined by ";"). Where the counts live: memory:// for one
    # API process; redis://host:port/db when several API processes must share them.
    rate_limit_storage: str = "memory://"
    # Attempts per client address on POST /auth/token, /auth/session and the web's /login.
    sign_in_rate_limit: str = "30/minute"
    # Attempts on one account from one address that did not succeed, before that pair waits.
    sign_in_failure_limit: str = "5/15 minutes"
    # Reverse proxies whose X-Forwarded-For names the client (addresses or networks,
    # comma-separated). Empty: the socket's address is the client's, whatever a header says.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return value
        networks = [str(item).strip() for item in items if str(item).strip()]
        for network in networks:
            ipaddress.ip_network(network, strict=False)  # a ValueError names the bad entry
        return networks

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'pathway.db'}"

    @property
    def resolved_keystore_url(self) -> str:
        return self.keystore_url or f"sqlite:///{self.home / 'keystore.db'}"

    @property
    def resolved_codec_key_file(self) -> Path:
        return self.codec_key_file or self.home / "codec.keys"

    @property
    def resolved_definitions_dir(self) -> Path:
        if self.definitions_dir is not None:
            return self.definitions_dir
        return Path(__file__).resolve().parent.parent / "definitions"

    @property
    def resolved_api_url(self) -> str:
        """The API the CLI talks to: ``PATHWAY_API_URL``; else the URL the last ``pathway up``
        on this home recorded (it may have been started with ``--port N``); else host and port."""
        return self.api_url or self.recorded_api_url or f"http://{self.host}:{self.api_port}"

    @property
    def recorded_api_url(self) -> str | None:
        try:
            url = (self.home / API_URL_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return url if url.startswith(("http://", "https://")) else None

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"{self.host}:{self.temporal_port}"
