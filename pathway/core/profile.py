"""A client's profile and the rules on it (pure): which required fields are missing, and which
conditions of a pathway's eligibility a profile does not meet.

The profile is personal data (sex, birth year, disability, labour-market status): it is kept
sealed in the store and never enters Temporal; these rules run in the use case that opens a
case, before anything is started."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pathway.core.definition.profile import (
    DisabilityDegree,
    Eligibility,
    LabourStatus,
    ProfileField,
    ProfilePolicy,
    Sex,
)

LABOUR_STATUSES: tuple[LabourStatus, ...] = (
    "registered_unemployed",
    "unemployed_not_registered",
    "inactive",
    "employed",
)
SEXES: tuple[Sex, ...] = ("female", "male")
DISABILITY_DEGREES: tuple[DisabilityDegree, ...] = ("light", "moderate", "severe")
# 3 months after exit the status may also be unknown (the client could not be reached).
FOLLOW_UP_STATUSES: tuple[str, ...] = (*LABOUR_STATUSES, "unknown")


class Profile(BaseModel):
    """Recorded at opening; every field optional unless the definition requires it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sex: Sex | None = None
    # Strict: a year is a JSON number ("1970" is refused), a disability true or false.
    birth_year: int | None = Field(default=None, ge=1900, le=2199, strict=True)
    labour_status: LabourStatus | None = None
    disability: bool | None = Field(default=None, strict=True)
    # Only with a disability: the degree of the certificate (lekki / umiarkowany / znaczny).
    disability_degree: DisabilityDegree | None = None

    @model_validator(mode="after")
    def _degree_needs_disability(self) -> Profile:
        if self.disability_degree is not None and self.disability is not True:
            raise ValueError("disability_degree is given only with disability: true")
        return self

    def is_empty(self) -> bool:
        return all(v is None for v in self.model_dump().values())


def missing(profile: Profile, policy: ProfilePolicy | None) -> list[ProfileField]:
    """The fields the definition requires that the profile does not have."""
    if policy is None:
        return []
    return [f for f in policy.required_fields() if getattr(profile, f) is None]


def not_given(profile: Profile, rule: Eligibility | None) -> list[ProfileField]:
    """The fields the rule reads that the profile does not have (it cannot be checked)."""
    return [] if rule is None else [f for f in rule.fields() if getattr(profile, f) is None]


def age_in(profile: Profile, year: int) -> int | None:
    """The age reached in ``year`` (only the birth year is recorded)."""
    return None if profile.birth_year is None else year - profile.birth_year


def not_eligible(profile: Profile, rule: Eligibility | None, year: int) -> list[ProfileField]:
    """The fields whose value does not meet the rule (a field not given is not judged here:
    ``missing`` says it is required)."""
    if rule is None:
        return []
    misses: list[ProfileField] = []
    if rule.sex is not None and profile.sex is not None and profile.sex not in rule.sex:
        misses.append("sex")
    age = age_in(profile, year)
    if age is not None and (
        (rule.min_age is not None and age < rule.min_age) or (rule.max_age is not None and age > rule.max_age)
    ):
        misses.append("birth_year")
    if rule.labour_status is not None and profile.labour_status is not None:
        if profile.labour_status not in rule.labour_status:
            misses.append("labour_status")
    return misses


def age_band(age: int | None) -> str:
    """The age bands the outcomes report counts entries by."""
    if age is None:
        return "unknown"
    if age < 30:
        return "under_30"
    if age < 50:
        return "30_49"
    if age < 55:
        return "50_54"
    return "55_plus"
