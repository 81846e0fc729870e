"""`pathway case member add|list|erase`: the household of a case (the client's family),
through the API."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from pathway.cli.cases import case_id_of
from pathway.cli.console import (
    FORMAT_HELP,
    ApiClient,
    _,
    check_format,
    code,
    console,
    n_,
    print_csv,
    print_json,
    styled,
    words,
)
from pathway.cli.ids import resolve
from pathway.cli.tables import Column, print_table
from pathway.config import Settings

member_app = typer.Typer(help="The household: the people the case works with besides the client.", no_args_is_help=True)

ROLE_HELP = "parent, child, partner, other_adult (violence pathways: experiencing_violence, using_violence)"
MEMBER_COLUMNS = ["id", "role", "name", "birth_year", "age", "school", "may_receive", "erased"]
FLAGS = {"role": "--role", "birth_year": "--born", "school": "--school", "name": "NAME"}


def _members(api: ApiClient, case_id: str) -> list[dict[str, Any]]:
    return list(api.call("GET", f"/cases/{case_id}/members").json()["items"])


@member_app.command("add")
def member_add(
    case_id: str,
    name: str = typer.Argument(..., help="the member's name (sealed; never sent anywhere)"),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    born: int = typer.Option(..., "--born", help="the birth year"),
    school: str | None = typer.Option(None, "--school", help="a child's school or kindergarten"),
    contact: list[str] = typer.Option([], "--contact", help="e-mail or phone (repeat)"),
) -> None:
    """Add a member to the case's household (the case's coordinator)."""
    api = ApiClient(Settings())
    body: dict[str, Any] = {"role": role, "name": name, "birth_year": born, "contacts": contact}
    if school:
        body["school"] = school
    path = f"/cases/{case_id_of(api, case_id)}/members"
    m = api.call("POST", path, json_body=body, idempotent=True, flags=FLAGS).json()
    console.print(member_added(m), highlight=False)


def member_added(m: dict[str, Any]) -> str:
    """``Dodano członka rodziny. m-1 (dziecko, 7 lat)``: the role and the age in words."""
    return styled("green", code("done", "member_add")) + " " + escape(_member_words(m))


def _member_words(m: dict[str, Any]) -> str:
    return f"{m['id']} ({code('member_role', m['role'])}, {_age(m.get('age'))})"


def _age(age: int | None) -> str:
    return "—" if age is None else n_("%(num)d year old", "%(num)d years old", age)


def member_columns() -> list[Column]:
    """The household's table, its headers and cells in words (the role, whether they may be told)."""
    return [
        Column(_("id"), lambda m: m["id"], no_wrap=True),
        Column(_("role"), lambda m: code("member_role", m["role"]), no_wrap=True),
        Column(words().p_("member", "name"), lambda m: m["name"]),
        Column(_("born"), lambda m: str(m["birth_year"]), no_wrap=True),
        Column(_("age"), lambda m: _age(m.get("age")), no_wrap=True),
        Column(_("school"), lambda m: m.get("school") or "—", drop=1),
        Column(_("may be told"), lambda m: _("yes") if m["may_receive"] else _("never"), drop=2),
    ]


@member_app.command("list")
def member_list(case_id: str, format: str = typer.Option("table", "--format", help=FORMAT_HELP)) -> None:
    """The case's household."""
    check_format(format)
    api = ApiClient(Settings())
    items = _members(api, case_id_of(api, case_id))
    if format == "json":
        print_json({"items": items, "count": len(items)})
        return
    if format == "csv":
        print_csv(items, MEMBER_COLUMNS)
        return
    print_table(items, member_columns())
    console.print(
        n_("%(num)d family member besides the client", "%(num)d family members besides the client", len(items)),
        highlight=False,
    )


@member_app.command("erase")
def member_erase(case_id: str, member_id: str) -> None:
    """Erase one person of the household: their name, school and contacts, for good."""
    api = ApiClient(Settings())
    case_id = case_id_of(api, case_id)
    member_id = resolve(member_id, lambda: (m["id"] for m in _members(api, case_id)), "member of this case")
    api.call("DELETE", f"/cases/{case_id}/members/{member_id}", idempotent=True)
    console.print(styled("yellow", code("done", "member_erase")) + " " + escape(member_id), highlight=False)
