"""The sign-in limits on their own (``pathway.security.rate_limits``, memory storage) and
their settings. The API's behaviour, Redis included: tests/api/test_sign_in_limits.py."""

from __future__ import annotations

import pytest
from helpers import make_settings
from limits import parse, parse_many
from limits.storage import MemoryStorage
from pydantic import ValidationError

from pathway.config import Settings
from pathway.security.rate_limits import SignInLimits, TooManyAttempts

ADDRESS, OTHER = "198.51.100.1", "198.51.100.2"


def _limits(per_address: str = "30/minute", failures: str = "5/15 minutes") -> SignInLimits:
    return SignInLimits(MemoryStorage(), per_address=parse_many(per_address), failures=parse(failures))


def test_an_address_is_refused_past_its_limit_and_told_how_long_to_wait() -> None:
    limits = _limits("3/minute")
    for _ in range(3):
        limits.admit(ADDRESS)
    with pytest.raises(TooManyAttempts) as refused:
        limits.admit(ADDRESS)
    assert 58 <= refused.value.retry_after <= 60
    limits.admit(OTHER)  # its own count


def test_several_limits_per_address_all_hold() -> None:
    limits = _limits("2/second;3/minute")
    limits.admit(ADDRESS)
    limits.admit(ADDRESS)
    with pytest.raises(TooManyAttempts) as burst:
        limits.admit(ADDRESS)
    assert burst.value.retry_after == 1


def test_a_pair_is_refused_after_its_attempts_whatever_the_login_or_the_address() -> None:
    limits = _limits()
    for _ in range(5):
        limits.claim_attempt("ewa", ADDRESS)
    with pytest.raises(TooManyAttempts) as refused:
        limits.claim_attempt("ewa", ADDRESS)
    assert 15 * 60 - 2 <= refused.value.retry_after <= 15 * 60
    limits.claim_attempt("ewa", OTHER)  # the same account from elsewhere
    limits.claim_attempt("marek", ADDRESS)  # another account from the same address


def test_success_starts_the_pair_afresh() -> None:
    limits = _limits()
    for _ in range(4):
        limits.claim_attempt("ewa", ADDRESS)
    limits.succeeded("ewa", ADDRESS)
    for _ in range(5):
        limits.claim_attempt("ewa", ADDRESS)
    with pytest.raises(TooManyAttempts):
        limits.claim_attempt("ewa", ADDRESS)


def test_the_storage_holds_digests_not_logins_or_addresses() -> None:
    storage = MemoryStorage()
    limits = SignInLimits(storage, per_address=parse_many("5/minute"), failures=parse("5/minute"))
    limits.admit(ADDRESS)
    limits.claim_attempt("ewa.koordynatorka", ADDRESS)
    keys = " ".join(storage.events)
    assert keys and "ewa" not in keys and ADDRESS not in keys


def test_limits_come_from_the_settings_and_a_malformed_one_fails_at_startup(tmp_path) -> None:
    built = SignInLimits.from_settings(make_settings(tmp_path, sign_in_rate_limit="2/minute"))
    built.admit(ADDRESS)
    built.admit(ADDRESS)
    with pytest.raises(TooManyAttempts):
        built.admit(ADDRESS)
    with pytest.raises(ValueError):
        SignInLimits.from_settings(make_settings(tmp_path, sign_in_failure_limit="five a day"))


def test_trusted_proxies_are_addresses_or_networks_separated_by_commas(monkeypatch) -> None:
    monkeypatch.setenv("PATHWAY_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16,fd00::/8")
    assert Settings().trusted_proxies == ["10.0.0.1", "192.168.0.0/16", "fd00::/8"]
    monkeypatch.setenv("PATHWAY_TRUSTED_PROXIES", "")
    assert Settings().trusted_proxies == []
    for bad in ("*", "proxy.example", "10.0.0.300"):
        monkeypatch.setenv("PATHWAY_TRUSTED_PROXIES", bad)
        with pytest.raises(ValidationError, match="trusted_proxies"):
            Settings()


def test_uvicorn_believes_no_forwarded_header_on_its_own(tmp_path) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told not to: any local process
    # could then choose its address. The app decides, for PATHWAY_TRUSTED_PROXIES only.
    from pathway.runtime.stack import _make_api_server

    server = _make_api_server(make_settings(tmp_path), app=None)
    assert server.config.proxy_headers is False


def test_an_async_storage_is_refused_at_startup(tmp_path) -> None:
    with pytest.raises(ValueError, match="async storage"):
        SignInLimits.from_settings(make_settings(tmp_path, rate_limit_storage="async+memory://"))
