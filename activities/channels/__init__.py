"""Channels that send a partner's message out of the system, behind ``activities.notify.Channel``:
``smtp`` (e-mail) and ``webhook`` (a signed HTTP POST)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from activities.notify import Channel
    from pathway.config import Settings


def channels_from(settings: Settings) -> dict[str, Channel]:
    """The channels these settings configure: webhook always, smtp with an SMTP host."""
    from activities.channels.smtp import SmtpChannel, SmtpSettings
    from activities.channels.webhook import WebhookChannel

    found: dict[str, Channel] = {"webhook": WebhookChannel(timeout=settings.webhook_timeout_seconds)}
    if settings.smtp_host:
        found["smtp"] = SmtpChannel(SmtpSettings.from_settings(settings))
    return found
