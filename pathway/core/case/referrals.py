"""Referrals to partners: making one (a known service, a partner of the right kind, not twice
at once), the partner's answer in its allowed order, and the answer's deadline."""

from __future__ import annotations

from datetime import datetime

from pathway.core import calendar as cal
from pathway.core.case import clocks
from pathway.core.case.base import CaseBase
from pathway.core.commands import AnswerReferral, Refer
from pathway.core.errors import IllegalMove, InvalidCommand
from pathway.core.events import NotificationRequested, ReferralAnswered, ReferralMade
from pathway.core.state import Referral

# A referral may be answered in this order only (a "done" referral was accepted first, or
# the partner reports it done straight away).
REFERRAL_ANSWERS = {"pending": {"accepted", "rejected", "done"}, "accepted": {"rejected", "done"}}


def check_refer(case: CaseBase, command: Refer, now: datetime) -> None:
    policy = case.definition.referrals
    if policy is None:
        raise InvalidCommand("this pathway makes no referrals")
    service = policy.services.get(command.service)
    if service is None:
        raise InvalidCommand(
            f"unknown service '{command.service}'; services of this pathway: {', '.join(policy.services)}",
            service=command.service,
            services=list(policy.services),
        )
    if command.partner_kind not in service.partner_kinds:
        raise InvalidCommand(
            f"a referral for '{command.service}' goes to a partner of kind "
            f"{' or '.join(service.partner_kinds)}, not '{command.partner_kind}'",
            service=command.service,
            partner_kind=command.partner_kind,
        )
    if command.referral_id in case.state.referrals:
        raise InvalidCommand(f"referral '{command.referral_id}' already exists", referral_id=command.referral_id)
    for r in case.state.referrals.values():
        if r.partner_id == command.partner_id and r.service == command.service and r.status in ("pending", "accepted"):
            raise IllegalMove(
                f"referral '{r.referral_id}' to this partner for '{r.service}' is still {r.status}",
                referral_id=r.referral_id,
                status=r.status,
            )


def check_answer(case: CaseBase, command: AnswerReferral, now: datetime) -> None:
    r = case.state.referrals.get(command.referral_id)
    if r is None:
        raise InvalidCommand(f"unknown referral '{command.referral_id}'", referral_id=command.referral_id)
    if command.answer not in REFERRAL_ANSWERS.get(r.status, set()):
        raise IllegalMove(
            f"the referral is already {r.status}; it cannot become {command.answer}",
            referral_id=r.referral_id,
            status=r.status,
        )
    if command.answer == "rejected" and not command.reason:
        raise InvalidCommand(
            "a rejected referral needs a reason code (e.g. no_places, not_eligible)", referral_id=r.referral_id
        )


def apply_refer(case: CaseBase, command: Refer, now: datetime, checked: None) -> None:
    s = case.state
    policy = case.definition.referrals
    assert policy is not None  # validated
    s.referrals[command.referral_id] = Referral(
        referral_id=command.referral_id,
        partner_id=command.partner_id,
        partner_kind=command.partner_kind,
        service=command.service,
        consent_id=command.consent_id,
        made_at=now,
    )
    key = f"referral:{command.referral_id}"
    clocks.arm(case, key, cal.deadline_at(now, policy.answer_within, case.tz), ref=command.referral_id)
    s.referrals[command.referral_id].answer_due_at = s.watches[key].due_at
    case.emit(
        ReferralMade,
        now,
        command.actor,
        command_id=command.command_id,
        note_id=command.note_id,
        stage=s.stage,
        referral_id=command.referral_id,
        partner_id=command.partner_id,
        partner_kind=command.partner_kind,
        service=command.service,
        consent_id=command.consent_id,
        answer_due_at=s.watches[key].due_at,
    )
    case.emit(
        NotificationRequested,
        now,
        command.actor,
        stage=s.stage,
        moment="referral",
        partner_fact="",
        partner_id=command.partner_id,
        partner_kind=command.partner_kind,
        referral_id=command.referral_id,
        service=command.service,
    )


def apply_answer(case: CaseBase, command: AnswerReferral, now: datetime, checked: None) -> None:
    r = case.state.referrals[command.referral_id]
    r.status, r.answered_at, r.reason = command.answer, now, command.reason
    case.state.watches.pop(f"referral:{command.referral_id}", None)
    case.emit(
        ReferralAnswered,
        now,
        command.actor,
        command_id=command.command_id,
        note_id=command.note_id,
        referral_id=r.referral_id,
        partner_id=r.partner_id,
        answer=command.answer,
        reason=command.reason,
    )
