"""`pathway definitions list|validate|show|migrate`: the YAML files of the pathways."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from pathway.cli.console import FORMAT_HELP, ApiClient, _, check_format, console, err, n_, print_csv, print_json, words
from pathway.cli.ids import short_ids
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

definitions_app = typer.Typer(help="Pathway definitions (YAML).", no_args_is_help=True)


# --------------------------------------------------------------------------- definitions
@definitions_app.command("list")
def definitions_list(format: str = typer.Option("table", "--format", help=FORMAT_HELP)) -> None:
    """The definitions a case can be opened with."""
    from pathway.app.catalog import Catalog
    from pathway.core.errors import DefinitionError

    check_format(format)
    try:
        catalog = Catalog.load(Settings().resolved_definitions_dir)
    except DefinitionError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    items = [
        {
            "id": d.id,
            "version": d.version,
            "title_pl": d.title.pl,
            "title_en": d.title.en,
            "stages": [s for s in d.main_path() if not d.stages[s].terminal],
        }
        for d in (entry.definition for entry in catalog.entries())
    ]
    if format == "json":
        print_json({"items": items, "count": len(items)})
        return
    if format == "csv":
        print_csv(items, ["id", "version", "title_pl", "title_en", "stages"])
        return
    print_table(
        items,
        [
            Column("id", lambda d: d["id"], no_wrap=True),
            Column(_("version"), lambda d: str(d["version"]), justify="right", drop=2),
            Column(_("title"), lambda d: d["title_en"] if words().lang == "en" else d["title_pl"], drop=1),
            Column(_("stages"), lambda d: " → ".join(d["stages"])),
        ],
    )


@definitions_app.command("validate")
def definitions_validate(path: Path = typer.Argument(..., help="A definition file, or a directory of them.")) -> None:
    """Check a definition; a wrong one is explained by file, path and line."""
    from pathway.app.catalog import load_file
    from pathway.core.errors import DefinitionError

    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        err.print(_("%(path)s: no definition files", path=path), style="red", markup=False)
        raise typer.Exit(1)
    failed = False
    for file in files:
        try:
            d = load_file(file)
            console.print(
                f"[green]OK[/green] {file}: {d.id} v{d.version}, "
                + n_("%(num)d stage", "%(num)d stages", len(d.stages))
                + ", "
                + n_("%(num)d move", "%(num)d moves", len(d.transitions))
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
    from pathway.app.catalog import Catalog
    from pathway.render.mermaid import mermaid

    entry = Catalog.load(Settings().resolved_definitions_dir).get(definition_id)
    if entry is None:
        err.print(_("no definition '%(id)s'", id=definition_id), style="red", markup=False)
        raise typer.Exit(1)
    d = entry.definition
    if format == "mermaid":
        sys.stdout.write(mermaid(d, lang))
        return
    if format != "text":
        err.print(_("--format is text or mermaid"), style="red")
        raise typer.Exit(2)
    console.print(
        f"[bold]{d.title.pl if lang == 'pl' else d.title.en}[/bold] ({d.id} v{d.version}, "
        f"{entry.snapshot.content_hash[:12]})"
    )
    stages = Table(_("stage"), _("title"), _("deadline"), _("duration"), _("visits"))
    for name in d.main_path():
        s = d.stages[name]
        visits = _("every %(every)s, ≥%(min)s min", every=s.visits.every, min=s.visits.min_minutes) if s.visits else ""
        stages.add_row(
            name, s.title.pl if lang == "pl" else s.title.en, str(s.deadline or ""), str(s.duration or ""), visits
        )
    console.print(stages)
    moves = Table(_("trigger"), _("from"), _("to"), _("guards"))
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
            err.print(_("--map takes OLD=NEW, got '%(value)s'", value=item), style="red", markup=False)
            raise typer.Exit(2)
        mapping[old] = new
    report = (
        ApiClient(Settings())
        .call("POST", f"/definitions/{definition_id}/migrations", json_body={"mapping": mapping, "dry_run": dry_run})
        .json()
    )
    outcomes = [c for kind in ("migrated", "already_at_target", "refused", "failed") for c in report[kind]]
    short = short_ids(c["case_id"] for c in outcomes)
    print_table(
        outcomes,
        [
            Column(_("case"), lambda c: short[c["case_id"]], no_wrap=True),
            Column(_("outcome"), lambda c: c["outcome"]),
            Column(_("from"), lambda c: f"v{c.get('from_version')} {c.get('from_stage') or ''}"),
            Column(_("to"), lambda c: c.get("to_stage") or ""),
            Column(_("reason"), lambda c: c.get("reason") or ""),
        ],
    )
    counts = {
        "moved": len(report["migrated"]),
        "already": len(report["already_at_target"]),
        "version": report["to_version"],
        "refused": len(report["refused"]),
        "failed": len(report["failed"]),
    }
    if dry_run:
        summary = _(
            "%(moved)s would migrate, %(already)s already at v%(version)s, %(refused)s refused, %(failed)s failed",
            **counts,
        )
    else:
        summary = _(
            "%(moved)s migrated, %(already)s already at v%(version)s, %(refused)s refused, %(failed)s failed", **counts
        )
    console.print(summary)
    if report["refused"] or report["failed"]:
        raise typer.Exit(1)
