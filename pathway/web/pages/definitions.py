"""The pathways: the list, and one pathway drawn."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from pathway.api.errors import ApiError
from pathway.api.routers import definitions as definitions_api
from pathway.render.diagram_svg import render_svg
from pathway.render.mermaid import mermaid
from pathway.web.page import signed_in

router = APIRouter(include_in_schema=False)


@router.get("/definitions")
async def definition_list(request: Request) -> Response:
    page = await signed_in(request)
    try:
        found = definitions_api.list_definitions(page.services, page.actor)
    except ApiError as exc:
        return page.error(exc)
    return page.render("definitions.html", definitions=found.items)


@router.get("/definitions/{definition_id}")
async def definition_page(definition_id: str, request: Request) -> Response:
    page = await signed_in(request)
    try:
        definitions_api.get_definition(definition_id, page.services, page.actor)
    except ApiError as exc:
        return page.error(exc)
    entry = page.services.catalog.get(definition_id)
    assert entry is not None
    d = entry.definition
    return page.render(
        "definition.html",
        d=d,
        version=entry.definition.version,
        svg=render_svg(d, page.lang, exits_label=page._("definition.exits")),
        mermaid=mermaid(d, page.lang),
        order=d.main_path(),
    )
