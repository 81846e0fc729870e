"""The kinds of reminder are named once (``pathway.core.events.ReminderKind``): the remind
activity's message takes exactly them, and each has its audit action and its words in the
inbox; a kind added to the core without them fails here, not in a coordinator's inbox."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from activities.messages import RemindInput
from activities.reminders import AUDIT_ACTIONS
from pathway.core.events import REMINDER_KINDS, ReminderKind
from pathway.i18n.codes import CODES
from pathway.store.models import REMINDER_KINDS as STORED_KINDS

BASE = {"case_id": "c", "unit_id": "u", "coordinator_id": "k", "seq": 1, "stage": "s", "at": "2026-12-06T10:00:00Z"}


def test_every_kind_has_an_audit_action_and_words_and_the_store_names_the_same() -> None:
    assert set(AUDIT_ACTIONS) == set(REMINDER_KINDS) == set(get_args(ReminderKind))
    assert set(CODES["inbox_kind"]) == set(REMINDER_KINDS)
    assert STORED_KINDS == REMINDER_KINDS


@pytest.mark.parametrize("kind", REMINDER_KINDS)
def test_the_remind_message_takes_every_kind(kind: str) -> None:
    assert RemindInput.model_validate({**BASE, "kind": kind}).kind == kind


def test_the_remind_message_refuses_a_kind_not_named() -> None:
    with pytest.raises(ValidationError):
        RemindInput.model_validate({**BASE, "kind": "gossip"})
