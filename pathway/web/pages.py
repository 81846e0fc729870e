"""The pages people use, at ``/`` of the same app as the API.

Each page calls the API's own handler functions (``pathway.api.routers.*``) with the
signed-in principal, so a page obeys exactly the rules of the endpoint behind it: the same
``authorize`` and case scoping (a colleague's case is "not found"), the same gateway to the
case's workflow, the same audit records, the same refusals. The pages add only what a
browser needs: forms (a CSRF token and an idempotency key rendered into each), redirects
after a command, and errors shown in words instead of JSON."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from pathway import charts
from pathway.api.deps import Auditor, Services, authorize, checked_idempotency_key, client_address, services_of
from pathway.api.errors import ApiError
from pathway.api.routers import audit as audit_api
from pathway.api.routers import auth as auth_api
from pathway.api.routers import caseloads as caseloads_api
from pathway.api.routers import cases as case_api
from pathway.api.routers import consents as consents_api
from pathway.api.routers import definitions as definitions_api
from pathway.api.routers import partners as partners_api
from pathway.api.routers import referrals as referrals_api
from pathway.api.routers import reports as reports_api
from pathway.api.schemas import (
    CloseRequest,
    FactRequest,
    OpenCaseRequest,
    PauseRequest,
    ReferralAnswerRequest,
    ReferralRequest,
    TransitionRequest,
    VisitRequest,
)
from pathway.catalog import CatalogEntry
from pathway.core.case import CERTIFICATE_LAPSED, REFERRAL_ANSWERS
from pathway.core.definition import PARTNER_KINDS, Definition
from pathway.core.diagram import mermaid
from pathway.core.sharing import SCOPE_FIELDS, needs_consent
from pathway.security import accounts
from pathway.security.accounts import Principal
from pathway.security.policy import Action, CaseScope, decide
from pathway.store import queries
from pathway.store.models import SECTORS, utcnow
from pathway.web import caseload, forms
from pathway.web.diagram import render_svg
from pathway.web.i18n import LANGUAGES, MESSAGES, title, translator
from pathway.web.session import (
    CSRF_FIELD,
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    check_csrf,
    check_login_csrf,
    csrf_token,
    lang_of,
    local_path,
    new_login_csrf,
    principal_of,
)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

PAUSE_REASONS = ("hospital", "shelter", "other")
# Reason codes offered when a coordinator enters a partner's refusal (any code is accepted).
REJECT_REASONS = ("no_places", "not_eligible", "client_declined", "no_contact")
# The answers a referral in each status can still take, in the order a partner gives them.
ANSWERS = {
    status: [a for a in ("accepted", "rejected", "done") if a in allowed]
    for status, allowed in REFERRAL_ANSWERS.items()
}
DONE = ("advance", "visit", "fact", "pause", "resume", "close", "open", "consent", "withdraw", "refer", "answer")
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

    def auditor(self) -> Auditor:
        return Auditor(self.services.engine, self.actor, client_address(self.request))

    def session(self) -> Session:
        return Session(self.services.engine, info={"vault": self.services.vault})

    # ------------------------------------------------------------------ formatting
    def dt(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if value else self._("none")

    def d(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).strftime("%Y-%m-%d") if value else self._("none")

    def t(self, value: Any) -> str:
        return title(value, self.lang)

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

    def refusal(self, exc: ApiError) -> str:
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
        )
        return templates.TemplateResponse(self.request, template, context, status_code=status, headers=PAGE_HEADERS)

    def error(self, exc: ApiError) -> HTMLResponse:
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


async def _signed_in(request: Request) -> Page:
    return Page(request, principal_of(request))


async def _form(request: Request) -> tuple[Page, FormData]:
    """A signed-in person's form, with this session's CSRF token (or refused)."""
    page = await _signed_in(request)
    form = await request.form()
    check_csrf(request, form.get(CSRF_FIELD))
    return page, form


def _key(form: FormData) -> str | None:
    """The idempotency key rendered into the form: a second submit of the same form is the
    same command (the key becomes the Temporal update id), so it is applied once."""
    return checked_idempotency_key(forms.field(form, "key"))


# ---------------------------------------------------------------------- signing in and out
@router.get("/")
async def home(request: Request) -> Response:
    page = await _signed_in(request)
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
        body = auth_api.TokenRequest(username=username, password=str(form.get("password") or ""))
    except ValidationError:
        return _login_page(request, 422, translator(lang_of(request))("login.missing"), username)
    response = redirect(local_path(forms.field(form, "next"), "/"))
    try:
        await auth_api.open_session(body, request, response, services_of(request))
    except ApiError as refused:
        words = translator(lang_of(request))
        known = f"login.{refused.code}"
        return _login_page(request, 401, words(known) if known in MESSAGES["pl"] else refused.message, username)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    page, _form_data = await _form(request)
    response = redirect("/login?out=1")
    auth_api.end_session(request, page.services, page.actor, response)
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


# ---------------------------------------------------------------------- cases
@router.get("/cases")
async def case_list(request: Request) -> Response:
    page = await _signed_in(request)
    with page.session() as session:
        try:
            items, total = [], 0
            for status in ("active", "paused"):
                found = case_api.list_cases(session, page.actor, page.auditor(), status=status, limit=500, offset=0)
                items += found.items
                total += found.count
        except ApiError as exc:
            return page.error(exc)
    rows = caseload.rows_by_urgency(items, utcnow())
    return page.render(
        "cases.html",
        rows=rows,
        total=total,
        own=not page.actor.has("supervisor"),
        definitions={e.definition.id: e.definition for e in page.services.catalog.entries()},
    )


def _coordinators(page: Page) -> list[accounts.User]:
    if not page.actor.has("supervisor"):
        user = accounts.get_user(page.services.engine, page.actor.id)
        return [user] if user else []
    return [
        u
        for u in accounts.list_users(page.services.engine, unit_id=page.actor.unit_id)
        if "coordinator" in u.roles and not u.disabled
    ]


def _open_form(
    page: Page, status: int = 200, error: ApiError | None = None, values: dict[str, Any] | None = None
) -> HTMLResponse:
    return page.render(
        "open.html",
        status=status,
        error=error,
        values=values or {},
        coordinators=_coordinators(page),
        entries=page.services.catalog.entries(),
    )


@router.get("/cases/new")
async def open_case_form(request: Request) -> Response:
    page = await _signed_in(request)
    try:
        authorize(page.actor, Action.CASE_OPEN)
    except ApiError as exc:
        return page.error(exc)
    return _open_form(page)


@router.post("/cases/new")
async def open_case(request: Request) -> Response:
    page, form = await _form(request)
    values = {
        k: forms.field(form, k)
        for k in ("definition", "coordinator", "name", "address", "phone", "opened_on", "note", "key")
    }
    try:
        key = _key(form)
        body = OpenCaseRequest(
            definition=values["definition"] or "",
            coordinator=values["coordinator"] or page.actor.id,
            client={"name": values["name"] or "", "address": values["address"], "phone": values["phone"]},
            opened_at=forms.opened_at(
                values["opened_on"], page.services.settings.tz, utcnow().astimezone(page.tz).date()
            ),
            note=values["note"],
        )
        with page.session() as session:
            case = await case_api.open_case(body, page.services, session, page.actor, key, Response(), page.auditor())
    except ValidationError as exc:
        return _open_form(page, 422, forms.from_validation(exc), values)
    except ApiError as exc:
        if exc.status in (403, 503):
            return page.error(exc)
        return _open_form(page, exc.status, exc, values)
    return redirect(f"/cases/{case.id}?done=open")


def _entry(page: Page, definition_id: str) -> CatalogEntry | None:
    return page.services.catalog.get(definition_id)


def _transition_titles(definition: Definition, stage: str) -> dict[str, Any]:
    return {t.trigger: t.title for t in definition.transitions_from(stage)}


async def _case_page(page: Page, case_id: str, *, error: ApiError | None = None, status: int = 200) -> HTMLResponse:
    with page.session() as session:
        try:
            case = await case_api.get_case(case_id, page.services, session, page.actor, page.auditor())
        except ApiError as exc:
            return page.error(exc)
        notifications = case_api.notifications(case_id, session, page.actor, limit=100, offset=0).items
        visits = queries.list_visits(session, case_id=case_id)
        partners, _count = queries.list_partners(session, unit_id=page.actor.unit_id, limit=500)
        consents = consents_api.list_(case_id, session, page.actor).items
    entry = _entry(page, case.definition)
    definition = entry.definition if entry else None
    can_act = decide(page.actor, Action.CASE_ACT, CaseScope(unit_id=case.unit, coordinator_id=case.coordinator)).allowed
    done = page.request.query_params.get("done")
    return page.render(
        "case.html",
        status=status,
        case=case,
        definition=definition,
        error=error,
        can_act=can_act,
        done=done if done in DONE else None,
        moves=_transition_titles(definition, case.stage) if definition else {},
        needed={b.fact for b in case.blocked if b.fact},
        visits=visits,
        notifications=notifications,
        partners=partners,
        partner_names={p.id: p.name for p in partners},
        pause_reasons=PAUSE_REASONS,
        # The workflow's own view of its referrals (the answer of get_case), not the SQL projection
        # that lands a moment later: the page after "refer" already shows the referral.
        consents=consents,
        referrals=case.referrals,
        reject_reasons=REJECT_REASONS,
        answers=ANSWERS,
        consent_partners=[
            p
            for p in partners
            if needs_consent(p.kind) and not any(c.active and c.partner_id == p.id for c in consents)
        ],
        referral_overdue={o.ref: o for o in case.overdue if o.watch == "referral"},
        suspended=_suspension(page, definition, case)
        if case.status == "paused" and case.pause_reason == CERTIFICATE_LAPSED
        else None,
        visit_kinds=(
            definition.stages[case.stage].visits.kinds
            if definition and case.stage in definition.stages and definition.stages[case.stage].visits
            else ["home", "office", "phone", "outreach", "accompanying"]
        ),
        now_local=utcnow().astimezone(page.tz).strftime("%Y-%m-%dT%H:%M"),
    )


def _suspension(page: Page, definition: Definition | None, case: Any) -> str:
    """Why a service is suspended, in words: the certificates that lapsed by the pause."""
    lapsed = []
    for name, spec in definition.facts.items() if definition else ():
        value = case.facts.get(name)
        if (
            spec.kind == "certificate"
            and spec.suspend_when_lapsed
            and isinstance(value, dict)
            and value.get("valid_until")
        ):
            if case.paused_at is None or str(value["valid_until"]) < page.d(case.paused_at):
                lapsed.append(page._("case.lapsed_item", title=page.t(spec.title), until=value["valid_until"]))
    return page._(
        "case.suspended", since=page.d(case.paused_at), what="; ".join(lapsed) or page._("case.lapsed_unknown")
    )


@router.get("/cases/{case_id}")
async def case_page(case_id: str, request: Request) -> Response:
    return await _case_page(await _signed_in(request), case_id)


Command = Callable[[Page, Session, FormData, str | None], Awaitable[Any]]


async def _command(request: Request, case_id: str, done: str, run: Command) -> Response:
    """Run a case command from a form; on success back to the case (post/redirect/get), on a
    refusal the case page again with the refusal in words."""
    page, form = await _form(request)
    try:
        key = _key(form)
        with page.session() as session:
            await run(page, session, form, key)
    except ValidationError as exc:
        return await _case_page(page, case_id, error=forms.from_validation(exc), status=422)
    except ApiError as exc:
        if exc.status in (403, 404):
            return page.error(exc)
        return await _case_page(page, case_id, error=exc, status=exc.status)
    return redirect(f"/cases/{case_id}?done={done}#top")


@router.post("/cases/{case_id}/move")
async def move(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = TransitionRequest(
            trigger=forms.field(form, "trigger") or "",
            note=forms.field(form, "note"),
            expected_stage=forms.field(form, "expected_stage"),
        )
        return await case_api.transition(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "advance", run)


@router.post("/cases/{case_id}/visit")
async def visit(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = VisitRequest(
            occurred_at=forms.local_datetime(
                forms.field(form, "occurred_at"), page.services.settings.tz, "occurred_at"
            ),  # type: ignore[arg-type]
            duration_minutes=forms.field(form, "duration_minutes"),  # type: ignore[arg-type]
            kind=forms.field(form, "kind") or "home",
            note=forms.field(form, "note"),
        )
        return await case_api.record_visit(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "visit", run)


@router.post("/cases/{case_id}/facts/{name}")
async def fact(case_id: str, name: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        case = case_api._case_row(session, case_id, page.actor, Action.CASE_ACT)
        entry = _entry(page, case.definition_id)
        spec = entry.definition.facts.get(name) if entry else None
        if spec is None:
            raise forms.invalid(f"no fact '{name}' in this pathway")
        body = FactRequest(value=forms.fact_value(spec, form))
        return await case_api.set_fact(case_id, name, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "fact", run)


@router.post("/cases/{case_id}/pause")
async def pause(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = PauseRequest(reason=forms.field(form, "reason") or "other", note=forms.field(form, "note"))
        return await case_api.pause(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "pause", run)


@router.post("/cases/{case_id}/resume")
async def resume(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        return await case_api.resume(case_id, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "resume", run)


@router.post("/cases/{case_id}/close")
async def close(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = CloseRequest(outcome=forms.field(form, "outcome") or "", note=forms.field(form, "note"))
        return await case_api.close(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "close", run)


@router.post("/cases/{case_id}/consents")
async def give_consent(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = consents_api.ConsentIn(partner_id=forms.field(form, "partner_id") or "")
        return consents_api.give(case_id, body, session, page.actor, page.auditor())

    return await _command(request, case_id, "consent", run)


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw")
async def withdraw_consent(case_id: str, consent_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        return consents_api.withdraw(case_id, consent_id, session, page.actor, page.auditor())

    return await _command(request, case_id, "withdraw", run)


@router.post("/cases/{case_id}/referrals")
async def refer(case_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = ReferralRequest(
            partner_id=forms.field(form, "partner_id") or "",
            service=forms.field(form, "service") or "",
            note=forms.field(form, "note"),
        )
        return await referrals_api.refer(case_id, body, page.services, session, page.actor, key, page.auditor())

    return await _command(request, case_id, "refer", run)


@router.post("/cases/{case_id}/referrals/{referral_id}/answer")
async def answer_referral(case_id: str, referral_id: str, request: Request) -> Response:
    async def run(page: Page, session: Session, form: FormData, key: str | None) -> Any:
        body = ReferralAnswerRequest(
            answer=forms.field(form, "answer") or "",
            reason=forms.field(form, "reason"),  # type: ignore[arg-type]
            note=forms.field(form, "note"),
        )
        return await referrals_api.answer(
            case_id, referral_id, body, page.services, session, page.actor, key, page.auditor()
        )

    return await _command(request, case_id, "answer", run)


# ---------------------------------------------------------------------- the unit
@router.get("/partners")
async def resource_map(request: Request) -> Response:
    page = await _signed_in(request)
    kind = request.query_params.get("kind") or None
    sector = request.query_params.get("sector") or None
    kind = kind if kind in PARTNER_KINDS else None
    sector = sector if sector in SECTORS else None
    with page.session() as session:
        try:
            found = partners_api.list_partners(session, page.actor, kind=kind, sector=sector, limit=500, offset=0)
        except ApiError as exc:
            return page.error(exc)
    grouped: dict[str, dict[str, list[Any]]] = {}
    for p in found.items:
        grouped.setdefault(p.sector, {}).setdefault(p.kind, []).append(p)
    employers = [p for p in found.items if p.kind == "employer"]
    return page.render(
        "partners.html",
        grouped=[(s, grouped[s]) for s in SECTORS if s in grouped],
        employers=employers,
        kinds=PARTNER_KINDS,
        sectors=SECTORS,
        kind=kind,
        sector=sector,
        capacity=sum(p.internship_capacity for p in employers),
        free=sum(p.internship_capacity if p.places_free is None else p.places_free for p in employers),
    )


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    """Stalled pathways, caseloads, open cases by stage, and one definition's funnel and
    time-in-stage charts (``?definition=``; by default the first with open cases)."""
    page = await _signed_in(request)
    catalog = page.services.catalog
    with page.session() as session:
        try:
            authorize(page.actor, Action.REPORT_READ)
            stalled = await audit_api.stalled(page.services, session, page.actor)
            loads = caseloads_api.list_caseloads(page.services, session, page.actor)
            by_stage = caseload.open_cases_by_stage(session, unit_id=page.actor.unit_id)
            asked = request.query_params.get("definition")
            chosen = asked if asked in catalog.ids() else next(iter(sorted(by_stage)), None) or catalog.ids()[0]
            report = reports_api.funnel(page.services, session, page.actor, definition=chosen)
        except ApiError as exc:
            return page.error(exc)
    lang = "pl" if page.lang == "pl" else "en"
    return page.render(
        "dashboard.html",
        stalled=stalled.items,
        loads=loads.items,
        by_stage=by_stage,
        chosen=chosen,
        definitions={e.definition.id: e.definition for e in catalog.entries()},
        charts=[charts.funnel_svg(report, lang), charts.time_in_stage_svg(report, lang)],
    )


@router.get("/definitions")
async def definition_list(request: Request) -> Response:
    page = await _signed_in(request)
    try:
        found = definitions_api.list_definitions(page.services, page.actor)
    except ApiError as exc:
        return page.error(exc)
    return page.render("definitions.html", definitions=found.items)


@router.get("/definitions/{definition_id}")
async def definition_page(definition_id: str, request: Request) -> Response:
    page = await _signed_in(request)
    try:
        definitions_api.get_definition(definition_id, page.services, page.actor)
    except ApiError as exc:
        return page.error(exc)
    entry = page.services.catalog.get(definition_id)
    assert entry is not None
    d = entry.definition
    return page.render(
        "definition.html",
        d=d,
        version=entry.definition.version,
        svg=render_svg(d, page.lang, exits_label=page._("definition.exits")),
        mermaid=mermaid(d, page.lang),
        order=d.main_path(),
    )
