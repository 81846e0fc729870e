"""Answers carry personal data: no browser or proxy may keep a copy of any of them.

A pure ASGI middleware that sets the headers on the answer's first message. (It was a
``@app.middleware("http")`` function: Starlette's ``BaseHTTPMiddleware`` runs the app in a
task of its own and pipes the body through a stream, which cost every request ~1 ms.)"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Content-Type-Options": "nosniff"}


class NoStore:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_no_store)
