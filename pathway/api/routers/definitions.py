"""Pathway definitions: what can be opened, and how each pathway goes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from pathway.api.deps import ActorDep, ServicesDep, authorize
from pathway.api.errors import ApiError, not_found
from pathway.api.schemas import DefinitionOut, DefinitionSummary, Page
from pathway.app.case_upgrades import MigrationReport, migrate_cases
from pathway.app.catalog import CatalogEntry
from pathway.render.mermaid import mermaid
from pathway.security.policy import Action

router = APIRouter(prefix="/definitions", tags=["definitions"])


def _summary(entry: CatalogEntry) -> DefinitionSummary:
    d = entry.definition
    return DefinitionSummary(
        id=d.id,
        version=d.version,
        title=d.title.model_dump(),
        content_hash=entry.snapshot.content_hash,
        stages=d.main_path(),
    )


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
    return DefinitionOut(
        **_summary(entry).model_dump(), content=entry.snapshot.content, mermaid=mermaid(entry.definition)
    )


class MigrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mapping: dict[str, str] = Field(default_factory=dict, description="old stage -> stage of the current version")
    dry_run: bool = False


@router.post("/{definition_id}/migrations", response_model=MigrationReport)
async def migrate(
    definition_id: str, body: MigrationRequest, services: ServicesDep, actor: ActorDep
) -> MigrationReport:
    """Move the unit's running cases of older versions to the current version of the
    definition, stage by stage as ``mapping`` says. Each case moves by a Temporal update;
    a case whose stage has no mapping is refused and keeps running on its snapshot.
    Audited per case and as a whole. ``dry_run`` says what would happen and changes nothing."""
    authorize(actor, Action.DEFINITION_MANAGE)
    entry = services.catalog.get(definition_id)
    if entry is None:
        raise not_found("definition", definition_id)
    try:
        return await migrate_cases(
            client=services.client,
            engine=services.engine,
            target=entry,
            mapping=body.mapping,
            actor=actor.id,
            unit_id=actor.unit_id,
            dry_run=body.dry_run,
        )
    except ValueError as refused:
        raise ApiError(422, "invalid_migration", str(refused)) from None
