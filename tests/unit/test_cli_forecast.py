"""`pathway forecast`: the API's forecast drawn as a table in Polish (the unit week by week,
or a row per coordinator and week), the assumptions passed on as the API's parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import FakeApi, fake_api, run

from pathway.core.forecast import Forecast, WeekRow


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeApi:
    return fake_api(monkeypatch, tmp_path, lang="pl")


def answer() -> dict[str, Any]:
    monday = date(2026, 12, 7)
    rows = [
        WeekRow(
            coordinator_id=c,
            week_start=monday + timedelta(weeks=i),
            absent=c == "bea" and i == 1,
            cases=3,
            visits_due=2,
            deadlines_due=i,
            overdue_cases=i + (c == "bea"),
        )
        for c in ("anna", "bea")
        for i in range(3)
    ]
    report = Forecast(
        generated_at=datetime(2026, 12, 8, 9, tzinfo=UTC),
        visits_per_week=1.5,
        weeks=3,
        absences=[],
        cases=6,
        paused=1,
        unknown_definition=0,
        rows=rows,
    )
    return report.model_dump(mode="json")


def test_the_forecast_table_is_the_unit_week_by_week_in_polish(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    api.on("GET", "/reports/forecast", answer())
    result = run(
        monkeypatch,
        "forecast",
        "--visits-per-week",
        "1.5",
        "--weeks",
        "3",
        "--absence",
        "bea:2026-12-14:2026-12-18",
        width=140,
    )
    assert result.exit_code == 0, result.output
    [sent] = api.sent
    assert sent.params["visits_per_week"] == 1.5 and sent.params["weeks"] == 3
    assert sent.params["absence"] == ["bea:2026-12-14:2026-12-18"]
    assert "Tydzień" in result.output and "Po terminie na koniec tygodnia" in result.output
    assert "14 grudnia *" in result.output  # someone away that week
    lines = [line for line in result.output.splitlines() if "grudnia" in line]
    assert len(lines) == 3, result.output
    assert lines[2].split()[3:5] == ["5", "4"], lines[2]  # week 3: 2 + 3 overdue, 2 + 2 visits due


def test_per_coordinator_a_row_per_coordinator_and_week(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    api.on("GET", "/reports/forecast", answer())
    result = run(monkeypatch, "forecast", "--per-coordinator", width=140)
    assert result.exit_code == 0, result.output
    assert sum("anna" in line for line in result.output.splitlines()) == 3
    assert sum("bea" in line for line in result.output.splitlines()) == 3
