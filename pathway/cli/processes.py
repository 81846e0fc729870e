"""`pathway up`, `pathway worker`, `pathway serve`: the long-lived processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from pathway.cli.console import run_process, settings_with
from pathway.config import Settings

processes = typer.Typer()


def _run(main: Any) -> None:
    """Run a process; a part that cannot start (a port in use, Temporal unreachable, a store
    not migrated) ends it with one line saying what to change, not a traceback."""
    from pathway.runtime.devserver import DevServerError
    from pathway.runtime.stack import StackError

    run_process(main, expected=(StackError, DevServerError))


@processes.command()
def up(
    demo: bool = typer.Option(False, "--demo", help="Add example partners and cases (once)."),
    home: Path | None = typer.Option(None, "--home", help="Where data lives (default ~/.pathway)."),
    port: int | None = typer.Option(None, "--port", help="API and web UI port (default 8000)."),
) -> None:
    """Start everything embedded: Temporal dev server, worker, API and web UI."""
    from pathway.logging import configure_logging
    from pathway.runtime.stack import run_stack

    settings = settings_with(home=home, api_port=port)
    configure_logging(settings)
    _run(run_stack(settings, demo=demo))


@processes.command()
def worker() -> None:
    """Run a worker against PATHWAY_TEMPORAL_ADDRESS (production)."""
    from pathway.logging import configure_logging
    from pathway.runtime.stack import run_worker

    settings = Settings()
    configure_logging(settings)
    _run(run_worker(settings))


@processes.command()
def serve() -> None:
    """Run the API and web UI against PATHWAY_TEMPORAL_ADDRESS (production)."""
    from pathway.logging import configure_logging
    from pathway.runtime.stack import run_api

    settings = Settings()
    configure_logging(settings)
    _run(run_api(settings))
