"""Issue 12: the CLI uses the web's catalogs. What it prints for people is Polish by default
and English with PATHWAY_LANG=en (the setting its dates follow); JSON and CSV keep their keys."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_fakes import FakeApi, case_item, fake_api, run, utc_now

CASE = "c" * 32
SHOWN = {"id": CASE, "client": {"name": "Anna"}, "definition": "model-wsparcia", "definition_version": 1}
SHOWN |= {"stage": "plan", "status": "paused", "coordinator": "ewa.koordynatorka", "allowed": ["advance"]}


def _cases(api: FakeApi) -> None:
    now = utc_now()
    overdue = case_item(now, name="Barbara Wzorcowa", stage_due=-10, visit_due=-33)
    api.paged("GET", "/cases", [overdue, case_item(now, name="Ela Soon", stage_due=1, visit_due=2)], by="status")


def test_case_list_speaks_polish_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _cases(fake_api(monkeypatch, tmp_path, lang="pl"))
    result = run(monkeypatch, "case", "list", width=200)
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    assert "klient/ka" in header and "etap" in header and "ścieżka" in header and "client" not in header
    assert "PO TERMINIE etap 10 dni" in result.stdout and "PO TERMINIE wizyta 33 dni" in result.stdout
    assert "2 z 2 spraw (open), najpilniejsze pierwsze; po terminie: 1" in result.stdout
    assert "OVERDUE" not in result.stdout and "most urgent" not in result.stdout


def test_case_list_in_english_on_request(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _cases(fake_api(monkeypatch, tmp_path, lang="en"))
    result = run(monkeypatch, "case", "list", width=200)
    assert result.exit_code == 0, result.output
    assert "client" in result.stdout.splitlines()[0] and "OVERDUE stage 10 d" in result.stdout
    assert "2 of 2 cases (open), most urgent first; 1 overdue" in result.stdout


def test_json_and_csv_keep_their_keys_in_polish(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _cases(fake_api(monkeypatch, tmp_path, lang="pl"))
    page = json.loads(run(monkeypatch, "case", "list", "--format", "json").stdout)
    assert {"id", "client_name", "definition", "stage_overdue_days"} <= set(page["items"][0])
    rows = list(csv.DictReader(io.StringIO(run(monkeypatch, "case", "list", "--format", "csv").stdout)))
    assert rows and "client_name" in rows[0] and "visit_overdue_days" in rows[0]


def test_a_case_is_shown_in_polish_words(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_api(monkeypatch, tmp_path, lang="pl").on("GET", f"/cases/{CASE}", SHOWN)
    result = run(monkeypatch, "case", "show", CASE, width=200)
    assert result.exit_code == 0, result.output
    assert f"Sprawa {CASE}" in result.stdout and "etap: plan" in result.stdout
    assert "status: wstrzymana" in result.stdout and "możliwe ruchy: advance" in result.stdout
    assert "wejście" in result.stdout  # the history's header


def test_an_error_of_the_cli_is_in_polish(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_api(monkeypatch, tmp_path, lang="pl")
    result = run(monkeypatch, "case", "list", "--status", "sleeping", width=200)
    assert result.exit_code == 2 and "nie jest jednym z" in result.stderr, result.stderr
