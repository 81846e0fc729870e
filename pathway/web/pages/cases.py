"""The case list, opening a case, and the case page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from pathway.app import cases, profiles
from pathway.app.access import authorize
from pathway.app.case_sheet import case_sheet
from pathway.app.caseloads import assignable_coordinators
from pathway.app.catalog import CatalogEntry
from pathway.app.errors import AppError
from pathway.app.schemas import OpenCaseRequest
from pathway.core import certificates
from pathway.core.case import CERTIFICATE_LAPSED, REFERRAL_ANSWERS
from pathway.core.definition import Definition
from pathway.core.legal_basis import needs_consent
from pathway.core.plan import DROP_REASONS
from pathway.core.profile import FOLLOW_UP_STATUSES, LABOUR_STATUSES
from pathway.documents.words import Words
from pathway.readmodels import urgency
from pathway.security.policy import Action
from pathway.store.models import utcnow
from pathway.web import forms
from pathway.web.page import Page, form_key, form_of, redirect, signed_in
from pathway.web.profile_form import (
    PROFILE_FORM,
    eligibility_from_query,
    eligibility_query,
    profile_from_form,
)

router = APIRouter(include_in_schema=False)

PAUSE_REASONS = ("hospital", "shelter", "other")
# Reason codes offered when a coordinator enters a partner's refusal (any code is accepted).
REJECT_REASONS = ("no_places", "not_eligible", "client_declined", "no_contact")
# The answers a referral in each status can still take, in the order a partner gives them.
ANSWERS = {
    status: [a for a in ("accepted", "rejected", "done") if a in allowed]
    for status, allowed in REFERRAL_ANSWERS.items()
}
DONE = (
    "advance",
    "visit",
    "fact",
    "pause",
    "resume",
    "close",
    "open",
    "consent",
    "withdraw",
    "refer",
    "answer",
    "follow_up",
    "book",
    "book_late",
    "cancel_appointment",
    "member_add",
    "member_change",
    "member_erase",
    "plan_goal",
    "plan_action",
    "plan_status",
)


# ---------------------------------------------------------------------- cases
@router.get("/cases")
async def case_list(request: Request) -> Response:
    page = await signed_in(request)
    with page.context() as ctx:
        try:
            items, total = [], 0
            for status in ("active", "paused"):
                found = await cases.list_cases(ctx, status=status, limit=500, offset=0)
                items += found.items
                total += found.count
        except AppError as exc:
            return page.error(exc)
    rows = urgency.rows_by_urgency(items, utcnow(), page.services.settings.tz)
    return page.render(
        "cases.html",
        rows=rows,
        total=total,
        own=not page.actor.has("supervisor"),
        definitions={e.definition.id: e.definition for e in page.services.catalog.entries()},
    )


def _open_form(
    page: Page, status: int = 200, error: AppError | None = None, values: dict[str, Any] | None = None
) -> HTMLResponse:
    with page.context() as ctx:
        coordinators = assignable_coordinators(ctx)
    return page.render(
        "open.html",
        status=status,
        error=error,
        values=values or {},
        coordinators=coordinators,
        entries=page.services.catalog.entries(),
    )


@router.get("/cases/new")
async def open_case_form(request: Request) -> Response:
    page = await signed_in(request)
    try:
        authorize(page.actor, Action.CASE_OPEN)
    except AppError as exc:
        return page.error(exc)
    return _open_form(page)


@router.post("/cases/new")
async def open_case(request: Request) -> Response:
    page, form = await form_of(request)
    values = {
        k: forms.field(form, k)
        for k in ("definition", "coordinator", "name", "address", "phone", "opened_on", "note", "key", *PROFILE_FORM)
    }
    try:
        key = form_key(form)
        body = OpenCaseRequest(
            definition=values["definition"] or "",
            coordinator=values["coordinator"] or page.actor.id,
            client={"name": values["name"] or "", "address": values["address"], "phone": values["phone"]},
            opened_at=forms.opened_at(
                values["opened_on"], page.services.settings.tz, utcnow().astimezone(page.tz).date()
            ),
            note=values["note"],
            profile=profile_from_form(values),
            eligibility_confirmed=values["eligibility_confirmed"] == "yes",
        )
        with page.context() as ctx:
            case, _created = await cases.open_case(ctx, body, key)
    except ValidationError as exc:
        return _open_form(page, 422, forms.from_validation(exc), values)
    except AppError as exc:
        if exc.status in (403, 503):
            return page.error(exc)
        return _open_form(page, exc.status, exc, values)
    return redirect(f"/cases/{case.id}?done=open{eligibility_query(case.warnings)}")


def catalog_entry(page: Page, definition_id: str) -> CatalogEntry | None:
    return page.services.catalog.get(definition_id)


def _transition_titles(definition: Definition, stage: str) -> dict[str, Any]:
    return {t.trigger: t.title for t in definition.transitions_from(stage)}


async def case_page_response(
    page: Page, case_id: str, *, error: AppError | None = None, status: int = 200
) -> HTMLResponse:
    with page.context() as ctx:
        try:
            sheet = await case_sheet(ctx, case_id, notes_query=page.request.query_params.get("q"))
        except AppError as exc:
            return page.error(exc)
    case, definition, partners, consents = sheet.case, sheet.definition, sheet.partners, sheet.consents
    done = page.request.query_params.get("done")
    return page.render(
        "case.html",
        status=status,
        case=case,
        definition=definition,
        error=error,
        can_act=sheet.can_act,
        done=done if done in DONE else None,
        moves=_transition_titles(definition, case.stage) if definition else {},
        needed={b.fact for b in case.blocked if b.fact},
        visits=sheet.visits,
        notifications=sheet.notifications,
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
            if (definition is None or needs_consent(p.kind, definition))
            and not any(c.active and c.partner_id == p.id for c in consents)
        ],
        referral_overdue={o.ref: o for o in case.overdue if o.watch == "referral"},
        suspended=_suspension(page, definition, case)
        if case.status == "paused" and case.pause_reason == CERTIFICATE_LAPSED
        else None,
        visit_kinds=_visit_kinds(definition, case.stage),
        now_local=utcnow().astimezone(page.tz).strftime("%Y-%m-%dT%H:%M"),
        tomorrow_local=(utcnow().astimezone(page.tz) + timedelta(days=1)).strftime("%Y-%m-%d"),
        notes=sheet.notes,
        members=sheet.members,
        member_roles=sheet.member_roles,
        this_year=utcnow().astimezone(page.tz).year,
        papers=sheet.papers,
        plan=sheet.plan,
        drop_reasons=DROP_REASONS,
        today_local=utcnow().astimezone(page.tz).strftime("%Y-%m-%d"),
        notes_query=sheet.notes_query,
        case_words=Words(page.lang, page.tz.key),
        ending=profiles.ending_triggers(definition, case.stage) if definition else set(),
        exit_asked=bool(definition and definition.profile and definition.profile.exit_status),
        labour_statuses=LABOUR_STATUSES,
        follow_up_statuses=FOLLOW_UP_STATUSES,
        eligibility=eligibility_from_query(page.request.query_params),
    )


def _suspension(page: Page, definition: Definition | None, case: Any) -> str:
    """Why a service is suspended, in words: the certificates that lapsed by the pause."""
    lapsed = []
    for name, spec in definition.facts.items() if definition else ():
        until = certificates.expires_on(case.facts.get(name))  # None: none recorded, or permanent
        if spec.suspends_service() and until is not None:
            if case.paused_at is None or until < case.paused_at.astimezone(page.tz).date():
                lapsed.append(page._("%(title)s, valid until %(until)s", title=page.t(spec.title), until=page.d(until)))
    return page._(
        "Service suspended: the disability certificate has lapsed (%(what)s); suspended since %(since)s. "
        "Record a current certificate to resume it.",
        since=page.d(case.paused_at),
        what="; ".join(lapsed) or page._("no validity date"),
    )


@router.get("/cases/{case_id}")
async def case_page(case_id: str, request: Request) -> Response:
    return await case_page_response(await signed_in(request), case_id)


def _visit_kinds(definition: Definition | None, stage: str) -> list[str]:
    """The kinds of visit the stage's cadence counts, or every kind where it names none."""
    cadence = definition.stages[stage].visits if definition and stage in definition.stages else None
    return list(cadence.kinds) if cadence else ["home", "office", "phone", "outreach", "accompanying"]
