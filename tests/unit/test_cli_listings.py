"""The CLI's listings as a newcomer meets them (issue 13, item 10), against a fake API:

- every listing takes ``--format table|json|csv``; a table fits an 80-column terminal (ids
  shortened to a unique start, columns left out by priority and named under the table);
- ``case list`` lists the most urgent first, like the web's list, and marks overdue cases
  with what is overdue and by how many days;
- an unknown ``--definition`` / ``--coordinator`` (the API's 422) is an error naming the flag;
- a shortened id typed back is found again."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cli_fakes import FakeApi, case_item, fake_api, run, utc_now


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeApi:
    return fake_api(monkeypatch, tmp_path)


def _fits(output: str, width: int = 80) -> None:
    too_wide = [line for line in output.splitlines() if len(line.rstrip()) > width]
    assert not too_wide, f"lines wider than {width} columns:\n" + "\n".join(too_wide)


def _demo_cases(api: FakeApi) -> list[dict[str, Any]]:
    now = utc_now()
    cases = [
        case_item(now, name="Anna Przykładowa", stage_due=20, visit_due=3),
        case_item(now, name="Barbara Wzorcowa", stage_due=-10, visit_due=-33),
        case_item(
            now,
            name="Celina Testowa",
            stage_due=-2,
            visit_due=4,
            stage="needs_assessment",
            definition="asystent-osoby-niepelnosprawnej",
            coordinator="marek.koordynator",
        ),
        case_item(now, name="Dorota Paused", status="paused", stage_due=-30, stage="therapy"),
        case_item(now, name="Ela Soon", stage_due=1, visit_due=2, stage="plan"),
        case_item(now, name="Franciszka Closed", status="closed", stage="transferred"),
    ]
    api.paged("GET", "/cases", cases, by="status")
    return cases


# ---------------------------------------------------------------- case list
def test_case_list_puts_the_most_urgent_first_and_marks_overdue_cases_in_80_columns(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = _demo_cases(api)
    result = run(monkeypatch, "case", "list")
    assert result.exit_code == 0, result.output
    _fits(result.stdout)
    rows = [line for line in result.stdout.splitlines() if line[:8] in {c["id"][:8] for c in cases}]
    names = [next(c["client_name"] for c in cases if c["id"][:8] == line[:8]) for line in rows]
    # Overdue first (most days first), then the nearest due date, paused last; closed ones are not open.
    assert names == ["Barbara Wzorcowa", "Celina Testowa", "Ela Soon", "Anna Przykładowa", "Dorota Paused"]
    assert "OVERDUE stage 10 d" in rows[0] and "OVERDUE stage 2 d" in rows[1]
    assert "OVERDUE visit 33 d" in result.stdout.split(rows[0])[1].splitlines()[1], "one line per overdue item"
    assert result.stdout.count("OVERDUE") == 3 and "paused" in rows[-1]
    assert not any(c["id"] in result.stdout for c in cases), "ids are shortened"
    assert "hidden at this width: " in result.stdout and "pathway" in result.stdout.split("hidden at")[1]
    assert "5 of 5 cases (open), most urgent first; 2 overdue" in result.stdout
    # Only open cases were asked for, each status page by page.
    assert sorted(s.params["status"] for s in api.sent) == ["active", "paused"]

    wide = run(monkeypatch, "case", "list", width=200)
    assert "hidden at this width" not in wide.stdout
    assert "marek.koordynator" in wide.stdout and "asystent-osoby-niepelnosprawnej" in wide.stdout


def test_case_list_as_json_and_csv_has_every_case_in_the_same_order_with_its_overdue_days(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = _demo_cases(api)
    answer = run(monkeypatch, "case", "list", "--status", "all", "--format", "json")
    assert answer.exit_code == 0, answer.output
    page = json.loads(answer.stdout)
    assert page["count"] == len(cases)
    by_name = [i["client_name"] for i in page["items"]]
    assert by_name[:2] == ["Barbara Wzorcowa", "Celina Testowa"]
    assert set(by_name[-2:]) == {"Dorota Paused", "Franciszka Closed"}
    first = page["items"][0]
    assert (first["stage_overdue_days"], first["visit_overdue_days"], first["days_in_stage"]) == (10, 33, 12)
    assert {i["id"] for i in page["items"]} == {c["id"] for c in cases}, "JSON has whole ids"

    table = list(csv.DictReader(io.StringIO(run(monkeypatch, "case", "list", "--format", "csv").stdout)))
    assert [r["client_name"] for r in table] == by_name[:5]
    assert table[0]["visit_overdue_days"] == "33" and table[2]["stage_overdue_days"] == ""


def test_case_list_shows_the_most_urgent_n(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    _demo_cases(api)
    page = json.loads(run(monkeypatch, "case", "list", "--limit", "1", "--format", "json").stdout)
    assert [i["client_name"] for i in page["items"]] == ["Barbara Wzorcowa"] and page["count"] == 5


@pytest.mark.parametrize(
    ("args", "code", "flag"),
    [
        (["case", "list", "--definition", "no-such"], "unknown_definition", "--definition"),
        (["case", "list", "--coordinator", "nobody"], "unknown_coordinator", "--coordinator"),
        (["audit", "stalled", "--definition", "no-such"], "unknown_definition", "--definition"),
        (["audit", "stalled", "--coordinator", "nobody", "--format", "csv"], "unknown_coordinator", "--coordinator"),
        (["caseload", "--coordinator", "nobody"], "unknown_coordinator", "--coordinator"),
        (["report", "funnel", "--definition", "no-such"], "unknown_definition", "--definition"),
    ],
)
def test_an_unknown_filter_is_an_error_naming_the_flag(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, args: list[str], code: str, flag: str
) -> None:
    refusal = {"detail": {"code": code, "message": "no such thing", "definitions": ["model-wsparcia"]}}
    for path in ("/cases", "/audit/stalled", "/caseloads", "/reports/funnel"):
        api.on("GET", path, refusal, status=422)
    result = run(monkeypatch, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{flag}: no such thing"), result.stderr
    assert result.stdout == "", "nothing that could read as an empty 'all clear'"


def test_case_list_refuses_an_unknown_status_naming_the_flag(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "case", "list", "--status", "closd")
    assert result.exit_code == 2 and "--status" in result.stderr and not api.sent


# ---------------------------------------------------------------- other listings
def _stalled(case_ids: list[str]) -> dict[str, Any]:
    items = [
        {
            "case_id": cid,
            "rule": rule,
            "since": "2026-11-03T07:10:00+00:00",
            "coordinator": "ewa.koordynatorka",
            "stage": "needs_assessment",
            "days_overdue": 33,
            "unit": "default",
            "definition": "asystent-osoby-niepelnosprawnej",
            "severity": "high",
        }
        for cid in case_ids
        for rule in ("stage_overdue", "visit_overdue")
    ]
    return {"items": items, "count": len(items)}


def test_every_listing_fits_80_columns(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    case_ids = [c["id"] for c in _demo_cases(api)]
    api.on("GET", "/audit/stalled", _stalled(case_ids))
    partners = [
        {
            "id": f"demo-{n}",
            "name": f"Partner {n} — Fundacja Pomocy Kobietom w Przykładowie",
            "kind": "therapy",
            "sector": "non_public",
            "services": ["therapy", "psychological_support"],
            "channel": "outbox",
            "data_scope": ["case_reference", "stage", "dates", "coordinator_contact"],
            "internship_capacity": 0,
            "places_in_use": None,
            "places_free": None,
        }
        for n in range(3)
    ]
    api.paged("GET", "/partners", partners)
    load = {
        "coordinator": "ewa.koordynatorka",
        "open": 12,
        "active": 11,
        "paused": 1,
        "stage_overdue": 2,
        "visit_overdue": 3,
        "stalled_cases": 4,
        "definitions": [{"definition": "asystent-rodziny", "open": 15, "limit": 15, "full": True}],
    }
    api.on("GET", "/caseloads", {"items": [load], "count": 1})
    api.on(
        "GET",
        "/users",
        {
            "items": [
                {"id": "ewa.koordynatorka", "display_name": "Ewa Nowak", "unit": "default", "roles": ["coordinator"]}
            ]
        },
    )
    for args in (["audit", "stalled"], ["partners", "list"], ["caseload"], ["users", "list"], ["definitions", "list"]):
        result = run(monkeypatch, *args)
        assert result.exit_code == 0, (args, result.output)
        _fits(result.stdout)
    stalled = run(monkeypatch, "audit", "stalled").stdout
    assert case_ids[0][:8] in stalled and case_ids[0] not in stalled


@pytest.mark.parametrize(
    "args",
    [
        ["partners", "list"],
        ["users", "list"],
        ["definitions", "list"],
        ["case", "consent", "list", "c" * 32],
        ["case", "referral", "list", "c" * 32],
    ],
)
def test_listings_the_api_has_no_csv_of_are_json_and_csv_too(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    api.paged("GET", "/partners", [{"id": "demo-pup", "name": "PUP", "kind": "labour_office", "sector": "public"}])
    api.on(
        "GET",
        "/users",
        {"items": [{"id": "ewa", "display_name": "Ewa", "unit": "u", "roles": ["coordinator"]}], "count": 1},
    )
    consent = {"id": "d" * 32, "partner_id": "demo-pup", "given_at": "2026-01-01T10:00:00Z", "given_by": "ewa"}
    api.on("GET", f"/cases/{'c' * 32}/consents", {"items": [{**consent, "active": True}], "count": 1})
    referral = {"id": "e" * 32, "partner_id": "demo-pup", "service": "work_search", "status": "pending"}
    api.paged("GET", f"/cases/{'c' * 32}/referrals", [referral])
    as_json = run(monkeypatch, *args, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    page = json.loads(as_json.stdout)
    assert page["count"] == len(page["items"]) >= 1
    as_csv = run(monkeypatch, *args, "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == page["count"] and rows[0]["id"] == page["items"][0]["id"]
    wrong = run(monkeypatch, *args, "--format", "xml")
    assert wrong.exit_code == 2 and "--format" in wrong.stderr


# ---------------------------------------------------------------- shortened ids
def test_shortened_ids_are_unique_in_their_listing_and_a_typed_start_is_found_again(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathway.cli.ids import short_ids

    twins = ["abcdef0123" + "0" * 22, "abcdef0124" + "0" * 22, "1234abcd" + "f" * 24]
    assert short_ids([*twins, "demo-policja"]) == {
        twins[0]: "abcdef0123",
        twins[1]: "abcdef0124",
        twins[2]: "1234abcd",
        "demo-policja": "demo-policja",
    }

    now = utc_now()
    open_case = case_item(now, name="Anna", case_id=twins[0])
    other = case_item(now, name="Barbara", case_id=twins[1])
    closed = case_item(now, name="Celina", status="closed", case_id=twins[2])
    api.paged("GET", "/cases", [open_case, other, closed], by="status")
    shown = {"id": twins[0], "client": {"name": "Anna"}, "definition": "model-wsparcia", "definition_version": 1}
    shown |= {"stage": "plan", "status": "active", "coordinator": "ewa"}
    api.on("GET", f"/cases/{twins[0]}", shown)
    api.on("GET", f"/cases/{twins[2]}", {**shown, "id": twins[2], "status": "closed"})

    assert run(monkeypatch, "case", "show", "abcdef0123").exit_code == 0
    assert run(monkeypatch, "case", "show", "1234abcd").exit_code == 0, "a closed case is found too"
    assert [s.path for s in api.sent if not s.path == "/cases"] == [f"/cases/{twins[0]}", f"/cases/{twins[2]}"]

    ambiguous = run(monkeypatch, "case", "show", "abcdef01")
    assert ambiguous.exit_code == 2 and "is the start of 2 case ids" in ambiguous.stderr
    unknown = run(monkeypatch, "case", "show", "99999999")
    assert unknown.exit_code == 2 and "no case whose id starts with '99999999'" in unknown.stderr


def test_an_empty_listing_is_its_count_line_only(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    api.on("GET", "/audit/stalled", {"items": [], "count": 0})
    result = run(monkeypatch, "audit", "stalled")
    assert result.exit_code == 0 and result.stdout == "0 stalled\n", result.stdout
