"""The shapes the use cases take and give (beyond the store's public models): what every
surface sends and shows. The API publishes them in its OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from pathway.app import fact_values
from pathway.core.case import CaseView
from pathway.core.definition.profile import LabourStatus
from pathway.core.profile import Profile
from pathway.store.models import Case

T = TypeVar("T")


# The largest ``offset`` of a list. An unbounded one reached the database as an integer it
# cannot hold (SQLite: 64 bits): a 500 where a 422 belongs.
MAX_OFFSET = 1_000_000_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    count: int


# A user id, code or reason: what may enter a workflow and its search attributes
# (pathway.core.commands.TOKEN). Free text there would be personal data in Temporal.
ID_PATTERN = r"^[A-Za-z0-9_.:@-]+$"


class _Body(BaseModel):
    # A field the API does not know is refused, never silently dropped.
    model_config = ConfigDict(extra="forbid")


# No case of a social welfare centre predates the social assistance act (1990). The bound
# also keeps a date far in the past (year 1, +01:00) from overflowing when it is converted
# to UTC for the store: that was a 500.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# The same bound in the OpenAPI document, where a date's minimum cannot be written: the year,
# 1990-2199, as a pattern on the date-time string.
SINCE_1990 = r"^(199\d|2[01]\d\d)-"


def _not_before_earliest(value: datetime | None) -> datetime | None:
    if value is not None and value < EARLIEST:
        raise ValueError(f"cannot be before {EARLIEST.date().isoformat()}")
    return value


def _written_as_text(value: Any) -> Any:
    """A date and time comes as text (ISO 8601 with a zone): a number or a boolean is refused,
    not read as seconds since 1970 (``opened_at: 1767225600`` was taken as a date)."""
    if isinstance(value, bool | int | float):
        raise PydanticCustomError(
            "datetime_type", "a date and time is written as text, e.g. 2026-05-04T10:00:00+02:00", {}
        )
    return value


def _a_json_number(value: Any) -> Any:
    """A whole number comes as a JSON number: ``true`` is not 1 (a 1-minute visit) and "90" is
    not 90 (90.0 is, as JSON Schema says of integers)."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "a whole number is written as a number, e.g. 90", {})
    return value


WholeNumber = Annotated[int, BeforeValidator(_a_json_number)]
# A household member's birth year: a whole number with its bounds in the schema, also where it
# is optional (the bounds given to a ``WholeNumber`` field do not reach an optional one's schema).
# Not in the future and at most 120 years back is checked against this year by the use case.
BirthYear = Annotated[int, Field(ge=1800, le=2200), BeforeValidator(_a_json_number)]
# A date and time written as text, with a zone.
Instant = Annotated[AwareDatetime, BeforeValidator(_written_as_text)]


def Since1990(description: str, **default: Any) -> Any:  # noqa: N802 - a Field, named like a type
    """A date-time field no earlier than 1990-01-01 (checked, and said in the schema)."""
    return Field(description=description, json_schema_extra={"pattern": SINCE_1990}, **default)


class ClientIn(_Body):
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=50)
    # Never shown to partners; nothing is ever sent to these contacts (e-mails, phones).
    perpetrator_name: str | None = Field(default=None, max_length=200)
    perpetrator_contacts: list[Annotated[str, Field(min_length=3, max_length=254)]] = Field(
        default_factory=list, max_length=20
    )


class OpenCaseRequest(_Body):
    definition: str = Field(min_length=1, max_length=64)
    coordinator: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    client: ClientIn
    # For a case brought over from paper records: when it really started (not in the future).
    opened_at: Instant | None = Since1990(
        "when a case brought over from paper really started (not in the future)", default=None
    )
    note: str | None = Field(default=None, max_length=10_000)
    # A supervisor's reason code for opening it past the coordinator's caseload limit (audited).
    override_reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=ID_PATTERN)
    # The client's profile (kept sealed, never in Temporal); what the definition requires.
    profile: Profile | None = None
    # The coordinator confirms opening a case the pathway's eligibility warns about (audited).
    eligibility_confirmed: bool = False

    _opened_at_bound = field_validator("opened_at")(_not_before_earliest)


class TransitionRequest(_Body):
    trigger: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=10_000)
    expected_stage: str | None = Field(default=None, max_length=64)
    # The client's employment status at exit, with a move that ends the case (kept sealed).
    exit_status: LabourStatus | None = None


