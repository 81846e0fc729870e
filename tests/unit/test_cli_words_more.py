"""The CLI's newer commands speak through the catalogs too (issue 12: the CLI uses the same
catalogs): a household member's role, a booked visit's kind, the outcomes' measures and
groups, a follow-up's status, the simulation's days and counts are words of PATHWAY_LANG,
Polish by default; JSON keeps its keys and codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import fake_api, run

CASE = "c" * 32
MEMBER = {"id": "m" * 32, "role": "child", "name": "Ola", "birth_year": 2019, "age": 7, "school": "SP 3"}
MEMBER |= {"may_receive": True, "erased": False}
BOOKED = {"appointment_id": "a" * 32, "at": "2026-12-10T09:00:00+00:00", "kind": "home", "late": True}
OUTCOMES: dict[str, Any] = {
    "definition": "model-wsparcia",
    "definition_title_pl": "Model wsparcia",
    "definition_title_en": "Support model",
    "opened_from": "2026-01-05",
    "opened_to": None,
    "entries": 22,
    "ended": 3,
    "follow_ups_due": 2,
    "follow_ups_recorded": 1,
    "rates": [{"measure": "employed_at_exit", "count": 1, "of": 3, "rate": 0.3333}],
    "by_profile": [{"dimension": "sex", "value": "female", "count": 12, "share": 0.5}],
    "exits": [],
    "exit_status": [{"dimension": "exit_status", "value": "employed", "count": 1, "share": 0.33}],
}


@pytest.mark.parametrize(
    ("lang", "words"),
    [("pl", ["Dodano członka rodziny.", "(dziecko, 7 lat)"]), ("en", ["Family member added.", "(child, 7 years old)"])],
)
def test_a_member_added_is_said_with_the_role_in_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lang: str, words: list[str]
) -> None:
    from pathway.cli.household import member_added

    fake_api(monkeypatch, tmp_path, lang=lang)
    said = member_added(MEMBER)
    assert all(w in said for w in words), said
    assert "child" not in said or lang == "en"


def test_the_household_is_listed_in_polish(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    api = fake_api(monkeypatch, tmp_path, lang="pl")
    api.on("GET", f"/cases/{CASE}/members", {"items": [MEMBER, MEMBER | {"id": "n" * 32, "role": "parent"}]})
    result = run(monkeypatch, "case", "member", "list", CASE, width=200)
    assert result.exit_code == 0, result.output
    assert "rola" in result.stdout and "dziecko" in result.stdout and "rodzic" in result.stdout
    assert "2 członków rodziny poza klientem" in result.stdout and "child" not in result.stdout
    listed = json.loads(run(monkeypatch, "case", "member", "list", CASE, "--format", "json").stdout)
    assert listed["items"][0]["role"] == "child", "JSON keeps the codes"


def test_a_booked_visit_and_a_follow_up_are_in_words(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pathway.cli.bookings import booked_words
    from pathway.cli.outcomes import follow_up_words

    fake_api(monkeypatch, tmp_path, lang="pl")
    booked = booked_words(BOOKED)
    assert "Wizyta umówiona później, niż pozwala rytm wizyt" in booked, booked  # a late booking says so
    assert "czw., 10 grudnia, 10:00 (domowa)" in booked, booked
    assert "2026-12-10" not in booked
    got = {"case_id": CASE, "follow_up_status": "employed", "exit_status": "inactive"}
    said = follow_up_words(got)
    assert "osoba pracująca (przy wyjściu: osoba bierna zawodowo)" in said and "employed" not in said, said

    fake_api(monkeypatch, tmp_path, lang="en")
    assert "(home)" in booked_words(BOOKED) and "employed" in follow_up_words(got)


def test_the_outcomes_report_names_its_measures_and_groups(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    api = fake_api(monkeypatch, tmp_path, lang="pl")
    api.on("GET", "/reports/outcomes", OUTCOMES)
    api.on("GET", "/reports/outcomes.svg", "<svg/>")
    svg = tmp_path / "outcomes.svg"
    result = run(monkeypatch, "report", "outcomes", "--definition", "model-wsparcia", "--svg", str(svg), width=200)
    assert result.exit_code == 0, result.output
    assert [s.params["lang"] for s in api.sent if s.path.endswith(".svg")] == ["pl"], "the chart in PATHWAY_LANG"
    out = result.stdout
    assert "22 sprawy przyjęte pon., 5 stycznia 2026 – do dziś, 3 zakończone" in out, out  # 22: "sprawy"
    assert "Zatrudnienie w chwili zakończenia" in out and "osoba pracująca" in out, out
    assert "Płeć" in out and "kobieta" in out and "employed_at_exit" not in out and "female" not in out, out
    assert "2026-01-05" not in out


def test_the_simulation_report_in_polish(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any) -> None:
    from pathway.cli.ops import print_simulation
    from pathway.runtime.simulate import SimulationReport, StageStay

    fake_api(monkeypatch, tmp_path, lang="pl")
    monkeypatch.setenv("COLUMNS", "200")
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    report = SimulationReport(
        definition="model-wsparcia",
        definition_version=1,
        case_id=CASE,
        simulated_from=start,
        simulated_to=datetime(2028, 7, 5, 9, tzinfo=UTC),
        years=2.5,
        final_stage="plan",
        status="active",
        stages=[StageStay(stage="plan", entered_at=start, left_at=None, days=30.5)],
        moves=[],
        refused_moves=2,
        visits=5,
        reminders={"reminder": 3},
        runs=1,
        history_events=[120],
        events_projected=40,
        wall_seconds=1.5,
    )
    print_simulation(report)
    out = capsys.readouterr().out
    assert "2,5 roku" in out and "5 stycznia 2026" in out and "5 wizyt" in out and "2 ruchy odmówione" in out, out
    assert "Przypomnienie: 3" in out and "5.01.2026" in out and "2026-01-05" not in out, out
