"""The words people read (pathway.i18n): the catalogs are complete, Polish counts take their
plural forms, numbers and dates come from Babel's locale data, ISO never reaches a person."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir

from pathway.i18n import Words, catalogs, formats
from pathway.readmodels.funnel import FunnelReport, StageTime
from pathway.render import charts

ROOT = Path(__file__).resolve().parents[2]
WARSAW = ZoneInfo("Europe/Warsaw")
# The keywords `make i18n` extracts with (the Makefile's KEYWORDS, plus gettext's own).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "n_": (1, 2),
    "p_": ((1, "c"), 2),
}
KEYWORDS |= {"NP_": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3)}
METHODS = [("pathway/**.py", "python"), ("pathway/web/templates/**.html", "jinja2")]
OPTIONS = {"pathway/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _asked_for() -> set[tuple[str | None, str]]:
    """Every (context, msgid) the code and the templates ask for, as ``make i18n`` finds them."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        ROOT, METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_every_word_the_code_asks_for_has_a_polish_translation() -> None:
    asked = _asked_for()
    assert len(asked) > 200, "the extraction found next to nothing: babel.cfg or the keywords are wrong?"
    polish = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalogs.catalog("pl") if m.id}
    missing = sorted(str(key) for key in asked if key not in polish)
    assert not missing, f"run `make i18n`: not in the catalogs: {missing}"
    untranslated = sorted(str(key) for key, m in polish.items() if not all(m.string if m.pluralizable else [m.string]))
    assert not untranslated, f"no Polish in pathway/i18n/locale/pl: {untranslated}"


def test_english_has_the_same_messages_and_both_fill_the_same_fields() -> None:
    polish = {(m.context, str(m.id)): m for m in catalogs.catalog("pl") if m.id}
    english = {(m.context, str(m.id)): m for m in catalogs.catalog("en") if m.id}
    assert set(polish) == set(english)
    for key, m in polish.items():
        fields = set(re.findall(r"%\((\w+)\)", str(m.id)))
        for text in m.string if m.pluralizable else [m.string]:
            assert set(re.findall(r"%\((\w+)\)", text)) <= fields | {"num"}, key


@pytest.mark.parametrize(
    ("n", "days", "visits"),
    [(1, "1 dzień", "1 wizyta"), (2, "2 dni", "2 wizyty"), (5, "5 dni", "5 wizyt"), (22, "22 dni", "22 wizyty")],
)
def test_polish_counts_take_their_plural_forms(n: int, days: str, visits: str) -> None:
    polish = Words("pl")
    assert polish.days(n) == days
    assert polish.n_("In all: %(num)d visit", "In all: %(num)d visits", n) == f"Razem: {visits}"


def test_working_days_and_fractions() -> None:
    polish, english = Words("pl"), Words("en")
    assert [polish.duration(n, "working_days") for n in (1, 3, 15)] == [
        "1 dzień roboczy",
        "3 dni robocze",
        "15 dni roboczych",
    ]
    assert polish.days(4.5) == "4,5 dnia" and english.days(4.5) == "4.5 days"
    assert english.duration(1, "working_days") == "1 working day"


def test_numbers_and_days_by_locale() -> None:
    assert formats.number(4.5, "pl") == "4,5" and formats.number(4.5, "en") == "4.5"
    assert formats.number(12000, "pl") == "12\xa0000"
    today = date(2026, 12, 6)
    assert Words("pl").day(date(2026, 12, 14), WARSAW, today=today) == "pon., 14 grudnia"
    assert Words("en").day(date(2026, 12, 14), WARSAW, today=today) == "Mon 14 December"
    assert Words("pl").day(date(2027, 1, 4), WARSAW, today=today) == "pon., 4 stycznia 2027"
    # a moment is read in the centre's zone: 23:30 UTC is already the next day in Warsaw
    late = datetime(2026, 12, 13, 23, 30, tzinfo=UTC)
    assert Words("pl").moment(late, WARSAW, today=today) == "pon., 14 grudnia, 00:30"


@pytest.mark.parametrize(
    ("days", "pl", "en"),
    [
        (0, "dziś", "today"),
        (1, "jutro", "tomorrow"),
        (3, "za 3 dni", "in 3 days"),
        (-1, "1 dzień po terminie", "1 day overdue"),
        (-3, "3 dni po terminie", "3 days overdue"),
    ],
)
def test_how_far_a_due_day_is(days: int, pl: str, en: str) -> None:
    assert (Words("pl").days_until(days), Words("en").days_until(days)) == (pl, en)


def test_an_unknown_language_is_polish_and_an_unknown_code_is_shown_as_itself() -> None:
    assert Words("xx").lang == "pl" and Words(None)._("Sign out") == "Wyloguj"
    assert Words("en").code("status", "some_new_status") == "some_new_status"
    assert Words("en").code("overdue", "stage_deadline", days="3 days") == "Stage overdue (3 days)"


def test_a_polish_chart_writes_polish_numbers_and_days() -> None:
    report = FunnelReport(
        definition="d",
        definition_title_pl="Ścieżka",
        definition_title_en="Pathway",
        unit="u",
        opened_from=date(2026, 1, 5),
        opened_to=None,
        cohort=5,
        still_open=2,
        time_in_stage=[StageTime(stage="s", title_pl="Etap", title_en="Stage", median_days=4.5, p90_days=12, stays=7)],
    )
    svg = charts.time_in_stage_svg(report, "pl")
    assert "mediana 4,5 dnia, 90. percentyl 12 dni (n=7)" in svg
    assert "pon., 5 stycznia 2026 – do dziś" in svg and "2026-01-05" not in svg
    assert "median 4.5 days" in charts.time_in_stage_svg(report, "en")
    assert "Kohorta: 5 spraw otwartych" in charts.funnel_svg(report, "pl")
