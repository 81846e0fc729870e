"""Signing in tells nothing and cannot be used against staff (issue 13, item 4).

- an unknown, a disabled and a real account get the same answers, attempt after attempt,
  locked or not, after the same work (one hash verification, or none once refused by a limit);
- 100 attempts in a second from one address: the limit's 30 are answered, the rest are 429
  with Retry-After, and an attempt is admitted again once Retry-After has passed;
- a stranger's wrong passwords from another address do not keep the coordinator out;
- the web's sign-in form is limited by the same code and says so in Polish or English;
- with a Redis storage the counts hold across two app instances (two API processes), and a
  Redis that does not answer refuses sign-ins (503) instead of letting them through uncounted;
- X-Forwarded-For names the client only when it comes from a proxy in PATHWAY_TRUSTED_PROXIES.

Each test builds apps of its own on the stack's store and Temporal client (the shared stack's
per-address limit is lifted, see conftest.py), reached from client addresses of the
documentation ranges; the Redis tests use a fresh random address so that runs never share
counts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from apistack import PASSWORD, Stack, new_unit
from fastapi import FastAPI
from sqlmodel import Session, select

from pathway.config import Settings
from pathway.runtime.asgi import create_app
from pathway.security import accounts
from pathway.store.audit_trail import AuditEntry

pytestmark = pytest.mark.integration

API = "/api/v1"
WRONG = "not-the-password-at-all"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
STRANGER, COORDINATOR_DESK, PROXY = "203.0.113.66", "198.51.100.7", "10.20.0.2"


class Apps:
    """Apps of a test's own over the stack's store and Temporal client, and clients that
    reach them from a given address (ASGI's ``client``: nothing leaves the process)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.clients: list[httpx.AsyncClient] = []

    def build(self, **settings: Any) -> FastAPI:
        """An app with the default limits (the shared stack lifts the per-address one) but
        for ``settings``."""
        services = self.stack.app.state.services
        limits = ("sign_in_rate_limit", "sign_in_failure_limit")
        defaults = {name: Settings.model_fields[name].default for name in limits}
        return create_app(
            self.stack.settings.model_copy(update={**defaults, **settings}),
            client=self.stack.client,
            engine=self.stack.engine,
            catalog=services.catalog,
            vault=services.vault,
        )

    def at(self, app: FastAPI, address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50123), raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60)
        self.clients.append(client)
        return client


@pytest_asyncio.fixture
async def apps(stack: Stack) -> AsyncIterator[Apps]:
    built = Apps(stack)
    yield built
    for client in built.clients:
        await client.aclose()


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash verified while the test runs."""
    seen: list[str] = []
    verify = accounts._verify

    def counting(stored: str, password: str) -> bool:
        seen.append(stored)
        return verify(stored, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    return seen


def _account(stack: Stack, *, disabled: bool = False) -> str:
    login = f"ewa-{uuid.uuid4().hex[:8]}"
    accounts.create_user(
        stack.engine, user_id=login, display_name="Ewa", unit_id=new_unit(), roles=["coordinator"], password=PASSWORD
    )
    if disabled:
        accounts.set_disabled(stack.engine, login)
    return login


async def _sign_in(http: httpx.AsyncClient, login: str, password: str, path: str = "/auth/token") -> httpx.Response:
    return await http.post(f"{API}{path}", json={"username": login, "password": password})


def _random_address() -> str:
    """An address of the IPv6 documentation range no other run will draw (Redis is shared)."""
    return str(ipaddress.IPv6Address((0x20010DB8 << 96) | random.getrandbits(64)))


def _throttled(r: httpx.Response, window_seconds: int) -> int:
    """The answer is the limit's 429; returns its Retry-After (seconds)."""
    assert r.status_code == 429, (r.status_code, r.text)
    detail = r.json()["detail"]
    assert detail["code"] == "too_many_attempts" and detail["message"], detail
    retry_after = int(r.headers["retry-after"])
    assert 1 <= retry_after <= window_seconds and detail["retry_after"] == retry_after, (retry_after, detail)
    assert "access_token" not in r.text
    return retry_after


