"""The browser side of a session: who is signed in, the forms' CSRF tokens, the language.

The session itself is the API's (``POST /api/v1/auth/session``: an HttpOnly, SameSite=Strict
cookie, checked by ``pathway.http.requests.authenticated``). On top of SameSite, every form
that changes something carries a CSRF token derived from the session's secret token: only a
page rendered for this session can know it, and nothing has to be stored for it. The
sign-in form, which comes before any session, uses a double-submit cookie instead."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from pathway.app.errors import AppError
from pathway.http.requests import authenticated, services_of, token_from
from pathway.i18n import language
from pathway.security.accounts import Principal

LANG_COOKIE = "pathway_lang"
LOGIN_CSRF_COOKIE = "pathway_login_csrf"
CSRF_FIELD = "csrf"
_CSRF_CONTEXT = b"pathway.web.csrf.v1"


class LoginRequired(Exception):
    """No live session: the browser is sent to the sign-in page."""


class CsrfRefused(Exception):
    """A form without this session's token (another site's, or a stale page's)."""


def principal_of(request: Request) -> Principal:
    try:
        return authenticated(request, services_of(request))
    except AppError:
        raise LoginRequired() from None


def csrf_token(request: Request) -> str | None:
    raw = token_from(request)
    if not raw:
        return None
    return hmac.new(raw.encode("utf-8"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def check_csrf(request: Request, sent: object) -> None:
    expected = csrf_token(request)
    if expected is None or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def check_login_csrf(request: Request, sent: object) -> None:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, cookie):
        raise CsrfRefused()


def from_script(request: Request) -> bool:
    """A form sent by the page's own script (the visit queue, ``static/visit-queue.js``), which
    asks for JSON: it is answered with a status and a message in words, never a redirect."""
    return request.headers.get("accept", "").startswith("application/json")


def lang_of(request: Request) -> str:
    return language(request.cookies.get(LANG_COOKIE))


def local_path(target: str | None, default: str = "/") -> str:
    """Only a path of this site (never ``//host`` or a scheme): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
