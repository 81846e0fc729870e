"""Pausing and resuming a case: a paused case takes no moves, visits or referrals, and its
clocks stop (resuming shifts them by the paused time); a case suspended by a lapsed
certificate resumes only with a current one."""

from __future__ import annotations

from datetime import datetime

from pathway.core.case import clocks
from pathway.core.case.base import CaseBase
from pathway.core.case.certificates import CERTIFICATE_LAPSED, lapsed_certificates
from pathway.core.commands import Advance, Command, Pause, RecordVisit, Refer, Resume
from pathway.core.errors import IllegalMove
from pathway.core.events import CasePaused, CaseResumed

_VERBS = {
    Advance: "making a move",
    RecordVisit: "recording a visit",
    Pause: "pausing it again",
    Refer: "making a referral",
}


def require_active(case: CaseBase, command: Command) -> None:
    """IllegalMove if the case is paused (saying what to do first)."""
    if case.state.status == "paused" and case.state.pause_reason == CERTIFICATE_LAPSED:
        lapsed = ", ".join(
            f"'{fact}' expired on {until}"
            for fact, until in lapsed_certificates(case, case.state.paused_at or case.state.last_activity_at)
        )
        raise IllegalMove(
            f"the service is suspended ({lapsed or 'a certificate expired'}); record a current "
            "certificate to resume it",
            stage=case.state.stage,
            status="paused",
            reason=CERTIFICATE_LAPSED,
        )
    if case.state.status == "paused":
        doing = next((v for t, v in _VERBS.items() if isinstance(command, t)), "this")
        raise IllegalMove(
            f"the case is paused ({case.state.pause_reason}); resume it before {doing}",
            stage=case.state.stage,
            status="paused",
        )


def check_pause(case: CaseBase, command: Pause, now: datetime) -> None:
    """Nothing beyond the case being active (the handler table requires it)."""


def apply_pause(case: CaseBase, command: Pause, now: datetime, checked: None) -> None:
    s = case.state
    s.status, s.paused_at, s.pause_reason = "paused", now, command.reason
    case.emit(CasePaused, now, command.actor, command_id=command.command_id, stage=s.stage, reason=command.reason)


def check_resume(case: CaseBase, command: Resume, now: datetime) -> None:
    s = case.state
    if s.status != "paused":
        raise IllegalMove("the case is not paused", stage=s.stage, status=s.status)
    lapsed = lapsed_certificates(case, now)
    if lapsed:
        fact, until = lapsed[0]
        raise IllegalMove(
            f"the service is suspended: '{fact}' expired on {until}; record a current one to resume",
            stage=s.stage,
            status=s.status,
            fact=fact,
            valid_until=until,
        )


def apply_resume(case: CaseBase, command: Resume, now: datetime, checked: None) -> None:
    s = case.state
    paused_for = now - (s.paused_at or now)
    clocks.shift(case, paused_for)
    s.status, s.paused_at, s.pause_reason = "active", None, None
    case.emit(
        CaseResumed,
        now,
        command.actor,
        command_id=command.command_id,
        stage=s.stage,
        paused_seconds=paused_for.total_seconds(),
    )
