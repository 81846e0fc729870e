"""A partner's webhook signing key, sealed at rest like a client's identity.

The key signs what we send the partner and authenticates its answers (referral callbacks):
whoever reads it can forge a partner's answer. So it is stored sealed under a data key of
its own in the key store (subject ``partner:<id>``), wrapped by the master key; a copy of the
data database alone is useless. A value written before sealing, or by a tool without the key
store, is plain and still read as it is."""

from __future__ import annotations

from pathway.store.sealing import Sealer, is_sealed

FIELD = "partner.webhook_secret"


def subject(partner_id: str) -> str:
    return f"partner:{partner_id}"


def seal_secret(vault: Sealer, partner_id: str, secret: str) -> str:
    return vault.seal_new(subject(partner_id), {FIELD: secret})[FIELD]


def open_secret(vault: Sealer | None, partner_id: str, stored: str | None) -> str | None:
    """The plain signing key, or None when there is none (or it cannot be opened here)."""
    if not stored or not is_sealed(stored):
        return stored
    if vault is None:
        return None
    return vault.open(subject(partner_id), FIELD, stored)