# ---------------------------------------------------------------- the same answers for everyone
async def test_unknown_disabled_and_real_accounts_answer_alike_locked_or_not(
    stack: Stack, apps: Apps, verifications: list[str]
) -> None:
    app = apps.build()  # the default limits: 30 a minute per address, 5 per account and address
    real, disabled = _account(stack), _account(stack, disabled=True)
    probes = {
        "real, wrong password": (real, WRONG),
        "disabled, wrong password": (disabled, WRONG),
        "disabled, right password": (disabled, PASSWORD),
        "unknown": (f"nobody-{uuid.uuid4().hex[:8]}", PASSWORD),
    }
    seen: dict[str, list[tuple[int, dict[str, Any], str | None, str | None]]] = {}
    for number, (name, (login, password)) in enumerate(probes.items()):
        http = apps.at(app, f"198.51.100.{10 + number}")
        answers = []
        for attempt in range(7):
            verified_before = len(verifications)
            # The last two attempts bring the right password of the real and disabled accounts.
            r = await _sign_in(http, login, PASSWORD if attempt >= 5 else password)
            detail = dict(r.json()["detail"])
            retry_after = detail.pop("retry_after", None)
            if r.status_code == 429:  # the seconds to wait: the one thing that may differ
                assert 15 * 60 - 5 <= retry_after <= 15 * 60, (name, retry_after)
                assert str(retry_after) in detail["message"]
                detail["message"] = detail["message"].replace(str(retry_after), "N")
                assert len(verifications) == verified_before, f"{name}: a refused pair still checked a password"
            else:
                assert len(verifications) == verified_before + 1, f"{name}: not exactly one hash verification"
            answers.append((r.status_code, detail, r.headers.get("www-authenticate"), r.headers.get("retry-after")))
        seen[name] = [
            (status, detail, auth, None if after is None else "set") for status, detail, auth, after in answers
        ]

    first = seen["real, wrong password"]
    for name, answers in seen.items():
        assert answers == first, (name, answers, first)
    assert [status for status, *_ in first] == [401] * 5 + [429] * 2
    assert first[0][1] == {"code": "invalid_credentials", "message": "wrong username or password"}
    assert first[0][2] == "Bearer" and first[-1][3] == "set"
    # The unknown login's five were checked against the dummy hash, as costly as a real one.
    assert verifications[-5:] == [accounts._DUMMY_HASH] * 5
    assert accounts._DUMMY_HASH.split("$")[:4] == accounts.get_user(stack.engine, real).password_hash.split("$")[:4]


async def test_a_refused_real_account_is_audited_after_the_answer(stack: Stack, apps: Apps) -> None:
    real = _account(stack, disabled=True)
    http = apps.at(apps.build(), "198.51.100.20")
    assert (await _sign_in(http, real, PASSWORD)).status_code == 401
    for _ in range(100):  # written by a task of its own, once the answer has gone
        with Session(stack.engine) as session:
            entries = session.exec(select(AuditEntry).where(AuditEntry.actor == real)).all()
        if entries:
            break
        await asyncio.sleep(0.05)
    assert [(e.action, e.details, e.address) for e in entries] == [
        ("auth.login_refused", {"reason": "account_disabled"}, "198.51.100.20")
    ]


# ---------------------------------------------------------------- per address
async def test_100_attempts_in_a_second_are_429_past_the_limit(
    stack: Stack, apps: Apps, verifications: list[str]
) -> None:
    app = apps.build()  # the default: 30 a minute per address
    http = apps.at(app, "198.51.100.30")
    answers = await asyncio.gather(*(_sign_in(http, f"guess-{n}-{uuid.uuid4().hex[:6]}", WRONG) for n in range(100)))
    statuses = [r.status_code for r in answers]
    assert statuses.count(401) == 30 and statuses.count(429) == 70, statuses
    for r in answers:
        if r.status_code == 429:
            _throttled(r, 60)
    assert len(verifications) == 30  # the refused 70 cost no password hash
    assert (await _sign_in(http, _account(stack), PASSWORD)).status_code == 429  # right password or not
    # Another address is not affected.
    elsewhere = apps.at(app, "198.51.100.31")
    assert (await _sign_in(elsewhere, _account(stack), PASSWORD)).status_code == 200


