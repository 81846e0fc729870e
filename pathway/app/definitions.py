"""Pathway definitions: what can be opened, how each pathway goes, and moving running cases
to a newer version of theirs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from pathway.app.access import authorize
from pathway.app.case_upgrades import MigrationReport, migrate_cases
from pathway.app.catalog import CatalogEntry
from pathway.app.context import Context
from pathway.app.errors import AppError, not_found
from pathway.app.schemas import DefinitionOut, DefinitionSummary, Page
from pathway.render.mermaid import mermaid
from pathway.security.policy import Action


class MigrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mapping: dict[str, str] = Field(default_factory=dict, description="old stage -> stage of the current version")
    dry_run: StrictBool = False


def _summary(entry: CatalogEntry) -> DefinitionSummary:
    d = entry.definition
    return DefinitionSummary(
        id=d.id,
        version=d.version,
        title=d.title.model_dump(),
        content_hash=entry.snapshot.content_hash,
        stages=d.main_path(),
    )


def list_definitions(ctx: Context) -> Page[DefinitionSummary]:
    authorize(ctx.actor, Action.DEFINITION_READ)
    items = [_summary(e) for e in ctx.services.catalog.entries()]
    return Page(items=items, count=len(items))


def definition_entry(ctx: Context, definition_id: str) -> CatalogEntry:
    authorize(ctx.actor, Action.DEFINITION_READ)
    entry = ctx.services.catalog.get(definition_id)
    if entry is None:
        raise not_found("definition", definition_id)
    return entry


def get_definition(ctx: Context, definition_id: str) -> DefinitionOut:
    entry = definition_entry(ctx, definition_id)
    return DefinitionOut(
        **_summary(entry).model_dump(), content=entry.snapshot.content, mermaid=mermaid(entry.definition)
    )


async def migrate(ctx: Context, definition_id: str, body: MigrationRequest) -> MigrationReport:
    """Move the unit's running cases of older versions to the current version of the
    definition, stage by stage as ``mapping`` says. Each case moves by a Temporal update;
    a case whose stage has no mapping is refused and keeps running on its snapshot.
    Audited per case and as a whole. ``dry_run`` says what would happen and changes nothing."""
    authorize(ctx.actor, Action.DEFINITION_MANAGE)
    entry = ctx.services.catalog.get(definition_id)
    if entry is None:
        raise not_found("definition", definition_id)
    ctx.release_connection()
    try:
        return await migrate_cases(
            client=ctx.services.client,
            engine=ctx.services.engine,
            target=entry,
            mapping=body.mapping,
            actor=ctx.actor.id,
            unit_id=ctx.unit_id,
            dry_run=body.dry_run,
        )
    except ValueError as refused:
        raise AppError(422, "invalid_migration", str(refused)) from None
