"""The `pathway` command.

`up`, `worker` and `serve` run the processes; `definitions` works on the YAML files; `case`,
`audit` and `partners` talk to a running API (``PATHWAY_API_URL``, by default the embedded
stack's), so the CLI obeys the same rules as every other client.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import typer
from rich.console import Console
from rich.table import Table

from pathway import ops_cli
from pathway.config import Settings

app = typer.Typer(help="Support pathways of a social welfare centre.", no_args_is_help=True)
definitions_app = typer.Typer(help="Pathway definitions (YAML).", no_args_is_help=True)
case_app = typer.Typer(help="Cases: open, advance, visit, show, list.", no_args_is_help=True)
audit_app = typer.Typer(help="Supervisors' audits.", no_args_is_help=True)
partners_app = typer.Typer(help="The resource map.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts (admin).", no_args_is_help=True)
clients_app = typer.Typer(help="Clients' identity: GDPR erasure (supervisor).", no_args_is_help=True)
app.add_typer(definitions_app, name="definitions")
app.add_typer(case_app, name="case")
app.add_typer(audit_app, name="audit")
app.add_typer(partners_app, name="partners")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
# pathway db upgrade|current|revision, pathway temporal setup, pathway simulate
ops_cli.register(app)

console = Console()
err = Console(stderr=True, soft_wrap=True)


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


# --------------------------------------------------------------------------- processes
def _run_process(main: Any) -> None:
    """Run a long-lived process until Ctrl-C / SIGTERM. Afterwards, give the Temporal SDK's
    native threads a moment to let go before the interpreter finalizes: without it the exit
    sometimes aborts (seen 1 run in 3 on `pathway worker`), which an operator would read as
    a crash."""
    try:
        asyncio.run(main)
    except KeyboardInterrupt:
        pass
    finally:
        gc.collect()
        time.sleep(0.3)


FORMATS = ("table", "json", "csv")


def check_format(format: str) -> None:
    if format not in FORMATS:
        err.print("--format is table, json or csv", style="red")
        raise typer.Exit(2)


def fetch_listing(api: ApiClient, path: str, params: dict[str, Any], format: str) -> dict[str, Any] | None:
    """GET a listing: CSV and JSON are printed as the API gives them (None is returned);
    for a table, the parsed answer is returned to be drawn."""
    if format == "csv":
        sys.stdout.write(api.call("GET", path, params={**params, "format": "csv"}).text)
        return None
    page = api.call("GET", path, params=params).json()
    if format == "json":
        sys.stdout.write(json.dumps(page, indent=2, ensure_ascii=False) + "\n")
        return None
    return page


@app.command()
def up(
    demo: bool = typer.Option(False, "--demo", help="Add example partners and cases (once)."),
    home: Path | None = typer.Option(None, "--home", help="Where data lives (default ~/.pathway)."),
    port: int | None = typer.Option(None, "--port", help="API and web UI port (default 8000)."),
) -> None:
    """Start everything embedded: Temporal dev server, worker, API and web UI."""
    from pathway.logging import configure_logging
    from pathway.runtime import run_stack

    settings = _settings(home=home, api_port=port)
    configure_logging(settings)
    _run_process(run_stack(settings, demo=demo))


@app.command()
def worker() -> None:
    """Run a worker against PATHWAY_TEMPORAL_ADDRESS (production)."""
    from pathway.logging import configure_logging
    from pathway.runtime import run_worker

    settings = Settings()
    configure_logging(settings)
    _run_process(run_worker(settings))


@app.command()
def serve() -> None:
    """Run the API and web UI against PATHWAY_TEMPORAL_ADDRESS (production)."""
    from pathway.logging import configure_logging
    from pathway.runtime import run_api

    settings = Settings()
    configure_logging(settings)
    _run_process(run_api(settings))


# --------------------------------------------------------------------------- definitions
@definitions_app.command("list")
def definitions_list() -> None:
    """The definitions a case can be opened with."""
    from pathway.catalog import Catalog
    from pathway.core.errors import DefinitionError

    try:
        catalog = Catalog.load(Settings().resolved_definitions_dir)
    except DefinitionError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    table = Table("id", "version", "title", "stages")
    for entry in catalog.entries():
        d = entry.definition
        table.add_row(
            d.id, str(d.version), d.title.pl, " → ".join(s for s in d.main_path() if not d.stages[s].terminal)
        )
    console.print(table)


@definitions_app.command("validate")
def definitions_validate(path: Path = typer.Argument(..., help="A definition file, or a directory of them.")) -> None:
    """Check a definition; a wrong one is explained by file, path and line."""
    from pathway.catalog import load_file
    from pathway.core.errors import DefinitionError

    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        err.print(f"[red]{path}: no definition files[/red]")
        raise typer.Exit(1)
    failed = False
    for file in files:
        try:
            d = load_file(file)
            console.print(
                f"[green]OK[/green] {file}: {d.id} v{d.version}, {len(d.stages)} stages, {len(d.transitions)} moves"
            )
        except DefinitionError as exc:
            failed = True
            err.print(exc.message, style="red", markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


@definitions_app.command("show")
def definitions_show(
    definition_id: str,
    format: str = typer.Option("text", "--format", help="text or mermaid"),
    lang: str = typer.Option("pl", "--lang", help="pl or en"),
) -> None:
    """Show a definition's stages and moves (or a Mermaid diagram)."""
    from pathway.catalog import Catalog
    from pathway.core.diagram import mermaid

    entry = Catalog.load(Settings().resolved_definitions_dir).get(definition_id)
    if entry is None:
        err.print(f"no definition '{definition_id}'", style="red")
        raise typer.Exit(1)
    d = entry.definition
    if format == "mermaid":
        sys.stdout.write(mermaid(d, lang))
        return
    if format != "text":
        err.print("--format is text or mermaid", style="red")
        raise typer.Exit(2)
    console.print(
        f"[bold]{d.title.pl if lang == 'pl' else d.title.en}[/bold] ({d.id} v{d.version}, "
        f"{entry.snapshot.content_hash[:12]})"
    )
    stages = Table("stage", "title", "deadline", "duration", "visits")
    for name in d.main_path():
        s = d.stages[name]
        visits = f"every {s.visits.every}, ≥{s.visits.min_minutes} min" if s.visits else ""
        stages.add_row(
            name, s.title.pl if lang == "pl" else s.title.en, str(s.deadline or ""), str(s.duration or ""), visits
        )
    console.print(stages)
    moves = Table("trigger", "from", "to", "guards")
    for t in d.transitions:
        moves.add_row(
            t.trigger,
            ", ".join(t.sources(d)),
            t.dest,
            ", ".join(f"{g.guard}({g.fact or g.count or ''})" for g in t.guards),
        )
    console.print(moves)


