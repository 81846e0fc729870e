"""The web UI for coordinators and supervisors: server-rendered pages at ``/`` of the API's app."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from pathway.http.requests import token_from
from pathway.web.session import CsrfRefused, LoginRequired, from_script

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the pages, their static files, and the two answers only a browser gets."""
    from pathway.web.page import Page
    from pathway.web.pages import router

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # A page the store could not answer for (api/errors.py decides, for every path).
    app.state.error_page = lambda request, error: Page(request, None).error(error)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        # Back to the page after signing in: its path only (ids, never personal data).
        # "Session expired" only when a session was sent and is no longer valid: a first
        # visit, with no session at all, is simply asked to sign in. The page's script is told
        # so (401): it keeps the form's content and sends the person to sign in itself.
        if from_script(request):
            return JSONResponse({"code": "unauthorized"}, status_code=401)
        target = request.url.path if request.method == "GET" else "/"
        expired = "expired=1&" if token_from(request) else ""
        return RedirectResponse(f"/login?{expired}next={quote(target, safe='/')}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        if from_script(request):
            return JSONResponse({"code": "csrf_refused"}, status_code=403)
        page = Page(request, None)
        return page.render(
            "error.html",
            status=403,
            message=page._("The form has expired or came from another site. Reload the page and try again."),
        )
