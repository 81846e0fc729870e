"""Tables that fit the terminal: every listing's columns, most important first.

A column says how early it is left out when the terminal is too narrow (``drop``: 0 never,
then the highest number first); what is left out is named under the table, and
``--format json|csv`` always has every column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console, JustifyMethod, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from pathway.cli.console import _, console

NATURAL = 100_000  # a width no table reaches: measures a table's natural (unwrapped) width


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Any], RenderableType]
    drop: int = 0  # 0: always shown; otherwise left out, highest first, until the table fits
    no_wrap: bool = False
    justify: JustifyMethod = "left"
    max_width: int | None = None  # longer values wrap within it (names), instead of crowding out columns


def _table(columns: Sequence[Column], cells: dict[str, list[RenderableType]], rows: int, title: str | None) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True, title=title, title_justify="left"
    )
    for c in columns:
        table.add_column(c.header, no_wrap=c.no_wrap, justify=c.justify, max_width=c.max_width)
    for i in range(rows):
        table.add_row(*(cells[c.header][i] for c in columns))
    return table


def fitted(
    rows: Sequence[Any], columns: Sequence[Column], *, out: Console | None = None, title: str | None = None
) -> tuple[Table, list[str]]:
    """The table of ``rows`` at the console's width, and the headers of the columns left out."""
    out = out or console
    cells = {c.header: [_cell(c.cell(r)) for r in rows] for c in columns}
    shown = list(columns)
    unbounded = out.options.update_width(NATURAL)
    while True:
        table = _table(shown, cells, len(rows), title)
        if Measurement.get(out, unbounded, table).maximum <= out.width:
            break
        droppable = [c for c in shown if c.drop > 0]
        if not droppable:
            break  # what must be shown wraps
        shown.remove(max(droppable, key=lambda c: (c.drop, shown.index(c))))
    return table, [c.header for c in columns if c not in shown]


def print_table(
    rows: Sequence[Any], columns: Sequence[Column], *, out: Console | None = None, title: str | None = None
) -> None:
    """Print the table of ``rows`` fitted to the console (nothing for no rows: the caller's
    count line says so)."""
    if not rows:
        return
    out = out or console
    table, left_out = fitted(rows, columns, out=out, title=title)
    out.print(table)
    if left_out:
        out.print(
            _("(hidden at this width: %(columns)s; --format json or csv shows all)", columns=", ".join(left_out)),
            style="dim",
            markup=False,
            highlight=False,
        )


def _cell(value: RenderableType | None) -> RenderableType:
    if value is None:
        return "—"
    return Text(value) if isinstance(value, str) else value
