"""The case's papers (PDF): which kinds a case has, and making one.

Who may make a case's paper is who may read the case's client (its coordinator and the unit's
supervisors; anyone else: "not found"). The data of each paper is read here and cut down to
what it may say; ``pathway.documents`` lays it out (off the event loop). Every paper made is
recorded in the audit trail by its id, kind, version and language - never its content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from pathway.app.access import visible_case
from pathway.app.clients import client_of
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.partners import partner_of_unit
from pathway.app.plan_papers import PaperBasics, assessment_paper, contract_paper, plan_paper
from pathway.app.schemas import ClientOut, Page
from pathway.core import calendar as cal
from pathway.core.case import CaseView
from pathway.core.definition import Definition, Titles
from pathway.core.legal_basis import needs_consent
from pathway.core.sharing import EMPLOYER_FORBIDDEN
from pathway.documents.kinds import KINDS, Kind
from pathway.documents.papers import (
    DISCLOSED_BY_SCOPE,
    Bilingual,
    ConsentPaper,
    Disclosed,
    Paper,
    ReferralLine,
    ReferralPaper,
    Sharing,
    StageLine,
    Stamp,
    TransferPaper,
)
from pathway.documents.renderer import DocumentsUnavailable, render_pdf
from pathway.documents.words import WORDS
from pathway.security.policy import Action
from pathway.store import consents, queries
from pathway.store.models import Partner, User, utcnow
from pathway.store.queries import new_id

Lang = Literal["pl", "en"]
# The papers made from the case's plan (pathway.app.plan_papers).
PLAN_PAPERS = {"plan": plan_paper, "contract": contract_paper, "assessment": assessment_paper}


class DocumentKindOut(BaseModel):
    kind: str
    version: int
    title_pl: str
    title_en: str
    # What the request must name besides the case (a referral letter: ?referral=ID).
    needs: list[str]


@dataclass(frozen=True)
class MadeDocument:
    document_id: str
    kind: str
    filename: str
    pdf: bytes


def _kinds_of(definition: Definition | None) -> list[Kind]:
    """The papers the pathway declares (``documents:``), else the ones every pathway has."""
    if definition is not None and definition.documents is not None:
        return [KINDS[code] for code in definition.documents if code in KINDS]
    return [k for k in KINDS.values() if k.default and (not k.referrals_only or (definition and definition.referrals))]


def _definition(ctx: Context, definition_id: str) -> Definition | None:
    entry = ctx.services.catalog.get(definition_id)
    return entry.definition if entry else None


def list_documents(ctx: Context, case_id: str) -> Page[DocumentKindOut]:
    """The papers the case's pathway has."""
    case = visible_case(ctx, case_id, Action.DOCUMENT_MAKE)
    kinds = _kinds_of(_definition(ctx, case.definition_id))
    items = [
        DocumentKindOut(
            kind=k.code,
            version=k.version,
            title_pl=WORDS["pl"][f"title.{k.code}"],
            title_en=WORDS["en"][f"title.{k.code}"],
            needs=list(k.needs),
        )
        for k in kinds
    ]
    return Page(items=items, count=len(items))


