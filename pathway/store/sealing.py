"""What the store needs of whoever seals personal data (``pathway.security.identity``'s vault):
the store keeps only sealed text, and opens it for an answer through this protocol. The
store does not know how sealing works; it never holds a key."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

# What a field reads once its client was erased (their key destroyed).
ERASED = "[usunięte / erased]"
# Every sealed value starts with its format version: ``v1:<key id>:<sealed bytes>``.
VERSION = "v1"


class Sealer(Protocol):
    def new_client_key(self, client_id: str) -> str:
        """Make (or keep) the data key of ``client_id``; its id."""

    def seal(self, client_id: str, field: str, text: str) -> str:
        """``text`` sealed under the client's key, bound to ``field``."""

    def seal_many(self, client_id: str, texts: Mapping[str, str]) -> dict[str, str]:
        """``seal`` for several fields of one client at once."""

    def seal_new(self, client_id: str, texts: Mapping[str, str]) -> dict[str, str]:
        """``new_client_key`` then ``seal_many``, the key made now used as made."""

    def open(self, client_id: str, field: str, sealed: str) -> str | None:
        """The sealed text, opened; None once the client's key was destroyed."""

    def open_many(self, items: Sequence[tuple[str, str, str]]) -> list[str | None]:
        """``open`` for many (client id, field, sealed) at once."""

    def erase(self, client_id: str) -> bool:
        """Destroy the client's key; True if there was one."""


def is_sealed(value: str) -> bool:
    return value.startswith(f"{VERSION}:")
