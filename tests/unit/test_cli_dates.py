"""The CLI writes dates as people read them (issue 15, item 6): in words of PATHWAY_LANG
(Polish by default), in the centre's zone; JSON and CSV keep ISO 8601."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_fakes import FakeApi, case_item, fake_api, run, utc_now

from pathway.cli import console
from pathway.i18n import Words


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeApi:
    return fake_api(monkeypatch, tmp_path, lang="pl")


@pytest.fixture
def lang(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    console.words.cache_clear()
    yield
    console.words.cache_clear()


def test_a_moment_is_in_polish_words_in_warsaw_and_iso_never(lang: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAY_TZ", "Europe/Warsaw")
    console.centre_zone.cache_clear()
    text = console.local_time("2020-12-14T13:30:00+00:00")
    assert text == "pon., 14 grudnia 2020, 14:30"
    assert console.local_day("2020-12-14T23:30:00+00:00") == "wt., 15 grudnia 2020"  # already Tuesday in Warsaw
    assert console.local_time(None) == "—" and console.local_time("not a date") == "not a date"


def test_a_due_date_says_how_far_it_is(lang: None) -> None:
    now = datetime.now(UTC)
    assert console.due_day((now + timedelta(days=3)).isoformat()).endswith("(za 3 dni)")
    assert console.due_day((now - timedelta(days=5)).isoformat()).endswith("(5 dni po terminie)")


def test_english_on_request(lang: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAY_LANG", "en")
    assert console.words().lang == "en"
    assert console.local_day("2020-12-14T10:00:00+00:00") == "Mon, 14 December 2020"
    monkeypatch.setenv("PATHWAY_LANG", "xx")
    console.words.cache_clear()
    assert console.words().lang == Words("pl").lang  # an unknown language: Polish


def test_case_list_shows_due_days_in_words_and_its_csv_keeps_iso(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, lang: None
) -> None:
    now = utc_now()
    item = case_item(now, name="Anna Przykładowa", stage_due=20, visit_due=3)
    api.paged("GET", "/cases", [item], by="status")
    table = run(monkeypatch, "case", "list", width=200)
    assert table.exit_code == 0, table.output
    due = datetime.fromisoformat(item["next_visit_due_at"])
    assert Words("pl").day(due, console.centre_zone(), today=datetime.now(console.centre_zone()).date()) in table.stdout
    assert item["next_visit_due_at"][:10] not in table.stdout
    csv = run(monkeypatch, "case", "list", "--format", "csv")
    assert item["next_visit_due_at"][:10] in csv.stdout
