"""`pathway login|logout` and `pathway users list|add|disable` (admin)."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from pathway.cli.console import ApiClient, console, local_time, saved_token, token_file
from pathway.config import Settings

accounts = typer.Typer()
users_app = typer.Typer(help="Staff accounts (admin).", no_args_is_help=True)


# --------------------------------------------------------------------------- accounts
@accounts.command()
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
    path = token_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(answer["access_token"])
    who = answer["user"]
    console.print(
        f"[green]signed in[/green] as {who['id']} ({', '.join(who['roles'])}, unit {who['unit']}); "
        f"the session ends {local_time(answer['expires_at'])} or after 30 minutes without use"
    )


@accounts.command()
def logout() -> None:
    """Sign out: the token stops working everywhere."""
    settings = Settings()
    if saved_token(settings):
        ApiClient(settings).call("POST", "/auth/logout")
    token_file(settings).unlink(missing_ok=True)
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
