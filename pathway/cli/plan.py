"""`pathway case plan show|edit`: the case's plan through the API - read it (goals, actions,
who, by when, status in words), or send it whole from a YAML or JSON file (a new version)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
import yaml

from pathway.cli.cases import case_id_of
from pathway.cli.console import ApiClient, _, centre_zone, console, err, print_json, words
from pathway.config import Settings

plan_app = typer.Typer(help="The case's plan: goals, each with actions (who, by when, status).", no_args_is_help=True)


def _day(value: str | None) -> str:
    if not value:
        return "—"
    zone = centre_zone()
    return words().day(date.fromisoformat(value), zone, today=datetime.now(zone).date())


def print_plan(plan: dict[str, Any]) -> None:
    w = words()
    if not plan["version"]:
        console.print(w.p_("plan", "No plan yet."))
        return
    head = w.p_(
        "plan", "Plan, version %(version)s, agreed on %(day)s", version=plan["version"], day=_day(plan["agreed_on"])
    )
    console.print(f"[bold]{head}[/bold]", highlight=False)
    if plan.get("review_due_on"):
        console.print(w.p_("plan", "Review due by %(day)s", day=_day(plan["review_due_on"])), highlight=False)
    for i, goal in enumerate(plan["goals"], 1):
        console.print(f"{i}. {goal['title']}", markup=False, highlight=False)
        for a in goal["actions"]:
            late = f" — {w.code('overdue', 'action', days=w.days(a['days_overdue']))}" if a.get("days_overdue") else ""
            who = w.code("plan_owner", a["owner"]["kind"]) + (f" {a['owner']['id']}" if a["owner"].get("id") else "")
            status = w.code("plan_status", a["status"])
            line = f"   - [{a['id']}] {a['title']} ({who}; {_day(a.get('due_on'))}; {status}{late})"
            console.print(line, markup=False, highlight=False)


@plan_app.command("show")
def show(case_id: str, json_out: bool = typer.Option(False, "--json", help="the API's answer as JSON")) -> None:
    """The case's latest plan."""
    api = ApiClient(Settings())
    plan = api.call("GET", f"/cases/{case_id_of(api, case_id)}/plan").json()
    print_json(plan) if json_out else print_plan(plan)


@plan_app.command("edit")
def edit(
    case_id: str,
    file: Path = typer.Argument(..., help="the whole plan as YAML or JSON (agreed_on, goals with actions)"),
    expected_version: int | None = typer.Option(None, "--expected-version", help="refuse if the plan moved on"),
) -> None:
    """Send the whole plan from a file: a new version (its goals and actions keep their ids)."""
    try:
        text = file.read_text(encoding="utf-8")
        body = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        err.print(_("cannot read %(file)s: %(error)s", file=str(file), error=exc), style="red", markup=False)
        raise typer.Exit(2) from None
    if not isinstance(body, dict):
        err.print(_("%(file)s: a plan is a mapping (agreed_on, goals)", file=str(file)), style="red", markup=False)
        raise typer.Exit(2)
    if expected_version is not None:
        body["expected_version"] = expected_version
    api = ApiClient(Settings())
    flags = {"expected_version": "--expected-version"}
    path = f"/cases/{case_id_of(api, case_id)}/plan"
    plan = api.call("PUT", path, json_body=json.loads(json.dumps(body, default=str)), idempotent=True, flags=flags)
    print_plan(plan.json())
