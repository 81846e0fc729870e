"""Signing in and out, staff accounts, and what a caller may never set or send.

- POST /auth/token, /auth/logout, /auth/me; repeated failures lock the (account, address)
  pair, not the account (more in test_sign_in_limits.py); a disabled account's live token
  dies at once, and signing in to it is refused like a wrong password;
- POST /users validation (an admin creates staff of their own unit only);
- fields a caller may not set (another unit, a coordinator, roles) are refused with 422,
  never silently applied or dropped;
- ``Cache-Control: no-store`` on every answer, errors included;
- no personal data in URLs (walks the OpenAPI document);
- request size and types (``pathway.http.body_limit``): 413 over 1 MiB, whether the body says
  its length or streams in chunks; wrong types and non-JSON bodies are a 4xx, never a 500.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from apistack import PASSWORD, Stack, new_unit

from pathway.http.body_limit import MAX_BODY_BYTES, BodySizeLimit
from pathway.security import accounts

pytestmark = pytest.mark.integration

API = "/api/v1"


def _user(stack: Stack, unit: str, name: str, roles: tuple[str, ...] = ("coordinator",)) -> str:
    login = f"{name}-{uuid.uuid4().hex[:8]}"
    accounts.create_user(
        stack.engine, user_id=login, display_name=name, unit_id=unit, roles=list(roles), password=PASSWORD
    )
    return login


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _login(stack: Stack, username: str, password: str = PASSWORD) -> httpx.Response:
    return await stack.http.post(f"{API}/auth/token", json={"username": username, "password": password})


async def _token(stack: Stack, username: str) -> str:
    r = await _login(stack, username)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _admin(stack: Stack, unit: str) -> tuple[str, dict[str, str]]:
    login = _user(stack, unit, "admin", ("admin",))
    token, _ = accounts.login(stack.engine, user_id=login, password=PASSWORD)
    return login, _bearer(token)


@dataclass
class Place:
    """A unit shared by the tests that expect a refusal (so nothing changes in it): its
    admin, and one open case of its coordinator."""

    unit: str
    admin: dict[str, str]
    case: dict[str, Any]


@pytest_asyncio.fixture(scope="module")
async def place(stack: Stack) -> Place:
    unit = new_unit()
    _, admin = _admin(stack, unit)
    return Place(unit=unit, admin=admin, case=await stack.open_case(unit=unit))


async def _unchanged(stack: Stack, place: Place) -> None:
    """The shared unit still has its one case, as it was."""
    listed = (await stack.http.get(f"{API}/cases", headers=stack.supervisor(place.unit))).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == place.case["id"], listed
    assert (await stack.get_case(place.case["id"], unit=place.unit))["history"] == place.case["history"]


# ---------------------------------------------------------------- signing in and out
async def test_the_right_password_gives_a_token_that_works(stack: Stack) -> None:
    unit = new_unit()
    login = _user(stack, unit, "ewa", ("coordinator", "supervisor"))
    before = datetime.now(UTC)
    r = await _login(stack, login)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 32
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(hours=11) < expires <= before + timedelta(hours=12, minutes=1)
    assert body["user"] == {"id": login, "display_name": "ewa", "unit": unit, "roles": ["coordinator", "supervisor"]}
    assert r.headers["cache-control"] == "no-store"

    me = await stack.http.get(f"{API}/auth/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json() == body["user"]
    # The token is a bearer token only: not in a URL, not accepted from a query string.
    assert (await stack.http.get(f"{API}/auth/me", params={"access_token": body["access_token"]})).status_code == 401


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(stack: Stack) -> None:
    login = _user(stack, new_unit(), "jan")
    wrong = await _login(stack, login, "not-the-password-at-all")
    unknown = await _login(stack, f"nobody-{uuid.uuid4().hex[:8]}", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["detail"]["code"] == "invalid_credentials"
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"


async def test_five_failures_from_one_address_lock_that_address_out_even_with_the_right_password(
    stack: Stack,
) -> None:
    # The (account, address) limit (test_sign_in_limits.py has the rest: other addresses,
    # unknown accounts, the per-address limit, Redis).
    login = _user(stack, new_unit(), "anna")
    for attempt in range(5):
        r = await _login(stack, login, f"wrong-password-{attempt}")
        assert r.status_code == 401 and r.json()["detail"]["code"] == "invalid_credentials", (attempt, r.text)
    locked = await _login(stack, login)
    assert locked.status_code == 429, locked.text
    assert locked.json()["detail"]["code"] == "too_many_attempts"
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert "access_token" not in locked.text
    # The account itself is not locked: its owner signs in from elsewhere.
    token, _ = accounts.login(stack.engine, user_id=login, password=PASSWORD)
    assert (await stack.http.get(f"{API}/auth/me", headers=_bearer(token))).status_code == 200


async def test_logout_kills_the_token(stack: Stack) -> None:
    login = _user(stack, new_unit(), "piotr")
    token = await _token(stack, login)
    other = await _token(stack, login)  # a second session of the same person
    assert (await stack.http.get(f"{API}/auth/me", headers=_bearer(token))).status_code == 200
    out = await stack.http.post(f"{API}/auth/logout", headers=_bearer(token))
    assert out.status_code == 204, out.text
    after = await stack.http.get(f"{API}/auth/me", headers=_bearer(token))
    assert after.status_code == 401 and after.headers["www-authenticate"] == "Bearer"
    assert after.json()["detail"]["code"] == "unauthorized"
    assert (await stack.http.post(f"{API}/auth/logout", headers=_bearer(token))).status_code == 401
    # Only that session ended.
    assert (await stack.http.get(f"{API}/auth/me", headers=_bearer(other))).status_code == 200


async def test_an_expired_token_is_refused(stack: Stack) -> None:
    login = _user(stack, new_unit(), "kasia")
    long_ago = datetime.now(UTC) - accounts.ABSOLUTE_EXPIRY - timedelta(minutes=1)
    token, _ = accounts.login(stack.engine, user_id=login, password=PASSWORD, now=long_ago)
    r = await stack.http.get(f"{API}/auth/me", headers=_bearer(token))
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


async def test_disabling_a_user_kills_their_live_token_at_once(stack: Stack) -> None:
    unit = new_unit()
    _, admin = _admin(stack, unit)
    login = _user(stack, unit, "marek")
    token = await _token(stack, login)
    assert (await stack.http.get(f"{API}/cases", headers=_bearer(token))).status_code == 200

    r = await stack.http.post(f"{API}/users/{login}/disable", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == login
    for path in ("/auth/me", "/cases"):
        dead = await stack.http.get(f"{API}{path}", headers=_bearer(token))
        assert dead.status_code == 401, (path, dead.text)
    # Refused like a wrong password or an unknown login: nothing tells the account exists.
    refused = await _login(stack, login)
    unknown = await _login(stack, f"nobody-{uuid.uuid4().hex[:8]}")
    assert refused.status_code == unknown.status_code == 401 and refused.json() == unknown.json()
    assert refused.json()["detail"]["code"] == "invalid_credentials"

    # Enabled again, they sign in anew; the old token stays dead.
    assert (await stack.http.post(f"{API}/users/{login}/enable", headers=admin)).status_code == 200
    fresh = await _token(stack, login)
    assert (await stack.http.get(f"{API}/auth/me", headers=_bearer(fresh))).status_code == 200
    assert (await stack.http.get(f"{API}/auth/me", headers=_bearer(token))).status_code == 401


async def test_an_admin_cannot_disable_themselves(stack: Stack) -> None:
    unit = new_unit()
    login, admin = _admin(stack, unit)
    r = await stack.http.post(f"{API}/users/{login}/disable", headers=admin)
    assert r.status_code == 409, r.text
    assert r.json()["detail"]["code"] == "cannot_disable_self"
    assert (await stack.http.get(f"{API}/auth/me", headers=admin)).status_code == 200


async def test_an_admin_manages_only_their_own_units_users(stack: Stack) -> None:
    _, admin = _admin(stack, new_unit())
    elsewhere = _user(stack, new_unit(), "obcy")
    r = await stack.http.post(f"{API}/users/{elsewhere}/disable", headers=admin)
    assert r.status_code == 404, r.text
    missing = await stack.http.post(f"{API}/users/nobody-{uuid.uuid4().hex[:8]}/disable", headers=admin)
    assert (
        missing.status_code == 404
        and missing.json()["detail"]["code"] == r.json()["detail"]["code"] == "user_not_found"
    )
    user = accounts.get_user(stack.engine, elsewhere)
    assert user is not None and not user.disabled
    listed = await stack.http.get(f"{API}/users", headers=admin)
    assert elsewhere not in {u["id"] for u in listed.json()["items"]}


# ---------------------------------------------------------------- POST /users
def _new_user(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"nowy-{uuid.uuid4().hex[:8]}",
        "display_name": "Nowy Pracownik",
        "roles": ["coordinator"],
        "password": PASSWORD,
    }
    body.update(overrides)
    return body


async def test_an_admin_creates_a_user_of_their_unit(stack: Stack) -> None:
    unit = new_unit()
    _, admin = _admin(stack, unit)
    body = _new_user(roles=["coordinator", "supervisor"])
    r = await stack.http.post(f"{API}/users", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "id": body["id"],
        "display_name": "Nowy Pracownik",
        "unit": unit,
        "roles": ["coordinator", "supervisor"],
    }
    assert "password" not in r.text and "hash" not in r.text
    assert (await _login(stack, body["id"])).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"password": "short-one"}, "password", id="weak-password"),
        pytest.param({"roles": ["coordinator", "superuser"]}, "roles", id="unknown-role"),
        pytest.param({"roles": []}, "roles", id="no-role"),
        pytest.param({"id": "Ewa Nowak"}, "id", id="login-with-a-space"),
        pytest.param({"unit_id": "unit-elsewhere"}, "unit_id", id="another-unit"),
        pytest.param({"unit": "unit-elsewhere"}, "unit", id="another-unit-spelled-unit"),
        pytest.param({"disabled": False, "failed_logins": 0}, "disabled", id="account-state"),
        pytest.param({"password_hash": "$argon2id$..."}, "password_hash", id="a-hash"),
    ],
)
async def test_post_users_refuses_bad_bodies_with_422(
    stack: Stack, place: Place, overrides: dict[str, Any], field: str
) -> None:
    body = _new_user(**overrides)
    r = await stack.http.post(f"{API}/users", json=body, headers=place.admin)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_request" and field in detail["message"], detail
    assert accounts.get_user(stack.engine, body["id"]) is None


async def test_a_duplicate_user_is_409(stack: Stack) -> None:
    _, admin = _admin(stack, new_unit())
    body = _new_user()
    assert (await stack.http.post(f"{API}/users", json=body, headers=admin)).status_code == 201
    again = await stack.http.post(f"{API}/users", json={**body, "display_name": "Ktoś Inny"}, headers=admin)
    assert again.status_code == 409, again.text
    assert again.json()["detail"]["code"] == "user_exists"
    # Nor may an admin take over another unit's login.
    elsewhere = _user(stack, new_unit(), "zajety")
    taken = await stack.http.post(f"{API}/users", json=_new_user(id=elsewhere), headers=admin)
    assert taken.status_code == 409, taken.text
    user = accounts.get_user(stack.engine, elsewhere)
    assert user is not None and user.display_name == "zajety"


# ---------------------------------------------------------------- fields a caller may not set
OPEN = {"definition": "model-wsparcia", "client": {"name": "Klientka Pola"}}


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        pytest.param("/cases", "POST", {**OPEN, "coordinator_id": "someone-else"}, id="open-coordinator_id"),
        pytest.param("/cases", "POST", {**OPEN, "unit_id": "unit-elsewhere"}, id="open-unit_id"),
        pytest.param("/cases", "POST", {**OPEN, "unit": "unit-elsewhere"}, id="open-unit"),
        pytest.param("/cases", "POST", {**OPEN, "role": "supervisor"}, id="open-role"),
        pytest.param("/cases", "POST", {**OPEN, "roles": ["supervisor"]}, id="open-roles"),
        pytest.param("/cases", "POST", {**OPEN, "id": "my-own-case-id"}, id="open-id"),
        pytest.param("/cases", "POST", {**OPEN, "stage": "employment"}, id="open-stage"),
        pytest.param("/cases", "POST", {**OPEN, "status": "closed"}, id="open-status"),
        pytest.param("/cases", "POST", {**OPEN, "actor": "someone-else"}, id="open-actor"),
        pytest.param(
            "/cases", "POST", {**OPEN, "client": {"name": "X", "unit_id": "unit-elsewhere"}}, id="open-client-unit_id"
        ),
        pytest.param(
            "/cases/{case}/transitions", "POST", {"trigger": "advance", "actor": "someone-else"}, id="move-actor"
        ),
        pytest.param(
            "/cases/{case}/transitions", "POST", {"trigger": "advance", "coordinator_id": "x"}, id="move-coordinator_id"
        ),
        pytest.param(
            "/cases/{case}/visits",
            "POST",
            {"occurred_at": "2026-01-05T10:00:00+01:00", "duration_minutes": 60, "counted": True},
            id="visit-counted",
        ),
        pytest.param(
            "/cases/{case}/facts/diagnosis", "PUT", {"value": {"situation": True}, "name": "help_plan"}, id="fact-name"
        ),
        pytest.param(
            "/cases/{case}/pause", "POST", {"reason": "hospital", "unit_id": "unit-elsewhere"}, id="pause-unit_id"
        ),
        pytest.param("/cases/{case}/close", "POST", {"outcome": "transferred", "roles": ["admin"]}, id="close-roles"),
        pytest.param(
            "/cases/{case}/coordinator", "PUT", {"coordinator": "x", "unit_id": "unit-elsewhere"}, id="assign-unit_id"
        ),
        pytest.param("/auth/token", "POST", {"username": "x", "password": "y", "roles": ["admin"]}, id="token-roles"),
        pytest.param(
            "/partners", "POST", {"name": "P", "kind": "therapy", "sector": "public", "id": "mine"}, id="partner-id"
        ),
    ],
)
async def test_a_field_the_caller_may_not_set_is_422_never_applied(
    stack: Stack, place: Place, path: str, method: str, body: dict[str, Any]
) -> None:
    if path == "/cases":
        body = {**body, "coordinator": stack.login_of(place.unit)}
    r = await stack.http.request(
        method, API + path.format(case=place.case["id"]), json=body, headers=stack.headers(place.unit)
    )
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_request", detail
    assert "Extra inputs are not permitted" in detail["message"], detail
    await _unchanged(stack, place)  # nothing was applied


async def test_a_partner_of_another_unit_cannot_be_added(stack: Stack) -> None:
    unit = new_unit()
    _, admin = _admin(stack, unit)
    body = {"name": "Fundacja Obca", "kind": "therapy", "sector": "non_public", "unit_id": "unit-elsewhere"}
    r = await stack.http.post(f"{API}/partners", json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "forbidden_field"
    mine = await stack.http.post(f"{API}/partners", json={**body, "unit_id": None}, headers=admin)
    assert mine.status_code == 201 and mine.json()["unit_id"] == unit, mine.text


# ---------------------------------------------------------------- no-store everywhere
async def test_every_answer_says_no_store(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit)
    _, admin = _admin(stack, unit)
    signed_in = stack.headers(unit)
    answers = {
        "healthz": await stack.http.get(f"{API}/healthz"),
        "token 200": await _login(stack, stack.login_of(unit)),
        "token 401": await _login(stack, "nobody", "nothing-at-all"),
        "token 422": await stack.http.post(f"{API}/auth/token", json={"username": ""}),
        "case 200": await stack.http.get(f"{API}/cases/{case['id']}", headers=signed_in),
        "case 404": await stack.http.get(f"{API}/cases/{uuid.uuid4().hex}", headers=signed_in),
        "cases 401": await stack.http.get(f"{API}/cases"),
        "cases 403": await stack.http.get(f"{API}/cases", headers=admin),
        "move 422": await stack.transition(case["id"], unit=unit),
        "malformed 400": await stack.http.post(
            f"{API}/cases", content=b"{not json", headers={**signed_in, "Content-Type": "application/json"}
        ),
        "no route 404": await stack.http.get(f"{API}/no-such-route", headers=signed_in),
        "method 405": await stack.http.delete(f"{API}/cases", headers=signed_in),
        "too large 413": await stack.http.post(f"{API}/cases", content=b"x" * (MAX_BODY_BYTES + 1), headers=signed_in),
        "csv": await stack.http.get(f"{API}/audit/stalled", params={"format": "csv"}, headers=signed_in),
        "openapi": await stack.http.get("/openapi.json"),
    }
    statuses = {name: r.status_code for name, r in answers.items()}
    for name, r in answers.items():
        expected = int(name.split()[-1]) if name.split()[-1].isdigit() else 200
        assert r.status_code == expected, (name, statuses, r.text[:300])
        assert r.headers.get("cache-control") == "no-store", (name, dict(r.headers))
        if r.status_code >= 400:
            detail = r.json()["detail"]
            assert set(detail) >= {"code", "message"}, (name, detail)


# ---------------------------------------------------------------- no personal data in URLs
PERSONAL = re.compile(r"name|surname|address|street|phone|mobile|pesel|email|mail|birth", re.IGNORECASE)
# A fact's name is a code of the pathway definition ("diagnosis"), pinned to one by a pattern.
CODES_NAMED_LIKE_PERSONAL_DATA = {("/api/v1/cases/{case_id}/facts/{name}", "name")}


async def test_no_route_takes_personal_data_in_its_url(stack: Stack) -> None:
    paths = (await stack.http.get("/openapi.json")).json()["paths"]
    found = []
    for path, item in paths.items():
        segments = re.findall(r"\{([^}]+)\}", path)
        for operation in item.values():
            params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] in ("path", "query")}
            for name in set(segments) | set(params):
                if not PERSONAL.search(name):
                    continue
                pattern = params.get(name, {}).get("schema", {}).get("pattern")
                if (path, name) in CODES_NAMED_LIKE_PERSONAL_DATA and pattern and not re.search(pattern, "Ewa Nowak"):
                    continue  # a code: cannot hold a person's name (no spaces)
                found.append(f"{path} {name} (pattern {pattern!r})")
    assert not found, f"parameters named like personal data in URLs: {found}"
    assert any("facts/{name}" in p for p in paths), "the route the exception is for still exists"


async def test_a_fact_name_in_the_url_is_a_code(stack: Stack, place: Place) -> None:
    r = await stack.fact(place.case["id"], "Ewa Nowak ul. Ukryta 13", True, unit=place.unit)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "invalid_request"
    await _unchanged(stack, place)


# ---------------------------------------------------------------- request size and types
async def test_a_2_mib_json_body_is_413(stack: Stack) -> None:
    unit = new_unit()
    body = {**OPEN, "coordinator": stack.login_of(unit), "note": "x" * (2 * 1024 * 1024)}
    r = await stack.http.post(f"{API}/cases", json=body, headers=stack.headers(unit))
    assert r.status_code == 413, r.text
    assert r.json()["detail"]["code"] == "payload_too_large"
    assert str(MAX_BODY_BYTES) in r.json()["detail"]["message"]
    assert (await stack.http.get(f"{API}/cases", headers=stack.supervisor(unit))).json()["count"] == 0
    # Refused before anything reads it: the same without signing in.
    anonymous = await stack.http.post(f"{API}/cases", json=body)
    assert anonymous.status_code == 413 and anonymous.json()["detail"]["code"] == "payload_too_large"


async def test_a_chunked_body_over_the_limit_is_413(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit)
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the middleware has to count
        nonlocal sent
        yield b'{"trigger": "advance", "note": "'
        for _ in range(48):
            sent += 64 * 1024
            yield b"x" * (64 * 1024)
        yield b'"}'

    r = await stack.http.post(
        f"{API}/cases/{case['id']}/transitions",
        content=chunks(),
        headers={**stack.headers(unit), "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert r.status_code == 413, r.text
    assert r.json()["detail"]["code"] == "payload_too_large"
    assert r.headers["cache-control"] == "no-store"
    assert sent <= MAX_BODY_BYTES + 128 * 1024, sent  # refused as it streamed in, not after reading it all
    assert (await stack.get_case(case["id"], unit=unit))["history"] == case["history"]


async def _raw_reader(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI app that reads the whole body itself (no FastAPI handler to turn the
    limit's exception into an answer): the middleware has to answer."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(size).encode()})


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
async def test_the_limit_answers_itself_when_no_handler_does(chunked: bool) -> None:
    app = BodySizeLimit(_raw_reader, max_bytes=100)

    async def body(n: int) -> AsyncIterator[bytes]:
        for _ in range(n):
            yield b"x" * 30

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://limits") as client:
        small = await client.post("/", content=body(3) if chunked else b"x" * 90)
        assert small.status_code == 200 and small.text == "90"
        exact = await client.post("/", content=b"x" * 100)
        assert exact.status_code == 200 and exact.text == "100"
        big = await client.post("/", content=body(4) if chunked else b"x" * 101)
        assert big.status_code == 413, big.text
        assert big.json() == {
            "detail": {"code": "payload_too_large", "message": "the request body is larger than 100 bytes"}
        }
        assert big.headers["cache-control"] == "no-store"


async def test_a_chunked_body_under_the_limit_goes_through(stack: Stack) -> None:
    unit = new_unit()
    case = await stack.open_case(unit=unit)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"occurred_at": "' + datetime.now(UTC).isoformat().encode() + b'",'
        yield b' "duration_minutes": 60, "kind": "home"}'

    r = await stack.http.post(
        f"{API}/cases/{case['id']}/visits",
        content=chunks(),
        headers={**stack.headers(unit), "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text


async def test_a_body_just_under_the_limit_is_not_413(stack: Stack) -> None:
    unit = new_unit()
    body = {**OPEN, "coordinator": stack.login_of(unit), "note": "x" * (MAX_BODY_BYTES - 1024)}
    r = await stack.http.post(f"{API}/cases", json=body, headers=stack.headers(unit))
    assert r.status_code == 422, r.text  # read, then refused by the note's own limit
    assert "note" in r.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        pytest.param(
            "/cases/{case}/visits",
            {"occurred_at": "2026-01-05T10:00:00+01:00", "duration_minutes": "ninety"},
            "duration_minutes",
            id="int-as-text",
        ),
        pytest.param(
            "/cases/{case}/visits",
            {"occurred_at": "yesterday", "duration_minutes": 60},
            "occurred_at",
            id="bad-datetime",
        ),
        pytest.param(
            "/cases/{case}/visits",
            {"occurred_at": "2026-01-05T10:00:00", "duration_minutes": 60},
            "occurred_at",
            id="naive-datetime",
        ),
        pytest.param("/cases/{case}/transitions", {"trigger": ["advance"]}, "trigger", id="list-as-text"),
        pytest.param("/cases/{case}/transitions", {"trigger": None}, "trigger", id="null"),
        pytest.param("/cases/{case}/transitions", {"trigger": "advance", "note": 12}, "note", id="number-as-note"),
        pytest.param("/cases/{case}/close", {"outcome": {"code": "x"}}, "outcome", id="object-as-text"),
        pytest.param("/cases/{case}/transitions", ["advance"], "body", id="array-body"),
        pytest.param("/cases/{case}/transitions", "advance", "body", id="string-body"),
    ],
)
async def test_wrong_types_are_422_with_a_message(stack: Stack, place: Place, path: str, body: Any, field: str) -> None:
    r = await stack.http.post(API + path.format(case=place.case["id"]), json=body, headers=stack.headers(place.unit))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "invalid_request" and field in detail["message"] and detail["errors"], detail
    await _unchanged(stack, place)


@pytest.mark.parametrize("path", ["/cases", "/partners", "/cases/{case}/notifications"])
@pytest.mark.parametrize("offset", [10**22, 2**63])
async def test_an_offset_past_any_page_is_422_not_a_500(stack: Stack, place: Place, path: str, offset: int) -> None:
    # Found by test_fuzz: an unbounded offset reached SQLite as an integer it cannot hold.
    r = await stack.http.get(
        API + path.format(case=place.case["id"]), params={"offset": offset}, headers=stack.headers(place.unit)
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "invalid_request" and "offset" in r.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        # Year 1 at +01:00 is year 0 in UTC: the store's conversion overflowed (a 500).
        pytest.param("/cases", {**OPEN, "opened_at": "0001-01-01T00:30:00+01:00"}, "opened_at", id="open-in-year-1"),
        pytest.param("/cases", {**OPEN, "opened_at": "1989-12-31T23:00:00+00:00"}, "opened_at", id="open-before-1990"),
        pytest.param(
            "/cases/{case}/visits",
            {"occurred_at": "0001-01-01T00:00:00+14:00", "duration_minutes": 60},
            "occurred_at",
            id="visit-in-year-1",
        ),
    ],
)
async def test_a_date_before_any_case_is_422_not_a_500(
    stack: Stack, place: Place, path: str, body: dict[str, Any], field: str
) -> None:
    if path == "/cases":
        body = {**body, "coordinator": stack.login_of(place.unit)}
    r = await stack.http.post(API + path.format(case=place.case["id"]), json=body, headers=stack.headers(place.unit))
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "invalid_request" and field in r.json()["detail"]["message"]
    await _unchanged(stack, place)


async def test_a_partner_capacity_past_any_number_is_422_not_a_500(stack: Stack, place: Place) -> None:
    body = {
        "name": "Zakład Aktywności Zawodowej",
        "kind": "employer",
        "sector": "public",
        "internship_capacity": 10**20,
    }
    r = await stack.http.post(f"{API}/partners", json=body, headers=place.admin)
    assert r.status_code == 422, r.text
    assert "internship_capacity" in r.json()["detail"]["message"]
    ok = await stack.http.post(f"{API}/partners", json={**body, "internship_capacity": 12}, headers=place.admin)
    assert ok.status_code == 201 and ok.json()["internship_capacity"] == 12, ok.text


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        pytest.param("text/plain", b'{"trigger": "advance"}', id="text-plain"),
        pytest.param("application/x-www-form-urlencoded", b"trigger=advance", id="form"),
        pytest.param(
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="trigger"\r\n\r\nadvance\r\n--xyz--\r\n',
            id="multipart",
        ),
        pytest.param("application/xml", b"<trigger>advance</trigger>", id="xml"),
        pytest.param("application/json", b"\xff\xfe not utf-8", id="not-utf8"),
        pytest.param("application/json", b"", id="empty"),
        pytest.param(None, b'{"trigger": "advance"}', id="no-content-type"),
    ],
)
async def test_a_body_that_is_not_json_is_a_4xx_not_a_500(
    stack: Stack, place: Place, content_type: str | None, content: bytes
) -> None:
    headers = stack.headers(place.unit)
    if content_type is not None:
        headers["Content-Type"] = content_type
    r = await stack.http.post(f"{API}/cases/{place.case['id']}/transitions", content=content, headers=headers)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert set(r.json()["detail"]) >= {"code", "message"}
    await _unchanged(stack, place)
