"""The key store's tables (``client_keys``, ``client_erasures``): on a metadata of their own, as
they live in a separate database (``PATHWAY_KEYSTORE_URL``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow

# ---------------------------------------------------------------- the key store (a database of its own)
# These tables are registered on KEYSTORE_METADATA, not on SQLModel.metadata: ``create_schema``
# of the data database never creates them, and nothing that backs up the data holds them.
KEYSTORE_REGISTRY = registry()
KEYSTORE_METADATA = KEYSTORE_REGISTRY.metadata


class KeystoreModel(SQLModel, registry=KEYSTORE_REGISTRY):
    """Base of the key store's tables."""


class ClientKey(KeystoreModel, table=True):
    """A client's data key (DEK), wrapped (AES-256-GCM) by a master key-encryption key.

    Deleting the row is what erases the client: without the DEK the sealed identity and
    notes, in the data database and in every backup of it, are ciphertext for good."""

    __tablename__ = "client_keys"

    client_id: str = Field(primary_key=True)
    dek_id: str  # names this DEK in every value sealed under it ("v1:<dek_id>:...")
    kek_id: str  # the id, in the master key ring, of the key that wrapped it
    wrapped_dek: bytes = Field(sa_type=LargeBinary)  # nonce + ciphertext + tag
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    wrapped_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClientErasure(KeystoreModel, table=True):
    """A tombstone: this client's key was destroyed on purpose (GDPR erasure). It tells
    "erased" apart from "the key store does not know this client" (a misconfiguration), and
    it stops an erased client id from ever getting a key again. Ids only."""

    __tablename__ = "client_erasures"

    client_id: str = Field(primary_key=True)
    erased_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
