"""The CLI's commands as a newcomer meets them (issue 13, item 10), without a stack:

- ``case visit --at`` takes a local time in PATHWAY_TZ (or ISO 8601 with an offset), and a
  bad one is an error naming ``--at``;
- ``case close|pause|resume`` call the API's commands;
- ``users add`` asks for the password, hidden and twice, saying its minimum length first."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_fakes import FakeApi, fake_api, run

CASE = "c" * 32
SHOWN = {"id": CASE, "client": {"name": "Anna"}, "definition": "model-wsparcia", "definition_version": 1}
SHOWN |= {"stage": "plan", "status": "active", "coordinator": "ewa.koordynatorka"}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeApi:
    return fake_api(monkeypatch, tmp_path)


# ---------------------------------------------------------------- case visit --at
@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("2026-12-06 14:30", "2026-12-06T14:30:00+01:00"),  # winter: CET
        ("2026-12-06T14:30", "2026-12-06T14:30:00+01:00"),
        ("2026-07-01 09:05", "2026-07-01T09:05:00+02:00"),  # summer: CEST
        ("2026-12-06T14:30:00Z", "2026-12-06T14:30:00+00:00"),  # an offset is kept
        ("2026-12-06T14:30+05:30", "2026-12-06T14:30:00+05:30"),
    ],
)
def test_visit_at_is_a_local_time_in_the_centres_zone(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, typed: str, sent: str
) -> None:
    api.on("POST", f"/cases/{CASE}/visits", {"counted": True, "next_visit_due_at": None}, status=201)
    result = run(monkeypatch, "case", "visit", CASE, "--minutes", "90", "--at", typed)
    assert result.exit_code == 0, result.output
    [visit] = [s for s in api.sent if s.method == "POST"]
    assert visit.body["occurred_at"] == sent
    assert visit.body["duration_minutes"] == 90


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("yesterday", "is not a date and time"),
        ("2026-12-06", "is not a date and time"),  # a day without a time is not a moment
        ("06.12.2026 14:30", "is not a date and time"),
        ("2026-13-06 14:30", "is not a date and time"),
        ("2026-03-29 02:30", "does not exist in Europe/Warsaw"),  # the clocks jump 02:00 -> 03:00
        ("2026-10-25 02:30", "happens twice in Europe/Warsaw"),  # 03:00 -> 02:00
    ],
)
def test_a_bad_visit_time_is_an_error_naming_at(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, typed: str, why: str
) -> None:
    result = run(monkeypatch, "case", "visit", CASE, "--at", typed, width=200)
    assert result.exit_code == 2, result.output
    assert "--at" in result.stderr and why in result.stderr, result.stderr
    assert "Traceback" not in result.output and not api.sent


# ---------------------------------------------------------------- close, pause, resume
@pytest.mark.parametrize(
    ("args", "path", "body"),
    [
        (
            ["close", CASE, "transferred", "--note", "Przeprowadzka", "--exit-status", "inactive"],
            "close",
            {"outcome": "transferred", "note": "Przeprowadzka", "exit_status": "inactive"},
        ),
        (["pause", CASE, "--reason", "hospital"], "pause", {"reason": "hospital", "note": None}),
        (["pause", CASE], "pause", {"reason": "other", "note": None}),
        (["resume", CASE], "resume", None),
    ],
)
def test_close_pause_and_resume_call_the_api(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, args: list[str], path: str, body: object
) -> None:
    api.on("POST", f"/cases/{CASE}/{path}", SHOWN)
    result = run(monkeypatch, "case", *args)
    assert result.exit_code == 0, result.output
    [sent] = api.sent
    assert (sent.method, sent.path, sent.body) == ("POST", f"/cases/{CASE}/{path}", body)
    assert sent.headers.get("Idempotency-Key"), "a retried command is one command"
    assert f"Case {CASE}" in result.stdout


def test_a_refused_close_says_why(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    refusal = {"detail": {"code": "unknown_outcome", "message": "no outcome 'moved' in model-wsparcia"}}
    api.on("POST", f"/cases/{CASE}/close", refusal, status=422)
    result = run(monkeypatch, "case", "close", CASE, "moved", width=200)
    assert result.exit_code == 1 and "unknown_outcome: no outcome 'moved'" in result.stderr


# ---------------------------------------------------------------- users add
def test_users_add_asks_for_the_password_saying_its_minimum(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathway.cli.accounts import MIN_PASSWORD_LENGTH

    api.on("POST", "/users", {"id": "ewa", "roles": ["coordinator"]}, status=201)
    good = "a-password-long-enough"
    result = run(
        monkeypatch, "users", "add", "ewa", "--name", "Ewa", "--role", "coordinator", input=f"{good}\n{good}\n"
    )
    assert result.exit_code == 0, result.output
    assert f"Password (at least {MIN_PASSWORD_LENGTH} characters): " in result.output
    assert "Repeat for confirmation: " in result.output and good not in result.output, "hidden"
    assert api.sent[-1].body["password"] == good

    short = run(monkeypatch, "users", "add", "ewa", "--name", "Ewa", "--role", "coordinator", "--password", "short")
    assert short.exit_code == 2 and f"--password: at least {MIN_PASSWORD_LENGTH} characters" in short.stderr
    assert len(api.sent) == 1, "a short password is not sent"


def test_the_minimum_the_cli_states_is_the_one_the_accounts_enforce() -> None:
    from pathway.api.routers.users import UserIn
    from pathway.cli.accounts import MIN_PASSWORD_LENGTH
    from pathway.security.accounts import AccountError, hash_password

    with pytest.raises(AccountError):
        hash_password("x" * (MIN_PASSWORD_LENGTH - 1))
    hash_password("x" * MIN_PASSWORD_LENGTH)
    assert any(getattr(m, "min_length", None) == MIN_PASSWORD_LENGTH for m in UserIn.model_fields["password"].metadata)


# ---------------------------------------------------------------- case book, unbook
def test_book_sends_a_local_time_and_a_refusal_names_at(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    booked = {"appointment_id": "a" * 32, "at": "2026-12-10T09:00:00+00:00", "kind": "office", "late": False}
    api.on("POST", f"/cases/{CASE}/appointments", booked, status=201)
    result = run(monkeypatch, "case", "book", CASE, "--at", "2026-12-10 10:00", "--kind", "office", width=200)
    assert result.exit_code == 0, result.output
    [sent] = [s for s in api.sent if s.method == "POST"]
    assert sent.body == {"at": "2026-12-10T10:00:00+01:00", "kind": "office"}
    assert "Visit booked. " + "a" * 32 + ": Thu 10 December, 10:00 (at the centre)" in result.output

    refusal = {"detail": {"code": "appointment_too_late", "message": "too late", "field": "at"}}
    api.on("POST", f"/cases/{CASE}/appointments", refusal, status=422)
    result = run(monkeypatch, "case", "book", CASE, "--at", "2027-03-10 10:00", width=200)
    assert result.exit_code == 2 and "--at" in result.stderr, result.output


def test_unbook_cancels_the_booked_visit(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    api.on("DELETE", f"/cases/{CASE}/appointments/a-1", SHOWN, status=200)
    result = run(monkeypatch, "case", "unbook", CASE, "a-1")
    assert result.exit_code == 0, result.output
    assert [(s.method, s.path) for s in api.sent if s.method == "DELETE"] == [
        ("DELETE", f"/cases/{CASE}/appointments/a-1")
    ]
