"""One request of a person, and how to answer them: the language, the formats, the page's
security headers, forms with a CSRF token and an idempotency key, errors in words."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from pathway.app import inbox
from pathway.app.context import Context, open_session
from pathway.app.errors import AppError
from pathway.app.services import Services
from pathway.core.definition import PARTNER_KINDS
from pathway.core.overdue import due_on
from pathway.core.sharing import SCOPE_FIELDS
from pathway.core.titles import title
from pathway.http.requests import checked_idempotency_key, client_address, services_of
from pathway.security.accounts import Principal
from pathway.web import forms
from pathway.web.i18n import MESSAGES, translator
from pathway.web.session import (
    CSRF_FIELD,
    check_csrf,
    csrf_token,
    lang_of,
    principal_of,
)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

# Security headers of every page: scripts and styles only from this site, no framing.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class Page:
    """One request of a person: who, in which language, and how to answer them."""

    def __init__(self, request: Request, principal: Principal | None) -> None:
        self.request = request
        self.principal = principal
        self.services: Services = services_of(request)
        self.lang = lang_of(request)
        self._ = translator(self.lang)
        self.tz = ZoneInfo(self.services.settings.tz)

    @property
    def actor(self) -> Principal:
        assert self.principal is not None
        return self.principal

    @contextmanager
    def context(self) -> Iterator[Context]:
        """The use cases' context for this person's request, with a database session of its own
        (closed when the block ends)."""
        with open_session(self.services) as session:
            yield Context(self.services, session, self.actor, client_address(self.request))

    # ------------------------------------------------------------------ formatting
    def dt(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if value else self._("none")

    def d(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).strftime("%Y-%m-%d") if value else self._("none")

    def due(self, value: datetime | None) -> str:
        """A due moment (its first late instant) as the last day still on time."""
        return due_on(value, self.tz.key).isoformat() if value else self._("none")

    def t(self, value: Any) -> str:
        return title(value, self.lang)

    def stage_title(self, definition_id: str, stage: str) -> str:
        """A stage's title in the page's language (its code where the definition is gone)."""
        entry = self.services.catalog.get(definition_id)
        found = entry.definition.stages.get(stage) if entry else None
        return self.t(found.title) if found else stage

    def inbox_unread(self) -> int:
        """How many items of the person's inbox are unread (shown in the page header)."""
        if self.principal is None:
            return 0
        with self.context() as ctx:
            return inbox.unread_count(ctx)

    def duration(self, value: Any) -> str:
        """A definition's ``Duration`` ("15 working_days") in words of the page's language."""
        return f"{value.amount} {self._('unit.' + value.unit)}" if value is not None else self._("none")

    def partner_kind(self, kind: str | None) -> str:
        names = PARTNER_KINDS.get(kind or "")
        return (names[0] if self.lang == "pl" else names[1]) if names else str(kind)

    def scope(self, fields: list[str]) -> str:
        """A partner's data-sharing scope in words, in the order of the vocabulary."""
        i = 0 if self.lang == "pl" else 1
        return ", ".join(names[i] for code, names in SCOPE_FIELDS.items() if code in fields)

    def refusal(self, exc: AppError) -> str:
        """A refusal in the page's language where the catalogue words its code, else the API's message."""
        key = f"refusal.{exc.code}"
        return self._(key) if key in MESSAGES[self.lang] else exc.message

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            page=self,
            _=self._,
            lang=self.lang,
            principal=self.principal,
            csrf=csrf_token(self.request),
            csrf_field=CSRF_FIELD,
            path=self.request.url.path,
            new_key=lambda: uuid.uuid4().hex,
            unread=self.inbox_unread(),
        )
        return templates.TemplateResponse(self.request, template, context, status_code=status, headers=PAGE_HEADERS)

    def error(self, exc: AppError) -> HTMLResponse:
        if exc.status == 404:
            message = self._("error.not_found")
        elif exc.status == 403:
            message = self._("error.forbidden")
        elif exc.status == 503:
            message = self._("error.unavailable")
        else:
            message = exc.message
        return self.render("error.html", status=exc.status, message=message)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def signed_in(request: Request) -> Page:
    return Page(request, principal_of(request))


async def form_of(request: Request) -> tuple[Page, FormData]:
    """A signed-in person's form, with this session's CSRF token (or refused)."""
    page = await signed_in(request)
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return page, form


def form_key(form: FormData) -> str | None:
    """The idempotency key rendered into the form: a second submit of the same form is the
    same command (the key becomes the Temporal update id), so it is applied once."""
    return checked_idempotency_key(forms.field(form, "key"))
