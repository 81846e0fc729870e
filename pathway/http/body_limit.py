"""A cap on the size of a request body, before anything parses it.

An answer of 413 ``{"detail": {"code": "payload_too_large", "message": ...}}`` (the API's
error shape) when a body is larger than ``MAX_BODY_BYTES``. Both ways a client can send a
body are held to it:

- a ``Content-Length`` over the limit is refused at once, without reading the body;
- a body without one (chunked) or with one that lies is counted as it streams in, and the
  request is refused the moment the count passes the limit (nothing is buffered here).

A pure ASGI middleware (not ``BaseHTTPMiddleware``), so that it sees the body's chunks."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB: the largest legitimate body (a note, a codec batch) is far smaller
CODE = "payload_too_large"


def _message(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the streamed count passes the limit. An HTTPException, so
    FastAPI's body reader passes it on (it turns other errors into a 400) and the API's
    handler answers it in the API's shape."""

    def __init__(self, limit: int) -> None:
        # Starlette types ``detail`` as text; the API's handler renders a mapping as its shape.
        detail: Any = {"code": CODE, "message": _message(limit)}
        super().__init__(status_code=413, detail=detail)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = False  # the server rejects a malformed header; counting still holds
            if too_large:
                await self._refuse(send)
                return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Read outside FastAPI's handlers (e.g. by a middleware): answer here, if we still can.
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": {"code": CODE, "message": _message(self.max_bytes)}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                    (b"connection", b"close"),  # the rest of the body is not read
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
