"""The remote codec endpoint, so that the Temporal Web UI can show authorised staff what a
case's payloads say (ids, stages, dates; never personal data), while Temporal itself only
ever stores ciphertext. The UI is pointed here with `--ui-codec-endpoint`.

The body is Temporal's remote-codec JSON: ``{"payloads": [{"metadata": {k: base64},
"data": base64}]}``; the answer has the same shape."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter
from pydantic import BaseModel, Field
from temporalio.api.common.v1 import Payload

from pathway.api.deps import ContextDep
from pathway.app import payload_codec
from pathway.app.errors import AppError

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
        raise AppError(422, "invalid_payload", "payload metadata and data must be base64") from None


def _to_json(p: Payload) -> JsonPayload:
    return JsonPayload(
        metadata={k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
        data=base64.b64encode(p.data).decode(),
    )


@router.post("/encode", response_model=Payloads)
async def encode(body: Payloads, ctx: ContextDep) -> Payloads:
    encoded = await payload_codec.encode(ctx, [_from_json(p) for p in body.payloads])
    return Payloads(payloads=[_to_json(p) for p in encoded])


@router.post("/decode", response_model=Payloads)
async def decode(body: Payloads, ctx: ContextDep) -> Payloads:
    decoded = await payload_codec.decode(ctx, [_from_json(p) for p in body.payloads])
    return Payloads(payloads=[_to_json(p) for p in decoded])