async def make_document(
    ctx: Context,
    case_id: str,
    kind: str,
    lang: Lang = "pl",
    *,
    referral: str | None = None,
    partner: str | None = None,
) -> MadeDocument:
    """One paper of the case as a PDF. ``referral`` names the referral of a referral letter;
    ``partner`` adds a partner of the resource map to a consent form (one not told yet)."""
    spec = KINDS.get(kind)
    case = visible_case(ctx, case_id, Action.DOCUMENT_MAKE)
    definition = _definition(ctx, case.definition_id)
    if spec is None or spec not in _kinds_of(definition):
        raise AppError(404, "unknown_document", f"no document '{kind}' for this case", kinds=sorted(KINDS))
    if lang not in ("pl", "en"):
        raise AppError(422, "unknown_language", "lang is pl or en", field="lang")
    for needed, given in (("referral", referral),):
        if needed in spec.needs and not given:
            raise AppError(422, "missing_field", f"a {kind} document names its {needed}", field=needed)
    for name, given, only in (("referral", referral, "referral"), ("partner", partner, "consent")):
        if given and kind != only:  # said, not silently ignored
            raise AppError(422, "not_applicable", f"{name} is for a {only} document only", field=name)
    client = client_of(ctx.session, ctx.vault, case.client_id)
    extra = partner_of_unit(ctx, partner, field="partner") if partner else None
    ctx.release_connection()
    view = await ctx.gateway.state(case_id)
    stamp = Stamp(
        kind=kind,
        version=spec.version,
        document_id=new_id(),
        reference=case_id,
        made_at=utcnow(),
        tz=ctx.services.settings.tz,
    )
    paper: Paper
    if kind == "consent":
        paper = _consent(ctx, stamp, view, definition, client, extra)
    elif kind == "referral":
        paper = _referral(ctx, stamp, view, definition, client, referral or "")
    elif kind in PLAN_PAPERS:
        basics = PaperBasics(
            stamp=stamp,
            view=view,
            definition=definition,
            client=client,
            pathway=_bi(definition.title if definition else None, view.definition),
            stage=_stage(definition, view.stage),
            coordinator_name=_staff_name(ctx, view.coordinator),
        )
        paper = PLAN_PAPERS[kind](ctx, basics)
    else:
        paper = _transfer(ctx, stamp, view, definition, client)
    try:
        pdf = await ctx.apart(render_pdf, paper, lang)
    except DocumentsUnavailable:
        raise AppError(
            503, "documents_unavailable", "PDF documents need WeasyPrint and Pango on the server (make install)"
        ) from None
    await ctx.record(
        "document.make",
        case_id=case_id,
        document_id=paper.stamp.document_id,
        kind=kind,
        version=spec.version,
        lang=lang,
        referral_id=referral,
        partner_id=extra.id if extra else None,
    )
    return MadeDocument(document_id=paper.stamp.document_id, kind=kind, filename=f"{kind}-{case_id[:8]}.pdf", pdf=pdf)


# ---------------------------------------------------------------- reading each paper's data
def _bi(titles: Titles | None, fallback: str) -> Bilingual:
    return Bilingual(pl=titles.pl, en=titles.en) if titles else Bilingual(pl=fallback, en=fallback)


def _stage(definition: Definition | None, stage: str) -> Bilingual:
    spec = definition.stages.get(stage) if definition else None
    return _bi(spec.title if spec else None, stage)


def _service(definition: Definition | None, service: str) -> Bilingual:
    spec = definition.referrals.services.get(service) if definition and definition.referrals else None
    return _bi(spec.title if spec else None, service)


def _staff_name(ctx: Context, user_id: str) -> str:
    user = ctx.session.get(User, user_id)
    return user.display_name if user else user_id


def _partners_of_case(ctx: Context, view: CaseView, also: Partner | None) -> list[Partner]:
    """The partners the case involves: placed with (partner facts), referred to, consented to."""
    ids = [v["partner_id"] for v in view.facts.values() if isinstance(v, dict) and isinstance(v.get("partner_id"), str)]
    ids += [r.partner_id for r in view.referrals]
    ids += [c.partner_id for c in consents.list_consents(ctx.session, case_id=view.id)]
    found: dict[str, Partner] = {}
    for partner_id in dict.fromkeys(ids):
        p = queries.get_partner(ctx.session, partner_id=partner_id)
        if p is not None and p.unit_id in (None, ctx.unit_id):
            found[p.id] = p
    if also is not None:
        found.setdefault(also.id, also)
    return list(found.values())


def _sharing(ctx: Context, view: CaseView, also: Partner | None = None) -> list[Sharing]:
    """What each partner of the case is told, and on what basis (the law, or the client's
    consent: the latest one given for that partner)."""
    latest = {c.partner_id: c for c in consents.list_consents(ctx.session, case_id=view.id)}
    definition = _definition(ctx, view.definition)

    def consent_needed(kind: str) -> bool:
        # A pathway the catalog no longer knows declares no basis: every partner needs consent.
        return definition is None or needs_consent(kind, definition)

    lines = []
    for p in _partners_of_case(ctx, view, also):
        consent = latest.get(p.id) if consent_needed(p.kind) else None
        lines.append(
            Sharing(
                partner_name=p.name,
                partner_kind=p.kind,
                fields=_allowed(p),
                basis="consent" if consent_needed(p.kind) else "law",
                consent_given_at=consent.given_at if consent else None,
                consent_withdrawn_at=consent.withdrawn_at if consent else None,
            )
        )
    return lines


