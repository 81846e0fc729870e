"""What a definition asks of a client's profile (issue 14, section 5): the fields recorded at
opening it requires, who the pathway is for (eligibility, and whether a miss is refused or
only warned about), whether the employment status at exit is required, when the coordinator
is reminded to record the status after exit, and which stay is the internship the funders'
"internship -> employment" figure counts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pathway.core.calendar import Duration

# The codes of the profile (stored, and shown in words through pathway.i18n).
Sex = Literal["female", "male"]
LabourStatus = Literal["registered_unemployed", "unemployed_not_registered", "inactive", "employed"]
# The degrees of the Polish disability certificate: lekki, umiarkowany, znaczny.
DisabilityDegree = Literal["light", "moderate", "severe"]
ProfileField = Literal["sex", "birth_year", "labour_status", "disability"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Strict):
    """Who the pathway is for; a condition left out is not checked."""

    # refuse: the case is not opened (422 naming the fields); warn: it opens with a warning and
    # the audit trail records that the coordinator confirmed it.
    on_fail: Literal["warn", "refuse"]
    sex: list[Sex] | None = None
    # The age reached in the year of opening (only the birth year is recorded).
    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    labour_status: list[LabourStatus] | None = None

    def fields(self) -> list[ProfileField]:
        """The profile fields the rule reads (each must be given at opening)."""
        wanted: list[ProfileField] = []
        if self.sex is not None:
            wanted.append("sex")
        if self.min_age is not None or self.max_age is not None:
            wanted.append("birth_year")
        if self.labour_status is not None:
            wanted.append("labour_status")
        return wanted


class InternshipOutcome(_Strict):
    """The stay the funders count as an internship, and the stage that means employment."""

    stage: str
    employment: str


class ProfilePolicy(_Strict):
    # Fields that must be given at opening (beyond those the eligibility rule reads).
    required: list[ProfileField] = Field(default_factory=list)
    eligibility: Eligibility | None = None
    # The employment status at exit must be given with the move (or close) that ends a case.
    exit_status: bool = False
    # How long after the exit the coordinator is reminded to record the status again.
    follow_up_after: Duration | None = None
    internship: InternshipOutcome | None = None

    def required_fields(self) -> list[ProfileField]:
        """``required``, and the fields a refusing eligibility rule reads (a warning rule
        warns about a field not given instead)."""
        rule = self.eligibility
        extra = rule.fields() if rule is not None and rule.on_fail == "refuse" else []
        return [f for f in ("sex", "birth_year", "labour_status", "disability") if f in self.required or f in extra]
