"""The remote codec endpoint, so that the Temporal Web UI can show authorised staff what a
case's payloads say (ids, stages, dates; never personal data), while Temporal itself only
ever stores ciphertext. The UI is pointed here with `--ui-codec-endpoint`.

The body is Temporal's remote-codec JSON: ``{"payloads": [{"metadata": {k: base64},
"data": base64}]}``; the answer has the same shape."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload

from pathway.api.deps import ActorDep, AuditDep, ServicesDep, authorize
from pathway.api.errors import ApiError
from pathway.security.codec import CodecError
from pathway.security.policy import Action

router = APIRouter(prefix="/codec", tags=["codec"])
MAX_PAYLOADS = 1000


class JsonPayload(BaseModel):
    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class Payloads(BaseModel):
    payloads: list[JsonPayload] = Field(default_factory=list, max_length=MAX_PAYLOADS)


def _from_json(p: JsonPayload) -> Payload:
    try:
        return Payload(
            metadata={k: base64.b64decode(v, validate=True) for k, v in p.metadata.items()},
            data=base64.b64decode(p.data, validate=True),
        )
    except (binascii.Error, ValueError):
        raise ApiError(422, "invalid_payload", "payload metadata and data must be base64") from None


def _to_json(p: Payload) -> JsonPayload:
    return JsonPayload(
        metadata={k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
        data=base64.b64encode(p.data).decode(),
    )


def _codec(services: ServicesDep) -> Any:
    if services.codec is None:
        raise ApiError(
            409, "codec_disabled", "payload encryption is turned off on this server (PATHWAY_CODEC_DISABLED)"
        )
    return services.codec


@router.post("/encode", response_model=Payloads)
async def encode(body: Payloads, services: ServicesDep, actor: ActorDep) -> Payloads:
    authorize(actor, Action.CODEC_USE)
    encoded = await _codec(services).encode([_from_json(p) for p in body.payloads])
    return Payloads(payloads=[_to_json(p) for p in encoded])


@router.post("/decode", response_model=Payloads)
async def decode(body: Payloads, services: ServicesDep, actor: ActorDep, audit: AuditDep) -> Payloads:
    authorize(actor, Action.CODEC_USE)
    try:
        decoded = await _codec(services).decode([_from_json(p) for p in body.payloads])
    except CodecError as refused:
        raise ApiError(422, "undecryptable_payload", str(refused)) from None
    audit.record("codec.decode", payloads=len(decoded))
    return Payloads(payloads=[_to_json(p) for p in decoded])
