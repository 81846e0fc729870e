"""Staff accounts and their sessions.

Passwords are hashed with argon2id. A refused sign-in tells nothing: an unknown login, a
wrong password and a disabled account get the same answer after the same work (one hash
verification). Repeated attempts are limited per client address and per (account,
address) pair by ``sign_in`` (see ``pathway.security.rate_limits``), never by locking the
account itself, which would let anyone keep its owner out.
A session token is random, shown once, and stored only as its SHA-256 hash; it dies on
logout, when the account is disabled, after a period of inactivity and at an absolute
expiry, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlmodel import Session, col

from pathway.security.rate_limits import SignInLimits
from pathway.store.models import AuthSession, User, utcnow
from pathway.store.tables import table_of

Role = Literal["coordinator", "supervisor", "admin"]
ROLES: tuple[str, ...] = ("coordinator", "supervisor", "admin")

IDLE_EXPIRY = timedelta(minutes=30)
ABSOLUTE_EXPIRY = timedelta(hours=12)

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the answer's timing the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Principal:
    """Who is acting, as every policy decision sees it."""

    id: str
    unit_id: str
    roles: frozenset[str]
    display_name: str = ""

    def has(self, role: str) -> bool:
        return role in self.roles


class AccountError(Exception):
    """A refusal: ``code`` and ``message`` are what the caller is told; ``reason`` is what
    happened, for the audit trail only (a refused sign-in says ``invalid_credentials``
    whether the password was wrong or the account is disabled)."""

    def __init__(self, code: str, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.reason = code, message, reason or code


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise AccountError("weak_password", "a password needs at least 12 characters")
    return _hasher.hash(password)


def create_user(
    engine: Engine, *, user_id: str, display_name: str, unit_id: str, roles: Sequence[str], password: str
) -> User:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise AccountError("invalid_role", f"roles are {', '.join(ROLES)}; got {', '.join(roles) or 'none'}")
    with Session(engine) as session:
        if session.get(User, user_id) is not None:
            raise AccountError("user_exists", f"user '{user_id}' already exists")
        user = User(
            id=user_id,
            display_name=display_name,
            unit_id=unit_id,
            roles=sorted(set(roles)),
            password_hash=hash_password(password),
        )
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def get_user(engine: Engine, user_id: str) -> User | None:
    with Session(engine) as session:
        return session.get(User, user_id)


def list_users(engine: Engine, *, unit_id: str | None = None) -> list[User]:
    with Session(engine) as session:
        stmt = select(User).order_by(User.id)
        if unit_id is not None:
            stmt = stmt.where(col(User.unit_id) == unit_id)
        return list(session.execute(stmt).scalars())


def set_disabled(engine: Engine, user_id: str, disabled: bool = True) -> User:
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise AccountError("user_not_found", f"no user '{user_id}'")
        user.disabled = disabled
        if disabled:  # every session of a disabled account dies now
            session.execute(
                update(AuthSession)
                .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
                .values(revoked_at=utcnow())
            )
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def login(
    engine: Engine, *, user_id: str, password: str, kind: str = "api", now: datetime | None = None
) -> tuple[str, AuthSession]:
    """Check the password; on success open a session and return its token (shown once).

    Every refusal is the same ``invalid_credentials`` after one hash verification and no
    write: an unknown login is checked against a dummy hash, and a disabled account's
    password is checked before it is refused, so neither the answer nor its time tells
    which logins exist or are disabled. Attempts are not limited here: see ``sign_in``."""
    now = now or utcnow()
    with Session(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            _verify(_DUMMY_HASH, password)
            raise _refused("unknown_user")
        if not _verify(user.password_hash, password):
            raise _refused("wrong_password")
        if user.disabled:
            raise _refused("account_disabled")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        token = secrets.token_urlsafe(32)
        record = AuthSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            kind=kind,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_EXPIRY,
        )
        session.add(user)
        session.add(record)
        session.commit()
        session.refresh(record)
        return token, record


def sign_in(
    engine: Engine, limits: SignInLimits, *, user_id: str, password: str, address: str, kind: str = "api"
) -> tuple[str, AuthSession]:
    """``login`` behind the sign-in limits: the address's attempts first, then the
    (account, address) pair's, counted before the password is checked; a right password
    clears the pair. Raises ``TooManyAttempts`` (the same for any login typed) or
    ``AccountError``."""
    limits.admit(address)
    limits.claim_attempt(user_id, address)
    answer = login(engine, user_id=user_id, password=password, kind=kind)
    limits.succeeded(user_id, address)
    return answer


def _refused(reason: str) -> AccountError:
    return AccountError("invalid_credentials", "wrong username or password", reason=reason)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_SESSIONS, _USERS = table_of(AuthSession), table_of(User)
_LIVE_SESSION = (
    select(
        _SESSIONS.c.last_seen_at,
        _SESSIONS.c.expires_at,
        _SESSIONS.c.revoked_at,
        _USERS.c.id,
        _USERS.c.unit_id,
        _USERS.c.roles,
        _USERS.c.display_name,
        _USERS.c.disabled,
    )
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.token_hash == bindparam("digest"))
)
_SEEN = update(_SESSIONS).where(_SESSIONS.c.token_hash == bindparam("digest")).values(last_seen_at=bindparam("seen"))


def authenticate(engine: Engine, token: str, *, now: datetime | None = None) -> Principal | None:
    """The principal behind a live token, sliding its idle expiry; None if it is dead."""
    with engine.connect() as conn:
        principal, seen = _live_principal(conn, token, now or utcnow())
        if seen:
            conn.commit()
    return principal


def authenticate_in(session: Session, token: str, *, now: datetime | None = None) -> Principal | None:
    """``authenticate`` on a request's session: the read rides on the connection the request's
    own reads use next (one checkout, not two); a sliding expiry it writes is committed at
    once, before the request's work."""
    principal, seen = _live_principal(session.connection(), token, now or utcnow())
    if seen:
        session.commit()
    return principal


def _live_principal(conn: Connection, token: str, now: datetime) -> tuple[Principal | None, bool]:
    """The principal behind a live token (None if it is dead), and whether its idle expiry
    was slid (a write the caller commits)."""
    digest = _token_hash(token)
    # One Core query, built once: this runs on every request, and two ORM lookups (or building
    # the statement and its cache key anew) cost more than the read.
    row = conn.execute(_LIVE_SESSION, {"digest": digest}).first()
    if (
        row is None
        or row.disabled
        or row.revoked_at is not None
        or row.expires_at <= now
        or row.last_seen_at + IDLE_EXPIRY <= now
    ):
        return None, False
    seen = now - row.last_seen_at > timedelta(seconds=30)  # do not write on every request
    if seen:
        conn.execute(_SEEN, {"digest": digest, "seen": now})
    return Principal(id=row.id, unit_id=row.unit_id, roles=frozenset(row.roles), display_name=row.display_name), seen


def logout(engine: Engine, token: str, *, now: datetime | None = None) -> bool:
    with Session(engine) as session:
        record = session.get(AuthSession, _token_hash(token))
        if record is None or record.revoked_at is not None:
            return False
        record.revoked_at = now or utcnow()
        session.add(record)
        session.commit()
        return True


def generate_password() -> str:
    return secrets.token_urlsafe(18)
