"""The resource map (partners), the client's consents, and internship placements."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from pathway.core.definition import PARTNER_KINDS
from pathway.core.sharing import DEFAULT_SCOPE, scope_problems
from pathway.store.models.columns import UTCDateTime, utcnow


# ---------------------------------------------------------------- the resource map
class PartnerBase(SQLModel):
    """An organisation of the resource map. Names are organisation names, not personal data."""

    unit_id: str | None = Field(default=None, index=True)  # None: shared by all units
    name: str = Field(min_length=1, max_length=200, schema_extra={"pattern": r"\S"})
    kind: str = Field(index=True, schema_extra={"json_schema_extra": {"enum": list(PARTNER_KINDS)}})
    sector: Literal["public", "non_public", "private"] = Field(sa_type=AutoString)
    services: list[str] = Field(
        default_factory=list,
        sa_type=JSON,
        schema_extra={
            "json_schema_extra": {"maxItems": 50, "items": {"type": "string", "minLength": 1, "maxLength": 100}}
        },
    )
    email: str | None = Field(default=None, max_length=254)
    webhook_url: str | None = Field(default=None, max_length=500, schema_extra={"pattern": r"^https?://"})
    # The channel notify_partner uses: "outbox" (stored for pick-up), "smtp", "webhook";
    # "none" means the partner is not told.
    channel: Literal["outbox", "smtp", "webhook", "none"] = Field(default="outbox", sa_type=AutoString)
    internship_capacity: int = Field(default=0, ge=0, le=100_000)
    # What the partner may be told: field codes of pathway.core.sharing.SCOPE_FIELDS.
    data_scope: list[str] = Field(default_factory=lambda: list(DEFAULT_SCOPE), sa_type=JSON)


class PartnerCreate(PartnerBase):
    @model_validator(mode="after")
    def _scope_fits_kind(self) -> PartnerCreate:
        problems = scope_problems(self.kind, self.data_scope)
        if problems:
            # A rule of meaning (what this kind of partner may be told), not of shape: its own code.
            raise PydanticCustomError("scope_not_allowed", "data_scope: {problems}", {"problems": "; ".join(problems)})
        self.data_scope = sorted(set(self.data_scope))
        return self

    @field_validator("webhook_url")
    @classmethod
    def _web_address(cls, v: str | None) -> str | None:
        if v is not None and not (v.startswith("https://") or v.startswith("http://")):
            raise ValueError("a webhook address starts with https:// (or http:// inside the centre's network)")
        return v

    @field_validator("services")
    @classmethod
    def _service_codes(cls, v: list[str]) -> list[str]:
        if len(v) > 50 or any(not s or len(s) > 100 for s in v):
            raise ValueError("at most 50 services, each 1-100 characters")
        return v

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in PARTNER_KINDS:
            raise ValueError(f"unknown partner kind '{v}'; known: {', '.join(PARTNER_KINDS)}")
        return v

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a partner needs a name")
        return v.strip()


class Partner(PartnerBase, table=True):
    __tablename__ = "partners"

    id: str = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The key the partner checks our webhook signatures with (HMAC-SHA256). A credential:
    # shown once when the partner is added, never in a GET answer or a log.
    webhook_secret: str | None = Field(default=None, repr=False)


class PartnerPublic(PartnerBase):
    id: str
    created_at: datetime


# ---------------------------------------------------------------- consents and placements
class Consent(SQLModel, table=True):
    """The client's consent to share their case with one partner (pathway/store/consents.py).
    Checked at every attempt to notify a partner that needs it; a withdrawn consent stays
    (with who withdrew it and when) as the record of what was allowed when."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_case_partner", "case_id", "partner_id"),)

    id: str = Field(primary_key=True)
    case_id: str = Field(index=True)
    client_id: str | None = Field(default=None, index=True)
    partner_id: str = Field(index=True)
    given_at: datetime = Field(sa_type=UTCDateTime)
    given_by: str
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: str | None = None


class Placement(SQLModel, table=True):
    """One client's internship place at an employer, from the ``fact_set`` event that made
    it (``seq``) until the fact changed or the case closed (``ended_seq``). Written only by
    the projection; an employer's places in use are its rows with ``ended_at`` unset."""

    __tablename__ = "placements"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_placements_case_seq"),
        Index("ix_placements_partner_ended", "partner_id", "ended_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True)
    seq: int
    fact: str
    partner_id: str
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_seq: int | None = None
