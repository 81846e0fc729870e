"""Tables of the SQL store.

Two kinds of data live here (DESIGN.md, "Source of truth"):
- the projection of workflow events (``cases``, ``case_events``, ``stage_periods``,
  ``visits``), written only by the projection activity and used for lists, audits, reports;
- what must never enter Temporal: client identity (``clients``), the household's members
  (``household_members``), free-text notes
  (``notes``), the resource map (``partners``), plus what activities delivered
  (``reminders``, ``notifications``). Identity and notes are stored sealed only.

The key store's tables (``client_keys``, ``client_erasures``) are defined here too but on a
metadata of their own: they live in a separate database (``PATHWAY_KEYSTORE_URL``).

Models follow SQLModel's ``XBase`` / ``XCreate`` / ``X(table=True)`` / ``XPublic`` pattern
where a request or response shape is needed. Every datetime is stored as UTC through
``UTCDateTime``; a naive datetime is refused rather than guessed.
"""

from pathway.store.models.accounts import AuthSession, User
from pathway.store.models.appointments import APPOINTMENT_STATUSES, Appointment
from pathway.store.models.cases import Case, CaseBase, CaseEvent, CaseEventPublic, CasePublic, StagePeriod, Visit
from pathway.store.models.clients import Client, ClientBase, ClientCreate, ClientPublic, Note, NoteBase, NotePublic
from pathway.store.models.columns import CASE_STATUSES, REMINDER_KINDS, SECTORS, UTCDateTime, utcnow
from pathway.store.models.command_keys import CommandKey
from pathway.store.models.deliveries import (
    Notification,
    NotificationBase,
    NotificationPublic,
    Referral,
    ReferralBase,
    ReferralPublic,
    Reminder,
)
from pathway.store.models.household import HouseholdMember
from pathway.store.models.inbox import CHANNELS, CalendarFeed, InboxRead, StaffDigest, StaffMail, StaffNotice
from pathway.store.models.keystore import KEYSTORE_METADATA, KEYSTORE_REGISTRY, ClientErasure, ClientKey, KeystoreModel
from pathway.store.models.partners import Consent, Partner, PartnerBase, PartnerCreate, PartnerPublic, Placement
from pathway.store.models.plans import PlanActionRow, PlanReviewRow, PlanVersion
from pathway.store.models.profiles import CaseProfile
from pathway.store.models.reservations import CASELOAD, HOLD_MINUTES, INTERNSHIP_PLACE, Reservation

__all__ = [
    "PlanActionRow",
    "PlanReviewRow",
    "PlanVersion",
    "APPOINTMENT_STATUSES",
    "Appointment",
    "CHANNELS",
    "CalendarFeed",
    "HouseholdMember",
    "InboxRead",
    "StaffDigest",
    "StaffMail",
    "StaffNotice",
    "AuthSession",
    "User",
    "CASELOAD",
    "HOLD_MINUTES",
    "INTERNSHIP_PLACE",
    "Reservation",
    "CASE_STATUSES",
    "KEYSTORE_METADATA",
    "KEYSTORE_REGISTRY",
    "REMINDER_KINDS",
    "SECTORS",
    "Case",
    "CaseProfile",
    "CaseBase",
    "CaseEvent",
    "CaseEventPublic",
    "CasePublic",
    "Client",
    "CommandKey",
    "ClientBase",
    "ClientCreate",
    "ClientErasure",
    "ClientKey",
    "ClientPublic",
    "Consent",
    "KeystoreModel",
    "Note",
    "NoteBase",
    "NotePublic",
    "Notification",
    "NotificationBase",
    "NotificationPublic",
    "Partner",
    "PartnerBase",
    "PartnerCreate",
    "PartnerPublic",
    "Placement",
    "Referral",
    "ReferralBase",
    "ReferralPublic",
    "Reminder",
    "StagePeriod",
    "UTCDateTime",
    "Visit",
    "utcnow",
]
