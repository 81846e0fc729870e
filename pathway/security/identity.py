"""Client identity, encrypted at rest with a key per client; erasure destroys the key.

Every client gets a random 256-bit data key (DEK). Their name, address and phone, and the
text of every note of their cases, are stored in the data database only as AES-256-GCM
ciphertext under that DEK: a fresh 96-bit nonce each time, and associated data that binds
the ciphertext to the client id, the field (``client.name``, ``note:<note_id>``, ...) and the
DEK's id, so a value copied to another row or field does not decrypt. A sealed value is one
compact string, ``v1:<dek_id>:<base64url(nonce + ciphertext + tag)>``.

The DEK itself is stored only WRAPPED: AES-256-GCM under a key-encryption key derived
(HKDF-SHA256, a label of its own) from the master key ring of ``pathway.temporal.key_ring``
(``PATHWAY_CODEC_KEY`` or the key file). The current master key wraps new DEKs; older ones
still unwrap the DEKs they wrapped (the wrapping key's id is stored with each DEK), and
``IdentityVault.rewrap`` moves every DEK onto the current key before an old one is retired.
The derived key means the same master key never encrypts two kinds of thing (payloads and
DEKs) directly.

The wrapped DEKs live in the KEY STORE, a database separate from the data
(``PATHWAY_KEYSTORE_URL``; default the SQLite file ``<home>/keystore.db``). That is the point
of the design: backups of the data database never contain the keys. Erasing a client
(``pathway clients erase``, GDPR art. 17) deletes the client's key-store row and leaves a
tombstone, and on SQLite the key store runs with ``secure_delete`` and a rollback journal and
is ``VACUUM``ed after every erasure (``VACUUM FULL`` of the key table on PostgreSQL), so the
wrapped key's bytes are gone from the file too. From then on the client's identity and
notes are unreadable everywhere the ciphertext is: the live data database and every backup
of it. The key store is backed up separately with a short retention: an erasure is complete
everywhere once the last key-store backup taken before it has expired (README,
"Configuration"). The pseudonymous pathway (case rows, events, the workflow's history) and
the audit trail hold no identity and are not touched, so they stay intact and verifiable.

Unwrapped DEKs are not cached: every read asks the key store, so an erasure takes effect at
once in every API process, not when some cache expires. Reads of many clients (a page of a
case list) fetch their keys in one query (``open_many``).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, bindparam, create_engine, delete, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, col

from pathway.config import Settings
from pathway.security.codec import KeyRing
from pathway.store.models import ClientErasure, ClientKey, utcnow
from pathway.store.sealing import VERSION
from pathway.store.tables import table_of

log = logging.getLogger(__name__)

# The key store's statements on every open and every screen with a name, built once.
_KEYS, _ERASURES = table_of(ClientKey), table_of(ClientErasure)
_IS_ERASED = select(_ERASURES.c.client_id).where(_ERASURES.c.client_id == bindparam("client_id"))
_DEK_ID = select(_KEYS.c.dek_id).where(_KEYS.c.client_id == bindparam("client_id"))
_WRAPPED = select(_KEYS.c.client_id, _KEYS.c.dek_id, _KEYS.c.kek_id, _KEYS.c.wrapped_dek).where(
    _KEYS.c.client_id.in_(bindparam("ids", expanding=True))
)
_ERASED_AMONG = select(_ERASURES.c.client_id).where(_ERASURES.c.client_id.in_(bindparam("ids", expanding=True)))

#: What staff see in place of an erased client's name, address, phone or note.

NONCE_BYTES = 12
_KEK_INFO = b"pathway/identity/key-encryption-key/v1"
_WRAP_LABEL = "pathway/identity/dek/v1"
_FIELD_LABEL = "pathway/identity/field/v1"
BUSY_TIMEOUT_MS = 5000


class IdentityError(ValueError):
    """A sealed value that must not be shown: malformed, tampered with, moved to another
    client or field, or sealed under another key than the client's."""


class ClientErased(IdentityError):
    """The client's key was erased: nothing can be sealed for them any more."""

    def __init__(self, client_id: str) -> None:
        super().__init__(f"client {client_id} was erased: their key is destroyed")
        self.client_id = client_id


