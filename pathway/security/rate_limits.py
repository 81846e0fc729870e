"""Limits on signing in, counted by the ``limits`` library (the one behind slowapi).

Two limits, both moving windows in one storage: ``memory://`` (the default) for one API
process, ``redis://host:port/db`` (``PATHWAY_RATE_LIMIT_STORAGE``) when several API
processes must see the same counts.

1. **Attempts per client address** (``PATHWAY_SIGN_IN_RATE_LIMIT``, default 30 a minute).
   Every sign-in (``POST /api/v1/auth/token``, ``/auth/session``, the web's ``POST /login``)
   counts, right password or wrong, before anything else is looked at: a flood or a
   guesser from one address is refused cheaply, without a password hash being computed.
2. **Attempts per account and address that did not succeed** (``PATHWAY_SIGN_IN_FAILURE_LIMIT``,
   default 5 in 15 minutes). The attempt is counted before the password is checked (so
   that concurrent guesses cannot all slip under the limit) and a right password clears
   the pair's count. A pair that used its attempts waits until the oldest one is out of
   the window; other addresses are not affected.

Why per account *and address*, not per account: a lock per account lets anyone who knows a
coordinator's login keep her out all day by typing wrong passwords every 15 minutes. Keyed
with the address, a stranger's failures lock only the stranger out of that account; the
coordinator signs in from her own address as usual. Growing delays per account were the
other option: they still let the stranger slow every sign-in of the coordinator, and a
delay served by holding the request open ties up the server. What this choice leaves: people
behind one address (one office's NAT, or every client behind a reverse proxy that is not
listed in ``PATHWAY_TRUSTED_PROXIES``) share both counts; a guesser with many addresses gets
a few attempts per address per window, against argon2 hashes of passwords of at least 12
characters.

The pair is keyed by the name as typed, whether or not such an account exists, so that a
real account and a made-up one answer alike, locked or not. Keys are SHA-256 digests: the
storage (Redis) never holds a login or an address in the clear.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItem, parse, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from pathway.config import Settings

# A shared store that does not answer within this many seconds fails the sign-in (503)
# rather than letting attempts through uncounted.
STORAGE_TIMEOUT_SECONDS = 2.0
KEY_PREFIX = "pathway-sign-in"


class TooManyAttempts(Exception):
    """Refused by a limit; ``retry_after``: seconds until an attempt would be counted again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many sign-in attempts; retry after {retry_after} s")
        self.retry_after = retry_after


class LimitsUnavailable(Exception):
    """The storage of the counts did not answer: nobody is let in uncounted."""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def open_storage(uri: str) -> Storage:
    """The ``limits`` storage behind ``uri``; errors of a network store come out as
    ``StorageError`` and give up after ``STORAGE_TIMEOUT_SECONDS``."""
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        storage = storage_from_string(
            uri,
            wrap_exceptions=True,
            key_prefix=KEY_PREFIX,
            socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
            socket_timeout=STORAGE_TIMEOUT_SECONDS,
        )
    else:
        storage = storage_from_string(uri, wrap_exceptions=True)
    if not isinstance(storage, Storage):  # async+...: the limits are counted in a worker thread
        raise ValueError(
            f"PATHWAY_RATE_LIMIT_STORAGE: {uri.split(':', 1)[0]} is an async storage; use its plain scheme"
        )
    return storage


class SignInLimits:
    """The two limits of signing in over one storage (see the module's docstring)."""

    def __init__(self, storage: Storage, *, per_address: list[RateLimitItem], failures: RateLimitItem) -> None:
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_address = per_address
        self._failures = failures

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        """Built once per app; a malformed limit or storage URI fails here, at startup."""
        return cls(
            open_storage(settings.rate_limit_storage),
            per_address=parse_many(settings.sign_in_rate_limit),
            failures=parse(settings.sign_in_failure_limit),
        )

    def admit(self, address: str) -> None:
        """Count one sign-in attempt from ``address``; ``TooManyAttempts`` when over its limit."""
        key = _digest("address", address)
        with _storage_errors():
            for limit in self._per_address:
                if not self._limiter.hit(limit, "address", key):
                    raise TooManyAttempts(self._retry_after(limit, "address", key))

    def claim_attempt(self, login: str, address: str) -> None:
        """Count an attempt on ``login`` from ``address`` as failed until ``succeeded`` says
        otherwise; ``TooManyAttempts`` when the pair has used its attempts (the password is
        then not checked at all)."""
        key = _digest("pair", login, address)
        with _storage_errors():
            if not self._limiter.hit(self._failures, "pair", key):
                raise TooManyAttempts(self._retry_after(self._failures, "pair", key))

    def succeeded(self, login: str, address: str) -> None:
        """The right password: the pair starts afresh."""
        with _storage_errors():
            self._limiter.clear(self._failures, "pair", _digest("pair", login, address))

    def _retry_after(self, limit: RateLimitItem, *identifiers: str) -> int:
        reset_at = self._limiter.get_window_stats(limit, *identifiers).reset_time
        return max(1, math.ceil(reset_at - time.time()))


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except StorageError as exc:
        cause = type(exc.storage_error).__name__
        raise LimitsUnavailable(f"the sign-in limits' storage did not answer ({cause})") from exc
