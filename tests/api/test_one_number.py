"""One overdue case, one number everywhere (issue 13, item 8).

An overdue case shows the same days overdue and the same due dates on its API view, its
web page, the stalled audit, the supervisor's dashboard and the CLI (``case show``,
``case list``, ``audit stalled``); every due date a person reads is the last day on time
(``pathway.core.overdue.due_on``), never the first late instant's date."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from apistack import PASSWORD, Stack, new_unit
from typer.testing import CliRunner

from pathway.i18n import Words
from pathway.security import accounts

pytestmark = pytest.mark.integration

TZ = "Europe/Warsaw"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
RULE_OF_WATCH = {"stage_deadline": "stage_overdue", "visit": "visit_overdue"}


WORDS = Words("pl")


def _today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


def _local_day(moment: str) -> str:
    """The local date of an instant, in words: what the web printed as a due date before the fix."""
    return WORDS.day(datetime.fromisoformat(moment), ZoneInfo(TZ), today=_today())


def _due(day: str) -> str:
    """A last day on time as people read it: in words, with how far it is."""
    last = date.fromisoformat(day)
    return f"{WORDS.day(last, ZoneInfo(TZ), today=_today())} ({WORDS.days_until((last - _today()).days)})"


async def _web_pages(stack: Stack, unit: str, case_id: str) -> tuple[str, str]:
    """The case page and the dashboard as the unit's supervisor sees them."""
    login = f"web-supervisor.{unit}"
    accounts.create_user(
        stack.engine, user_id=login, display_name="Kierowniczka", unit_id=unit, roles=["supervisor"], password=PASSWORD
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test") as web:
        form = await web.get("/login")
        csrf = CSRF.search(form.text)
        assert csrf is not None
        r = await web.post(
            "/login", data={"csrf": csrf.group(1), "username": login, "password": PASSWORD, "next": "/cases"}
        )
        assert r.status_code == 303, r.text
        case_page = await web.get(f"/cases/{case_id}")
        dashboard = await web.get("/dashboard")
    assert case_page.status_code == 200 and dashboard.status_code == 200
    return case_page.text, dashboard.text


def _cli(monkeypatch: pytest.MonkeyPatch, tmp_home: str, answers: dict[str, Any], *args: str) -> str:
    """``pathway *args`` answered with what the real API answered (``answers``: path -> JSON)."""
    from pathway import cli
    from pathway.cli import console as cli_console

    def request(method: str, url: str, **kw: Any) -> httpx.Response:
        path = urlsplit(url).path.removeprefix("/api/v1")
        params = kw.get("params") or {}
        key = path if path != "/cases" else f"/cases?status={params.get('status')}"
        body = answers.get(key, {"items": [], "count": 0})
        if isinstance(body, dict) and "items" in body and int(params.get("offset", 0)) > 0:
            body = {"items": [], "count": body["count"]}
        return httpx.Response(200, json=body, request=httpx.Request(method, url))

    monkeypatch.setenv("PATHWAY_HOME", tmp_home)
    monkeypatch.setenv("PATHWAY_API_URL", "http://api.test")
    monkeypatch.setenv("PATHWAY_TOKEN", "a-token")
    monkeypatch.setenv("PATHWAY_TZ", TZ)
    monkeypatch.setenv("PATHWAY_LANG", "pl")  # the CLI's words and dates, as the page's
    monkeypatch.setattr(cli_console.httpx, "request", request)
    monkeypatch.setattr(cli_console.console, "width", 200)
    cli_console.centre_zone.cache_clear()
    cli_console.words.cache_clear()
    result = CliRunner().invoke(cli.app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


async def _everything(stack: Stack, unit: str, case_id: str, monkeypatch: pytest.MonkeyPatch, home: str) -> Any:
    headers = stack.supervisor(unit)
    case = (await stack.http.get(f"/api/v1/cases/{case_id}", headers=headers)).json()
    audit = (await stack.http.get("/api/v1/audit/stalled", headers=headers)).json()
    listed = (await stack.http.get("/api/v1/cases", params={"status": "active"}, headers=headers)).json()
    case_page, dashboard = await _web_pages(stack, unit, case_id)
    answers = {f"/cases/{case_id}": case, "/audit/stalled": audit, "/cases?status=active": listed}
    show = _cli(monkeypatch, home, answers, "case", "show", case_id)
    cli_list = json.loads(_cli(monkeypatch, home, answers, "case", "list", "--format", "json"))
    cli_audit = json.loads(_cli(monkeypatch, home, answers, "audit", "stalled", "--format", "json"))
    return case, audit, case_page, dashboard, show, cli_list, cli_audit


async def test_an_overdue_case_shows_one_number_everywhere(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    unit = new_unit()
    opened = await stack.open_case(
        unit=unit, opened_at=(datetime.now(UTC) - timedelta(days=40)).isoformat(), key=uuid.uuid4().hex
    )
    case_id = opened["id"]

    async def audited() -> Any:
        r = await stack.http.get("/api/v1/audit/stalled", headers=stack.supervisor(unit))
        rules = {i["rule"] for i in r.json()["items"]}
        return rules >= {"stage_overdue", "visit_overdue"}

    await stack.eventually(audited, what="both overdue rules in the audit")
    for _ in range(2):  # all of it on one local day (a day boundary may pass between the reads)
        day = datetime.now(ZoneInfo(TZ)).date()
        case, audit, case_page, dashboard, show, cli_list, cli_audit = await _everything(
            stack, unit, case_id, monkeypatch, str(tmp_path)
        )
        if datetime.now(ZoneInfo(TZ)).date() == day:
            break

    overdue = {o["watch"]: o for o in case["overdue"]}
    assert set(overdue) >= {"stage_deadline", "visit"}
    audit_rows = {i["rule"]: i for i in audit["items"] if i["case_id"] == case_id}
    cli_items = cli_audit["items"] if isinstance(cli_audit, dict) else cli_audit
    cli_rows = {i["rule"]: i for i in cli_items if i["case_id"] == case_id}
    cli_listed = cli_list["items"] if isinstance(cli_list, dict) else cli_list
    [listed] = [c for c in cli_listed if c["id"] == case_id]
    for watch, rule in RULE_OF_WATCH.items():
        o = overdue[watch]
        days = o["days_overdue"]
        # The audit (API and CLI): the same days, overdue since the same due moment.
        assert audit_rows[rule]["days_overdue"] == days, (rule, audit_rows[rule], o)
        assert datetime.fromisoformat(audit_rows[rule]["since"]) == datetime.fromisoformat(o["due_at"])
        assert cli_rows[rule]["days_overdue"] == days
        # The dashboard's row of this rule: the same days, the last day on time.
        row = re.search(rf'data-case="{case_id}" data-rule="{rule}">(.*?)</tr>', dashboard, re.S)
        assert row is not None, rule
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        assert _due(o["due_on"]) in cells and str(days) in cells, (cells, o)
        assert _local_day(o["due_at"]) not in cells  # the first late instant's date, a day late
        # The case page's badge and the CLI's case show and case list.
        badge = WORDS.code("overdue", watch, days=WORDS.days(days))
        assert badge.format(days=days) in case_page
        assert f"PO TERMINIE {watch}: termin {_due(o['due_on'])}" in show
        assert listed["stage_overdue_days" if watch == "stage_deadline" else "visit_overdue_days"] == days

    # Due dates as people read them: the last day on time, on the page and in the CLI.
    stage_due_on = overdue["stage_deadline"]["due_on"]
    visit_due_on = overdue["visit"]["due_on"]
    assert datetime.fromisoformat(case["stage_due_at"]) == datetime.fromisoformat(overdue["stage_deadline"]["due_at"])
    assert f"<dd>{_due(stage_due_on)}</dd>" in case_page and f"<dd>{_due(visit_due_on)}</dd>" in case_page
    assert f"<dd>{_local_day(case['stage_due_at'])}" not in case_page
    assert f"termin etapu: {_due(stage_due_on)}  następna wizyta do: {_due(visit_due_on)}" in show
