"""Clients: erasing a client's identity (GDPR, the right to erasure; see
``pathway.app.clients``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from pathway.api.deps import ContextDep
from pathway.app.clients import ErasureOut, erase_client

router = APIRouter(prefix="/clients", tags=["clients"])

ClientId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post("/{client_id}/erase", response_model=ErasureOut)
async def erase(client_id: ClientId, ctx: ContextDep) -> ErasureOut:
    return await erase_client(ctx, client_id)
