"""The ``webhook`` channel: the message as JSON, POSTed to the partner's address.

Headers: ``Idempotency-Key`` (the receiver deduplicates on it), ``X-Pathway-Timestamp``
(Unix seconds) and ``X-Pathway-Signature: sha256=<hex>``, the HMAC-SHA256 with the
partner's secret of ``"<timestamp>.<body>"`` - the timestamp is signed too, so a captured
request cannot be replayed later under a fresh one. 5xx, 408, 429, timeouts and connection
errors are temporary (retried with backoff); any other 4xx is permanent."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from activities.notify import DeliveryResult, Message, PermanentDeliveryError, TemporaryDeliveryError
from pathway.store.models import Partner

SIGNATURE_HEADER = "X-Pathway-Signature"
TIMESTAMP_HEADER = "X-Pathway-Timestamp"
RETRYABLE_4XX = frozenset({408, 425, 429})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and the tests do) with a request."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(message: Message) -> bytes:
    data = {"key": message.key, "type": message.subject_code, "data": message.body}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


class WebhookChannel:
    name = "webhook"

    def __init__(self, *, timeout: float = 15.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.timeout = timeout
        self.transport = transport

    async def deliver(self, message: Message, partner: Partner | None) -> DeliveryResult:
        if partner is None or not partner.webhook_url:
            raise PermanentDeliveryError("the partner has no webhook address")
        if not partner.webhook_secret:
            raise PermanentDeliveryError("the partner has no webhook signing key")
        body = payload(message)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(partner.webhook_secret, timestamp, body),
            "X-Pathway-Attempt": str(message.attempt),
            "User-Agent": "pathway-webhook/1",
        }
        if message.attempt_at is not None:
            headers["X-Pathway-Attempt-At"] = message.attempt_at.isoformat()
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout, transport=self.transport, follow_redirects=False
            ) as http:
                response = await http.post(partner.webhook_url, content=body, headers=headers)
        except httpx.TransportError as err:  # connection refused or reset, timeouts
            raise TemporaryDeliveryError(f"webhook not reachable: {type(err).__name__}") from None
        code = response.status_code
        if 200 <= code < 300:
            return DeliveryResult(status="delivered", channel=self.name, detail=f"HTTP {code}")
        if code >= 500 or code in RETRYABLE_4XX:
            raise TemporaryDeliveryError(f"webhook answered HTTP {code}")
        raise PermanentDeliveryError(f"webhook answered HTTP {code}")
