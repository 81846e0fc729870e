"""`pathway login|logout` and `pathway users list|add|disable` (admin)."""

from __future__ import annotations

import os

import typer

from pathway.cli.console import (
    FORMAT_HELP,
    ApiClient,
    _,
    check_format,
    console,
    err,
    local_time,
    print_csv,
    print_json,
    saved_token,
    styled,
    token_file,
)
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

accounts = typer.Typer()
users_app = typer.Typer(help="Staff accounts (admin).", no_args_is_help=True)

# The API refuses shorter passwords (pathway.security.accounts.hash_password); said before
# it is typed, and checked before it is sent.
MIN_PASSWORD_LENGTH = 12


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
        styled("green", _("signed in"))
        + " "
        + _(
            "as %(login)s (%(roles)s, unit %(unit)s); the session ends %(ends)s or after 30 minutes without use",
            login=who["id"],
            roles=", ".join(who["roles"]),
            unit=who["unit"],
            ends=local_time(answer["expires_at"]),
        )
    )


@accounts.command()
def logout() -> None:
    """Sign out: the token stops working everywhere."""
    settings = Settings()
    if saved_token(settings):
        ApiClient(settings).call("POST", "/auth/logout")
    token_file(settings).unlink(missing_ok=True)
    console.print(_("signed out"))


@users_app.command("list")
def users_list(format: str = typer.Option("table", "--format", help=FORMAT_HELP)) -> None:
    """Staff accounts of your unit (admin)."""
    check_format(format)
    page = ApiClient(Settings()).call("GET", "/users").json()
    if format == "json":
        print_json(page)
        return
    if format == "csv":
        print_csv(page["items"], ["id", "display_name", "roles", "unit"])
        return
    print_table(
        page["items"],
        [
            Column(_("login"), lambda u: u["id"]),
            Column(_("name"), lambda u: u["display_name"]),
            Column(_("roles"), lambda u: ", ".join(u["roles"])),
            Column(_("unit"), lambda u: u["unit"], drop=1),
        ],
    )


@users_app.command("add")
def users_add(
    login_name: str = typer.Argument(..., metavar="LOGIN"),
    display_name: str = typer.Option(..., "--name"),
    role: list[str] = typer.Option(..., "--role", help="coordinator, supervisor or admin (repeat for several)"),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
        hide_input=True,
        confirmation_prompt=True,
        help=f"at least {MIN_PASSWORD_LENGTH} characters; prompted (twice, hidden) if not given",
    ),
) -> None:
    """Create a staff account in your unit (admin). The password is asked for, hidden, twice."""
    if len(password) < MIN_PASSWORD_LENGTH:
        err.print(
            _("--password: at least %(min)s characters, got %(got)s", min=MIN_PASSWORD_LENGTH, got=len(password)),
            style="red",
        )
        raise typer.Exit(2)
    body = {"id": login_name, "display_name": display_name, "roles": role, "password": password}
    u = ApiClient(Settings()).call("POST", "/users", json_body=body).json()
    console.print(styled("green", _("added")) + f" {u['id']} ({', '.join(u['roles'])})")


@users_app.command("disable")
def users_disable(login_name: str = typer.Argument(..., metavar="LOGIN")) -> None:
    """Disable an account: its sessions end at once (admin)."""
    ApiClient(Settings()).call("POST", f"/users/{login_name}/disable")
    console.print(styled("yellow", _("disabled")) + f" {login_name}")
