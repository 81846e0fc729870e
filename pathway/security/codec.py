"""AES-GCM payload codec: nothing a workflow carries is readable in Temporal.

Every payload is encrypted with the current key (AES-256-GCM, a fresh 96-bit nonce each
time); the key id travels in the payload's metadata so that old keys keep decrypting after a
rotation. Decoding refuses anything it cannot decrypt: an unknown key id, a truncated or
tampered payload, or a plaintext payload where ciphertext is expected. It never passes a
payload through, because a payload passed through is a payload someone could read.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
CIPHER = b"AES-256-GCM"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# Binds a ciphertext to its purpose: a blob encrypted for something else does not decrypt here.
AAD = b"pathway/temporal-payload/v1"


class CodecError(ValueError):
    """A payload that must not be passed on: it could not be decrypted, or was not encrypted."""


class CodecKeyError(ValueError):
    """The key configuration is missing or malformed."""


@dataclass(frozen=True)
class KeyRing:
    """Named 256-bit keys; ``current`` encrypts, every key decrypts."""

    keys: Mapping[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise CodecKeyError(f"the current key '{self.current}' is not in the key ring")
        for key_id, key in self.keys.items():
            if not KEY_ID.match(key_id):
                raise CodecKeyError(f"key id '{key_id}' must be 1-64 letters, digits, '_', '.' or '-'")
            if len(key) != 32:
                raise CodecKeyError(f"key '{key_id}' must be 32 bytes (AES-256), got {len(key)}")

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """``id:base64key[,id:base64key...]`` — the first is current, the others still decrypt."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        lines = [line.strip() for line in text.splitlines() if not line.strip().startswith("#")]
        for part in (p.strip() for line in lines for p in line.split(",")):
            if not part:
                continue
            key_id, sep, encoded = part.partition(":")
            if not sep:
                raise CodecKeyError("a codec key is written 'id:base64', e.g. 'k2026:…' (several separated by commas)")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except ValueError:
                raise CodecKeyError(f"key '{key_id.strip()}' is not valid base64") from None
            keys[key_id.strip()] = key
            order.append(key_id.strip())
        if not order:
            raise CodecKeyError("no codec key given")
        return cls(keys=keys, current=order[0])

    @staticmethod
    def generate_line(key_id: str) -> str:
        return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


def load_or_create_key_file(path: Path, key_id: str) -> KeyRing:
    """The embedded stack's key ring: created once (0600) on a new home, then reused."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(
                "# Pathway payload keys: the first line encrypts, every line decrypts. Back it up; never commit it.\n"
            )
            f.write(KeyRing.generate_line(key_id) + "\n")
    return KeyRing.parse(path.read_text())


class AesGcmCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self._ring.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), AAD + key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, "encryption-cipher": CIPHER, "encryption-key-id": key_id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            raise CodecError(
                "refusing a payload that is not encrypted (a plaintext payload where ciphertext is expected)"
            )
        key_id = payload.metadata.get("encryption-key-id", b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecError(f"cannot decrypt: unknown key id '{key_id}'")
        data = payload.data
        if len(data) < NONCE_BYTES + TAG_BYTES:
            raise CodecError("cannot decrypt: the payload is truncated")
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], AAD + key_id.encode())
        except InvalidTag:
            raise CodecError("cannot decrypt: wrong key or tampered payload") from None
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded
