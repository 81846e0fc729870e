"""Who may do what: the one place every endpoint and CLI command asks.

- A coordinator reads and acts only on the cases assigned to them.
- A supervisor reads every case of their unit, audits it and reassigns it; acting on a case
  (moves, visits, facts) is the coordinator's job.
- An admin manages users, partners and definitions, and reads no case.
- Nobody sees another unit's cases. A case the principal may not see answers "not found",
  never "forbidden": its existence is not disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pathway.security.accounts import Principal


class Action(StrEnum):
    CASE_OPEN = "case.open"
    CASE_LIST = "case.list"
    CASE_READ = "case.read"
    CASE_ACT = "case.act"
    CASE_REASSIGN = "case.reassign"
    CLIENT_READ = "client.read"
    CLIENT_ERASE = "client.erase"  # GDPR erasure: destroys the client's key (supervisor)
    # The case file: its notes read back, its papers (PDF) made. Like reading the client.
    NOTE_READ = "note.read"
    DOCUMENT_MAKE = "document.make"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    REPORT_READ = "report.read"
    PARTNER_READ = "partner.read"
    PARTNER_MANAGE = "partner.manage"
    DEFINITION_READ = "definition.read"
    DEFINITION_MANAGE = "definition.manage"
    USER_MANAGE = "user.manage"
    CODEC_USE = "codec.use"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "coordinator": frozenset(
        {
            Action.CASE_OPEN,
            Action.CASE_LIST,
            Action.CASE_READ,
            Action.CASE_ACT,
            Action.CLIENT_READ,
            Action.NOTE_READ,
            Action.DOCUMENT_MAKE,
            Action.AUDIT_READ,
            Action.PARTNER_READ,
            Action.DEFINITION_READ,
        }
    ),
    "supervisor": frozenset(
        {
            Action.CASE_OPEN,
            Action.CASE_LIST,
            Action.CASE_READ,
            Action.CASE_REASSIGN,
            Action.CLIENT_READ,
            Action.NOTE_READ,
            Action.DOCUMENT_MAKE,
            Action.AUDIT_READ,
            Action.AUDIT_VERIFY,
            Action.REPORT_READ,
            Action.PARTNER_READ,
            Action.DEFINITION_READ,
            Action.CODEC_USE,
            Action.CLIENT_ERASE,
        }
    ),
    "admin": frozenset(
        {
            Action.PARTNER_READ,
            Action.PARTNER_MANAGE,
            Action.DEFINITION_READ,
            Action.DEFINITION_MANAGE,
            Action.USER_MANAGE,
            Action.CODEC_USE,
            Action.AUDIT_VERIFY,
        }
    ),
}

CASE_ACTIONS = frozenset(
    {
        Action.CASE_READ,
        Action.CASE_ACT,
        Action.CASE_REASSIGN,
        Action.CLIENT_READ,
        Action.NOTE_READ,
        Action.DOCUMENT_MAKE,
    }
)


@dataclass(frozen=True)
class CaseScope:
    """What the policy needs to know of a case."""

    unit_id: str
    coordinator_id: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    status: int = 200  # 403 forbidden, 404 hidden
    reason: str = ""


ALLOW = Decision(True)


def decide(principal: Principal, action: Action, case: CaseScope | None = None) -> Decision:
    granted = any(action in ROLE_ACTIONS.get(role, frozenset()) for role in principal.roles)
    if case is not None:
        if case.unit_id != principal.unit_id:
            return Decision(False, 404, "not found")
        if not any(a in CASE_ACTIONS for role in principal.roles for a in ROLE_ACTIONS.get(role, frozenset())):
            # A role that never works with cases (the admin) is told nothing either: a real
            # case id and a made-up one answer the same.
            return Decision(False, 404, "not found")
        # Whether the case may be seen at all comes first: a colleague's case is "not found"
        # whatever the action, so its existence is never disclosed.
        if _only_own_cases(principal) and case.coordinator_id != principal.id:
            return Decision(False, 404, "not found")
        if not granted:
            return Decision(False, 403, f"your role may not {action.value.replace('.', ' ')} here")
        return ALLOW
    if not granted:
        return Decision(False, 403, f"your role may not {action.value.replace('.', ' ')}")
    return ALLOW


def _only_own_cases(principal: Principal) -> bool:
    """A coordinator without a supervisor's role sees only the cases assigned to them."""
    return principal.has("coordinator") and not principal.has("supervisor")


def own_cases_only(principal: Principal) -> str | None:
    """For lists and audits: the coordinator filter the principal is held to, if any."""
    return principal.id if _only_own_cases(principal) else None
