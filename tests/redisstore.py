"""Redis for the tests of the shared sign-in limits (import as ``from redisstore import ...``).

Redis is the machine's server on 127.0.0.1:6379 (CI's too). Tests keep apart from each
other and from other runs by the keys they count under (a fresh client address each),
never by flushing the database.

When the server does not answer, the Redis tests skip, saying why; with ``CI=true`` they
fail instead: CI must not go green without having run them (as ``pgstore`` does).
"""

from __future__ import annotations

import functools
import os

import pytest

# Where the test server is; the one place to change it.
REDIS_URL = "redis://127.0.0.1:6379/0"


@functools.cache
def unavailable() -> str | None:
    """Why Redis cannot be used (``None``: it answers)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at {REDIS_URL}: {type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def require_redis() -> str:
    """The test server's URL; skips (or, with CI=true, fails) the calling test without it."""
    reason = unavailable()
    if reason is None:
        return REDIS_URL
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}: the Redis tests must run in CI", pytrace=False)
    pytest.skip(reason)
