"""What a phone keeps and asks for so that a visit can be logged without signal (issue 15,
items 4 and 5): the service worker, the web app manifest, the offline page, and the state of
the session as the visit queue's script needs it.

The service worker (``static/sw.js``) is served from ``/sw.js`` so that its scope is the
whole site. It keeps only static files and the offline page, which holds no client data and
no session: pages with client data are never cached (every answer is ``no-store``). A visit
logged without signal is kept in the browser's IndexedDB by ``static/visit-queue.js`` and
sent with its own idempotency key once the network, or the session, is back."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from pathway.app.errors import AppError
from pathway.http.requests import authenticated, services_of
from pathway.i18n import Words
from pathway.web import STATIC
from pathway.web.page import Page
from pathway.web.session import csrf_token, lang_of

router = APIRouter(include_in_schema=False)


@router.get("/sw.js")
async def service_worker() -> Response:
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers={"Service-Worker-Allowed": "/"})


@router.get("/manifest.webmanifest")
async def manifest(request: Request) -> Response:
    words = Words(lang_of(request))
    name = words._("Support pathways")
    body = {
        "name": name,
        "short_name": name,
        "lang": words.lang,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b4f8a",
        "icons": [{"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return JSONResponse(body, media_type="application/manifest+json")


@router.get("/offline")
async def offline(request: Request) -> Response:
    """What the service worker shows when a page cannot be loaded: no client data, no
    session (no CSRF token, no name): the same for everyone, so it may be kept on the device.
    The visits waiting to be sent are listed by its script, by case reference only."""
    return Page(request, None).render("offline.html")


@router.get("/session")
async def session_state(request: Request) -> Response:
    """Whether the browser's session is live, whose it is, and its CSRF token: what the visit
    queue needs to send a kept visit as the person who logged it. Readable by this site's
    scripts only (no CORS for other origins; the cookie is SameSite=Strict), like the token
    every page already carries in its forms."""
    try:
        principal = authenticated(request, services_of(request))
    except AppError:
        return JSONResponse({"signed_in": False, "staff": None, "csrf": None})
    return JSONResponse({"signed_in": True, "staff": principal.id, "csrf": csrf_token(request)})
