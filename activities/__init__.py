"""Temporal activities: every side effect of a case, as methods of classes built with their
clients (a SQLAlchemy engine, channels)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from activities.notify import Channel


def build_activities(
    engine: Engine,
    *,
    channels: dict[str, Channel] | None = None,
    tz: str = "Europe/Warsaw",
) -> list[Callable[..., Any]]:
    """The bound activity methods a worker registers: project_events, remind, notify_partner.

    The outbox channel is always registered; ``channels`` adds (or replaces) others by name."""
    # Imported here so that importing ``activities.messages`` stays free of the store.
    from activities.notify import NotifyActivities, OutboxChannel
    from activities.projection import ProjectionActivities
    from activities.reminders import ReminderActivities

    outbox = OutboxChannel(engine)
    registered: dict[str, Channel] = {outbox.name: outbox, **(channels or {})}
    return [
        ProjectionActivities(engine).project_events,
        ReminderActivities(engine, inbox=outbox).remind,
        NotifyActivities(engine, registered, tz=tz).notify_partner,
    ]
