"""The web UI's pure parts: the pathway's SVG, urgency, form fields."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.datastructures import FormData

from pathway.app.catalog import Catalog
from pathway.app.errors import AppError
from pathway.app.notes import NotesPage
from pathway.app.schemas import CaseListItem, CaseOut
from pathway.core.case import CERTIFICATE_LAPSED, Case
from pathway.core.commands import Advance, Pause, Refer, SetFact
from pathway.core.definition import parse_definition
from pathway.documents.words import Words as PaperWords
from pathway.i18n import Words
from pathway.readmodels import urgency
from pathway.readmodels.funnel import FunnelReport
from pathway.render import charts
from pathway.render.diagram_svg import render_svg
from pathway.web import forms
from pathway.web import page as web_page
from pathway.web.pages import cases as case_pages
from pathway.web.session import local_path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "pathway" / "web" / "templates"
CATALOG = Catalog.load(ROOT / "definitions")
SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("definition_id", CATALOG.ids())
def test_each_pathway_is_drawn_as_a_well_formed_svg(definition_id: str) -> None:
    d = CATALOG.get(definition_id).definition  # type: ignore[union-attr]
    svg = render_svg(d, "pl", current=d.initial)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == d.title.pl  # type: ignore[union-attr]
    stages = [g for g in root.iter(f"{SVG}g") if "stage" in (g.get("class") or "").split()]
    assert sorted(g.get("data-stage") for g in stages) == sorted(d.stages)  # type: ignore[type-var]
    assert [g.get("data-stage") for g in stages if "current" in g.get("class", "")] == [d.initial]
    moves = [p for p in root.iter(f"{SVG}path") if "move" in (p.get("class") or "")]
    assert len(moves) == sum(len(t.sources(d)) for t in d.transitions if t.source != "*")


def test_the_svg_escapes_what_a_definition_says() -> None:
    text = (ROOT / "definitions" / "model-wsparcia.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "title: {pl: Diagnoza, en: Diagnosis}\n    # assumption",
        'title: {pl: "<script>x</script> & co", en: D}\n    # assumption',
    )
    d = parse_definition(text, "test.yaml")
    svg = render_svg(d, "pl")
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    ET.fromstring(svg)


def _item(
    case_id: str, now: datetime, *, status: str = "active", stage_due: int | None = None, visit_due: int | None = None
) -> CaseListItem:
    def at(days: int | None) -> datetime | None:
        return None if days is None else now + timedelta(days=days)

    return CaseListItem(
        id=case_id,
        definition="model-wsparcia",
        definition_version=1,
        stage="diagnosis",
        status=status,
        outcome=None,
        coordinator="c",
        unit="u",
        client_name=None,
        opened_at=now - timedelta(days=50),
        stage_entered_at=now - timedelta(days=10, hours=1),
        stage_due_at=at(stage_due),
        next_visit_due_at=at(visit_due),
        last_activity_at=now,
    )


def test_the_most_urgent_case_comes_first() -> None:
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    items = [
        _item("due-later", now, stage_due=20, visit_due=9),
        _item("paused-overdue", now, status="paused", stage_due=-30),
        _item("visit-2-days-late", now, stage_due=5, visit_due=-2),
        _item("due-soon", now, stage_due=2),
        _item("stage-9-days-late", now, stage_due=-9, visit_due=3),
        _item("no-dates", now),
    ]
    rows = urgency.rows_by_urgency(items, now, "Europe/Warsaw")
    assert [r.item.id for r in rows] == [
        "stage-9-days-late",
        "visit-2-days-late",
        "due-soon",
        "due-later",
        "no-dates",
        "paused-overdue",
    ]
    first = rows[0]
    assert (first.stage_overdue_days, first.visit_overdue_days, first.days_in_stage) == (9, None, 10)
    assert rows[-1].overdue is False  # a paused case's clocks are stopped: no overdue badge


def _form(*pairs: tuple[str, str]) -> FormData:
    return FormData(list(pairs))


def test_form_fields_become_the_values_the_api_takes() -> None:
    d = CATALOG.get("model-wsparcia").definition  # type: ignore[union-attr]
    checklist = forms.fact_value(d.facts["diagnosis"], _form(("item.needs", "on"), ("item.safety", "on")))
    assert checklist == {"situation": False, "needs": True, "resources": False, "limits": False, "safety": True}
    assert forms.fact_value(d.facts["ready_for_training"], _form()) is False
    assert forms.fact_value(d.facts["ready_for_training"], _form(("value", "on"))) is True
    assert forms.fact_value(d.facts["therapist"], _form(("partner_id", "p-1"))) == {"partner_id": "p-1"}
    assert forms.fact_value(d.facts["therapist"], _form(("partner_id", ""))) is None  # clears the fact
    assert forms.fact_value(
        d.facts["help_plan"], _form(("field.agreed_on", "2025-01-02"), ("field.zi_reference", " "))
    ) == {"agreed_on": "2025-01-02"}


def test_dates_from_a_form_are_read_in_the_units_time_zone() -> None:
    when = forms.local_datetime("2025-07-01T10:30", "Europe/Warsaw", "occurred_at")
    assert when is not None and when.astimezone(UTC) == datetime(2025, 7, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(AppError) as bad:
        forms.local_datetime("yesterday", "Europe/Warsaw", "occurred_at")
    assert bad.value.status == 422
    today = date(2025, 7, 1)
    assert forms.opened_at(None, "Europe/Warsaw", today) is None
    assert forms.opened_at("2025-07-01", "Europe/Warsaw", today) is None  # today: now
    assert forms.opened_at("2025-05-22", "Europe/Warsaw", today) == datetime(2025, 5, 22, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases/abc", "/cases/abc"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil", "/"),
        (None, "/"),
        ("", "/"),
    ],
)
def test_only_this_sites_paths_are_followed_after_signing_in(target: str | None, expected: str) -> None:
    assert local_path(target) == expected


def _case_page_html(case: Any, definition: Any, lang: str = "pl", **extra: Any) -> str:
    """The case template rendered as the page would for its coordinator, without a server."""
    page = web_page.Page.__new__(web_page.Page)
    page.lang, page.words, page.tz = lang, Words(lang), ZoneInfo("Europe/Warsaw")
    page._, page.today = page.words._, date(2026, 7, 3)
    suspended = case_pages._suspension(page, definition, case) if case.pause_reason == CERTIFICATE_LAPSED else None
    context = dict(
        page=page,
        lang=lang,
        principal=None,
        csrf="t",
        csrf_field="csrf",
        path=f"/cases/{case.id}",
        new_key=lambda: "k",
        case=case,
        definition=definition,
        error=None,
        can_act=True,
        done=None,
        moves={},
        needed=set(),
        visits=[],
        notifications=[],
        partners=[],
        partner_names={},
        pause_reasons=case_pages.PAUSE_REASONS,
        consents=[],
        referrals=case.referrals,
        reject_reasons=case_pages.REJECT_REASONS,
        answers=case_pages.ANSWERS,
        consent_partners=[],
        referral_overdue={o.ref: o for o in case.overdue if o.watch == "referral"},
        suspended=suspended,
        visit_kinds=["home"],
        now_local="2026-07-03T10:00",
        notes=NotesPage(items=[], count=0, searched=0, complete=True),
        notes_query=None,
        papers=[],
        case_words=PaperWords(lang, "Europe/Warsaw"),
    )
    context.update(extra)
    return web_page.templates.env.get_template("case.html").render(**context)


def test_a_suspended_service_is_said_in_words_and_cannot_simply_be_resumed() -> None:
    entry = CATALOG.get("asystent-osoby-niepelnosprawnej")
    assert entry is not None
    opened = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    case = Case.open(
        case_id="case-1",
        definition=entry.snapshot,
        coordinator_id="coord-1",
        unit_id="unit-1",
        now=opened,
        actor="coord-1",
        command_id="open-1",
    )
    case.apply(
        SetFact(
            command_id="c1",
            actor="coord-1",
            name="disability_certificate",
            value={"valid_until": "2026-06-30", "degree": "umiarkowany"},
        ),
        opened,
    )
    case.apply(Advance(command_id="c2", actor="coord-1", trigger="admit"), opened)
    later = datetime(2026, 7, 3, 9, 0, tzinfo=UTC)
    case.fire_due(later)
    view = CaseOut(**case.view(later).model_dump())
    assert (view.status, view.pause_reason) == ("paused", CERTIFICATE_LAPSED)
    html = _case_page_html(view, entry.definition)
    assert (
        "Usługa zawieszona: orzeczenie straciło ważność (Orzeczenie o niepełnosprawności, ważne do wt., 30 czerwca); "
        "zawieszona od śr., 1 lipca"
    ) in html
    assert "/resume" not in html and "Wstrzymana od" not in html
    english = _case_page_html(view, entry.definition, lang="en")
    assert (
        "Service suspended: the disability certificate has lapsed (Disability certificate, valid until Tue 30 June)"
        in english
    )
    # an ordinary pause still offers the resume button
    case.apply(
        SetFact(
            command_id="c3",
            actor="coord-1",
            name="disability_certificate",
            value={"valid_until": "2027-06-30", "degree": "umiarkowany"},
        ),
        later,
    )
    case.apply(Pause(command_id="c4", actor="coord-1", reason="hospital"), later)
    paused = CaseOut(**case.view(later).model_dump())
    html = _case_page_html(paused, entry.definition)
    assert f'action="/cases/{paused.id}/resume"' in html and "Usługa zawieszona" not in html


def test_an_overdue_referral_has_its_own_badge() -> None:
    entry = CATALOG.get("model-wsparcia")
    assert entry is not None
    opened = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    case = Case.open(
        case_id="case-2",
        definition=entry.snapshot,
        coordinator_id="coord-1",
        unit_id="unit-1",
        now=opened,
        actor="coord-1",
        command_id="open-1",
    )
    case.apply(
        Refer(
            command_id="r1",
            actor="coord-1",
            referral_id="ref-1",
            partner_id="p-1",
            partner_kind="therapy",
            service="therapy",
            consent_id="consent-1",
        ),
        opened,
    )
    later = opened + timedelta(days=21)
    case.fire_due(later)
    view = CaseOut(**case.view(later).model_dump())
    assert [o.watch for o in view.overdue if o.ref == "ref-1"] == ["referral"]
    html = _case_page_html(view, entry.definition, partner_names={"p-1": "Poradnia"})
    row = html[html.index('data-referral="ref-1"') :]
    row = row[: row.index("</tr>")]
    assert "Terapia" in row and "oczekuje na odpowiedź" in row and "Brak odpowiedzi na skierowanie (" in row
    assert html.count("Brak odpowiedzi na skierowanie (") == 2  # in the case's summary, and on its row


def test_chart_ids_are_unique_per_chart_and_still_name_the_svg() -> None:
    report = FunnelReport(
        definition="model-wsparcia",
        definition_title_pl="Model",
        definition_title_en="Model",
        unit="u",
        opened_from=None,
        opened_to=None,
        cohort=0,
        still_open=0,
    )
    svgs = [charts.funnel_svg(report), charts.time_in_stage_svg(report), charts.funnel_svg(report, svg_id="funnel-b")]
    ids = []
    for svg in svgs:
        root = ET.fromstring(svg)
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"  # type: ignore[union-attr]
        ids += [title.get("id"), desc.get("id")]  # type: ignore[union-attr]
    assert len(ids) == len(set(ids))
    assert ids[0] == "funnel-model-wsparcia-title" and ids[-1] == "funnel-b-desc"


def test_a_permanent_certificate_can_be_entered_in_the_form() -> None:
    """The "na stałe" box records a certificate with no end date (issue 13, item 15)."""
    d = CATALOG.get("asystent-osoby-niepelnosprawnej").definition  # type: ignore[union-attr]
    spec = d.facts["disability_certificate"]
    value = forms.fact_value(spec, _form(("field.permanent", "on"), ("field.degree", "znaczny")))
    assert value == {"permanent": True, "degree": "znaczny"}
    assert forms.fact_value(spec, _form(("field.valid_until", "2030-01-31"))) == {"valid_until": "2030-01-31"}
    assert Words("pl").code("field", "permanent").startswith("Na stałe") and Words("en").code("field", "permanent")