class KeyMissing(IdentityError):
    """The key store knows nothing of this client (not erased, simply absent): a key store
    that is not the one the data was written with, or one restored without its keys."""

    def __init__(self, client_id: str) -> None:
        super().__init__(
            f"the key store has no key for client {client_id} and no record of erasing it: "
            "is PATHWAY_KEYSTORE_URL the key store this data was written with?"
        )
        self.client_id = client_id


@dataclass(frozen=True)
class Erasure:
    client_id: str
    erased_at: datetime
    key_destroyed: bool  # False: it was erased before (the call is idempotent)


# ---------------------------------------------------------------- the key store's engine
def _keystore_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # A rollback journal, not WAL: a WAL file keeps old page images (a deleted key) until
        # it is checkpointed; the journal is deleted at every commit.
        cursor.execute("PRAGMA journal_mode=DELETE")
        # Deleted content is overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        # A lost DEK is lost data: every commit is synced.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def make_keystore_engine(url: str) -> Engine:
    """An engine for the key store. SQLite gets the pragmas above (not the data store's WAL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}}
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        kwargs["poolclass"] = StaticPool
    else:
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _keystore_pragmas)
    return engine


def keystore_engine(settings: Settings) -> Engine:
    """The key store of these settings; refuses to share the data database (its backups
    would then carry the keys, and erasure would not reach them)."""
    url = settings.resolved_keystore_url
    if make_url(url) == make_url(settings.resolved_database_url):
        raise ValueError(
            "PATHWAY_KEYSTORE_URL must name a database of its own, not PATHWAY_DATABASE_URL: "
            "backups of the data must never contain the client keys"
        )
    return make_keystore_engine(url)


def create_keystore_schema(engine: Engine) -> None:
    """The key store's own migrations (pathway/store/schema/keystore)."""
    from pathway.store.schema import upgrade

    upgrade(engine, tree="keystore")


# ---------------------------------------------------------------- the vault
def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(label: str, *parts: str) -> bytes:
    # JSON: unambiguous whatever the parts contain.
    return json.dumps([label, *parts], separators=(",", ":")).encode("utf-8")


