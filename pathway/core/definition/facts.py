"""The facts a definition declares, one model per kind, told apart by ``kind`` (a pydantic
discriminated union, ``FactSpec``). Each kind says which of the fields it uses (``problems``),
which kinds of partner its values name (``partner_kinds``) and whether a lapse of it suspends
the service; what a case does with a value of the kind is its class in
``pathway.core.case.fact_kinds``. No other module asks a fact which kind it is.

Every kind keeps the fields the single fact model had before the union (empty where the kind
does not use them): a definition's dump, and so the content hash of every snapshot a running
case carries, is what it was."""

from __future__ import annotations

import functools
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from pathway.core.calendar import Duration
from pathway.core.errors import Problem

PARTNER_KINDS: dict[str, tuple[str, str]] = {
    # kind: (Polish, English)
    "police": ("Policja", "Police"),
    "court": ("Sąd / kurator sądowy", "Court / probation officer"),
    "ops": ("Ośrodek pomocy społecznej", "Social welfare centre"),
    "pup": ("Powiatowy urząd pracy", "County labour office"),
    "school": ("Szkoła / pedagog szkolny", "School / school pedagogue"),
    "health": ("Ochrona zdrowia", "Health care"),
    "therapy": ("Terapia", "Therapy"),
    "legal": ("Pomoc prawna", "Legal aid"),
    "training": ("Instytucja szkoleniowa", "Training institution"),
    "ngo": ("Organizacja pozarządowa", "NGO"),
    "employer": ("Pracodawca", "Employer"),
    "zi": ("Zespół Interdyscyplinarny", "Interdisciplinary Team"),
    "housing": ("Mieszkalnictwo", "Housing"),
}

FieldType = Literal["date", "bool", "int", "code", "partner"]
FIELD_TYPES: tuple[FieldType, ...] = ("date", "bool", "int", "code", "partner")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Titles(_Strict):
    pl: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ChecklistItem(_Strict):
    title: Titles
    # "all_members_met": the item may be ticked only once every household member recorded
    # was present at a visit (pathway.core.household), and a move that needs the checklist
    # complete is refused while one is not.
    requires: Literal["all_members_met"] | None = None


class PartnerField(_Strict):
    """A record field naming a partner of the unit's resource map of one kind
    (``employer: {partner: employer}``). A bare ``partner`` field names a partner of any kind."""

    partner: str


def field_type(declared: FieldType | PartnerField) -> FieldType:
    return "partner" if isinstance(declared, PartnerField) else declared


def field_partner_kind(declared: FieldType | PartnerField) -> str | None:
    """The kind of partner a record field names; None for any kind or a field of another type."""
    return declared.partner if isinstance(declared, PartnerField) else None


def _unknown_partner_kind(path: str, kind: str | None) -> list[Problem]:
    if kind in PARTNER_KINDS:
        return []
    return [Problem(path, f"unknown partner role '{kind}'; known: {', '.join(PARTNER_KINDS)}")]


# The fields of a fact that only some kinds use: what a declaration of another kind is told.
_ONLY_FOR = {
    "items": "only a checklist has items",
    "partner_kind": "only a partner fact has a partner_kind",
    "fields": "only a record has fields",
    "remind_before_expiry": "only a certificate expires",
    "suspend_when_lapsed": "only a certificate lapses",
}