@definitions_app.command("migrate")
def definitions_migrate(
    definition_id: str,
    map_: list[str] = typer.Option([], "--map", help="OLD=NEW stage mapping, repeat for each renamed stage"),
    dry_run: bool = typer.Option(False, "--dry-run", help="say what would happen, change nothing"),
) -> None:
    """Move running cases to the current version of a definition (admin; audited)."""
    mapping: dict[str, str] = {}
    for item in map_:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            err.print(f"--map takes OLD=NEW, got '{item}'", style="red")
            raise typer.Exit(2)
        mapping[old] = new
    report = (
        ApiClient(Settings())
        .call("POST", f"/definitions/{definition_id}/migrations", json_body={"mapping": mapping, "dry_run": dry_run})
        .json()
    )
    table = Table("outcome", "from", "to", "reason")
    table.add_column("case", no_wrap=True, min_width=32)
    for kind in ("migrated", "already_at_target", "refused", "failed"):
        for c in report[kind]:
            table.add_row(
                c["outcome"],
                f"v{c.get('from_version')} {c.get('from_stage') or ''}",
                c.get("to_stage") or "",
                c.get("reason") or "",
                c["case_id"],
            )
    console.print(table)
    verb = "would migrate" if dry_run else "migrated"
    console.print(
        f"{len(report['migrated'])} {verb}, {len(report['already_at_target'])} already at v{report['to_version']}, "
        f"{len(report['refused'])} refused, {len(report['failed'])} failed"
    )
    if report["refused"] or report["failed"]:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- API client
