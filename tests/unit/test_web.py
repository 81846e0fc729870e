"""The web UI's pure parts: the catalogue of words, the pathway's SVG, urgency, form fields."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from starlette.datastructures import FormData

from pathway.api.errors import ApiError
from pathway.api.schemas import CaseListItem
from pathway.catalog import Catalog
from pathway.core.definition import parse_definition
from pathway.web import caseload, forms
from pathway.web.diagram import render_svg
from pathway.web.i18n import MESSAGES, translator
from pathway.web.session import local_path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "pathway" / "web" / "templates"
CATALOG = Catalog.load(ROOT / "definitions")
SVG = "{http://www.w3.org/2000/svg}"


def test_both_languages_have_the_same_words() -> None:
    assert set(MESSAGES["pl"]) == set(MESSAGES["en"])
    for key, text in MESSAGES["pl"].items():  # the same fields to fill in
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", MESSAGES["en"][key])), key


def test_every_word_a_template_asks_for_is_in_the_catalogue() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""_\(\s*["']([a-z_]+\.[a-z_.]+)["']""", template.read_text()))
    assert used, "no template asks for a word?"
    missing = sorted(used - set(MESSAGES["pl"]))
    assert not missing, f"not in pathway/web/i18n.py: {missing}"


def test_a_message_is_filled_in_and_an_unknown_code_is_shown_as_itself() -> None:
    _ = translator("en")
    assert _("badge.overdue_stage", days=3) == "Stage overdue (3 days)"
    assert translator("xx")("nav.logout") == "Wyloguj"  # an unknown language: Polish
    assert _("status.some_new_status") == "some_new_status"


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
    text = text.replace("title: {pl: Diagnoza, en: Diagnosis}\n    # assumption", 'title: {pl: "<script>x</script> & co", en: D}\n    # assumption')
    d = parse_definition(text, "test.yaml")
    svg = render_svg(d, "pl")
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    ET.fromstring(svg)


def _item(case_id: str, now: datetime, *, status: str = "active", stage_due: int | None = None, visit_due: int | None = None) -> CaseListItem:
    def at(days: int | None) -> datetime | None:
        return None if days is None else now + timedelta(days=days)

    return CaseListItem(id=case_id, definition="model-wsparcia", definition_version=1, stage="diagnosis", status=status, outcome=None,
                        coordinator="c", unit="u", client_name=None, opened_at=now - timedelta(days=50),
                        stage_entered_at=now - timedelta(days=10, hours=1), stage_due_at=at(stage_due), next_visit_due_at=at(visit_due),
                        last_activity_at=now)


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
    rows = caseload.rows_by_urgency(items, now)
    assert [r.item.id for r in rows] == ["stage-9-days-late", "visit-2-days-late", "due-soon", "due-later", "no-dates", "paused-overdue"]
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
    assert forms.fact_value(d.facts["help_plan"], _form(("field.agreed_on", "2025-01-02"), ("field.zi_reference", " "))) == {
        "agreed_on": "2025-01-02"}


def test_dates_from_a_form_are_read_in_the_units_time_zone() -> None:
    when = forms.local_datetime("2025-07-01T10:30", "Europe/Warsaw", "occurred_at")
    assert when is not None and when.astimezone(UTC) == datetime(2025, 7, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(ApiError) as bad:
        forms.local_datetime("yesterday", "Europe/Warsaw", "occurred_at")
    assert bad.value.status == 422
    today = date(2025, 7, 1)
    assert forms.opened_at(None, "Europe/Warsaw", today) is None
    assert forms.opened_at("2025-07-01", "Europe/Warsaw", today) is None  # today: now
    assert forms.opened_at("2025-05-22", "Europe/Warsaw", today) == datetime(2025, 5, 22, 7, tzinfo=UTC)


@pytest.mark.parametrize(("target", "expected"), [
    ("/cases/abc", "/cases/abc"), ("//evil.example/x", "/"), ("https://evil.example", "/"), ("/\\evil", "/"), (None, "/"), ("", "/"),
])
def test_only_this_sites_paths_are_followed_after_signing_in(target: str | None, expected: str) -> None:
    assert local_path(target) == expected