class VisitRequest(_Body):
    occurred_at: Instant = Since1990("when the visit took place (with a time zone)")
    duration_minutes: WholeNumber = Field(ge=1, le=24 * 60)
    kind: str = Field(default="home", min_length=1, max_length=32)
    note: str | None = Field(default=None, max_length=10_000)
    # The household members who were present (their ids; the client always is).
    present_member_ids: list[Annotated[str, Field(min_length=1, max_length=128, pattern=ID_PATTERN)]] = Field(
        default_factory=list, max_length=30
    )

    _occurred_at_bound = field_validator("occurred_at")(_not_before_earliest)


class AppointmentRequest(_Body):
    """A visit booked (or moved) for a date and time of a kind."""

    at: Instant = Since1990("when the visit is booked for (with a time zone), still to come")
    kind: str = Field(default="home", min_length=1, max_length=32, pattern=ID_PATTERN)

    _at_bound = field_validator("at")(_not_before_earliest)


class FactRequest(_Body):
    # Any JSON the fact's kind takes (the core says which), within bounds of depth and size.
    value: Annotated[Any, BeforeValidator(fact_values.bounded), WithJsonSchema(fact_values.json_schema())]


class PauseRequest(_Body):
    # A code (hospital, shelter, ...); the story goes in ``note``.
    reason: str = Field(default="other", min_length=1, max_length=64, pattern=ID_PATTERN)
    note: str | None = Field(default=None, max_length=10_000)


class CloseRequest(_Body):
    outcome: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=10_000)
    # The client's employment status at exit (kept sealed).
    exit_status: LabourStatus | None = None


class AssignRequest(_Body):
    coordinator: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    # A supervisor's reason code for going past the new coordinator's caseload limit (audited).
    override_reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=ID_PATTERN)


class ClientOut(BaseModel):
    id: str
    name: str
    address: str | None
    phone: str | None
    perpetrator_name: str | None = None
    perpetrator_contacts: list[str] = []


class CaseWarning(BaseModel):
    """Something the person is told about a command that was carried out anyway."""

    code: str  # not_eligible
    fields: list[str] = []  # the profile fields that do not meet the pathway's eligibility
    missing: list[str] = []  # the fields it reads that were not given
    confirmed: bool = False  # the coordinator confirmed it (recorded in the audit trail)
    message: str  # in Polish
    message_en: str


class CaseOut(CaseView):
    client: ClientOut | None = None
    warnings: list[CaseWarning] = []


class VisitOut(BaseModel):
    seq: int
    counted: bool | None
    not_counted_reason: str | None
    next_visit_due_at: datetime | None
    case: CaseOut


class CaseListItem(BaseModel):
    """One case of a list, as the store's projection shows it."""

    id: str
    definition: str
    definition_version: int
    stage: str
    status: str
    outcome: str | None
    coordinator: str
    unit: str
    client_name: str | None
    opened_at: datetime
    stage_entered_at: datetime
    stage_due_at: datetime | None
    next_visit_due_at: datetime | None
    last_activity_at: datetime

    @classmethod
    def from_row(cls, row: Case, *, client_name: str | None) -> CaseListItem:
        return cls(
            id=row.id,
            definition=row.definition_id,
            definition_version=row.definition_version,
            stage=row.stage,
            status=row.status,
            outcome=row.outcome,
            coordinator=row.coordinator_id,
            unit=row.unit_id,
            client_name=client_name,
            opened_at=row.opened_at,
            stage_entered_at=row.stage_entered_at,
            stage_due_at=row.stage_due_at,
            next_visit_due_at=row.next_visit_due_at,
            last_activity_at=row.last_activity_at,
        )


class StalledItem(BaseModel):
    case_id: str
    rule: str
    since: datetime
    coordinator: str
    stage: str
    days_overdue: int
    unit: str
    definition: str
    severity: Literal["high", "medium", "low"] = "low"


class DefinitionSummary(BaseModel):
    id: str
    version: int
    title: dict[str, str]
    content_hash: str
    stages: list[str]


class DefinitionOut(DefinitionSummary):
    content: dict[str, Any]
    mermaid: str


class ReferralRequest(_Body):
    partner_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    service: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    note: str | None = Field(default=None, max_length=10_000)


class ReferralAnswerRequest(_Body):
    answer: Literal["accepted", "rejected", "done"]
    reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=ID_PATTERN)
    note: str | None = Field(default=None, max_length=10_000)


class PartnerAnswerRequest(_Body):
    """A partner's answer through its callback: codes only, no free text about the client."""

    answer: Literal["accepted", "rejected", "done"]
    reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=ID_PATTERN)