def _token_file(settings: Settings) -> Path:
    return settings.home / "cli-token"


def _saved_token(settings: Settings) -> str | None:
    if settings.token is not None:
        return settings.token.get_secret_value()
    try:
        return _token_file(settings).read_text().strip() or None
    except OSError:
        return None


class ApiClient:
    def __init__(self, settings: Settings, *, token: str | None = None) -> None:
        self.base = settings.resolved_api_url.rstrip("/") + "/api/v1"
        self.token = token or _saved_token(settings)

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        idempotent: bool = False,
    ) -> httpx.Response:
        headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotent else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = httpx.request(
                method, self.base + path, json=json_body, params=params, headers=headers, timeout=30
            )
        except httpx.HTTPError as exc:
            err.print(f"cannot reach the API at {self.base}: {exc}. Is `pathway up` running?", style="red")
            raise typer.Exit(2) from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", {})
            except ValueError:
                detail = {"message": response.text}
            err.print(
                f"{response.status_code} {detail.get('code', '')}: {detail.get('message', '')}",
                style="red",
                markup=False,
            )
            if response.status_code == 401:
                err.print("sign in with `pathway login`", markup=False)
            for guard in detail.get("guards", []) or []:
                err.print(f"  - {guard.get('guard')}: {guard.get('reason')}", markup=False)
            raise typer.Exit(1)
        return response


