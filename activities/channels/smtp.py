"""The ``smtp`` channel: one e-mail per message, through the centre's SMTP server.

stdlib ``smtplib`` in a thread (the worker's event loop never waits on the network). The
idempotency key travels in ``X-Pathway-Key`` and the Message-ID is derived from it, so a
receiver (or a mail client) can drop a retried copy. 4xx answers and connection failures
are temporary (retried with backoff); 5xx answers are permanent."""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from activities.channels import render
from activities.notify import DeliveryResult, Message, PermanentDeliveryError, TemporaryDeliveryError
from pathway.config import Settings
from pathway.store.models import Partner


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    from_address: str = "pathway@localhost"
    timeout: float = 20.0

    @classmethod
    def from_settings(cls, s: Settings) -> SmtpSettings:
        if not s.smtp_host:
            raise ValueError("PATHWAY_SMTP_HOST is not set")
        return cls(
            host=s.smtp_host,
            port=s.smtp_port,
            user=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            starttls=s.smtp_starttls,
            from_address=s.smtp_from,
            timeout=s.smtp_timeout_seconds,
        )


def message_id(key: str, from_address: str) -> str:
    domain = from_address.rpartition("@")[2] or "pathway.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(message: Message, to: str, from_address: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = from_address
    mail["To"] = to
    mail["Subject"] = render.subject(message)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message.key, from_address)
    mail["X-Pathway-Key"] = message.key
    mail["X-Pathway-Attempt"] = str(message.attempt)
    mail["Content-Language"] = "pl, en"
    mail.set_content(render.text(message), charset="utf-8")
    return mail


def _classify(code: int, what: str) -> Exception:
    if 400 <= code < 500:
        return TemporaryDeliveryError(f"SMTP {code}: {what}")
    return PermanentDeliveryError(f"SMTP {code}: {what}")


class SmtpChannel:
    name = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, mail: EmailMessage) -> str:
        """Send one e-mail (blocking: call it in a thread)."""
        return self._send(mail)

    def _send(self, mail: EmailMessage) -> str:
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.user:
                    smtp.login(s.user, s.password or "")
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            raise _classify(min(codes) if codes else 550, "recipient refused") from None
        except smtplib.SMTPResponseException as err:  # sender refused, data refused, auth, ...
            raise _classify(err.smtp_code, type(err).__name__) from None
        except (smtplib.SMTPException, OSError) as err:  # connection refused / lost, timeout
            raise TemporaryDeliveryError(f"SMTP server not reachable: {type(err).__name__}") from None
        if refused:  # some recipients refused (we send to one: cannot happen, but say so)
            code = min(code for code, _ in refused.values())
            raise _classify(code, "recipient refused")
        return "250 accepted"

    async def deliver(self, message: Message, partner: Partner | None) -> DeliveryResult:
        if partner is None or not partner.email:
            raise PermanentDeliveryError("the partner has no e-mail address")
        mail = build_email(message, partner.email, self.settings.from_address)
        detail = await asyncio.to_thread(self._send, mail)
        return DeliveryResult(status="delivered", channel=self.name, detail=detail)
