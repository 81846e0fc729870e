"""Certificates (a disability degree, a medical certificate): their expiry is watched, a
reminder comes before it, and a lapsed one the service depends on suspends the case until a
current one is recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pathway.core import calendar as cal
from pathway.core import certificates
from pathway.core.case import clocks
from pathway.core.case.base import CaseBase
from pathway.core.events import CasePaused, CaseResumed, CertificateLapsed, ReminderDue
from pathway.core.state import Watch

CERTIFICATE_LAPSED = "certificate_lapsed"  # the pause reason of a service suspended by a lapse


def lapsed_certificates(case: CaseBase, now: datetime) -> list[tuple[str, str]]:
    """Certificates the service depends on (``suspend_when_lapsed``) that have expired."""
    out = []
    for name, spec in case.definition.facts.items():
        value = case.state.facts.get(name)
        until = certificates.expires_on(value)  # None: permanent ("na stałe"), never lapses
        if spec.suspends_service() and until is not None:
            if cal.end_of_day(until, case.tz) <= now:
                out.append((name, until.isoformat()))
    return out


def certificate_recorded(case: CaseBase, name: str, value: Any, now: datetime, actor: str, command_id: str) -> None:
    """Watch the new certificate's expiry; a current one ends a suspension it caused."""
    s = case.state
    spec = case.definition.facts[name]
    key = f"certificate:{name}"
    s.watches.pop(key, None)
    until = certificates.expires_on(value)  # None: permanent, nothing to watch
    if until is not None and (spec.remind_before_expiry is not None or spec.suspend_when_lapsed):
        lapses_at = cal.end_of_day(until, case.tz)
        if lapses_at > now:
            remind_at = lapses_at
            if spec.remind_before_expiry is not None:
                remind_at = min(
                    cal.start_of_day(cal.subtract_from_date(until, spec.remind_before_expiry), case.tz), lapses_at
                )
            s.watches[key] = Watch(key="certificate", ref=name, due_at=lapses_at, next_alarm_at=remind_at)
    if s.status == "paused" and s.pause_reason == CERTIFICATE_LAPSED and not lapsed_certificates(case, now):
        paused_for = now - (s.paused_at or now)
        clocks.shift(case, paused_for)
        s.status, s.paused_at, s.pause_reason = "active", None, None
        case.emit(
            CaseResumed, now, actor, command_id=command_id, stage=s.stage, paused_seconds=paused_for.total_seconds()
        )


def certificate_alarm(case: CaseBase, key: str, w: Watch, at: datetime, now: datetime) -> None:
    s = case.state
    spec = case.definition.facts[w.ref or ""]
    if at < w.due_at:
        w.reminders += 1
        w.next_alarm_at = w.due_at
        if now < w.due_at:  # catching up past the expiry: the lapse below says it all
            case.emit(
                ReminderDue,
                at,
                "system",
                stage=s.stage,
                watch=key,
                level="reminder",
                n=w.reminders,
                due_at=w.due_at,
                coordinator_id=s.coordinator_id,
            )
        return
    del s.watches[key]
    value = s.facts.get(w.ref or "") or {}
    suspend = spec.suspend_when_lapsed and s.status == "active"
    case.emit(
        CertificateLapsed,
        at,
        "system",
        stage=s.stage,
        fact=w.ref,
        valid_until=str(value.get("valid_until", "")),
        suspended=suspend,
    )
    if suspend:
        s.status, s.paused_at, s.pause_reason = "paused", at, CERTIFICATE_LAPSED
        case.emit(CasePaused, at, "system", stage=s.stage, reason=CERTIFICATE_LAPSED)