class IdentityVault:
    """Seals and opens client identity under per-client keys kept in the key store."""

    def __init__(self, keystore_engine: Engine, key_ring: KeyRing, *, create_schema: bool = True) -> None:
        self.engine = keystore_engine
        self._ring = key_ring
        self._keks = {
            key_id: AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEK_INFO).derive(key))
            for key_id, key in key_ring.keys.items()
        }
        if create_schema:
            create_keystore_schema(keystore_engine)

    # ------------------------------------------------------------ keys
    def new_client_key(self, client_id: str) -> str:
        """Create the client's DEK (wrapped by the current master key); returns its id.
        Idempotent for a client that has one; an erased client never gets a key again."""
        return self._new_key(client_id)[0]

    def seal_new(self, client_id: str, texts: Mapping[str, str]) -> dict[str, str]:
        """``new_client_key`` then ``seal_many``: the fields of a client whose key is made now
        sealed under it as made, not read back from the key store (an open does this once per
        client: a session and a read of the key store less). A client who had a key keeps it,
        read as ``seal_many`` reads it."""
        dek_id, dek = self._new_key(client_id)
        if dek is None:
            return self.seal_many(client_id, texts)
        return self._seal_with(client_id, dek_id, dek, texts)

    def _new_key(self, client_id: str) -> tuple[str, bytes | None]:
        """The client's DEK id, and the DEK itself when it was made now (None: it was there)."""
        if not client_id:
            raise ValueError("a client id is needed")
        # Core statements: this runs on every open, and a session's unit of work cost more
        # than the writes.
        try:
            with self.engine.begin() as conn:
                if conn.execute(_IS_ERASED, {"client_id": client_id}).first():
                    raise ClientErased(client_id)
                existing = conn.execute(_DEK_ID, {"client_id": client_id}).scalar()
                if existing is not None:
                    return existing, None
                dek_id, dek = secrets.token_hex(6), AESGCM.generate_key(bit_length=256)
                kek_id, wrapped = self._wrap(client_id, dek_id, dek)
                now = utcnow()
                conn.execute(
                    _KEYS.insert(),
                    {
                        "client_id": client_id,
                        "dek_id": dek_id,
                        "kek_id": kek_id,
                        "wrapped_dek": wrapped,
                        "created_at": now,
                        "wrapped_at": now,
                    },
                )
            return dek_id, dek
        except IntegrityError:  # created meanwhile by another process
            with self.engine.connect() as conn:
                found = conn.execute(_DEK_ID, {"client_id": client_id}).scalar()
            if found is None:
                raise
            return found, None

    def erase(self, client_id: str) -> bool:
        """Destroy the client's key (and leave a tombstone). Returns whether a key was
        destroyed now; False if there was none (erased before). Idempotent."""
        return self.erasure(client_id).key_destroyed

    def erasure(self, client_id: str) -> Erasure:
        """``erase``, telling also when the client was erased."""
        with Session(self.engine) as session:
            removed = (
                session.connection().execute(delete(ClientKey).where(col(ClientKey.client_id) == client_id)).rowcount
            )
            tomb = session.get(ClientErasure, client_id)
            if tomb is None:
                tomb = ClientErasure(client_id=client_id, erased_at=utcnow())
                session.add(tomb)
            session.commit()
            erased_at = tomb.erased_at
        if removed:
            self._purge()
        return Erasure(client_id=client_id, erased_at=erased_at, key_destroyed=bool(removed))

    def is_erased(self, client_id: str) -> bool:
        with Session(self.engine) as session:
            return session.get(ClientErasure, client_id) is not None

    def erased_at(self, client_id: str) -> datetime | None:
        with Session(self.engine) as session:
            tomb = session.get(ClientErasure, client_id)
            return tomb.erased_at if tomb else None

    def rewrap(self) -> int:
        """Wrap every DEK that an older master key wrapped with the current one (run it
        after a rotation, before the old key leaves the ring). Returns how many."""
        current = self._ring.current
        done = 0
        with Session(self.engine) as session:
            rows = session.execute(select(ClientKey).where(col(ClientKey.kek_id) != current)).scalars().all()
            for row in rows:
                dek = self._unwrap(row)
                row.kek_id, row.wrapped_dek = self._wrap(row.client_id, row.dek_id, dek)
                row.wrapped_at = utcnow()
                session.add(row)
                done += 1
            session.commit()
        return done

    # ------------------------------------------------------------ values
    def seal(self, client_id: str, field: str, text: str) -> str:
        """``text`` encrypted under the client's DEK, bound to the client and the field."""
        return self.seal_many(client_id, {field: text})[field]

    def seal_many(self, client_id: str, texts: Mapping[str, str]) -> dict[str, str]:
        """``seal`` for several fields of one client, with one key-store query for them all
        (a client's identity is up to five fields; each ``seal`` alone asks for the key)."""
        dek_id, dek = self._dek(client_id)
        return self._seal_with(client_id, dek_id, dek, texts)

    @staticmethod
    def _seal_with(client_id: str, dek_id: str, dek: bytes, texts: Mapping[str, str]) -> dict[str, str]:
        aead = AESGCM(dek)
        out = {}
        for field, text in texts.items():
            nonce = secrets.token_bytes(NONCE_BYTES)
            sealed = aead.encrypt(nonce, text.encode("utf-8"), _aad(_FIELD_LABEL, client_id, field, dek_id))
            out[field] = f"{VERSION}:{dek_id}:{_b64e(nonce + sealed)}"
        return out

    def open(self, client_id: str, field: str, sealed: str) -> str | None:
        """The plain text, or None when the client's key was erased (show ``ERASED``).
        Raises ``IdentityError`` for a value that does not belong to this client and field
        or was tampered with, ``KeyMissing`` when the key store does not know the client."""
        return self.open_many([(client_id, field, sealed)])[0]

    def open_many(self, items: Sequence[tuple[str, str, str]]) -> list[str | None]:
        """``open`` for many values at once, with one key-store query for all their clients."""
        keys = self._deks({client_id for client_id, _, _ in items})
        out: list[str | None] = []
        for client_id, field, sealed in items:
            version, dek_id, body = self._parse(sealed)
            found = keys.get(client_id)
            if found is None:
                out.append(None)  # erased (_deks raised KeyMissing for an unknown client)
                continue
            key_dek_id, dek = found
            if dek_id != key_dek_id:
                raise IdentityError(f"a value of {field!r} was not sealed under the key of client {client_id}")
            try:
                plain = AESGCM(dek).decrypt(
                    body[:NONCE_BYTES], body[NONCE_BYTES:], _aad(_FIELD_LABEL, client_id, field, dek_id)
                )
            except InvalidTag:
                raise IdentityError(
                    f"a value of {field!r} of client {client_id} does not open: tampered, or moved from "
                    "another row or field"
                ) from None
            out.append(plain.decode("utf-8"))
        return out

    # ------------------------------------------------------------ inside
    @staticmethod
    def _parse(sealed: str) -> tuple[str, str, bytes]:
        version, sep1, rest = sealed.partition(":")
        dek_id, sep2, encoded = rest.partition(":")
        if version != VERSION or not sep1 or not sep2 or not dek_id:
            raise IdentityError("not a sealed value (expected 'v1:<key id>:<data>')")
        try:
            body = _b64d(encoded)
        except (binascii.Error, ValueError):
            raise IdentityError("a sealed value's data is not base64") from None
        if len(body) < NONCE_BYTES + 16:
            raise IdentityError("a sealed value is truncated")
        return version, dek_id, body

    def _wrap(self, client_id: str, dek_id: str, dek: bytes) -> tuple[str, bytes]:
        kek_id = self._ring.current
        nonce = secrets.token_bytes(NONCE_BYTES)
        return kek_id, nonce + self._keks[kek_id].encrypt(nonce, dek, _aad(_WRAP_LABEL, client_id, dek_id, kek_id))

    def _unwrap(self, row: Any) -> bytes:
        """A key-store row's DEK (a ``ClientKey`` or a Core row of its columns)."""
        kek = self._keks.get(row.kek_id)
        if kek is None:
            raise IdentityError(
                f"the key of client {row.client_id} is wrapped by master key '{row.kek_id}', which is not in the "
                "key ring (PATHWAY_CODEC_KEY / the key file): keep old keys in the ring until `rewrap` has run"
            )
        data = row.wrapped_dek
        try:
            return kek.decrypt(
                data[:NONCE_BYTES], data[NONCE_BYTES:], _aad(_WRAP_LABEL, row.client_id, row.dek_id, row.kek_id)
            )
        except InvalidTag:
            raise IdentityError(
                f"the wrapped key of client {row.client_id} does not open: wrong master key or tampered"
            ) from None

    def _dek(self, client_id: str) -> tuple[str, bytes]:
        found = self._deks({client_id}).get(client_id)
        if found is None:
            raise ClientErased(client_id)
        return found

    def _deks(self, client_ids: Iterable[str]) -> dict[str, tuple[str, bytes]]:
        """Unwrapped DEKs by client; an erased client is absent; an unknown one raises."""
        ids = sorted(set(client_ids))
        if not ids:
            return {}
        # Core rows, not ORM objects: every answer that shows a client's name asks for keys.
        with self.engine.connect() as conn:
            rows = conn.execute(_WRAPPED, {"ids": ids}).all()
            keys = {row.client_id: (row.dek_id, self._unwrap(row)) for row in rows}
            missing = [i for i in ids if i not in keys]
            if missing:
                erased = set(conn.execute(_ERASED_AMONG, {"ids": missing}).scalars())
                unknown = [i for i in missing if i not in erased]
                if unknown:
                    raise KeyMissing(unknown[0])
        return keys

    def _purge(self) -> None:
        """Rewrite the key store's file(s) so the deleted key's bytes are not left in free
        pages. Best effort: the row is already deleted (and zeroed by ``secure_delete``)."""
        dialect = self.engine.dialect.name
        statement = {"sqlite": "VACUUM", "postgresql": f"VACUUM FULL {ClientKey.__tablename__}"}.get(dialect)
        if statement is None:
            return
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(statement)
        except Exception:  # noqa: BLE001 - the erasure itself has happened
            log.warning("keystore_vacuum_failed", exc_info=True)
