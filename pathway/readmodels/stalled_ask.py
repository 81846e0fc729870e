"""What one stalled audit asks, split in two: its *shape* (the definitions' limits, the rule,
which filters are set, how many clock ranges each limit makes today), which decides the
statement, and its *values* (the ranges' bounds, each zone's today, the filters' values),
bound to it at each run. The statement is built and compiled once per shape
(``pathway.readmodels.prepared``); a repeated audit only computes its values.

The values are named by what they are (``r_21_days_Europe_Warsaw_0_hi``: the end of the
first range of clock values past 21 days in Warsaw; ``today_Europe_Warsaw``), so the set of
names alone says how many ranges each limit has: it is part of the cache key."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pathway.core import calendar as cal
from pathway.core.calendar import Duration
from pathway.core.definition import Definition
from pathway.readmodels.stalled_limits import DEFAULT_TZ, Limits, past_limit

# A group of cases sharing limits: the cases of one definition (its id), of none of the
# known ones (their ids), or all (None).
Selector = str | tuple[str, ...] | None
RangeNames = list[tuple[str | None, str]]  # (lo, hi) parameter names; lo None: from the beginning
STAGE_DUE = "stage_hi"  # the end of the stage deadlines' one range: just after now
UNIT, COORDINATOR = "unit_id", "coordinator_id"
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class AuditAsk:
    """``groups``: the cases sharing limits; ``values``: the bound values by name; ``ranges``:
    the names of each limit's ranges; ``key``: everything the statement's shape depends on."""

    rule: str | None
    inactive_days: int | None
    definition_id: str | None
    groups: list[tuple[Selector, Limits]]
    values: dict[str, Any]
    ranges: dict[tuple[Duration, str], RangeNames]
    key: Hashable

    def range_names(self, duration: Duration, tz: str) -> RangeNames:
        return self.ranges[(duration, tz)]


def idle_limit(inactive_days: int) -> Duration:
    """``--inactive-days``: the limit that replaces every definition's ``inactivity_alert``."""
    return Duration(amount=inactive_days, unit="days")


def today_name(tz: str) -> str:
    return f"today_{_word(tz)}"


def audit_ask(
    now: datetime,
    definitions: Mapping[str, Definition],
    *,
    unit_id: str | None,
    coordinator_id: str | None,
    definition_id: str | None,
    rule: str | None,
    inactive_days: int | None,
) -> AuditAsk:
    """The audit's groups of cases, its values at ``now`` and its shape's key (arguments
    already checked)."""
    known = sorted(d for d in definitions if definition_id in (None, d))
    groups: list[tuple[Selector, Limits]] = [(d, Limits.of(definitions[d])) for d in known]
    if definition_id is None or definition_id not in definitions:
        groups.append((tuple(known) if known else None, Limits.default()))

    values: dict[str, Any] = {STAGE_DUE: now + _INSTANT}
    if unit_id is not None:
        values[UNIT] = unit_id
    if coordinator_id is not None:
        values[COORDINATOR] = coordinator_id
    zones = {DEFAULT_TZ} | {limits.tz for _selector, limits in groups}
    for tz in sorted(zones):
        values[today_name(tz)] = cal.local_date(now, tz)
    limits_used = {(d, limits.tz) for _s, limits in groups for d in (limits.visit_grace, limits.pause_max)}
    limits_used |= {(limits.inactivity, limits.tz) for _s, limits in groups}
    if inactive_days is not None:
        limits_used.add((idle_limit(inactive_days), DEFAULT_TZ))
    ranges: dict[tuple[Duration, str], RangeNames] = {}
    for duration, tz in limits_used:
        prefix = f"r_{_word(str(duration))}_{_word(tz)}"
        names: RangeNames = []
        for i, (lo, hi) in enumerate(past_limit(now, duration, tz)):
            lo_name = None if lo is None else f"{prefix}_{i}_lo"
            if lo_name is not None:
                values[lo_name] = lo
            values[f"{prefix}_{i}_hi"] = hi
            names.append((lo_name, f"{prefix}_{i}_hi"))
        ranges[(duration, tz)] = names
    key = (rule, inactive_days, definition_id, tuple(groups), frozenset(values))
    return AuditAsk(rule, inactive_days, definition_id, groups, values, ranges, key)


def _word(text: str) -> str:
    """``text`` as part of a parameter's name (``21 days`` -> ``21_days``, ``Europe/Warsaw``
    -> ``Europe_Warsaw``)."""
    return re.sub(r"\W", "_", text)