def _allowed(partner: Partner) -> list[str]:
    """The partner's scope, as it may be applied: never what an employer may not be told."""
    forbidden = EMPLOYER_FORBIDDEN if partner.kind == "employer" else frozenset()
    return [f for f in partner.data_scope if f in DISCLOSED_BY_SCOPE and f not in forbidden]


def _consent(
    ctx: Context, stamp: Stamp, view: CaseView, d: Definition | None, client: ClientOut | None, also: Partner | None
) -> ConsentPaper:
    return ConsentPaper(
        stamp=stamp,
        client_name=client.name if client else None,
        pathway=_bi(d.title if d else None, view.definition),
        coordinator_name=_staff_name(ctx, view.coordinator),
        sharing=_sharing(ctx, view, also),
    )


def _referral(
    ctx: Context, stamp: Stamp, view: CaseView, d: Definition | None, client: ClientOut | None, referral_id: str
) -> ReferralPaper:
    made = next((r for r in view.referrals if r.referral_id == referral_id), None)
    if made is None:
        raise AppError(422, "unknown_referral", f"the case has no referral '{referral_id}'", field="referral")
    partner = queries.get_partner(ctx.session, partner_id=made.partner_id)
    if partner is None:
        raise AppError(
            422, "unknown_partner", "the referral's partner is no longer in the resource map", field="referral"
        )
    allowed = set(_allowed(partner))
    zi_reference = next(
        (
            v["zi_reference"]
            for v in view.facts.values()
            if isinstance(v, dict) and isinstance(v.get("zi_reference"), str)
        ),
        None,
    )
    everything = {
        "case_reference": view.id,
        "stage": _stage(d, view.stage),
        "opened_at": view.opened_at,
        "stage_entered_at": view.stage_entered_at,
        "coordinator_name": _staff_name(ctx, view.coordinator),
        "coordinator_id": view.coordinator,
        "client_name": client.name if client else None,
        "client_phone": client.phone if client else None,
        "client_address": client.address if client else None,
        "support_reason": _bi(d.title if d else None, view.definition),
        "zi_reference": zi_reference,
    }
    told = Disclosed.model_validate(
        {field: everything[field] for code in allowed for field in DISCLOSED_BY_SCOPE[code]}
    )
    if "case_reference" not in allowed:  # the letter's pages name the referral, not the case
        stamp = stamp.model_copy(update={"reference": referral_id, "reference_kind": "referral"})
    tz = d.timezone if d else ctx.services.settings.tz
    return ReferralPaper(
        stamp=stamp,
        partner_name=partner.name,
        partner_kind=partner.kind,
        service=_service(d, made.service),
        referral_id=referral_id,
        made_at=made.made_at,
        answer_due_on=cal.due_date(made.answer_due_at, tz) if made.answer_due_at else None,
        told=told,
    )


def _transfer(
    ctx: Context, stamp: Stamp, view: CaseView, d: Definition | None, client: ClientOut | None
) -> TransferPaper:
    tz = d.timezone if d else ctx.services.settings.tz
    names = {p.id: p.name for p in _partners_of_case(ctx, view, None)}
    return TransferPaper(
        stamp=stamp,
        client_name=client.name if client else None,
        client_address=client.address if client else None,
        client_phone=client.phone if client else None,
        pathway=_bi(d.title if d else None, view.definition),
        definition_version=view.definition_version,
        status=view.status,
        stage=_stage(d, view.stage),
        opened_at=view.opened_at,
        coordinator_name=_staff_name(ctx, view.coordinator),
        stage_due_on=cal.due_date(view.stage_due_at, tz) if view.stage_due_at else None,
        next_visit_due_on=cal.due_date(view.next_visit_due_at, tz) if view.next_visit_due_at else None,
        visits_total=view.visits_total,
        last_visit_at=view.last_visit_at,
        history=[StageLine(stage=_stage(d, h.stage), entered_at=h.entered_at, left_at=h.left_at) for h in view.history],
        referrals=[
            ReferralLine(
                partner_name=names.get(r.partner_id, r.partner_id),
                service=_service(d, r.service),
                status=r.status,
                made_at=r.made_at,
            )
            for r in view.referrals
        ],
        sharing=_sharing(ctx, view),
    )
