"""Signing in and out, and the language switch."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from pathway.app.errors import AppError
from pathway.app.signin import TokenRequest, sign_in, sign_out
from pathway.http.requests import client_address, drop_session_cookie, services_of, set_session_cookie, token_from
from pathway.i18n import LANGUAGES, Words
from pathway.web import forms
from pathway.web.page import Page, form_of, redirect, signed_in
from pathway.web.session import (
    CSRF_FIELD,
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    check_login_csrf,
    lang_of,
    local_path,
    new_login_csrf,
)

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------------- signing in and out
@router.get("/")
async def home(request: Request) -> Response:
    page = await signed_in(request)
    if page.actor.has("coordinator"):
        return redirect("/cases")
    if page.actor.has("supervisor"):
        return redirect("/dashboard")
    return redirect("/partners")


def _login_page(request: Request, status: int = 200, error: str | None = None, username: str = "") -> HTMLResponse:
    token = new_login_csrf()
    response = Page(request, None).render(
        "login.html",
        status=status,
        error=error,
        username=username,
        login_csrf=token,
        next=local_path(request.query_params.get("next"), ""),
        expired=request.query_params.get("expired") == "1",
        signed_out=request.query_params.get("out") == "1",
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login", secure=request.url.scheme == "https"
    )
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    check_login_csrf(request, form.get(CSRF_FIELD))
    username = forms.field(form, "username") or ""
    try:
        body = TokenRequest(username=username, password=str(form.get("password") or ""))
    except ValidationError:
        return _login_page(request, 422, Words(lang_of(request))._("Enter your username and password."), username)
    response = redirect(local_path(forms.field(form, "next"), "/"))
    try:
        answer = await sign_in(services_of(request), body, address=client_address(request), kind="web")
    except AppError as refused:
        return _refused_page(request, refused, username)
    set_session_cookie(request, response, answer.access_token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _refused_page(request: Request, refused: AppError, username: str) -> HTMLResponse:
    """The form again, saying why in the page's language; a limit's refusal keeps its 429
    and Retry-After, and says in minutes when to try again."""
    words = Words(lang_of(request))
    code = refused.code if words.knows("sign_in", refused.code) else "invalid_credentials"
    retry_after = refused.extra.get("retry_after")
    minutes = math.ceil(retry_after / 60) if isinstance(retry_after, int) else None
    message = words.code("sign_in", code, minutes=minutes) if minutes is not None else words.code("sign_in", code)
    page = _login_page(request, refused.status, message, username)
    if refused.headers and "Retry-After" in refused.headers:
        page.headers["Retry-After"] = refused.headers["Retry-After"]
    return page


@router.post("/logout")
async def logout(request: Request) -> Response:
    page, _form_data = await form_of(request)
    response = redirect("/login?out=1")
    await sign_out(page.services, page.actor, token_from(request), address=client_address(request))
    drop_session_cookie(response)
    return response


@router.get("/lang/{code}")
async def switch_language(code: str, request: Request) -> Response:
    response = redirect(local_path(request.query_params.get("next"), "/"))
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            code,
            samesite="strict",
            path="/",
            max_age=365 * 24 * 3600,
            secure=request.url.scheme == "https",
        )
    return response
