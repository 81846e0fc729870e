"""`pathway definitions list|validate|show|migrate`: the YAML files of the pathways."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table

from pathway.cli.console import FORMAT_HELP, ApiClient, check_format, console, err, print_csv, print_json
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
            Column("version", lambda d: str(d["version"]), justify="right", drop=2),
            Column("title", lambda d: d["title_pl"], drop=1),
            Column("stages", lambda d: " → ".join(d["stages"])),
        ],
    )


@definitions_app.command("validate")
def definitions_validate(path: Path = typer.Argument(..., help="A definition file, or a directory of them.")) -> None:
    """Check a definition; a wrong one is explained by file, path and line."""
    from pathway.app.catalog import load_file
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
    from pathway.app.catalog import Catalog
    from pathway.render.mermaid import mermaid

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
    outcomes = [c for kind in ("migrated", "already_at_target", "refused", "failed") for c in report[kind]]
    short = short_ids(c["case_id"] for c in outcomes)
    print_table(
        outcomes,
        [
            Column("case", lambda c: short[c["case_id"]], no_wrap=True),
            Column("outcome", lambda c: c["outcome"]),
            Column("from", lambda c: f"v{c.get('from_version')} {c.get('from_stage') or ''}"),
            Column("to", lambda c: c.get("to_stage") or ""),
            Column("reason", lambda c: c.get("reason") or ""),
        ],
    )
    verb = "would migrate" if dry_run else "migrated"
    console.print(
        f"{len(report['migrated'])} {verb}, {len(report['already_at_target'])} already at v{report['to_version']}, "
        f"{len(report['refused'])} refused, {len(report['failed'])} failed"
    )
    if report["refused"] or report["failed"]:
        raise typer.Exit(1)
