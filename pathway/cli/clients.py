"""`pathway clients erase`: GDPR erasure of a client's identity (supervisor)."""

from __future__ import annotations

import typer

from pathway.cli.console import ApiClient, _, console, local_time, n_, styled
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
            _(
                "Erase client %(id)s? Their name, address, phone and every note of their cases become "
                "unreadable for good, in backups too. This cannot be undone.",
                id=client_id,
            ),
            abort=True,
        )
    result = ApiClient(Settings()).call("POST", f"/clients/{client_id}/erase").json()
    if result["key_destroyed"]:
        console.print(
            styled("green", _("erased"))
            + " "
            + n_(
                "client %(id)s: %(fields)s and %(num)d note are unreadable from now on",
                "client %(id)s: %(fields)s and %(num)d notes are unreadable from now on",
                result["notes"],
                id=result["client_id"],
                fields=", ".join(result["fields"]),
            )
        )
    else:
        console.print(
            _("client %(id)s was already erased (%(at)s)", id=result["client_id"], at=local_time(result["erased_at"]))
        )
    if result["cases"]:
        console.print(_("their cases go on, pseudonymous: %(cases)s", cases=", ".join(result["cases"])))
