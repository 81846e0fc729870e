"""The payload codec encrypts everything and refuses what it cannot decrypt."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from temporalio.api.common.v1 import Payload

from pathway.security.codec import AesGcmCodec, CodecError, CodecKeyError, KeyRing, load_or_create_key_file


def ring(*ids: str) -> KeyRing:
    return KeyRing.parse(",".join(KeyRing.generate_line(i) for i in ids))


def plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_round_trip_hides_the_plaintext_and_names_the_key():
    codec = AesGcmCodec(ring("k1"))
    [sealed] = await codec.encode([plain('{"name": "Jadwiga Kowalska"}')])
    assert b"Jadwiga" not in sealed.SerializeToString()
    assert sealed.metadata["encoding"] == b"binary/encrypted" and sealed.metadata["encryption-key-id"] == b"k1"
    [opened] = await codec.decode([sealed])
    assert opened == plain('{"name": "Jadwiga Kowalska"}')


async def test_each_encryption_uses_a_fresh_nonce():
    codec = AesGcmCodec(ring("k1"))
    a, b = await codec.encode([plain("same"), plain("same")])
    assert a.data != b.data


async def test_old_keys_still_decrypt_after_a_rotation():
    old = ring("k2025")
    [sealed] = await AesGcmCodec(old).encode([plain("x")])
    rotated = KeyRing(keys={"k2026": os.urandom(32), **old.keys}, current="k2026")
    codec = AesGcmCodec(rotated)
    assert (await codec.decode([sealed]))[0] == plain("x")
    [new] = await codec.encode([plain("y")])
    assert new.metadata["encryption-key-id"] == b"k2026"


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda p: Payload(metadata=dict(p.metadata), data=p.data[:20]), "truncated"),
        (lambda p: Payload(metadata=dict(p.metadata), data=p.data[:-1] + bytes([p.data[-1] ^ 1])), "tampered"),
        (lambda p: Payload(metadata={**p.metadata, "encryption-key-id": b"nope"}, data=p.data), "unknown key"),
        (lambda p: plain("not encrypted at all"), "not encrypted"),
    ],
)
async def test_decoding_refuses_what_it_cannot_decrypt(tamper, message):
    codec = AesGcmCodec(ring("k1"))
    [sealed] = await codec.encode([plain("secret")])
    with pytest.raises(CodecError, match=message):
        await codec.decode([tamper(sealed)])


async def test_a_payload_from_another_key_ring_is_refused():
    [sealed] = await AesGcmCodec(ring("k1")).encode([plain("secret")])
    with pytest.raises(CodecError, match="wrong key"):
        await AesGcmCodec(ring("k1")).decode([sealed])


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "no codec key"),
        ("k1", "id:base64"),
        ("k1:not-base64!", "base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "32 bytes"),
        (f"bad id:{base64.b64encode(bytes(range(32))).decode()}", "key id"),
    ],
)
def test_a_malformed_key_configuration_is_explained(text, problem):
    with pytest.raises(CodecKeyError, match=problem):
        KeyRing.parse(text)


def test_the_key_file_is_created_once_private_and_reused(tmp_path):
    path = tmp_path / "home" / "codec.keys"
    first = load_or_create_key_file(path, "k1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_key_file(path, "k-other")
    assert again == first and again.current == "k1"
