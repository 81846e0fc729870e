"""What the caseload use cases take and give."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from pathway.app.schemas import ID_PATTERN

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Login = Annotated[str, Field(min_length=1, max_length=128, pattern=ID_PATTERN)]


class DefinitionLoad(BaseModel):
    definition: str
    open: int
    limit: int | None
    full: bool
    # The limit is set by law (pathway.core.legal_basis): no override.
    statutory: bool = False


class CaseloadRow(BaseModel):
    coordinator: str
    open: int
    active: int
    paused: int
    stage_overdue: int
    visit_overdue: int
    stalled_cases: int
    definitions: list[DefinitionLoad]


class ReassignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Login = Field(alias="from", description="the coordinator whose cases move")
    to: list[Login] = Field(min_length=1, max_length=50, description="who takes them: several split them evenly")
    cases: list[Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]] | None = Field(
        default=None, max_length=500, description="only these (default: all their open cases)"
    )
    override_reason: Code | None = Field(
        default=None, description="a code: lets a move exceed the caseload limit (audited)"
    )


class Moved(BaseModel):
    case_id: str
    definition: str
    to: str
    seq: int


class RefusedMove(BaseModel):
    case_id: str
    definition: str | None
    to: str | None
    code: str
    message: str


class ReassignResult(BaseModel):
    moved: list[Moved]
    refused: list[RefusedMove]
    moved_count: int
    refused_count: int
