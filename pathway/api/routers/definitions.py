"""Pathway definitions: what can be opened, and how each pathway goes (thin; see
``pathway.app.definitions``)."""

from __future__ import annotations

from fastapi import APIRouter

from pathway.api.deps import ContextDep
from pathway.app import definitions
from pathway.app.case_upgrades import MigrationReport
from pathway.app.definitions import MigrationRequest
from pathway.app.schemas import DefinitionOut, DefinitionSummary, Page

router = APIRouter(prefix="/definitions", tags=["definitions"])


@router.get("", response_model=Page[DefinitionSummary])
def list_definitions(ctx: ContextDep) -> Page[DefinitionSummary]:
    return definitions.list_definitions(ctx)


@router.get("/{definition_id}", response_model=DefinitionOut)
def get_definition(definition_id: str, ctx: ContextDep) -> DefinitionOut:
    return definitions.get_definition(ctx, definition_id)


@router.post("/{definition_id}/migrations", response_model=MigrationReport)
async def migrate(definition_id: str, body: MigrationRequest, ctx: ContextDep) -> MigrationReport:
    """Move the unit's running cases of older versions to the current version of the
    definition, stage by stage as ``mapping`` says. Each case moves by a Temporal update;
    a case whose stage has no mapping is refused and keeps running on its snapshot.
    Audited per case and as a whole. ``dry_run`` says what would happen and changes nothing."""
    return await definitions.migrate(ctx, definition_id, body)
