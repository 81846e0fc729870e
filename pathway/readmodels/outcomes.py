"""The outcomes funders ask for (EFS+ indicators; issue 14, section 5), for one cohort (the
cases of a definition opened in a period, as the funnel's):
- entries by profile: sex, age band (the age reached in the year of opening), labour-market
  status and disability (its degree) at opening;
- exits by outcome (the terminal stage's outcome), and the employment status at exit;
- employed at exit: of the cases that ended;
- employed 3 months after exit: of the ended cases whose follow-up has fallen due;
- internship -> employment: of the cases whose internship ended (the definition's
  ``profile.internship``), those that reached employment (seed 004: 38%).
The profiles are sealed: they are opened here, in one call to the vault, and only counts
leave this module."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from pathway.core import calendar as cal
from pathway.core.definition import Definition
from pathway.core.profile import Profile, age_band, age_in
from pathway.readmodels.funnel import cohort_of
from pathway.store import profiles
from pathway.store.models import Case, StagePeriod
from pathway.store.sealing import Sealer

PROFILE_DIMENSIONS = ("sex", "age_band", "labour_status", "disability")
NOT_RECORDED = "not_recorded"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Count:
    dimension: str  # sex, age_band, labour_status, disability, outcome, exit_status
    value: str  # a code
    count: int
    share: float | None  # of the cases the section counts (the cohort, or the ended cases)


@dataclass(frozen=True)
class Rate:
    measure: str  # employed_at_exit, employed_after_exit, internship_to_employment
    count: int
    of: int
    rate: float | None


@dataclass
class OutcomesReport:
    definition: str
    definition_title_pl: str
    definition_title_en: str
    unit: str
    opened_from: date | None
    opened_to: date | None
    entries: int  # the cohort
    ended: int
    follow_ups_due: int  # ended cases whose status after exit has fallen due
    follow_ups_recorded: int
    by_profile: list[Count] = field(default_factory=list)
    exits: list[Count] = field(default_factory=list)
    exit_status: list[Count] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _counts(dimension: str, values: Counter[str], whole: int) -> list[Count]:
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Count(dimension, value, n, _ratio(n, whole)) for value, n in ordered]


def _disability(p: Profile) -> str:
    if p.disability is None:
        return UNKNOWN
    return (p.disability_degree or "unknown") if p.disability else "none"


def _profile_values(p: Profile, opened_year: int) -> dict[str, str]:
    return {
        "sex": p.sex or NOT_RECORDED,
        "age_band": age_band(age_in(p, opened_year)),
        "labour_status": p.labour_status or NOT_RECORDED,
        "disability": _disability(p),
    }


def _internships(session: Session, cohort: list[ColumnElement[bool]], definition: Definition) -> tuple[int, int]:
    """(ended internships, of them ended in employment) over the cohort's cases."""
    spec = definition.profile.internship if definition.profile else None
    if spec is None:
        return 0, 0
    ended: set[str] = set()
    employed: set[str] = set()
    rows = session.connection().execute(
        core_select(col(StagePeriod.case_id), col(StagePeriod.stage), col(StagePeriod.left_at))
        .join(Case, col(Case.id) == col(StagePeriod.case_id))
        .where(*cohort, col(StagePeriod.stage).in_([spec.stage, spec.employment]))
    )
    for case_id, stage, left_at in rows:
        if stage == spec.stage and left_at is not None:
            ended.add(case_id)
        elif stage == spec.employment:
            employed.add(case_id)
    return len(ended), len(ended & employed)


def outcomes(
    session: Session,
    *,
    vault: Sealer,
    definition: Definition,
    unit_id: str,
    now: datetime,
    opened_from: date | None = None,
    opened_to: date | None = None,
) -> OutcomesReport:
    cohort = cohort_of(definition, unit_id=unit_id, opened_from=opened_from, opened_to=opened_to)
    cases = list(
        session.connection().execute(
            core_select(col(Case.id), col(Case.status), col(Case.outcome), col(Case.opened_at)).where(*cohort)
        )
    )
    opened = profiles.of_cases(session, vault=vault, case_ids=[c[0] for c in cases])
    by_profile: dict[str, Counter[str]] = {d: Counter() for d in PROFILE_DIMENSIONS}
    exits: Counter[str] = Counter()
    at_exit: Counter[str] = Counter()
    due = recorded = employed_after = 0
    for case_id, status, outcome, opened_at in cases:
        p = opened.get(case_id)
        entry = Profile.model_validate_json(p.entry) if p is not None and p.entry else Profile()
        year = cal.local_date(opened_at, definition.timezone).year
        for dimension, value in _profile_values(entry, year).items():
            by_profile[dimension][value] += 1
        if status != "closed":
            continue
        exits[outcome or "none"] += 1
        at_exit[(p.exit_status if p else None) or NOT_RECORDED] += 1
        if p is not None and p.follow_up_due_at is not None and p.follow_up_due_at <= now:
            due += 1
            recorded += p.follow_up_recorded_at is not None
            employed_after += p.follow_up_status == "employed"
    ended = sum(exits.values())
    internships, hired = _internships(session, cohort, definition)
    return OutcomesReport(
        definition=definition.id,
        definition_title_pl=definition.title.pl,
        definition_title_en=definition.title.en,
        unit=unit_id,
        opened_from=opened_from,
        opened_to=opened_to,
        entries=len(cases),
        ended=ended,
        follow_ups_due=due,
        follow_ups_recorded=recorded,
        by_profile=[c for d in PROFILE_DIMENSIONS for c in _counts(d, by_profile[d], len(cases))],
        exits=_counts("outcome", exits, ended),
        exit_status=_counts("exit_status", at_exit, ended),
        rates=[
            Rate("employed_at_exit", at_exit["employed"], ended, _ratio(at_exit["employed"], ended)),
            Rate("employed_after_exit", employed_after, due, _ratio(employed_after, due)),
            Rate("internship_to_employment", hired, internships, _ratio(hired, internships)),
        ],
    )


def csv_rows(report: OutcomesReport) -> list[dict[str, object]]:
    """The report as one table (long format): ``section`` says which part a row is."""
    rows: list[dict[str, object]] = [
        {"section": "entries", "dimension": "cohort", "value": "all", "count": report.entries},
    ]
    rows += [
        {"section": "profile", "dimension": c.dimension, "value": c.value, "count": c.count, "share": c.share}
        for c in report.by_profile
    ]
    rows += [
        {"section": "exit", "dimension": c.dimension, "value": c.value, "count": c.count, "share": c.share}
        for c in report.exits + report.exit_status
    ]
    rows += [
        {"section": "rate", "dimension": r.measure, "value": "employed", "count": r.count, "of": r.of, "share": r.rate}
        for r in report.rates
    ]
    return rows


CSV_COLUMNS = ["section", "dimension", "value", "count", "of", "share"]
