"""One request of a person, and how to answer them: the language, the formats, the page's
security headers, forms with a CSRF token and an idempotency key, errors in words."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
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
from pathway.http.requests import checked_idempotency_key, client_address, services_of
from pathway.i18n import NONE, Words, formats, listed, named, title
from pathway.security.accounts import Principal
from pathway.web import forms
from pathway.web.session import (
    CSRF_FIELD,
    check_csrf,
    csrf_token,
    lang_of,
    principal_of,
)
from pathway.web.templating import template_environment

templates = Jinja2Templates(env=template_environment(Path(__file__).parent / "templates"))

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
        self.words = Words(self.lang)
        self._ = self.words._
        self.tz = ZoneInfo(self.services.settings.tz)
        self.today = datetime.now(self.tz).date()

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
        """A moment in words, in the centre's zone: ``pon., 14 grudnia, 14:30``."""
        return self.words.moment(value, self.tz, today=self.today)

    def clock(self, value: datetime) -> str:
        """The time of day of a moment in the centre's zone: ``14:30``."""
        return formats.clock(value.astimezone(self.tz), self.lang)

    def d(self, value: datetime | date | None) -> str:
        """A day in words: ``pon., 14 grudnia`` (with the year when it is not this year's)."""
        return self.words.day(value, self.tz, today=self.today)

    def due(self, value: datetime | date | None) -> str:
        """A due moment (its first late instant) as the last day still on time, in words with
        how far it is: ``pon., 14 grudnia (za 3 dni)``; a day past says how long ago
        (``3 dni po terminie``, the core's days overdue). A date is taken as that last day."""
        if value is None:
            return NONE
        last = due_on(value, self.tz.key) if isinstance(value, datetime) else value
        return f"{self.d(last)} ({self.until(last)})"

    def last_day(self, value: datetime | None) -> date | None:
        """A due moment (its first late instant) as the last day still on time
        (``pathway.core.overdue.due_on``: the one date every surface shows)."""
        return due_on(value, self.tz.key) if value is not None else None

    def until(self, value: datetime | date) -> str:
        """How far a due day is from today in the centre's zone: ``dziś``, ``za 3 dni``, ``3 dni po terminie``."""
        local = value.astimezone(self.tz).date() if isinstance(value, datetime) else value
        return self.words.days_until((local - self.today).days)

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
        return self.words.duration(value.amount, value.unit) if value is not None else NONE

    def partner_kind(self, kind: str | None) -> str:
        return named(PARTNER_KINDS, kind, self.lang)

    def scope(self, fields: list[str]) -> str:
        """A partner's data-sharing scope in words, in the order of the vocabulary."""
        return listed(SCOPE_FIELDS, fields, self.lang)

    def refusal(self, exc: AppError) -> str:
        """A refusal in the page's language where the catalog words its code, else the API's message."""
        return self.words.code("refusal", exc.code) if self.words.knows("refusal", exc.code) else exc.message

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            page=self,
            lang=self.lang,
            principal=self.principal,
            csrf=csrf_token(self.request),
            csrf_field=CSRF_FIELD,
            path=self.request.url.path,
            new_key=lambda: uuid.uuid4().hex,
            unread=self.inbox_unread(),
        )
        return templates.TemplateResponse(self.request, template, context, status_code=status, headers=PAGE_HEADERS)

    def error_message(self, exc: AppError) -> str:
        """Why a page or a form was refused outright (not found, not for this role, the service
        not answering), in words."""
        if exc.status == 404:
            return self._("Not found.")
        if exc.status == 403:
            return self._("This page is not available to your role.")
        if exc.status == 503:
            return self._("The service is not answering right now. Please try again in a moment.")
        return exc.message

    def error(self, exc: AppError) -> HTMLResponse:
        return self.render("error.html", status=exc.status, message=self.error_message(exc))


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
