"""The one timer a case's workflow sleeps on, kept for as long as the moment it rings for.

A command that does not move the case's next alarm (a fact, a visit, most moves: the visit
cadence rings first) used to cancel the waiting timer and arm the same one again, two more
commands on the task that answers and the one after it. ``Alarm`` arms a timer for a moment
and keeps it while that moment stays the next alarm; it is re-armed only when the moment
changes, and cancelled when there is none (a paused or closed case)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow

# As the loop always did: a moment already due (or within a second) rings after a second.
SHORTEST = timedelta(seconds=1)


class Alarm:
    def __init__(self) -> None:
        self._at: datetime | None = None
        self._timer: asyncio.Task[None] | None = None

    @property
    def rang(self) -> bool:
        """The timer armed last has fired (the loop then runs the case's due clocks)."""
        return self._timer is not None and self._timer.done()

    def ring_at(self, at: datetime | None) -> None:
        """Ring at ``at`` (``None``: never): the pending timer stays if it rings then."""
        if at is not None and at == self._at and self._timer is not None and not self._timer.done():
            return
        self.cancel()
        if at is None:
            return
        self._at = at
        self._timer = asyncio.ensure_future(workflow.sleep(max(at - workflow.now(), SHORTEST)))

    def cancel(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer, self._at = None, None
