"""Real receivers on loopback for partner notifications (import as ``from receivers import ...``).

- ``MailReceiver``: an aiosmtpd SMTP server; it keeps every message it accepted and can be
  told to refuse a recipient (a 5xx or 4xx at RCPT TO).
- ``WebhookReceiver``: a stdlib ThreadingHTTPServer that checks each request's HMAC
  signature with the partner's secret, deduplicates on ``Idempotency-Key``, answers from a
  script (e.g. 503, 503, 503, then 200), and can be stopped and started on the same port
  (a partner that is down for a while)."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from activities.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from pathway.runtime.devserver import free_port


# ---------------------------------------------------------------- SMTP
@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def key(self) -> str:
        return str(self.message["X-Pathway-Key"])

    @property
    def text(self) -> str:
        return (
            self.message.get_content()
            if not self.message.is_multipart()
            else "".join(p.get_content() for p in self.message.walk() if p.get_content_type() == "text/plain")
        )


class _MailHandler:
    def __init__(self, box: MailReceiver) -> None:
        self.box = box

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        self.box.rcpt_attempts.append(address)
        refusal = self.box.refuse.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.box.lock:
            self.box.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class MailReceiver:
    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.rcpt_attempts: list[str] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP answer, e.g. "550 5.1.1 no such mailbox"
        self.lock = threading.Lock()
        self.port = free_port()  # aiosmtpd checks it is up by connecting: port 0 would not do
        self.controller = Controller(_MailHandler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> MailReceiver:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.mails if address in m.recipients]


# ---------------------------------------------------------------- webhook
@dataclass
class Hit:
    path: str
    key: str
    attempt: int
    attempt_at: datetime | None
    verified: bool
    answered: int
    body: dict[str, Any]
    duplicate: bool = False


@dataclass
class WebhookReceiver:
    secrets: dict[str, str] = field(default_factory=dict)  # path -> the partner's signing key
    script: dict[str, list[int]] = field(default_factory=dict)  # path -> status codes to answer first
    hits: list[Hit] = field(default_factory=list)
    delivered: dict[str, Hit] = field(default_factory=dict)  # idempotency key -> the accepted request
    port: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._handle(self, raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until ``start`` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _handle(self, request: BaseHTTPRequestHandler, raw: bytes) -> None:
        path = request.path
        key = request.headers.get("Idempotency-Key", "")
        secret = self.secrets.get(path, "")
        ok = bool(secret) and verify(
            secret, request.headers.get(TIMESTAMP_HEADER, ""), raw, request.headers.get(SIGNATURE_HEADER, "")
        )
        at = request.headers.get("X-Pathway-Attempt-At")
        with self.lock:
            queued = self.script.get(path) or []
            status = queued.pop(0) if queued else (200 if ok else 401)
            hit = Hit(
                path=path,
                key=key,
                attempt=int(request.headers.get("X-Pathway-Attempt", "0")),
                attempt_at=datetime.fromisoformat(at) if at else None,
                verified=ok,
                answered=status,
                body=json.loads(raw or b"{}"),
            )
            if status == 200:
                hit.duplicate = key in self.delivered
                self.delivered.setdefault(key, hit)
            self.hits.append(hit)
        body = b'{"ok": true}' if status == 200 else b'{"error": "scripted"}'
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def at(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path]
