"""The pathways: the list, and one pathway drawn."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pathway.app import definitions
from pathway.app.errors import AppError
from pathway.render.diagram_svg import render_svg
from pathway.render.mermaid import mermaid
from pathway.web.page import signed_in

router = APIRouter(include_in_schema=False)


@router.get("/definitions")
async def definition_list(request: Request) -> Response:
    page = await signed_in(request)
    try:
        with page.context() as ctx:
            found = definitions.list_definitions(ctx)
    except AppError as exc:
        return page.error(exc)
    return page.render("definitions.html", definitions=found.items)


@router.get("/definitions/{definition_id}")
async def definition_page(definition_id: str, request: Request) -> Response:
    page = await signed_in(request)
    try:
        with page.context() as ctx:
            entry = definitions.definition_entry(ctx, definition_id)
    except AppError as exc:
        return page.error(exc)
    d = entry.definition
    return page.render(
        "definition.html",
        d=d,
        version=entry.definition.version,
        svg=render_svg(d, page.lang, exits_label=page._("Closing from any open stage")),
        mermaid=mermaid(d, page.lang),
        order=d.main_path(),
    )