class FactSpecBase(_Strict):
    """A fact a case may carry. Values hold ids, dates, booleans and short codes only: free
    text (names, addresses, notes) lives in the SQL store, never in the workflow."""

    # The fields of ``_ONLY_FOR`` this kind uses.
    uses: ClassVar[frozenset[str]] = frozenset()
    # Partner facts are the ones a stage's ``notify`` may name (their partner is told).
    notifiable: ClassVar[bool] = False

    title: Titles
    items: dict[str, ChecklistItem] = Field(default_factory=dict)
    partner_kind: str | None = None
    fields: dict[str, FieldType | PartnerField] = Field(default_factory=dict)
    # certificate only: remind the coordinator this long before it expires, and suspend the
    # service (the clocks stop) when it lapses, until a current one is recorded.
    remind_before_expiry: Duration | None = None
    suspend_when_lapsed: bool = False

    def problems(self, path: str) -> list[Problem]:
        """What is wrong with the declaration: a field of another kind set, or one it needs missing."""
        unused = [
            Problem(f"{path}.{name}", message)
            for name, message in _ONLY_FOR.items()
            if name not in self.uses and getattr(self, name) not in (None, False, {})
        ]
        return self._own_problems(path) + unused

    def _own_problems(self, path: str) -> list[Problem]:
        return []

    @classmethod
    @functools.cache
    def kind_name(cls) -> str:
        """The ``kind`` a definition writes for this class (``checklist``)."""
        return str(get_args(cls.model_fields["kind"].annotation)[0])

    def partner_kinds(self) -> list[str]:
        """The kinds of partner this fact's values name."""
        return []

    def suspends_service(self) -> bool:
        """A lapse of this fact suspends the service until a current value is recorded."""
        return False

    def partner_fields(self) -> dict[str, str | None]:
        """The fields of a value that name a partner of the unit's resource map, each with the
        kind of partner it must be (None: any kind); the use case checks them against the map.
        (A partner fact's own ``partner_id`` takes its kind from the map: ``app.placements``.)"""
        return {}


class FlagSpec(FactSpecBase):
    kind: Literal["flag"]


class ChecklistSpec(FactSpecBase):
    kind: Literal["checklist"]
    uses = frozenset({"items"})

    def _own_problems(self, path: str) -> list[Problem]:
        return [] if self.items else [Problem(f"{path}.items", "a checklist needs at least one item")]


class PartnerSpec(FactSpecBase):
    kind: Literal["partner"]
    uses = frozenset({"partner_kind"})
    notifiable = True

    def _own_problems(self, path: str) -> list[Problem]:
        return _unknown_partner_kind(f"{path}.partner_kind", self.partner_kind)

    def partner_kinds(self) -> list[str]:
        return [self.partner_kind] if self.partner_kind else []


class CertificateSpec(FactSpecBase):
    kind: Literal["certificate"]
    uses = frozenset({"remind_before_expiry", "suspend_when_lapsed"})

    def suspends_service(self) -> bool:
        return self.suspend_when_lapsed


class RecordSpec(FactSpecBase):
    kind: Literal["record"]
    uses = frozenset({"fields"})

    def _own_problems(self, path: str) -> list[Problem]:
        out = [] if self.fields else [Problem(f"{path}.fields", "a record needs at least one field")]
        for name, declared in self.fields.items():
            if isinstance(declared, PartnerField):
                out += _unknown_partner_kind(f"{path}.fields.{name}.partner", declared.partner)
        return out

    def partner_kinds(self) -> list[str]:
        return [kind for declared in self.fields.values() if (kind := field_partner_kind(declared))]

    def partner_fields(self) -> dict[str, str | None]:
        return {name: kind for name, ftype, kind in self.typed_fields() if ftype == "partner"}

    def typed_fields(self) -> list[tuple[str, FieldType, str | None]]:
        """Each field's name, type and (for a partner field) the kind of partner it names."""
        return [(name, field_type(d), field_partner_kind(d)) for name, d in self.fields.items()]


FactSpec = Annotated[FlagSpec | ChecklistSpec | PartnerSpec | CertificateSpec | RecordSpec, Field(discriminator="kind")]
FACT_SPECS: tuple[type[FactSpecBase], ...] = (FlagSpec, ChecklistSpec, PartnerSpec, CertificateSpec, RecordSpec)
_ONE_FACT: TypeAdapter[FactSpec] = TypeAdapter(FactSpec)


def fact_spec(data: Any) -> FactSpecBase:
    """One fact's declaration, as a definition's ``facts`` holds it (the model of its kind)."""
    return _ONE_FACT.validate_python(data)