async def test_an_attempt_is_admitted_again_once_retry_after_has_passed(stack: Stack, apps: Apps) -> None:
    app = apps.build(sign_in_rate_limit="3/2 seconds")
    http = apps.at(app, "198.51.100.40")
    login = _account(stack)
    for _ in range(3):
        assert (await _sign_in(http, login, WRONG, "/auth/session")).status_code == 401
    wait = _throttled(await _sign_in(http, login, PASSWORD, "/auth/session"), 2)
    await asyncio.sleep(wait)
    r = await _sign_in(http, login, PASSWORD, "/auth/session")
    assert r.status_code == 200 and r.json()["id"] == login, r.text


# ---------------------------------------------------------------- a stranger cannot lock staff out
async def test_a_strangers_wrong_passwords_do_not_keep_the_coordinator_out(stack: Stack, apps: Apps) -> None:
    app = apps.build()
    coordinator = _account(stack)
    stranger = apps.at(app, STRANGER)
    statuses = [(await _sign_in(stranger, coordinator, f"{WRONG}-{n}")).status_code for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    _throttled(await _sign_in(stranger, coordinator, PASSWORD), 15 * 60)  # locked out: himself

    desk = apps.at(app, COORDINATOR_DESK)
    r = await _sign_in(desk, coordinator, PASSWORD)
    assert r.status_code == 200, r.text
    me = await desk.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == coordinator
    # Her sign-in does not lift the stranger's lock on his own address.
    _throttled(await _sign_in(stranger, coordinator, PASSWORD), 15 * 60)


async def test_a_right_password_starts_the_pair_afresh(stack: Stack, apps: Apps) -> None:
    app = apps.build()
    coordinator = _account(stack)
    desk = apps.at(app, COORDINATOR_DESK)
    for _ in range(4):  # typos
        assert (await _sign_in(desk, coordinator, WRONG)).status_code == 401
    assert (await _sign_in(desk, coordinator, PASSWORD)).status_code == 200
    for _ in range(4):  # as many typos again: still not locked
        assert (await _sign_in(desk, coordinator, WRONG)).status_code == 401
    assert (await _sign_in(desk, coordinator, PASSWORD)).status_code == 200


# ---------------------------------------------------------------- the web's sign-in form
@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("pl", "Zbyt wiele prób logowania. Spróbuj ponownie za 1 min."),
        ("en", "Too many sign-in attempts. Please try again in 1 min."),
    ],
)
async def test_the_web_sign_in_form_is_limited_and_says_so_in_words(
    stack: Stack, apps: Apps, lang: str, words: str
) -> None:
    app = apps.build(sign_in_rate_limit="2/minute")
    browser = apps.at(app, "198.51.100.50")
    browser.cookies.set("pathway_lang", lang)
    login = _account(stack)

    async def submit(password: str) -> httpx.Response:
        form = await browser.get("/login")  # showing the form is not an attempt
        csrf = CSRF.search(form.text)
        assert form.status_code == 200 and csrf, form.text
        return await browser.post("/login", data={"csrf": csrf.group(1), "username": login, "password": password})

    assert (await submit(WRONG)).status_code == 401
    assert (await submit(WRONG)).status_code == 401
    r = await submit(PASSWORD)
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert words in r.text and 'role="alert"' in r.text
    assert "too_many_attempts" not in r.text and "pathway_session" not in browser.cookies
    # The API behind the same address has used the same attempts.
    _throttled(await _sign_in(browser, login, PASSWORD), 60)


