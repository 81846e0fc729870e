"""Accounts (argon2, refusals that tell nothing, token lifetimes) and the role policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from pathway.security import accounts as acc
from pathway.security.accounts import AccountError, Principal
from pathway.security.policy import Action, CaseScope, decide, own_cases_only
from pathway.store.db import create_schema, make_engine
from pathway.store.models import utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def engine(tmp_path):
    import pathway.security.accounts  # noqa: F401  (registers the tables)

    engine = make_engine(f"sqlite:///{tmp_path / 'acc.db'}")
    create_schema(engine)
    acc.create_user(
        engine, user_id="anna", display_name="Anna K.", unit_id="wro", roles=["coordinator"], password=PASSWORD
    )
    yield engine
    engine.dispose()


def test_passwords_are_stored_as_argon2_hashes(engine):
    user = acc.get_user(engine, "anna")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_weak_passwords_and_unknown_roles_are_refused(engine):
    with pytest.raises(AccountError, match="12 characters"):
        acc.create_user(engine, user_id="bob", display_name="B", unit_id="wro", roles=["coordinator"], password="short")
    with pytest.raises(AccountError, match="roles are"):
        acc.create_user(engine, user_id="bob", display_name="B", unit_id="wro", roles=["root"], password=PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        acc.create_user(engine, user_id="anna", display_name="A", unit_id="wro", roles=["admin"], password=PASSWORD)


def test_login_gives_a_token_that_authenticates(engine):
    token, session = acc.login(engine, user_id="anna", password=PASSWORD)
    principal = acc.authenticate(engine, token)
    assert principal == Principal(id="anna", unit_id="wro", roles=frozenset({"coordinator"}), display_name="Anna K.")
    with Session(engine) as s:
        stored = s.get(acc.AuthSession, session.token_hash)
    assert stored is not None and token not in stored.token_hash


def test_a_wrong_password_an_unknown_user_and_a_disabled_account_get_the_same_answer(engine, monkeypatch):
    acc.create_user(engine, user_id="ola", display_name="O", unit_id="wro", roles=["coordinator"], password=PASSWORD)
    acc.set_disabled(engine, "ola")
    verified: list[str] = []
    verify = acc._verify
    monkeypatch.setattr(acc, "_verify", lambda stored, password: verified.append(stored) or verify(stored, password))
    answers = []
    for user, password in (("anna", "wrong password!!"), ("nobody", PASSWORD), ("ola", PASSWORD), ("ola", "x")):
        with pytest.raises(AccountError) as err:
            acc.login(engine, user_id=user, password=password)
        answers.append((err.value.code, err.value.message, str(err.value)))
        assert len(verified) == len(answers), f"{user}: not exactly one hash verification"
    assert answers == [("invalid_credentials", "wrong username or password", "wrong username or password")] * 4


def test_failed_logins_do_not_lock_the_account(engine):
    # The limits of repeated attempts are per address and account (rate_limits), never a lock
    # of the account anyone could set off.
    for _ in range(8):
        with pytest.raises(AccountError, match="wrong"):
            acc.login(engine, user_id="anna", password="wrong password!!")
    token, _ = acc.login(engine, user_id="anna", password=PASSWORD)
    assert acc.authenticate(engine, token) is not None
    user = acc.get_user(engine, "anna")
    assert user.failed_logins == 0 and user.locked_until is None  # nothing written on a refusal


def test_logout_and_disabling_kill_tokens(engine):
    token, _ = acc.login(engine, user_id="anna", password=PASSWORD)
    assert acc.logout(engine, token) and acc.authenticate(engine, token) is None
    token2, _ = acc.login(engine, user_id="anna", password=PASSWORD)
    acc.set_disabled(engine, "anna")
    assert acc.authenticate(engine, token2) is None
    with pytest.raises(AccountError) as err:
        acc.login(engine, user_id="anna", password=PASSWORD)
    assert err.value.code == "invalid_credentials" and err.value.reason == "account_disabled"


def test_tokens_die_when_idle_and_at_their_absolute_expiry(engine):
    now = utcnow()
    token, _ = acc.login(engine, user_id="anna", password=PASSWORD, now=now)
    assert acc.authenticate(engine, token, now=now + acc.IDLE_EXPIRY - timedelta(seconds=1)) is not None
    # active use slides the idle expiry, but never past the absolute one
    t = now
    while t + timedelta(minutes=20) < now + acc.ABSOLUTE_EXPIRY:
        t += timedelta(minutes=20)
        assert acc.authenticate(engine, token, now=t) is not None
    assert acc.authenticate(engine, token, now=now + acc.ABSOLUTE_EXPIRY) is None
    idle, _ = acc.login(engine, user_id="anna", password=PASSWORD, now=now)
    assert acc.authenticate(engine, idle, now=now + acc.IDLE_EXPIRY + timedelta(seconds=1)) is None


COORD = Principal("anna", "wro", frozenset({"coordinator"}))
SUPER = Principal("sonia", "wro", frozenset({"supervisor"}))
ADMIN = Principal("adam", "wro", frozenset({"admin"}))
OWN = CaseScope(unit_id="wro", coordinator_id="anna")
COLLEAGUES = CaseScope(unit_id="wro", coordinator_id="beata")
OTHER_UNIT = CaseScope(unit_id="gda", coordinator_id="anna")


@pytest.mark.parametrize(
    "principal, action, case, status",
    [
        (COORD, Action.CASE_ACT, OWN, 200),
        (COORD, Action.CASE_READ, COLLEAGUES, 404),
        (COORD, Action.CASE_REASSIGN, OWN, 403),
        (COORD, Action.CASE_REASSIGN, COLLEAGUES, 404),  # a colleague's case is not found, whatever the action
        (SUPER, Action.CASE_READ, COLLEAGUES, 200),
        (SUPER, Action.CASE_REASSIGN, COLLEAGUES, 200),
        (SUPER, Action.CASE_ACT, COLLEAGUES, 403),
        (ADMIN, Action.CASE_READ, OWN, 404),  # a role that reads no case is told nothing of it
        (ADMIN, Action.CLIENT_READ, OWN, 404),
        (COORD, Action.CASE_READ, OTHER_UNIT, 404),
        (SUPER, Action.CASE_READ, OTHER_UNIT, 404),
        (ADMIN, Action.USER_MANAGE, None, 200),
        (COORD, Action.USER_MANAGE, None, 403),
        (SUPER, Action.PARTNER_MANAGE, None, 403),
        (COORD, Action.REPORT_READ, None, 403),
    ],
)
def test_the_policy(principal, action, case, status):
    decision = decide(principal, action, case)
    assert decision.allowed == (status == 200) and decision.status == status


def test_lists_hold_a_coordinator_to_their_own_cases():
    assert own_cases_only(COORD) == "anna" and own_cases_only(SUPER) is None
    both = Principal("zofia", "wro", frozenset({"coordinator", "supervisor"}))
    assert own_cases_only(both) is None and decide(both, Action.CASE_ACT, COLLEAGUES).allowed
