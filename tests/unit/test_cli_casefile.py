"""`pathway case notes` and `pathway case document` without a stack (a fake API)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_fakes import FakeApi, fake_api, run

CASE = "c" * 32
NOTE = {
    "id": "n1",
    "at": "2026-12-06T09:30:00+00:00",
    "author": "ewa.koordynatorka",
    "author_name": "Ewa Koordynatorka",
    "about": {"kind": "visit", "stage": "diagnosis"},
    "text": "Wizyta domowa, [b]pani Żaneta[/b] w dobrym nastroju",
    "erased": False,
}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeApi:
    return fake_api(monkeypatch, tmp_path)


def test_notes_are_listed_in_local_time_and_searched(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    api.on("GET", f"/cases/{CASE}/notes", {"items": [NOTE], "count": 1, "searched": 1, "complete": True})
    result = run(monkeypatch, "case", "notes", CASE, "-q", "żaneta", width=120)
    assert result.exit_code == 0, result.output
    assert "10:30" in result.output and "visit (diagnosis)" in result.output and "Ewa Koordynatorka" in result.output
    assert "[b]pani Żaneta[/b]" in result.output  # a note's text is printed as typed, never as markup
    [sent] = api.sent
    assert sent.params["q"] == "żaneta"


def test_a_document_is_saved_to_the_file(api: FakeApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    api.on("GET", f"/cases/{CASE}/documents/referral.pdf", "%PDF-1.7 fake")
    out = tmp_path / "skierowanie.pdf"
    result = run(monkeypatch, "case", "document", CASE, "referral", "--referral", "r1", "-o", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b"%PDF-1.7 fake"
    [sent] = api.sent
    assert sent.params == {"lang": "en", "referral": "r1"}


def test_an_unknown_document_or_language_is_an_error(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    api.on(
        "GET",
        f"/cases/{CASE}/documents/plan.pdf",
        {"detail": {"code": "unknown_document", "message": "no document 'plan' for this case"}},
        status=404,
    )
    out = tmp_path / "x.pdf"
    result = run(monkeypatch, "case", "document", CASE, "plan", "-o", str(out))
    assert result.exit_code == 1 and "unknown_document" in result.output and not out.exists()
    result = run(monkeypatch, "case", "document", CASE, "consent", "-o", str(out), "--lang", "de")
    assert result.exit_code == 2 and "--lang" in result.output


PLAN = {
    "case_id": CASE,
    "version": 2,
    "agreed_on": "2026-12-01",
    "review_due_on": "2027-06-01",
    "goals": [
        {
            "id": "g1",
            "title": "Mieszkanie [b]socjalne[/b]",
            "actions": [
                {
                    "id": "a1",
                    "title": "Wniosek do urzędu",
                    "owner": {"kind": "coordinator", "id": None},
                    "due_on": "2026-12-03",
                    "status": "planned",
                    "days_overdue": 3,
                },
                {
                    "id": "a2",
                    "title": "Świetlica",
                    "owner": {"kind": "member", "id": "m-1"},
                    "due_on": None,
                    "status": "done",
                },
            ],
        }
    ],
}


def test_the_plan_is_shown_in_words(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    api.on("GET", f"/cases/{CASE}/plan", PLAN)
    result = run(monkeypatch, "case", "plan", "show", CASE, width=160)
    assert result.exit_code == 0, result.output
    assert "Mieszkanie [b]socjalne[/b]" in result.output  # the words as typed, never markup
    assert "Wniosek do urzędu" in result.output and "2026-12-03" not in result.output  # dates in words


def test_the_plan_is_edited_from_a_yaml_file(api: FakeApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    api.on("PUT", f"/cases/{CASE}/plan", PLAN)
    source = tmp_path / "plan.yaml"
    source.write_text(
        "agreed_on: 2026-12-01\ngoals:\n  - title: Mieszkanie\n    actions:\n"
        "      - {title: Wniosek, owner: {kind: coordinator}, due_on: 2026-12-03}\n",
        encoding="utf-8",
    )
    result = run(monkeypatch, "case", "plan", "edit", CASE, str(source), "--expected-version", "1", width=160)
    assert result.exit_code == 0, result.output
    [sent] = api.sent
    assert sent.body == {
        "agreed_on": "2026-12-01",
        "goals": [
            {
                "title": "Mieszkanie",
                "actions": [{"title": "Wniosek", "owner": {"kind": "coordinator"}, "due_on": "2026-12-03"}],
            }
        ],
        "expected_version": 1,
    }
    assert sent.headers.get("Idempotency-Key")