# ---------------------------------------------------------------- several API processes: Redis
async def test_the_redis_limits_hold_across_two_app_instances(stack: Stack, apps: Apps) -> None:
    from redisstore import require_redis

    shared = {"rate_limit_storage": require_redis(), "sign_in_rate_limit": "4/minute"}
    first, second = apps.build(**shared), apps.build(**shared)
    address = _random_address()
    a, b = apps.at(first, address), apps.at(second, address)
    for http in (a, b, a, b):
        assert (await _sign_in(http, f"nobody-{uuid.uuid4().hex[:8]}", WRONG)).status_code == 401
    _throttled(await _sign_in(a, _account(stack), PASSWORD), 60)
    _throttled(await _sign_in(b, _account(stack), PASSWORD), 60)

    # The contrast: apart, in memory, the second process would have let the fifth in.
    alone = apps.at(apps.build(sign_in_rate_limit="4/minute"), address)
    assert (await _sign_in(alone, _account(stack), PASSWORD)).status_code == 200


async def test_the_redis_account_and_address_lock_holds_across_two_app_instances(stack: Stack, apps: Apps) -> None:
    from redisstore import require_redis

    shared = {"rate_limit_storage": require_redis()}
    first, second = apps.build(**shared), apps.build(**shared)
    address, coordinator = _random_address(), _account(stack)
    a, b = apps.at(first, address), apps.at(second, address)
    for http in (a, b, a, b, a):
        assert (await _sign_in(http, coordinator, WRONG)).status_code == 401
    _throttled(await _sign_in(b, coordinator, PASSWORD), 15 * 60)
    # From her own address, through either process, she signs in.
    assert (await _sign_in(apps.at(second, _random_address()), coordinator, PASSWORD)).status_code == 200


async def test_a_redis_that_does_not_answer_refuses_sign_ins_with_503(stack: Stack, apps: Apps) -> None:
    app = apps.build(rate_limit_storage="redis://127.0.0.1:1/0")  # nothing listens on port 1
    http = apps.at(app, "198.51.100.60")
    r = await _sign_in(http, _account(stack), PASSWORD)
    assert r.status_code == 503, r.text
    assert r.json()["detail"]["code"] == "sign_in_unavailable" and r.headers["retry-after"]
    assert "access_token" not in r.text


# ---------------------------------------------------------------- the client address behind a proxy
def _forwarded(client: str) -> dict[str, str]:
    return {"X-Forwarded-For": client}


async def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(stack: Stack, apps: Apps) -> None:
    app = apps.build(sign_in_rate_limit="3/minute")
    http = apps.at(app, PROXY)
    for n in range(3):  # a client that makes up a new address each time
        r = await http.post(
            f"{API}/auth/token", json={"username": "x", "password": WRONG}, headers=_forwarded(f"192.0.2.{n}")
        )
        assert r.status_code == 401, r.text
    r = await http.post(f"{API}/auth/token", json={"username": "x", "password": WRONG}, headers=_forwarded("192.0.2.9"))
    _throttled(r, 60)


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(stack: Stack, apps: Apps) -> None:
    app = apps.build(sign_in_rate_limit="3/minute", trusted_proxies=["10.20.0.0/16"])
    proxy, untrusted = apps.at(app, PROXY), apps.at(app, "198.51.100.70")
    coordinator = _account(stack)

    def attempt(http: httpx.AsyncClient, client: str, password: str = WRONG) -> Any:
        body = {"username": coordinator, "password": password}
        return http.post(f"{API}/auth/token", json=body, headers=_forwarded(client))

    for _ in range(3):
        assert (await attempt(proxy, STRANGER)).status_code == 401
    _throttled(await attempt(proxy, STRANGER), 60)
    r = await attempt(proxy, COORDINATOR_DESK, PASSWORD)  # another client behind the same proxy
    assert r.status_code == 200, r.text
    with Session(stack.engine) as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.actor == coordinator, AuditEntry.action == "auth.login")
        )
        assert [e.address for e in entry] == [COORDINATOR_DESK]
    # A peer that is not a trusted proxy cannot choose its address.
    for n in range(3):
        assert (await attempt(untrusted, f"192.0.2.{n}")).status_code == 401
    _throttled(await attempt(untrusted, "192.0.2.99"), 60)
