"""Which open case needs attention first: the rule the web's case list and `pathway case list`
share, on the API's list items (any object with their due dates and status).

Urgency: a case with an overdue item comes first (the most days overdue first), then the
others by their nearest due date, paused cases after active ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from pathway.core.overdue import days_overdue

FAR_FUTURE = datetime.max.replace(tzinfo=None)


class ListedCase(Protocol):
    """What the rule reads of a case list item (``pathway.app.schemas.CaseListItem``)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def stage_entered_at(self) -> datetime: ...
    @property
    def stage_due_at(self) -> datetime | None: ...
    @property
    def next_visit_due_at(self) -> datetime | None: ...


Item = TypeVar("Item", bound=ListedCase)


@dataclass(frozen=True)
class CaseRow(Generic[Item]):
    item: Item
    days_in_stage: int
    stage_overdue_days: int | None
    visit_overdue_days: int | None

    @property
    def overdue(self) -> bool:
        return self.stage_overdue_days is not None or self.visit_overdue_days is not None

    def urgency(self) -> tuple[int, int, datetime, str]:
        i = self.item
        worst = max(self.stage_overdue_days or 0, self.visit_overdue_days or 0)
        dues = [d.replace(tzinfo=None) for d in (i.stage_due_at, i.next_visit_due_at) if d is not None]
        band = 0 if self.overdue and i.status == "active" else 1 if i.status == "active" else 2
        return band, -worst, min(dues, default=FAR_FUTURE), i.id


def rows_by_urgency(items: list[Item], now: datetime, tz: str) -> list[CaseRow[Item]]:
    """``items`` most urgent first; days overdue are ``pathway.core.overdue``'s, counted in
    the centre's time zone ``tz`` (the number the case page shows)."""
    rows = []
    for item in items:
        active = item.status == "active"
        rows.append(
            CaseRow(
                item=item,
                days_in_stage=max(0, (now - item.stage_entered_at) // timedelta(days=1)),
                stage_overdue_days=days_overdue(item.stage_due_at, now, tz) if active else None,
                visit_overdue_days=days_overdue(item.next_visit_due_at, now, tz) if active else None,
            )
        )
    return sorted(rows, key=CaseRow.urgency)
