"""`pathway clients erase`: GDPR erasure of a client's identity (supervisor)."""

from __future__ import annotations

import typer

from pathway.cli.console import ApiClient, console, local_time
from pathway.config import Settings

clients_app = typer.Typer(help="Clients' identity: GDPR erasure (supervisor).", no_args_is_help=True)


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
        console.print(f"client {result['client_id']} was already erased ({local_time(result['erased_at'])})")
    if result["cases"]:
        console.print("their cases go on, pseudonymous: " + ", ".join(result["cases"]))
