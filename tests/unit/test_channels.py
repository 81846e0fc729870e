"""The smtp and webhook channels and the notify_partner rules, against real servers on
loopback (aiosmtpd, a stdlib HTTP receiver): legal basis without consent, referral
messages, and how each kind of failure is classified."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import make_settings
from receivers import MailReceiver, WebhookReceiver
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities import build_activities
from activities.channels.smtp import SmtpChannel, SmtpSettings
from activities.channels.webhook import WebhookChannel
from activities.messages import NotifyPartnerInput
from activities.notify import Message, NotifyActivities, PermanentDeliveryError, TemporaryDeliveryError
from pathway.core.sharing import perpetrator_match, scope_problems
from pathway.runtime.devserver import free_port
from pathway.store import queries
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, Partner, PartnerCreate


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'pathway.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def mail() -> Iterator[MailReceiver]:
    receiver = MailReceiver().start()
    yield receiver
    receiver.stop()


def partner(engine: Engine, partner_id: str, **spec: object) -> Partner:
    with Session(engine) as s:
        return queries.create_partner(s, partner=PartnerCreate(**spec), partner_id=partner_id)  # type: ignore[arg-type]


def open_case(engine: Engine, case_id: str = "c1", definition_id: str = "model-wsparcia") -> None:
    at = datetime(2026, 5, 1, 10, tzinfo=UTC)
    with Session(engine) as s:
        s.add(
            Case(
                id=case_id,
                definition_id=definition_id,
                definition_version=1,
                unit_id="u1",
                coordinator_id="coord-a",
                stage="therapy",
                status="open",
                opened_at=at,
                stage_entered_at=at,
                last_activity_at=at,
            )
        )
        s.commit()


def notify(partner_id: str, kind: str, **kw: object) -> NotifyPartnerInput:
    return NotifyPartnerInput(
        case_id="c1",
        unit_id="u1",
        coordinator_id="coord-a",
        seq=kw.pop("seq", 5),
        stage="therapy",  # type: ignore[arg-type]
        moment=kw.pop("moment", "enter"),
        partner_id=partner_id,
        partner_kind=kind,  # type: ignore[arg-type]
        at=datetime(2026, 5, 4, 10, tzinfo=UTC),
        **kw,
    )


def message(key: str = "c1:5:p") -> Message:
    return Message(
        key=key,
        recipient="p",
        subject_code="case_stage_enter",
        body={"moment": "enter", "case_id": "c1"},
        case_id="c1",
        seq=5,
    )


async def test_the_zi_is_told_without_consent_on_the_acts_basis(engine: Engine, hooks: WebhookReceiver) -> None:
    open_case(engine)  # a Model Wsparcia case: the pathway declares the domestic-violence act
    zi = partner(engine, "p-zi", name="ZI", kind="zi", sector="public", channel="webhook", webhook_url=hooks.url("/zi"))
    hooks.secrets["/zi"] = zi.webhook_secret or ""
    acts = build_activities(engine, settings=make_settings(Path("/nonexistent")))
    result = await ActivityEnvironment().run(acts[2], notify("p-zi", "zi"))
    assert result.status == "delivered" and result.channel == "webhook"
    [hit] = hooks.hits
    assert hit.verified and hit.key == "c1:5:p-zi" and hit.body["data"]["case_id"] == "c1"


async def test_outside_a_domestic_violence_pathway_the_ops_is_told_only_with_consent(
    engine: Engine, hooks: WebhookReceiver
) -> None:
    open_case(engine, definition_id="wychodzenie-z-bezdomnosci")  # issue 13, item 14
    partner(engine, "p-ops", name="MOPS", kind="ops", sector="public", channel="webhook", webhook_url=hooks.url("/o"))
    acts = build_activities(engine, settings=make_settings(Path("/nonexistent")))
    result = await ActivityEnvironment().run(acts[2], notify("p-ops", "ops"))
    assert (result.status, result.detail) == ("withheld", "no_consent")
    assert not hooks.hits


async def test_a_referral_says_what_is_asked_and_where_to_answer(engine: Engine, hooks: WebhookReceiver) -> None:
    open_case(engine)
    ops = partner(
        engine, "p-ops", name="MOPS", kind="ops", sector="public", channel="webhook", webhook_url=hooks.url("/ops")
    )
    hooks.secrets["/ops"] = ops.webhook_secret or ""
    act = NotifyActivities(engine, {"webhook": WebhookChannel()}, public_url="https://pathway.ops.invalid/")
    await ActivityEnvironment().run(
        act.notify_partner, notify("p-ops", "ops", moment="referral", referral_id="r-77", service="terapia")
    )
    [hit] = hooks.hits
    assert hit.body["type"] == "referral"
    assert hit.body["data"]["service"] == "terapia" and hit.body["data"]["referral_id"] == "r-77"
    assert hit.body["data"]["callback_url"] == "https://pathway.ops.invalid/api/v1/callbacks/referrals/r-77"


async def test_an_unsigned_or_wrongly_signed_request_is_what_the_receiver_refuses(hooks: WebhookReceiver) -> None:
    hooks.secrets["/x"] = "the-partners-key"
    wrong = Partner(
        id="p", name="P", kind="ngo", sector="public", webhook_url=hooks.url("/x"), webhook_secret="another-key"
    )
    with pytest.raises(PermanentDeliveryError, match="401"):
        await WebhookChannel().deliver(message(), wrong)
    assert [h.verified for h in hooks.hits] == [False]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (503, TemporaryDeliveryError),
        (429, TemporaryDeliveryError),
        (408, TemporaryDeliveryError),
        (404, PermanentDeliveryError),
        (410, PermanentDeliveryError),
    ],
)
async def test_webhook_answers_are_temporary_or_permanent(
    hooks: WebhookReceiver, status: int, error: type[Exception]
) -> None:
    hooks.secrets["/s"] = "k"
    hooks.script["/s"] = [status]
    p = Partner(id="p", name="P", kind="ngo", sector="public", webhook_url=hooks.url("/s"), webhook_secret="k")
    with pytest.raises(error):
        await WebhookChannel().deliver(message(), p)


async def test_a_webhook_nobody_listens_on_is_temporary() -> None:
    p = Partner(
        id="p",
        name="P",
        kind="ngo",
        sector="public",
        webhook_url=f"http://127.0.0.1:{free_port()}/x",
        webhook_secret="k",
    )
    with pytest.raises(TemporaryDeliveryError):
        await WebhookChannel(timeout=2).deliver(message(), p)


@pytest.mark.parametrize(
    ("answer", "error"),
    [("450 4.2.1 mailbox busy", TemporaryDeliveryError), ("550 5.1.1 unknown", PermanentDeliveryError)],
)
async def test_smtp_4xx_is_temporary_and_5xx_permanent(mail: MailReceiver, answer: str, error: type[Exception]) -> None:
    mail.refuse["x@partner.invalid"] = answer
    channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=mail.port))
    with pytest.raises(error):
        await channel.deliver(
            message(), Partner(id="p", name="P", kind="ngo", sector="public", email="x@partner.invalid")
        )
    assert mail.mails == []


async def test_smtp_delivers_with_the_key_in_headers_and_a_server_that_is_down_is_temporary(mail: MailReceiver) -> None:
    channel = SmtpChannel(SmtpSettings(host="127.0.0.1", port=mail.port, from_address="ops@centrum.invalid"))
    p = Partner(id="p", name="P", kind="ngo", sector="public", email="x@partner.invalid")
    result = await channel.deliver(message("c1:5:p"), p)
    assert result.status == "delivered"
    [got] = mail.mails
    assert got.key == "c1:5:p" and got.message["Message-ID"].endswith("@centrum.invalid>")
    assert "Dzień dobry" in got.text and "Hello" in got.text
    down = SmtpChannel(SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))
    with pytest.raises(TemporaryDeliveryError):
        await down.deliver(message(), p)


def test_a_worker_without_smtp_settings_has_no_smtp_channel(engine: Engine, tmp_path: Path) -> None:
    without = build_activities(engine, settings=make_settings(tmp_path))[2].__self__
    assert set(without.channels) == {"outbox", "webhook"}
    with_smtp = build_activities(engine, settings=make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=2525))[
        2
    ].__self__
    assert set(with_smtp.channels) == {"outbox", "webhook", "smtp"}


def test_scope_rules_and_perpetrator_matching() -> None:
    assert scope_problems("employer", ["case_reference", "client_name"]) == []
    assert "client_address" in scope_problems("employer", ["client_address"])[0]
    assert scope_problems("therapy", ["violence_context"]) == []
    assert perpetrator_match(["Sprawca@Example.invalid"], email="sprawca@example.invalid", webhook_url=None)
    assert perpetrator_match(["+48 600 111 222"], email=None, webhook_url="https://x.invalid/sms/600111222")
    assert not perpetrator_match(
        ["sprawca@example.invalid"], email="biuro@example.invalid", webhook_url="https://example.invalid/hook"
    )
    assert not perpetrator_match([], email="a@b.invalid", webhook_url=None)
