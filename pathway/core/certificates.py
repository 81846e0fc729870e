"""A disability certificate's validity (pure): until a date, or permanent ("na stałe").

A certificate is recorded as ``{"valid_until": "YYYY-MM-DD"}`` (it lapses at the end of that
day) or ``{"permanent": true}`` (issued "na stałe", with no end date: it never lapses, so
nothing is watched and no service is suspended for it); ``valid_from`` and ``degree`` may go
with either."""

from __future__ import annotations

from datetime import date
from typing import Any

from pathway.core.errors import InvalidCommand

FIELDS = frozenset({"valid_until", "valid_from", "degree", "permanent"})


def expires_on(value: Any) -> date | None:
    """The last valid day of a recorded certificate; None for a permanent one (or none)."""
    if not isinstance(value, dict) or value.get("permanent") is True or not value.get("valid_until"):
        return None
    return date.fromisoformat(str(value["valid_until"]))


def is_recorded(value: Any) -> bool:
    return isinstance(value, dict) and (value.get("permanent") is True or bool(value.get("valid_until")))


def coerce(value: dict[str, Any], where: str, name: str, as_date: Any, as_code: Any) -> dict[str, Any]:
    """``value`` as a certificate fact takes it; InvalidCommand naming the field otherwise."""
    extra = set(value) - FIELDS
    permanent = value.get("permanent", False)
    if not isinstance(permanent, bool):
        raise InvalidCommand(f"{where}: permanent is true or false", fact=name)
    if extra or permanent == ("valid_until" in value and value["valid_until"] is not None):
        raise InvalidCommand(
            f"{where} takes valid_until (a date) or permanent: true (na stałe, no end date), and valid_from and degree",
            fact=name,
        )
    out: dict[str, Any] = (
        {"permanent": True} if permanent else {"valid_until": as_date(value["valid_until"], f"{where}: valid_until")}
    )
    if value.get("valid_from") is not None:
        out["valid_from"] = as_date(value["valid_from"], f"{where}: valid_from")
    if value.get("degree") is not None:
        out["degree"] = as_code(value["degree"], f"{where}: degree")
    return out