def _fmt(value: Any) -> str:
    """A timestamp from the API in the centre's time zone (PATHWAY_TZ), not the machine's."""
    if value is None:
        return "—"
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        try:
            return datetime.fromisoformat(value).astimezone(ZoneInfo(Settings().tz)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


def _print_case(case: dict[str, Any]) -> None:
    client = case.get("client") or {}
    console.print(
        f"[bold]Case {case['id']}[/bold] — {client.get('name', '')} ({case['definition']} "
        f"v{case['definition_version']})"
    )
    console.print(f"stage: [bold]{case['stage']}[/bold]  status: {case['status']}  coordinator: {case['coordinator']}")
    console.print(
        f"stage due: {_fmt(case.get('stage_due_at'))}  next visit due: {_fmt(case.get('next_visit_due_at'))}"
        + (f"  internship/stage ends: {_fmt(case.get('duration_ends_at'))}" if case.get("duration_ends_at") else "")
    )
    if case.get("allowed"):
        console.print("moves now: " + ", ".join(case["allowed"]))
    for b in case.get("blocked", []):
        console.print(
            f"  blocked [yellow]{b['trigger']}[/yellow] → {b['dest']}: {b['reason']}", markup=True, highlight=False
        )
    for o in case.get("overdue", []):
        console.print(
            f"  [red]OVERDUE[/red] {o['watch']}: due {_fmt(o['due_at'])}, {o['days_overdue']} day(s)"
            + (", escalated to supervisor" if o["escalated"] else "")
        )
    history = Table("stage", "entered", "left", "by move")
    for h in case.get("history", []):
        history.add_row(h["stage"], _fmt(h["entered_at"]), _fmt(h.get("left_at")), h.get("trigger") or "—")
    console.print(history)


@case_app.command("open")
def case_open(
    definition: str = typer.Option(..., "--definition", "-d"),
    coordinator: str = typer.Option(..., "--coordinator", "-c"),
    client_name: str = typer.Option(..., "--client-name"),
    address: str | None = typer.Option(None, "--address"),
    phone: str | None = typer.Option(None, "--phone"),
    perpetrator_name: str | None = typer.Option(None, "--perpetrator-name", help="never shown to partners"),
    perpetrator_contact: list[str] = typer.Option(
        [], "--perpetrator-contact", help="e-mail or phone; nothing is ever sent there (repeat)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a case for a client."""
    body = {
        "definition": definition,
        "coordinator": coordinator,
        "client": {
            "name": client_name,
            "address": address,
            "phone": phone,
            "perpetrator_name": perpetrator_name,
            "perpetrator_contacts": perpetrator_contact,
        },
    }
    case = ApiClient(Settings()).call("POST", "/cases", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("advance")
def case_advance(
    case_id: str,
    trigger: str = typer.Argument("advance"),
    note: str | None = typer.Option(None, "--note"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make a move (a trigger of the pathway) on a case."""
    api = ApiClient(Settings())
    current = api.call("GET", f"/cases/{case_id}").json()
    body = {"trigger": trigger, "note": note, "expected_stage": current["stage"]}
    case = api.call("POST", f"/cases/{case_id}/transitions", json_body=body, idempotent=True).json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("visit")
def case_visit(
    case_id: str,
    minutes: int = typer.Option(60, "--minutes"),
    kind: str = typer.Option("home", "--kind"),
    at: str | None = typer.Option(None, "--at", help="ISO 8601 with a time zone; default now"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Log a visit."""
    occurred = at or datetime.now(UTC).isoformat()
    body = {"occurred_at": occurred, "duration_minutes": minutes, "kind": kind, "note": note}
    result = ApiClient(Settings()).call("POST", f"/cases/{case_id}/visits", json_body=body, idempotent=True).json()
    if result.get("counted") is False:
        console.print(f"[yellow]recorded, not counted:[/yellow] {result['not_counted_reason']}")
    else:
        console.print(f"[green]visit recorded[/green]; next visit due {_fmt(result.get('next_visit_due_at'))}")


@case_app.command("fact")
def case_fact(
    case_id: str, name: str, value: str = typer.Argument(..., help="JSON, e.g. '{\"needs\": true}' or true")
) -> None:
    """Set a fact (checklist items, a partner, a certificate, a record)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        err.print(f"the value is not JSON: {exc}", style="red")
        raise typer.Exit(2) from None
    case = (
        ApiClient(Settings())
        .call("PUT", f"/cases/{case_id}/facts/{name}", json_body={"value": parsed}, idempotent=True)
        .json()
    )
    _print_case(case)


@case_app.command("show")
def case_show(case_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show a case: stage, moves allowed and blocked, deadlines, history."""
    case = ApiClient(Settings()).call("GET", f"/cases/{case_id}").json()
    console.print_json(data=case) if as_json else _print_case(case)


@case_app.command("list")
def case_list(
    coordinator: str | None = typer.Option(None, "--coordinator"),
    status: str | None = typer.Option(None, "--status"),
    definition: str | None = typer.Option(None, "--definition"),
    limit: int = typer.Option(50, "--limit"),
) -> None:
    """List cases."""
    params = {
        k: v
        for k, v in {"coordinator": coordinator, "status": status, "definition": definition, "limit": limit}.items()
        if v is not None
    }
    page = ApiClient(Settings()).call("GET", "/cases", params=params).json()
    table = Table("client", "pathway", "stage", "status", "coordinator", "stage due", "next visit")
    table.add_column("id", no_wrap=True, min_width=32)
    for c in page["items"]:
        table.add_row(
            c.get("client_name") or "",
            c["definition"],
            c["stage"],
            c["status"],
            c["coordinator"],
            _fmt(c.get("stage_due_at")),
            _fmt(c.get("next_visit_due_at")),
            c["id"],
        )
    console.print(table)
    console.print(f"{len(page['items'])} of {page['count']}")


# --------------------------------------------------------------------------- accounts
@app.command()
def login(
    user: str = typer.Option(..., "--user", "-u", prompt=True),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, help="prompted if not given"),
) -> None:
    """Sign in; the token is kept in the home directory (readable by you only)."""
    settings = Settings()
    answer = (
        ApiClient(settings, token="-")
        .call("POST", "/auth/token", json_body={"username": user, "password": password})
        .json()
    )
    path = _token_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(answer["access_token"])
    who = answer["user"]
    console.print(
        f"[green]signed in[/green] as {who['id']} ({', '.join(who['roles'])}, unit {who['unit']}); "
        f"the session ends {_fmt(answer['expires_at'])} or after 30 minutes without use"
    )


@app.command()
def logout() -> None:
    """Sign out: the token stops working everywhere."""
    settings = Settings()
    if _saved_token(settings):
        ApiClient(settings).call("POST", "/auth/logout")
    _token_file(settings).unlink(missing_ok=True)
    console.print("signed out")


@users_app.command("list")
def users_list() -> None:
    """Staff accounts of your unit (admin)."""
    page = ApiClient(Settings()).call("GET", "/users").json()
    table = Table("login", "name", "roles", "unit")
    for u in page["items"]:
        table.add_row(u["id"], u["display_name"], ", ".join(u["roles"]), u["unit"])
    console.print(table)


@users_app.command("add")
def users_add(
    login_name: str = typer.Argument(..., metavar="LOGIN"),
    display_name: str = typer.Option(..., "--name"),
    role: list[str] = typer.Option(..., "--role", help="coordinator, supervisor or admin (repeat for several)"),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a staff account in your unit (admin)."""
    body = {"id": login_name, "display_name": display_name, "roles": role, "password": password}
    u = ApiClient(Settings()).call("POST", "/users", json_body=body).json()
    console.print(f"[green]added[/green] {u['id']} ({', '.join(u['roles'])})")


@users_app.command("disable")
def users_disable(login_name: str = typer.Argument(..., metavar="LOGIN")) -> None:
    """Disable an account: its sessions end at once (admin)."""
    ApiClient(Settings()).call("POST", f"/users/{login_name}/disable")
    console.print(f"[yellow]disabled[/yellow] {login_name}")


# --------------------------------------------------------------------------- audit
@audit_app.command("stalled")
def audit_stalled(
    format: str = typer.Option("table", "--format", help="table, json or csv"),
    coordinator: str | None = typer.Option(None, "--coordinator"),
    definition: str | None = typer.Option(None, "--definition"),
    rule: str | None = typer.Option(None, "--rule", help="stage_overdue, visit_overdue, inactive or paused_too_long"),
    unit: str | None = typer.Option(None, "--unit", help="your unit (the only one you may audit)"),
    inactive_days: int | None = typer.Option(
        None, "--inactive-days", min=1, help="instead of each definition's inactivity_alert"
    ),
    source: str = typer.Option(
        "store", "--source", help="store, or temporal (stage_overdue from Temporal's visibility)"
    ),
) -> None:
    """Pathways that have stalled, most severe first: which rule fired, since when, for whom."""
    check_format(format)
    params: dict[str, Any] = {
        k: v
        for k, v in {
            "coordinator": coordinator,
            "definition": definition,
            "rule": rule,
            "unit": unit,
            "inactive_days": inactive_days,
            "source": source,
        }.items()
        if v
    }
    page = fetch_listing(ApiClient(Settings()), "/audit/stalled", params, format)
    if page is None:
        return
    table = Table("severity", "rule", "since", "days overdue", "stage", "coordinator", "definition")
    table.add_column("case", no_wrap=True, min_width=32)
    for r in page["items"]:
        table.add_row(
            r.get("severity", ""),
            r["rule"],
            _fmt(r["since"]),
            str(r["days_overdue"]),
            r["stage"],
            r["coordinator"],
            r.get("definition", ""),
            r["case_id"],
        )
    console.print(table)
    console.print(f"{page['count']} stalled")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check your unit's tamper-evident audit trail; exit 1 and name the first broken entry."""
    result = ApiClient(Settings()).call("GET", "/audit/verify").json()
    if result["ok"]:
        console.print(f"[green]OK[/green] unit {result['unit']}: {result['entries']} entries, the chain holds")
        return
    err.print(
        f"BROKEN unit {result['unit']} at entry {result['broken_seq']}: {result['problem']}", style="red", markup=False
    )
    raise typer.Exit(1)


# --------------------------------------------------------------------------- partners
@partners_app.command("list")
def partners_list(
    kind: str | None = typer.Option(None, "--kind"), sector: str | None = typer.Option(None, "--sector")
) -> None:
    """Partners of the resource map."""
    params = {k: v for k, v in {"kind": kind, "sector": sector, "limit": 500}.items() if v}
    page = ApiClient(Settings()).call("GET", "/partners", params=params).json()
    table = Table("name", "kind", "sector", "services", "channel", "may be told", "internship places")
    table.add_column("id", no_wrap=True, min_width=14)
    for p in page["items"]:
        table.add_row(
            p["name"],
            p["kind"],
            p["sector"],
            ", ".join(p.get("services") or []),
            p.get("channel", ""),
            ", ".join(p.get("data_scope") or []),
            _places(p),
            p["id"],
        )
    console.print(table)
    console.print(f"{len(page['items'])} of {page['count']}")


def _places(p: dict[str, Any]) -> str:
    """An employer's internship places: in use / capacity (free)."""
    if p.get("places_in_use") is None:
        return "—"
    return f"{p['places_in_use']} / {p['internship_capacity']} ({p['places_free']} free / wolne)"


@partners_app.command("add")
def partners_add(
    name: str = typer.Option(..., "--name"),
    kind: str = typer.Option(..., "--kind"),
    sector: str = typer.Option(..., "--sector", help="public, non_public or private"),
    email: str | None = typer.Option(None, "--email"),
    capacity: int = typer.Option(0, "--capacity", help="internship places (employers)"),
    service: list[str] = typer.Option([], "--service"),
    channel: str = typer.Option("outbox", "--channel", help="outbox, smtp, webhook or none"),
    webhook_url: str | None = typer.Option(None, "--webhook-url"),
    scope: list[str] = typer.Option(
        [],
        "--scope",
        help="a field the partner may be told (repeat); default: case_reference, stage, dates, coordinator_contact",
    ),
) -> None:
    """Add a partner to the resource map (admin). Its webhook signing key is shown once."""
    body: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "sector": sector,
        "email": email,
        "internship_capacity": capacity,
        "services": service,
        "channel": channel,
        "webhook_url": webhook_url,
    }
    if scope:
        body["data_scope"] = scope
    p = ApiClient(Settings()).call("POST", "/partners", json_body=body).json()
    console.print(
        f"[green]added[/green] {p['id']} {p['name']} ({p['kind']}, {p['sector']}); may be told: "
        f"{', '.join(p['data_scope'])}"
    )
    console.print("webhook signing key (shown once / pokazywany raz; give it to the partner):", markup=False)
    console.print(p["webhook_secret"], markup=False, highlight=False)


@partners_app.command("show")
def partners_show(partner_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """One partner: kind, channel, what it may be told, internship places."""
    from pathway.core.sharing import SCOPE_FIELDS

    p = ApiClient(Settings()).call("GET", f"/partners/{partner_id}").json()
    if as_json:
        console.print_json(data=p)
        return
    console.print(f"[bold]{p['name']}[/bold] ({p['kind']}, {p['sector']})  id {p['id']}", highlight=False)
    console.print(
        f"channel: {p['channel']}  e-mail: {p.get('email') or '—'}  webhook: {p.get('webhook_url') or '—'}",
        markup=False,
    )
    console.print("services: " + (", ".join(p.get("services") or []) or "—"), markup=False)
    console.print("internship places: " + _places(p), markup=False)
    console.print("may be told / zakres danych:")
    for code in p.get("data_scope") or []:
        pl, en = SCOPE_FIELDS.get(code, (code, code))
        console.print(f"  - {code}: {pl} / {en}", markup=False)


# --------------------------------------------------------------------------- consent
consent_app = typer.Typer(help="The client's consent to share the case with a partner.", no_args_is_help=True)
case_app.add_typer(consent_app, name="consent")


def _print_consents(items: list[dict[str, Any]]) -> None:
    table = Table("partner", "given", "by", "withdrawn", "active")
    table.add_column("id", no_wrap=True, min_width=32)
    for c in items:
        table.add_row(
            c.get("partner_name") or c["partner_id"],
            _fmt(c["given_at"]),
            c["given_by"],
            _fmt(c.get("withdrawn_at")),
            "yes / tak" if c["active"] else "no / nie",
            c["id"],
        )
    console.print(table)


@consent_app.command("give")
def consent_give(case_id: str, partner_id: str) -> None:
    """Record the client's consent for this partner (the case's coordinator)."""
    c = ApiClient(Settings()).call("POST", f"/cases/{case_id}/consents", json_body={"partner_id": partner_id}).json()
    console.print(f"[green]consent given[/green] {c['id']} for {c.get('partner_name') or c['partner_id']}")


@consent_app.command("withdraw")
def consent_withdraw(case_id: str, consent_id: str) -> None:
    """Withdraw a consent: nothing more is shared with that partner from now on."""
    c = ApiClient(Settings()).call("POST", f"/cases/{case_id}/consents/{consent_id}/withdraw").json()
    console.print(f"[yellow]consent withdrawn[/yellow] {c['id']} ({c.get('partner_name') or c['partner_id']})")


@consent_app.command("list")
def consent_list(case_id: str) -> None:
    """The case's consents, withdrawn ones too."""
    _print_consents(ApiClient(Settings()).call("GET", f"/cases/{case_id}/consents").json()["items"])


# --------------------------------------------------------------------------- clients
@clients_app.command("erase")
def clients_erase(
    client_id: str = typer.Argument(..., help="The client's id (`pathway case show CASE --json`: client.id)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Erase a client (GDPR): destroy their key, so their name, address, phone and notes are
    unreadable for good, backups included. Their cases go on, pseudonymous (supervisor)."""
    if not yes:
        typer.confirm(
            f"Erase client {client_id}? Their name, address, phone and every note of their cases become "
            "unreadable for good, in backups too. This cannot be undone.",
            abort=True,
        )
    result = ApiClient(Settings()).call("POST", f"/clients/{client_id}/erase").json()
    if result["key_destroyed"]:
        console.print(
            f"[green]erased[/green] client {result['client_id']}: {', '.join(result['fields'])} and "
            f"{result['notes']} note(s) are unreadable from now on"
        )
    else:
        console.print(f"client {result['client_id']} was already erased ({_fmt(result['erased_at'])})")
    if result["cases"]:
        console.print("their cases go on, pseudonymous: " + ", ".join(result["cases"]))


# Supervisors' commands (caseload, case reassign, report funnel) live in their own module.
from pathway import cli_supervisors  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    app()


# --------------------------------------------------------------------------- referrals
referral_app = typer.Typer(help="Referrals of the client to partners, and their answers.", no_args_is_help=True)
case_app.add_typer(referral_app, name="referral")


@referral_app.command("make")
def referral_make(
    case_id: str,
    partner_id: str,
    service: str,
    note: str | None = typer.Option(None, "--note", help="Stays in the centre's store; never sent to the partner."),
) -> None:
    """Refer the client to a partner for a service (needs the client's consent for that partner)."""
    body: dict[str, Any] = {"partner_id": partner_id, "service": service}
    if note:
        body["note"] = note
    r = ApiClient(Settings()).call("POST", f"/cases/{case_id}/referrals", json_body=body).json()
    console.print(f"[green]referral made[/green] {r['referral_id']}: answer due {r['answer_due_at']}")


@referral_app.command("answer")
def referral_answer(
    case_id: str,
    referral_id: str,
    answer: str = typer.Argument(..., help="accepted, rejected or done"),
    reason: str | None = typer.Option(None, "--reason", help="a code, required for a rejection (e.g. no_places)"),
) -> None:
    """Enter the partner's answer (given by phone or on paper)."""
    body: dict[str, Any] = {"answer": answer}
    if reason:
        body["reason"] = reason
    r = ApiClient(Settings()).call("POST", f"/cases/{case_id}/referrals/{referral_id}/answer", json_body=body).json()
    console.print(f"referral {r['referral_id']}: [bold]{r['status']}[/bold]")


@referral_app.command("list")
def referral_list(case_id: str) -> None:
    """The case's referrals and where each stands."""
    items = ApiClient(Settings()).call("GET", f"/cases/{case_id}/referrals").json()["items"]
    table = Table("referral", "partner", "service", "status", "answer due", "answered", "reason")
    for r in items:
        table.add_row(
            r["id"],
            r["partner_id"],
            r["service"],
            r["status"],
            _fmt(r["answer_due_at"]),
            _fmt(r["answered_at"]),
            r["reason"] or "",
        )
    console.print(table)
