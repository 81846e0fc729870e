"""Pathway definitions: what can be opened, and how each pathway goes."""

from __future__ import annotations

from fastapi import APIRouter

from pathway.api.deps import ActorDep, ServicesDep, authorize
from pathway.security.policy import Action
from pathway.api.errors import not_found
from pathway.api.schemas import DefinitionOut, DefinitionSummary, Page
from pathway.catalog import CatalogEntry
from pathway.core.diagram import mermaid

router = APIRouter(prefix="/definitions", tags=["definitions"])


def _summary(entry: CatalogEntry) -> DefinitionSummary:
    d = entry.definition
    return DefinitionSummary(id=d.id, version=d.version, title=d.title.model_dump(), content_hash=entry.snapshot.content_hash, stages=d.main_path())


@router.get("", response_model=Page[DefinitionSummary])
def list_definitions(services: ServicesDep, actor: ActorDep) -> Page[DefinitionSummary]:
    authorize(actor, Action.DEFINITION_READ)
    items = [_summary(e) for e in services.catalog.entries()]
    return Page(items=items, count=len(items))


@router.get("/{definition_id}", response_model=DefinitionOut)
def get_definition(definition_id: str, services: ServicesDep, actor: ActorDep) -> DefinitionOut:
    authorize(actor, Action.DEFINITION_READ)
    entry = services.catalog.get(definition_id)
    if entry is None:
        raise not_found("definition", definition_id)
    return DefinitionOut(**_summary(entry).model_dump(), content=entry.snapshot.content, mermaid=mermaid(entry.definition))
