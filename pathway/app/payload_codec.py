"""Temporal payloads opened for authorised staff (the Temporal Web UI's remote codec): what a
case's history says (ids, stages, dates; never personal data), while Temporal itself only
ever stores ciphertext. Every decode is recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from pathway.app.access import authorize
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.security.codec import CodecError
from pathway.security.policy import Action


def _codec(ctx: Context) -> PayloadCodec:
    if ctx.services.codec is None:
        raise AppError(
            409, "codec_disabled", "payload encryption is turned off on this server (PATHWAY_CODEC_DISABLED)"
        )
    return ctx.services.codec


async def encode(ctx: Context, payloads: Sequence[Payload]) -> list[Payload]:
    authorize(ctx.actor, Action.CODEC_USE)
    return await _codec(ctx).encode(payloads)


async def decode(ctx: Context, payloads: Sequence[Payload]) -> list[Payload]:
    authorize(ctx.actor, Action.CODEC_USE)
    try:
        decoded = await _codec(ctx).decode(payloads)
    except CodecError as refused:
        raise AppError(422, "undecryptable_payload", str(refused)) from None
    await ctx.record("codec.decode", payloads=len(decoded))
    return decoded
