"""Partner notifications that leave the system, end to end: a real worker on the
time-skipping server (so the real retry policy, EFFECT_RETRY, runs), the real smtp and
webhook channels wired from settings, a real SMTP server (aiosmtpd) and a real HTTP receiver
on loopback, and the consent, perpetrator and scope rules checked at every attempt.

Clients have distinctive synthetic identities, so the scope checks can fail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from harness import DIAGNOSIS_DONE, CaseDriver, Harness
from helpers import make_settings, runner_under_test
from receivers import MailReceiver, WebhookReceiver
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import build_activities
from pathway.core.sharing import EMPLOYER_FORBIDDEN
from pathway.security.codec import KeyRing
from pathway.security.identity import IdentityVault, make_keystore_engine
from pathway.store import consents, queries
from pathway.store.db import create_schema, make_engine
from pathway.store.models import ClientCreate, Notification, PartnerCreate
from workflows.pathway import EFFECT_RETRY, PathwayWorkflow

NAME, PHONE, ADDRESS = "Genowefa Kanarkowa-Próbna", "600 123 987", "ul. Kanarkowa 77/3, 99-999 Kanarkowo"
ZI_REF = "ZI-KANAREK-4242"
PERPETRATOR = "sprawca.kanarek@example.invalid"
UNIT = "unit-wro"

# Where each scope field shows in a webhook body and in the text of an e-mail.
BODY_KEY = {
    "case_reference": "case_id",
    "stage": "stage",
    "dates": "date",
    "coordinator_contact": "coordinator_id",
    "client_name": "client_name",
    "client_phone": "client_phone",
    "client_address": "client_address",
    "support_reason": "support_reason",
    "violence_context": "violence_context",
}
ENVELOPE = {"moment", "referral_id", "service", "callback_url"}
SECRETS = {
    "client_name": NAME,
    "client_phone": PHONE,
    "client_address": ADDRESS,
    "violence_context": ZI_REF,
    "support_reason": "model-wsparcia",
}

PARTNERS: dict[str, dict[str, Any]] = {
    # a therapy centre, told by webhook: the most it may know (but not the address)
    "w-therapy": dict(
        name="Ośrodek Terapii Kanarek",
        kind="therapy",
        sector="non_public",
        channel="webhook",
        data_scope=[
            "case_reference",
            "stage",
            "dates",
            "coordinator_contact",
            "client_name",
            "client_phone",
            "support_reason",
            "violence_context",
        ],
    ),
    # a training provider, told by e-mail: who is coming, nothing of why
    "w-training": dict(
        name="Centrum Szkoleń Kanarek",
        kind="training",
        sector="private",
        channel="smtp",
        email="szkolenia@kanarek.invalid",
        data_scope=["case_reference", "stage", "dates", "client_name"],
    ),
    # an employer, told by webhook: the name and phone of its intern, never address/reason/violence
    "w-employer": dict(
        name="Piekarnia Kanarek",
        kind="employer",
        sector="private",
        channel="webhook",
        data_scope=["case_reference", "stage", "dates", "coordinator_contact", "client_name", "client_phone"],
        internship_capacity=2,
    ),
}


@dataclass
class World:
    harness: Harness
    vault: IdentityVault
    mail: MailReceiver
    hooks: WebhookReceiver

    @property
    def engine(self) -> Any:
        return self.harness.engine

    async def open(
        self, *, consent_to: tuple[str, ...] = tuple(PARTNERS), perpetrator: list[str] | None = None
    ) -> CaseDriver:
        case_id = queries.new_id()
        with Session(self.engine, info={"vault": self.vault}) as session:
            queries.create_client_and_case(
                session,
                vault=self.vault,
                case_id=case_id,
                definition_id="model-wsparcia",
                definition_version=1,
                coordinator_id="coord-1",
                initial_stage="diagnosis",
                client=ClientCreate(
                    unit_id=UNIT,
                    name=NAME,
                    phone=PHONE,
                    address=ADDRESS,
                    perpetrator_name="Sprawca Kanarek",
                    perpetrator_contacts=perpetrator or [],
                ),
            )
            for partner_id in consent_to:
                consents.give_consent(session, case_id=case_id, partner_id=partner_id, actor="coord-1")
        return await self.harness.open(case_id=case_id, consent=False)

    def notification(self, case_id: str, partner_id: str) -> Notification | None:
        with Session(self.engine) as session:
            return session.exec(
                select(Notification).where(Notification.case_id == case_id, Notification.partner_id == partner_id)
            ).first()


@asynccontextmanager
async def world(env: WorkflowEnvironment, task_queue: str, tmp_path: Path) -> AsyncIterator[World]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    vault = IdentityVault(
        make_keystore_engine(f"sqlite:///{tmp_path / 'keys.db'}"), KeyRing.parse(KeyRing.generate_line("k1"))
    )
    mail = MailReceiver().start()
    hooks = WebhookReceiver().start()
    with Session(engine) as session:
        for partner_id, spec in PARTNERS.items():
            path = f"/{partner_id}"
            row = queries.create_partner(
                session,
                partner=PartnerCreate(
                    unit_id=UNIT, webhook_url=hooks.url(path) if spec["channel"] == "webhook" else None, **spec
                ),
                partner_id=partner_id,
            )
            hooks.secrets[path] = row.webhook_secret or ""
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=mail.port, smtp_from="pathway@ops.invalid")
    harness = Harness(env, task_queue, engine)
    try:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[PathwayWorkflow],
            activities=build_activities(engine, settings=settings, vault=vault),
            workflow_runner=runner_under_test(),
        ):
            try:
                yield World(harness, vault, mail, hooks)
            finally:
                await harness.terminate_running()
    finally:
        hooks.stop()
        mail.stop()
        engine.dispose()


async def to_therapy(case: CaseDriver, therapist: str = "w-therapy") -> None:
    await case.fact("diagnosis", DIAGNOSIS_DONE)
    await case.advance()
    await case.fact("help_plan", {"agreed_on": "2026-01-15", "zi_reference": ZI_REF})
    await case.plan()
    await case.fact("therapist", {"partner_id": therapist, "partner_kind": "therapy"})
    assert (await case.advance()).case.stage == "therapy"


async def to_internship(case: CaseDriver) -> None:
    await to_therapy(case)
    await case.fact("ready_for_training", True)
    await case.fact("training_provider", {"partner_id": "w-training", "partner_kind": "training"})
    assert (await case.advance()).case.stage == "training"
    await case.fact("training_completed", True)
    await case.fact("placement", {"partner_id": "w-employer", "partner_kind": "employer"})
    assert (await case.advance()).case.stage == "internship"


async def until(probe: Any, what: str, timeout: float = 15.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = probe()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.05)


def unreachable(case: CaseDriver) -> list[Any]:
    return [r for r in case.reminders() if r.kind == "partner_unreachable"]


# ---------------------------------------------------------------- what is told
async def test_every_delivered_message_holds_only_what_the_partners_scope_allows(
    time_skipping_env, task_queue, tmp_path
):
    async with world(time_skipping_env, task_queue, tmp_path) as w:
        case = await w.open()
        await to_internship(case)
        await case.settled_history()
        # therapy: enter + exit (webhook); training: enter (e-mail); employer: enter (webhook)
        await until(lambda: len(w.hooks.delivered) == 3 and len(w.mail.mails) == 1, "four messages delivered")

        for hit in w.hooks.delivered.values():
            partner = hit.path.strip("/")
            scope = set(PARTNERS[partner]["data_scope"])
            assert hit.verified, f"{partner}: the HMAC signature holds"
            data = hit.body["data"]
            allowed_keys = {BODY_KEY[f] for f in scope} | ENVELOPE
            assert set(data) <= allowed_keys, f"{partner} got fields outside its scope: {set(data) - allowed_keys}"
            text = json.dumps(hit.body, ensure_ascii=False)
            for field_code, secret in SECRETS.items():
                assert (secret in text) == (field_code in scope), (
                    f"{partner}: {field_code} {'missing' if field_code in scope else 'leaked'}"
                )
            assert "Sprawca" not in text and PERPETRATOR not in text
        [mail] = w.mail.mails
        assert mail.recipients == ["szkolenia@kanarek.invalid"]
        scope = set(PARTNERS["w-training"]["data_scope"])
        whole = mail.message.as_string() + mail.text
        for field_code, secret in SECRETS.items():
            assert (secret in mail.text) == (field_code in scope), f"e-mail: {field_code}"
        assert ADDRESS not in whole and ZI_REF not in whole and "Sprawca" not in whole
        # Polish with an English part; the key in a header and in the Message-ID
        assert "Dzień dobry" in mail.text and "---- English ----" in mail.text
        assert mail.key.startswith(f"{case.case_id}:") and mail.key.endswith(":w-training")
        assert mail.message["Message-ID"].endswith("@ops.invalid>")
        # The employer never receives the address, the reason or the violence context.
        employer = [h for h in w.hooks.delivered.values() if h.path == "/w-employer"]
        assert len(employer) == 1
        assert not {BODY_KEY[f] for f in EMPLOYER_FORBIDDEN} & set(employer[0].body["data"])
        # The stored copies name what was disclosed and hold none of it.
        with Session(w.engine) as session:
            rows = session.exec(select(Notification).where(Notification.case_id == case.case_id)).all()
        stored = json.dumps([r.payload for r in rows], ensure_ascii=False)
        assert NAME not in stored and PHONE not in stored and ADDRESS not in stored
        assert {r.partner_id for r in rows if r.status == "delivered"} >= {"w-therapy", "w-training", "w-employer"}
        assert not unreachable(case)


# ---------------------------------------------------------------- faults
async def test_a_partner_answering_503_three_times_gets_it_once_on_the_fourth_attempt(
    time_skipping_env, task_queue, tmp_path
):
    async with world(time_skipping_env, task_queue, tmp_path) as w:
        w.hooks.script["/w-therapy"] = [503, 503, 503]
        case = await w.open()
        await to_therapy(case)
        await until(lambda: len(w.hooks.delivered) == 1, "the therapist's message delivered")
        await case.settled_history()
        hits = w.hooks.at("/w-therapy")
        assert [(h.attempt, h.answered) for h in hits] == [(1, 503), (2, 503), (3, 503), (4, 200)]
        assert len({h.key for h in hits}) == 1 and all(h.verified for h in hits)
        assert [h for h in hits if h.answered == 200 and not h.duplicate] == [hits[3]]
        # backoff: each wait longer than the one before (Temporal's clock of each attempt)
        times = [h.attempt_at for h in hits]
        assert all(t is not None for t in times)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]  # type: ignore[operator]
        # (Temporal stamps attempt n+1 when attempt n failed, so the first gap is short.)
        assert all(a < b for a, b in zip(gaps, gaps[1:], strict=False)), gaps
        assert gaps[-1] >= 2 * EFFECT_RETRY.initial_interval, gaps  # type: ignore[operator]
        row = w.notification(case.case_id, "w-therapy")
        assert row is not None and (row.status, row.attempts, row.channel) == ("delivered", 4, "webhook")
        assert not unreachable(case)


async def test_permanent_refusals_are_not_retried_and_the_coordinator_is_told(time_skipping_env, task_queue, tmp_path):
    async with world(time_skipping_env, task_queue, tmp_path) as w:
        w.hooks.script["/w-therapy"] = [400, 400]  # entering and leaving therapy: both refused
        w.mail.refuse["szkolenia@kanarek.invalid"] = "550 5.1.1 <szkolenia@kanarek.invalid>: no such mailbox"
        case = await w.open()
        await to_therapy(case)
        await case.fact("ready_for_training", True)
        await case.fact("training_provider", {"partner_id": "w-training", "partner_kind": "training"})
        assert (await case.advance()).case.stage == "training"
        await until(lambda: len(unreachable(case)) == 3, "three partner_unreachable reminders")
        await case.settled_history()
        hits = w.hooks.at("/w-therapy")
        assert [h.answered for h in hits] == [400, 400] and len({h.key for h in hits}) == 2, "a 4xx is not retried"
        assert w.mail.rcpt_attempts == ["szkolenia@kanarek.invalid"], "an SMTP 5xx is not retried"
        assert w.mail.mails == [] and w.hooks.delivered == {}
        assert {r.recipient for r in unreachable(case)} == {"coord-1"}
        for partner in ("w-therapy", "w-training"):
            row = w.notification(case.case_id, partner)
            assert row is not None and (row.status, row.reason, row.attempts) == ("failed", "permanent", 1)


async def test_a_receiver_down_for_a_while_loses_nothing_and_gets_no_duplicate(time_skipping_env, task_queue, tmp_path):
    env: WorkflowEnvironment = time_skipping_env
    async with world(env, task_queue, tmp_path) as w:
        case = await w.open()
        w.hooks.stop()  # the partner's server is down: its port refuses connections
        with env.auto_time_skipping_disabled():
            await to_therapy(case)
            await until(
                lambda: (n := w.notification(case.case_id, "w-therapy")) is not None and n.attempts >= 1,
                "a first failed attempt",
            )
            await env.sleep(timedelta(seconds=3))  # the second attempt (after 2 s) fails too
            await until(lambda: w.notification(case.case_id, "w-therapy").attempts >= 2, "a second failed attempt")  # type: ignore[union-attr]
            assert w.notification(case.case_id, "w-therapy").status == "retrying"  # type: ignore[union-attr]
            w.hooks.start()  # back, on the same port
            await env.sleep(timedelta(seconds=5))  # the third attempt (after 4 s more)
            await until(lambda: len(w.hooks.delivered) == 1, "delivered once the receiver is back")
        await case.settled_history()
        hits = w.hooks.at("/w-therapy")
        assert len(hits) == 1 and hits[0].answered == 200 and not hits[0].duplicate and hits[0].attempt == 3
        row = w.notification(case.case_id, "w-therapy")
        assert row is not None and (row.status, row.attempts) == ("delivered", 3)
        assert not unreachable(case)


async def test_consent_withdrawn_while_retrying_stops_the_next_attempt(time_skipping_env, task_queue, tmp_path):
    env: WorkflowEnvironment = time_skipping_env
    async with world(env, task_queue, tmp_path) as w:
        w.hooks.script["/w-therapy"] = [503] * 50
        case = await w.open()
        with env.auto_time_skipping_disabled():
            await to_therapy(case)
            await until(lambda: len(w.hooks.at("/w-therapy")) >= 1, "a first attempt")
            await env.sleep(timedelta(seconds=3))
            await until(lambda: len(w.hooks.at("/w-therapy")) >= 2, "a second attempt")
            with Session(w.engine) as session:
                [consent] = [
                    c for c in consents.list_consents(session, case_id=case.case_id) if c.partner_id == "w-therapy"
                ]
                consents.withdraw_consent(session, case_id=case.case_id, consent_id=consent.id, actor="coord-1")
            before = len(w.hooks.at("/w-therapy"))
            await env.sleep(timedelta(minutes=30))  # every later attempt would have run by now
            await until(lambda: w.notification(case.case_id, "w-therapy").status == "withheld", "withheld")  # type: ignore[union-attr]
        await case.settled_history()
        assert len(w.hooks.at("/w-therapy")) == before == 2, "nothing reached the receiver after the withdrawal"
        assert w.hooks.delivered == {}
        row = w.notification(case.case_id, "w-therapy")
        assert row is not None and (row.status, row.reason, row.attempts) == ("withheld", "no_consent", 3)
        assert not unreachable(case), "a withheld message is not a failure"


async def test_without_consent_nothing_is_sent_and_it_is_not_an_error(time_skipping_env, task_queue, tmp_path):
    async with world(time_skipping_env, task_queue, tmp_path) as w:
        case = await w.open(consent_to=())
        await to_therapy(case)
        await until(lambda: w.notification(case.case_id, "w-therapy") is not None, "the notification recorded")
        await case.settled_history()
        assert w.hooks.hits == []
        row = w.notification(case.case_id, "w-therapy")
        assert row is not None and (row.status, row.reason, row.attempts) == ("withheld", "no_consent", 1)
        assert not unreachable(case)


async def test_a_partner_at_the_perpetrators_address_is_never_told_and_the_coordinator_is(
    time_skipping_env, task_queue, tmp_path
):
    async with world(time_skipping_env, task_queue, tmp_path) as w:
        with Session(w.engine) as session:
            queries.create_partner(
                session,
                partner=PartnerCreate(
                    unit_id=UNIT,
                    name="Gabinet Terapii (adres sprawcy)",
                    kind="therapy",
                    sector="private",
                    channel="smtp",
                    email=PERPETRATOR.upper(),
                ),
                partner_id="w-therapy-mail",
            )
        case = await w.open(consent_to=("w-therapy-mail",), perpetrator=["+48 600 000 111", PERPETRATOR])
        await to_therapy(case, therapist="w-therapy-mail")
        await until(lambda: unreachable(case), "the coordinator told")
        await case.settled_history()
        assert w.mail.rcpt_attempts == [] and w.mail.mails == []
        row = w.notification(case.case_id, "w-therapy-mail")
        assert row is not None and (row.status, row.reason) == ("blocked", "perpetrator_contact")
        [told] = unreachable(case)
        assert told.recipient == "coord-1"
