"""Caseloads: how many open cases each coordinator carries, and the limit a definition sets.

A family assistant may lead at most 15 families at once (art. 15 of the 2011 act on family
support and the foster care system): a definition says so with ``caseload_limit``. The limit
counts the coordinator's open cases OF THAT DEFINITION (a case still being opened counts: it
is about to be theirs). A definition without a limit has none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from pathway.core.definition import Definition
from pathway.store.models import Case

OPEN_STATUSES = ("opening", "active", "paused")


class CaseloadFull(Exception):
    """The coordinator already carries as many open cases of the definition as it allows."""

    def __init__(self, coordinator: str, definition: str, open_cases: int, limit: int) -> None:
        self.coordinator, self.definition, self.open_cases, self.limit = coordinator, definition, open_cases, limit
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return (
            f"caseload limit reached: {self.coordinator} has {self.open_cases} of {self.limit} open cases of "
            f"'{self.definition}' / limit spraw osiągnięty: {self.open_cases} z {self.limit}"
        )

    def details(self) -> dict[str, object]:
        return {
            "coordinator": self.coordinator,
            "definition": self.definition,
            "open": self.open_cases,
            "limit": self.limit,
        }


def open_cases(conn: Connection, *, coordinator_id: str, definition_id: str, exclude_case: str | None = None) -> int:
    stmt = (
        core_select(func.count())
        .select_from(Case)
        .where(
            col(Case.coordinator_id) == coordinator_id,
            col(Case.definition_id) == definition_id,
            col(Case.status).in_(OPEN_STATUSES),
        )
    )
    if exclude_case is not None:
        stmt = stmt.where(col(Case.id) != exclude_case)
    return int(conn.execute(stmt).scalar_one())


def check_limit(
    session: Session, *, definition: Definition, coordinator_id: str, exclude_case: str | None = None
) -> None:
    """Raise ``CaseloadFull`` if one more case of ``definition`` would take the coordinator
    over its limit (``exclude_case``: a case already counted, e.g. one being re-opened)."""
    if definition.caseload_limit is None:
        return
    current = open_cases(
        session.connection(), coordinator_id=coordinator_id, definition_id=definition.id, exclude_case=exclude_case
    )
    if current >= definition.caseload_limit:
        raise CaseloadFull(coordinator_id, definition.id, current, definition.caseload_limit)


@dataclass
class Load:
    """One coordinator's open cases: by status and by definition."""

    coordinator: str
    active: int = 0
    paused: int = 0
    opening: int = 0
    by_definition: dict[str, int] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return self.active + self.paused + self.opening


def loads(
    session: Session, *, unit_id: str, coordinator_id: str | None = None, definition_id: str | None = None
) -> dict[str, Load]:
    """Open cases of the unit's coordinators, in one grouped query (an indexed scan of the
    unit's open cases)."""
    stmt = (
        core_select(col(Case.coordinator_id), col(Case.definition_id), col(Case.status), func.count())
        .where(col(Case.unit_id) == unit_id, col(Case.status).in_(OPEN_STATUSES))
        .group_by(Case.coordinator_id, Case.definition_id, Case.status)
    )
    if coordinator_id is not None:
        stmt = stmt.where(col(Case.coordinator_id) == coordinator_id)
    if definition_id is not None:
        stmt = stmt.where(col(Case.definition_id) == definition_id)
    out: dict[str, Load] = {}
    for coordinator, definition, status, count in session.connection().execute(stmt):
        load = out.setdefault(coordinator, Load(coordinator))
        setattr(load, status, getattr(load, status) + count)
        load.by_definition[definition] = load.by_definition.get(definition, 0) + count
    return out


class Tally:
    """Open cases per (coordinator, definition) while a bulk reassignment moves them, so each
    choice sees the moves before it."""

    def __init__(self, loads_: dict[str, Load]) -> None:
        self.counts: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.totals: defaultdict[str, int] = defaultdict(int)
        for load in loads_.values():
            for definition, n in load.by_definition.items():
                self.counts[(load.coordinator, definition)] += n
                self.totals[load.coordinator] += n

    def has_room(self, coordinator: str, definition: Definition) -> bool:
        limit = definition.caseload_limit
        return limit is None or self.counts[(coordinator, definition.id)] < limit

    def full(self, coordinator: str, definition: Definition) -> CaseloadFull:
        return CaseloadFull(
            coordinator, definition.id, self.counts[(coordinator, definition.id)], definition.caseload_limit or 0
        )

    def least_loaded(self, candidates: list[str], definition: Definition) -> str:
        """Of several coordinators, the one with the fewest open cases of this definition
        (then fewest in all, then first named): splitting a caseload evenly."""
        return min(candidates, key=lambda c: (self.counts[(c, definition.id)], self.totals[c], candidates.index(c)))

    def move(self, case_definition: str, source: str, target: str) -> None:
        self.counts[(source, case_definition)] -= 1
        self.totals[source] -= 1
        self.counts[(target, case_definition)] += 1
        self.totals[target] += 1


def open_cases_by_stage(session: Session, *, unit_id: str) -> dict[str, dict[str, int]]:
    """definition id -> stage -> how many of the unit's cases are open in it."""
    stmt = (
        core_select(col(Case.definition_id), col(Case.stage), func.count())
        .where(col(Case.unit_id) == unit_id, col(Case.status).in_(("active", "paused")))
        .group_by(Case.definition_id, Case.stage)
    )
    out: dict[str, dict[str, int]] = {}
    for definition_id, stage, n in session.connection().execute(stmt):
        out.setdefault(definition_id, {})[stage] = int(n)
    return out
