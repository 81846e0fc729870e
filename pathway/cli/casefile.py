"""`pathway case notes` and `pathway case document`: the case file through the API - the
case's notes read back (and searched), and a paper of the case saved as PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from pathway.cli.cases import case_id_of
from pathway.cli.console import ApiClient, console, err, local_time, print_json
from pathway.config import Settings

KINDS_HELP = (
    "consent, referral (with --referral), transfer, contract, plan or assessment, as the case's pathway has them; "
    "`GET /cases/{id}/documents` lists a case's"
)


def case_notes(
    case_id: str,
    search: str | None = typer.Option(None, "--search", "-q", help="only notes holding these words (any case)"),
    limit: int = typer.Option(50, min=1, max=500, help="at most this many, the newest first"),
    json_out: bool = typer.Option(False, "--json", help="the API's answer as JSON"),
) -> None:
    """The case's notes, newest first, with what each was written with, when and by whom (the
    case's coordinator and the unit's supervisors)."""
    api = ApiClient(Settings())
    params: dict[str, object] = {"limit": limit} | ({"q": search} if search else {})
    page = api.call("GET", f"/cases/{case_id_of(api, case_id)}/notes", params=params, flags={"q": "--search"}).json()
    if json_out:
        print_json(page)
        return
    for n in page["items"]:
        about = n["about"]["kind"] + (f" ({n['about']['stage']})" if n["about"].get("stage") else "")
        console.print(f"[bold]{local_time(n['at'])}[/bold] {about} — {n.get('author_name') or n['author']}")
        console.print(f"  {n['text']}", markup=False, highlight=False)
    shown = len(page["items"])
    console.print(f"{shown} of {page['count']} note(s)" + ("" if page["complete"] else " (the newest searched)"))


def case_document(
    case_id: str,
    kind: str = typer.Argument(..., help=KINDS_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="the PDF file to write", dir_okay=False),
    referral: str | None = typer.Option(None, "--referral", help="a referral letter: the case's referral"),
    partner: str | None = typer.Option(None, "--partner", help="a consent form: a partner to add"),
    lang: str = typer.Option("pl", "--lang", help="pl (the default) or en"),
) -> None:
    """Save one paper of the case as a PDF (recorded in the audit trail by its id)."""
    if lang not in ("pl", "en"):
        err.print("--lang is pl or en", style="red")
        raise typer.Exit(2)
    api = ApiClient(Settings())
    params = {"lang": lang} | ({"referral": referral} if referral else {}) | ({"partner": partner} if partner else {})
    flags = {"referral": "--referral", "partner": "--partner", "lang": "--lang"}
    r = api.call("GET", f"/cases/{case_id_of(api, case_id)}/documents/{kind}.pdf", params=params, flags=flags)
    output.write_bytes(r.content)
    made = r.headers.get("x-document-id", "")
    console.print(f"[green]saved[/green] {output} ({len(r.content) // 1024 + 1} kB, document {made})")


def register(case_app: typer.Typer) -> None:
    case_app.command("notes")(case_notes)
    case_app.command("document")(case_document)
