"""Temporal activities: every side effect of a case, as methods of classes built with their
clients (a SQLAlchemy engine, channels)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from activities.notify import Channel
    from pathway.config import Settings
    from pathway.core.definition import Definition
    from pathway.security.identity import IdentityVault


def build_activities(
    engine: Engine,
    *,
    channels: dict[str, Channel] | None = None,
    tz: str = "Europe/Warsaw",
    settings: Settings | None = None,
    vault: IdentityVault | None = None,
    definitions: Sequence[Definition] | None = None,
) -> list[Callable[..., Any]]:
    """The bound activity methods a worker registers: project_events, remind, notify_partner,
    send_digests, remind_follow_ups.

    The outbox channel is always registered; ``settings`` add the channels they configure
    (webhook; smtp with an SMTP host) and ``channels`` adds (or replaces) others by name.
    ``vault`` opens the client's identity for partners whose scope allows a field of it
    (and the perpetrator's contacts, which are never told anything). ``definitions`` (the
    pathways the worker runs: their legal bases and audit limits) spares reading them again
    from ``settings``' directory when the caller has parsed them already (``pathway simulate``);
    with neither, the shipped ones."""
    # Imported here so that importing ``activities.messages`` stays free of the store.
    from activities.definitions import SHIPPED, audit_limits_of, definitions_in, legal_bases_of
    from activities.digest import DigestActivities
    from activities.follow_ups import FollowUpActivities
    from activities.notify import NotifyActivities, OutboxChannel
    from activities.projection import ProjectionActivities
    from activities.reminders import ReminderActivities

    outbox = OutboxChannel(engine)
    registered: dict[str, Channel] = {outbox.name: outbox}
    public_url = "http://127.0.0.1:8000"
    mailer, smtp = None, None
    if definitions is None:
        definitions = definitions_in(settings.resolved_definitions_dir if settings is not None else SHIPPED)
    legal_bases, audit_limits = legal_bases_of(definitions), audit_limits_of(definitions)
    if settings is not None:
        from activities.channels import channels_from

        registered.update(channels_from(settings))
        tz, public_url = settings.tz, settings.public_url
        if settings.smtp_host:
            from activities.channels.smtp import SmtpSettings
            from activities.staff_mail import StaffMailer

            smtp = SmtpSettings.from_settings(settings)
            mailer = StaffMailer(engine, smtp, tz=tz, public_url=public_url)
    registered.update(channels or {})
    reminders = ReminderActivities(engine, inbox=outbox, mailer=mailer)
    return [
        ProjectionActivities(engine, audit_limits).project_events,
        reminders.remind,
        NotifyActivities(
            engine, registered, tz=tz, vault=vault, public_url=public_url, legal_bases=legal_bases
        ).notify_partner,
        DigestActivities(engine, smtp, tz=tz, public_url=public_url).send_digests,
        FollowUpActivities(engine, reminders).remind_follow_ups,
    ]
