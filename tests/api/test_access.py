"""Who may call what: the whole route table, walked with every kind of caller.

The routes come from the app's own OpenAPI document, so a route added later is walked too,
and the walk fails until the route is classified in ``EXPECT`` below (and, if it takes a
body, given one in ``BODIES``).

``EXPECT`` is written out by hand from the rules of ``pathway.security.policy`` (its
docstring and ROLE_ACTIONS), deliberately not computed from them: a change of the policy
must show up here as a failing test, not silently move the expectation with it.

- OK: the call is allowed: anything but 401/403/404 and never a 5xx (a refused move, 409
  or 422, is an allowed call that the pathway refused);
- 401: not signed in (no token, a made-up, expired or revoked one), with
  ``WWW-Authenticate: Bearer``; every route but the public ones;
- 403: signed in, but the role may not do this;
- 404: the thing exists but is not the caller's to see (another unit's, a colleague's
  case): the answer is exactly that of an id that does not exist, so nothing leaks."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from apistack import DIAGNOSIS_DONE, PASSWORD, Stack, new_unit
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine

from pathway.security import accounts
from pathway.security.identity import IdentityVault

pytestmark = pytest.mark.integration

PREFIX = "/api/v1"
OK = "ok"
PUBLIC = frozenset({("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/auth/token"), ("POST", "/auth/session")})
# Partners, not staff, call these: signed with the partner's webhook key, never with a staff
# token. Without a valid signature everyone gets the same 401, signed in or not.
PARTNER_SIGNED = frozenset({("POST", "/callbacks/referrals/{referral_id}")})
# A calendar feed is read by a phone's calendar, not signed in: its secret URL is the key.
# A made-up one is "not found" for everyone, signed in or not.
SECRET_URL = frozenset({("GET", "/calendar/{token}.ics")})
# They end the session they are called with: called with a fresh token of the same caller.
SIGNS_OUT = frozenset({("POST", "/auth/logout"), ("DELETE", "/auth/session")})

# The signed-in callers, in the order of the columns of EXPECT:
#   coord      a coordinator, on a case assigned to them
#   colleague  the same coordinator, on a colleague's case (same unit)
#   sup        a supervisor of the unit
#   admin      an admin of the unit
#   o_coord, o_sup, o_admin   a coordinator / supervisor / admin of ANOTHER unit
SIGNED_IN = ("coord", "colleague", "sup", "admin", "o_coord", "o_sup", "o_admin")
# Callers without a live token: none, a made-up one, one past its expiry, one signed out.
SIGNED_OUT = ("anonymous", "forged", "expired", "revoked")

ALL_OK = (OK,) * 7
# A case the caller may not see is "not found" whatever the role: the admin, who reads no
# case, gets the same 404 on a real case id as on a made-up one (the 404 check below).
CASE_READ = (OK, 404, OK, 404, 404, 404, 404)  # read a case: its coordinator, the unit's supervisors
CASE_ACT = (OK, 404, 403, 404, 404, 404, 404)  # moves, visits, facts, pause, close: its coordinator only
ADMIN_ONLY = (403, 403, 403, OK, 403, 403, OK)
CASE_WORK = (OK, OK, OK, 403, OK, OK, 403)  # lists and opening: people who work with cases

EXPECT: dict[tuple[str, str], tuple[Any, ...]] = {
    #                                             coord colleague sup  admin o_coord o_sup o_admin
    ("POST", "/auth/token"): ALL_OK,
    ("POST", "/auth/logout"): ALL_OK,
    ("POST", "/auth/session"): ALL_OK,  # a browser's sign-in (cookie)
    ("DELETE", "/auth/session"): ALL_OK,
    ("GET", "/auth/me"): ALL_OK,
    ("GET", "/users"): ADMIN_ONLY,
    ("POST", "/users"): ADMIN_ONLY,
    # another unit's user is "not found" for that unit's admin
    ("POST", "/users/{user_id}/disable"): (403, 403, 403, OK, 403, 403, 404),
    ("POST", "/users/{user_id}/enable"): (403, 403, 403, OK, 403, 403, 404),
    ("POST", "/cases"): CASE_WORK,
    ("GET", "/cases"): CASE_WORK,
    ("GET", "/cases/{case_id}"): CASE_READ,
    ("POST", "/cases/{case_id}/transitions"): CASE_ACT,
    ("POST", "/cases/{case_id}/visits"): CASE_ACT,
    ("PUT", "/cases/{case_id}/facts/{name}"): CASE_ACT,
    ("POST", "/cases/{case_id}/pause"): CASE_ACT,
    ("POST", "/cases/{case_id}/resume"): CASE_ACT,
    ("POST", "/cases/{case_id}/close"): CASE_ACT,
    # reassigning is a supervisor's decision; a colleague's case stays "not found"
    ("PUT", "/cases/{case_id}/coordinator"): (403, 404, OK, 404, 404, 404, 404),
    ("GET", "/cases/{case_id}/notifications"): CASE_READ,
    # the case's notes read back: its coordinator and the unit's supervisors (issue 14)
    ("GET", "/cases/{case_id}/notes"): CASE_READ,
    # the case's papers (PDF): like reading the case
    # the case's plan: read like the notes (its words are personal data), changed like the case
    ("GET", "/cases/{case_id}/plan"): CASE_READ,
    ("PUT", "/cases/{case_id}/plan"): CASE_ACT,
    ("POST", "/cases/{case_id}/plan/actions/{action_id}/status"): CASE_ACT,
    ("GET", "/cases/{case_id}/documents"): CASE_READ,
    ("GET", "/cases/{case_id}/documents/{kind}.pdf"): CASE_READ,
    # the client's consent to share with a partner: given and withdrawn by the case's coordinator
    ("POST", "/cases/{case_id}/consents"): CASE_ACT,
    ("GET", "/cases/{case_id}/consents"): CASE_READ,
    ("POST", "/cases/{case_id}/consents/{consent_id}/withdraw"): CASE_ACT,
    # referrals: made and answered by the case's coordinator; the partner answers by signed callback
    ("POST", "/cases/{case_id}/referrals"): CASE_ACT,
    ("GET", "/cases/{case_id}/referrals"): CASE_READ,
    ("POST", "/cases/{case_id}/referrals/{referral_id}/answer"): CASE_ACT,
    # the household (issue 14): read like the case, changed by its coordinator
    ("GET", "/cases/{case_id}/members"): CASE_READ,
    ("POST", "/cases/{case_id}/members"): CASE_ACT,
    ("PATCH", "/cases/{case_id}/members/{member_id}"): CASE_ACT,
    ("DELETE", "/cases/{case_id}/members/{member_id}"): CASE_ACT,
    ("POST", "/callbacks/referrals/{referral_id}"): (401,) * 7,
    # booked visits: booked, moved and cancelled by the case's coordinator
    ("POST", "/cases/{case_id}/appointments"): CASE_ACT,
    ("GET", "/cases/{case_id}/appointments"): CASE_READ,
    ("PUT", "/cases/{case_id}/appointments/{appointment_id}"): CASE_ACT,
    ("DELETE", "/cases/{case_id}/appointments/{appointment_id}"): CASE_ACT,
    ("GET", "/definitions"): ALL_OK,
    ("GET", "/definitions/{definition_id}"): ALL_OK,
    # moving the unit's running cases to a definition's current version: managing definitions
    ("POST", "/definitions/{definition_id}/migrations"): ADMIN_ONLY,
    ("GET", "/audit/stalled"): CASE_WORK,
    ("GET", "/audit/verify"): (403, 403, OK, OK, 403, OK, OK),
    ("GET", "/partners"): ALL_OK,
    ("POST", "/partners"): ADMIN_ONLY,
    # a partner of another unit's resource map is "not found"
    ("GET", "/partners/{partner_id}"): (OK, OK, OK, OK, 404, 404, 404),
    ("POST", "/codec/encode"): (403, 403, OK, OK, 403, OK, OK),
    ("POST", "/codec/decode"): (403, 403, OK, OK, 403, OK, OK),
    # erasing a client (GDPR): a supervisor of the client's unit only
    ("POST", "/clients/{client_id}/erase"): (403, 403, OK, 403, 403, 404, 403),
    ("GET", "/healthz"): ALL_OK,
    ("GET", "/readyz"): ALL_OK,
    # caseloads: a coordinator gets their own row, a supervisor the unit's
    ("GET", "/caseloads"): CASE_WORK,
    # moving a coordinator's cases is a supervisor's decision; another unit's coordinator is "not found"
    ("POST", "/caseloads/reassign"): (403, 403, OK, 403, 403, 404, 403),
    # outcome reports: supervisors, of their own unit
    ("GET", "/reports/funnel"): (403, 403, OK, 403, 403, OK, 403),
    ("GET", "/reports/funnel.svg"): (403, 403, OK, 403, 403, OK, 403),
    ("GET", "/reports/time-in-stage.svg"): (403, 403, OK, 403, 403, OK, 403),
    ("GET", "/reports/forecast"): (403, 403, OK, 403, 403, OK, 403),
    ("GET", "/reports/forecast.svg"): (403, 403, OK, 403, 403, OK, 403),
    ("GET", "/reports/outcomes"): (403, 403, OK, 403, 403, OK, 403),
    ("GET", "/reports/outcomes.svg"): (403, 403, OK, 403, 403, OK, 403),
    # the client's profile and outcomes (issue 14): read like the case, the status after exit
    # recorded by the case's coordinator
    ("GET", "/cases/{case_id}/profile"): CASE_READ,
    ("PUT", "/cases/{case_id}/profile/follow-up"): CASE_ACT,
    # a person's own inbox, notice choice and calendar feed: everyone signed in has their own
    ("GET", "/inbox"): ALL_OK,
    ("POST", "/inbox/read"): ALL_OK,
    ("POST", "/inbox/{item_id}/read"): (404,) * 7,  # a made-up item: nobody's
    ("GET", "/me/notifications"): ALL_OK,
    ("PUT", "/me/notifications"): ALL_OK,
    ("POST", "/me/calendar"): ALL_OK,
    ("DELETE", "/me/calendar"): ALL_OK,  # after the POST above (FIRST)
    ("GET", "/calendar/{token}.ics"): (404,) * 7,
}

# Run first: the checklist done, so that the move after it is made, not refused.
FIRST = [("PUT", "/cases/{case_id}/facts/{name}"), ("POST", "/me/calendar")]
# Run last, in this order: they end something the other calls need (the case, the token).
LAST = [
    ("POST", "/caseloads/reassign"),
    ("PUT", "/cases/{case_id}/coordinator"),
    ("POST", "/cases/{case_id}/close"),
    ("POST", "/clients/{client_id}/erase"),
]
# Path parameters that name something: on a 404 the answer must equal that for a made-up id.
ID_PARAMS = ("case_id", "user_id", "partner_id", "client_id")


@dataclass
class World:
    """Two units: U with two coordinators, a supervisor and an admin (and a user to disable,
    one to sign in as, a partner), and V with a coordinator, a supervisor and an admin."""

    unit: str
    other: str
    logins: dict[str, str]  # caller -> login
    partner: str  # a partner of U's resource map
    victim: str  # a user of U that admins disable and enable
    prober: str  # a user of U that POST /auth/token signs in
    engine: Engine
    vault: IdentityVault

    def token(self, caller: str) -> str:
        """A fresh token of the caller (each walk has its own; signing out gets another one)."""
        raw, _ = accounts.login(self.engine, user_id=self.logins[caller], password=PASSWORD)
        return raw


@pytest_asyncio.fixture(scope="module")
async def world(stack: Stack) -> AsyncIterator[World]:
    unit, other = new_unit(), new_unit()
    people = {
        "coord": (unit, "coord-a", ["coordinator"]),
        "coordb": (unit, "coord-b", ["coordinator"]),
        "sup": (unit, "sup", ["supervisor"]),
        "admin": (unit, "admin", ["admin"]),
        "victim": (unit, "victim", ["coordinator"]),
        "prober": (unit, "prober", ["coordinator"]),
        "o_coord": (other, "coord-x", ["coordinator"]),
        "o_sup": (other, "sup-y", ["supervisor"]),
        "o_admin": (other, "admin-z", ["admin"]),
    }
    logins: dict[str, str] = {}
    for caller, (in_unit, name, roles) in people.items():
        login = f"{name}.{in_unit}"
        accounts.create_user(
            stack.engine, user_id=login, display_name=name, unit_id=in_unit, roles=roles, password=PASSWORD
        )
        logins[caller] = login
    logins["colleague"] = logins["coord"]
    admin, _ = accounts.login(stack.engine, user_id=logins["admin"], password=PASSWORD)
    r = await stack.http.post(
        f"{PREFIX}/partners",
        json={"name": "Fundacja Dostępu", "kind": "therapy", "sector": "non_public"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert r.status_code == 201, r.text
    yield World(
        unit=unit,
        other=other,
        logins=logins,
        partner=r.json()["id"],
        victim=logins["victim"],
        prober=logins["prober"],
        engine=stack.engine,
        vault=stack.vault,
    )


async def _open(stack: Stack, world: World, coordinator: str) -> dict[str, Any]:
    """A case of unit U assigned to ``coordinator``, opened by U's supervisor."""
    sup = world.token("sup")
    r = await stack.http.post(
        f"{PREFIX}/cases",
        headers={"Authorization": f"Bearer {sup}"},
        json={
            "definition": "model-wsparcia",
            "coordinator": world.logins[coordinator],
            "client": {"name": f"Klientka Dostępu {uuid.uuid4().hex[:6]}"},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


@dataclass
class Target:
    caller: str
    case: dict[str, Any]  # the case the caller's case routes name
    world: World

    @property
    def coordinator_of_caller_unit(self) -> str:
        """Whom the caller may open a case for: themselves if a coordinator, else a coordinator of their unit."""
        return {
            "o_sup": self.world.logins["o_coord"],
            "o_admin": self.world.logins["o_coord"],
            "o_coord": self.world.logins["o_coord"],
        }.get(self.caller, self.world.logins["coord"])


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _tomorrow() -> str:
    return (datetime.now(UTC) + timedelta(days=1)).isoformat()


# A minimal valid body per route that takes one (functions of the caller's target).
BODIES: dict[tuple[str, str], Callable[[Target], Any]] = {
    ("POST", "/auth/token"): lambda t: {"username": t.world.prober, "password": PASSWORD},
    ("POST", "/auth/session"): lambda t: {"username": t.world.prober, "password": PASSWORD},
    ("POST", "/users"): lambda t: {
        "id": f"new-{uuid.uuid4().hex[:12]}",
        "display_name": "Nowa Osoba",
        "roles": ["coordinator"],
        "password": PASSWORD,
    },
    ("POST", "/cases"): lambda t: {
        "definition": "model-wsparcia",
        "coordinator": t.coordinator_of_caller_unit,
        "client": {"name": f"Klient {uuid.uuid4().hex[:6]}"},
    },
    ("POST", "/cases/{case_id}/transitions"): lambda t: {"trigger": "advance"},
    ("POST", "/cases/{case_id}/visits"): lambda t: {"occurred_at": _now(), "duration_minutes": 60, "kind": "home"},
    ("PUT", "/cases/{case_id}/facts/{name}"): lambda t: {"value": DIAGNOSIS_DONE},
    ("POST", "/cases/{case_id}/pause"): lambda t: {"reason": "hospital"},
    ("POST", "/cases/{case_id}/close"): lambda t: {"outcome": "transferred", "exit_status": "inactive"},
    ("PUT", "/cases/{case_id}/profile/follow-up"): lambda t: {"status": "employed"},
    # to the other coordinator of the unit (run late: the case is then no longer coord's)
    ("PUT", "/cases/{case_id}/coordinator"): lambda t: {
        "coordinator": t.world.logins["coordb" if t.case["coordinator"] == t.world.logins["coord"] else "coord"]
    },
    # the caller's case only, to the other coordinator of unit U
    ("POST", "/caseloads/reassign"): lambda t: {
        "from": t.case["coordinator"],
        "cases": [t.case["id"]],
        "to": [t.world.logins["coordb" if t.case["coordinator"] == t.world.logins["coord"] else "coord"]],
    },
    ("POST", "/partners"): lambda t: {
        "name": "Spółdzielnia Socjalna Próba",
        "kind": "employer",
        "sector": "non_public",
    },
    ("POST", "/cases/{case_id}/consents"): lambda t: {"partner_id": t.world.partner},
    ("POST", "/cases/{case_id}/referrals"): lambda t: {"partner_id": t.world.partner, "service": "therapy"},
    ("POST", "/cases/{case_id}/referrals/{referral_id}/answer"): lambda t: {"answer": "accepted"},
    ("POST", "/callbacks/referrals/{referral_id}"): lambda t: {"answer": "accepted"},
    ("POST", "/cases/{case_id}/appointments"): lambda t: {"at": _tomorrow(), "kind": "home"},
    ("PUT", "/cases/{case_id}/appointments/{appointment_id}"): lambda t: {"at": _tomorrow(), "kind": "home"},
    ("POST", "/cases/{case_id}/members"): lambda t: {"role": "child", "name": "Ola Dostępu", "birth_year": 2015},
    ("PATCH", "/cases/{case_id}/members/{member_id}"): lambda t: {"school": "Szkoła Podstawowa nr 3"},
    ("POST", "/definitions/{definition_id}/migrations"): lambda t: {"mapping": {}, "dry_run": True},
    ("PUT", "/me/notifications"): lambda t: {"channel": "inbox"},
    ("PUT", "/cases/{case_id}/plan"): lambda t: {"goals": []},
    ("POST", "/cases/{case_id}/plan/actions/{action_id}/status"): lambda t: {"status": "done"},
    ("POST", "/codec/encode"): lambda t: {"payloads": []},
    ("POST", "/codec/decode"): lambda t: {"payloads": []},
}


PATH_PARAMS = frozenset(
    {
        "case_id",
        "client_id",
        "user_id",
        "partner_id",
        "definition_id",
        "name",
        "consent_id",
        "referral_id",
        "appointment_id",
        "item_id",
        "token",
        "kind",
        "action_id",
        "member_id",
    }
)


def _path_values(t: Target) -> dict[str, str]:
    return {
        "case_id": t.case["id"],
        "client_id": (t.case.get("client") or {}).get("id", ""),
        "user_id": t.world.victim,
        "partner_id": t.world.partner,
        "definition_id": "model-wsparcia",
        "name": "diagnosis",
        "consent_id": _consent(t),
        "referral_id": "walk-" + t.case["id"],
        "appointment_id": "walk-" + t.case["id"],
        "item_id": "987654321",
        "token": "made-up-" + "x" * 40,
        "kind": "consent",
        "action_id": "walk-action",
        "member_id": _member(t),
    }


def _consent(t: Target) -> str:
    """A consent on the target case (given in the store: the walk itself may not give one)."""
    from sqlmodel import Session

    from pathway.store import consents

    with Session(t.world.engine) as session:
        return consents.give_consent(session, case_id=t.case["id"], partner_id=t.world.partner, actor="test").id


def _member(t: Target) -> str:
    """A household member of the target case (stored directly: the walk itself may not add one)."""
    from sqlmodel import Session

    from pathway.store import household

    with Session(t.world.engine) as session:
        return household.add_member(
            session,
            vault=t.world.vault,
            member_id=uuid.uuid4().hex,
            case_id=t.case["id"],
            role="child",
            birth_year=2016,
            who=household.MemberIdentity(name="Dziecko Dostępu"),
            actor="test",
        ).id


def _routes(stack: Stack) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path under /api/v1, operation) of the OpenAPI document; LAST ones last."""
    routes = []
    for path, item in stack.app.openapi()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                routes.append((method.upper(), path.removeprefix(PREFIX), operation))
    order = {**{key: -1 for key in FIRST}, **{key: 1 + i for i, key in enumerate(LAST)}}
    return sorted(routes, key=lambda r: order.get((r[0], r[1]), 0))


async def test_every_route_is_classified(stack: Stack) -> None:
    routes = _routes(stack)
    assert routes, "the OpenAPI document lists no route"
    unclassified = [(m, p) for m, p, _ in routes if (m, p) not in EXPECT]
    assert not unclassified, f"classify these routes in EXPECT (and BODIES): {unclassified}"
    no_body = [(m, p) for m, p, op in routes if "requestBody" in op and (m, p) not in BODIES]
    assert not no_body, f"give these routes a minimal body in BODIES: {no_body}"
    params = {p["name"] for _, _, op in routes for p in op.get("parameters", []) if p["in"] == "path"}
    unknown = params - PATH_PARAMS
    assert not unknown, f"give these path parameters a real value in _path_values: {unknown}"
    assert all(len(row) == len(SIGNED_IN) for row in EXPECT.values())
    # Nothing under /api/v1 hides from the document (include_in_schema=False), and so from this walk.
    documented = {(m, PREFIX + p) for m, p, _ in routes}
    hidden = [
        (method, route.path)
        for route in stack.app.routes
        if isinstance(route, APIRoute) and route.path.startswith(PREFIX)
        for method in route.methods
        if (method, route.path) not in documented
    ]
    assert not hidden, f"API routes missing from /openapi.json: {hidden}"


def _dead_token(stack: Stack, world: World, caller: str) -> str | None:
    login = world.logins["coord"]
    if caller == "anonymous":
        return None
    if caller == "forged":
        return "not-a-token-" + uuid.uuid4().hex
    if caller == "expired":  # signed in 13 hours ago: past the 12-hour absolute expiry
        raw, _ = accounts.login(
            stack.engine, user_id=login, password=PASSWORD, now=datetime.now(UTC) - timedelta(hours=13)
        )
        return raw
    raw, _ = accounts.login(stack.engine, user_id=login, password=PASSWORD)
    assert accounts.logout(stack.engine, raw)
    return raw


async def _call(stack: Stack, method: str, path: str, values: dict[str, str], token: str | None, body: Any) -> Any:
    url = PREFIX + path.format(**{k: v for k, v in values.items() if "{" + k + "}" in path})
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method in ("POST", "PUT", "PATCH"):
        headers["Idempotency-Key"] = uuid.uuid4().hex
    try:
        return await stack.http.request(method, url, headers=headers, json=body)
    finally:
        # POST /auth/session sets a session cookie: the shared client must not keep it
        # (every later "anonymous" request would be signed in).
        stack.http.cookies.clear()


@pytest.mark.parametrize("caller", SIGNED_OUT)
async def test_without_a_live_token_every_private_route_is_401(stack: Stack, world: World, caller: str) -> None:
    case = await _open(stack, world, "coord")
    target = Target("coord", case, world)
    token = _dead_token(stack, world, caller)
    values = _path_values(target)
    wrong = []
    for method, path, _operation in _routes(stack):
        body = BODIES[(method, path)](target) if (method, path) in BODIES else None
        r = await _call(stack, method, path, values, token, body)
        if (method, path) in PARTNER_SIGNED:
            if r.status_code != 401 or r.json()["detail"]["code"] != "invalid_signature":
                wrong.append(f"{method} {path}: expected 401 invalid_signature, got {r.status_code} {r.text[:200]}")
            continue
        if (method, path) in SECRET_URL:
            if r.status_code != 404:
                wrong.append(f"{method} {path}: a made-up secret URL, expected 404, got {r.status_code}")
            continue
        if (method, path) in PUBLIC:
            if r.status_code in (401, 403, 404) or r.status_code >= 500:
                wrong.append(f"{method} {path}: public, got {r.status_code} {r.text[:200]}")
            continue
        if r.status_code != 401:
            wrong.append(f"{method} {path}: expected 401, got {r.status_code} {r.text[:200]}")
        elif r.headers.get("www-authenticate") != "Bearer" or r.json()["detail"]["code"] != "unauthorized":
            wrong.append(
                f"{method} {path}: 401 without WWW-Authenticate: Bearer / code unauthorized: {r.headers} {r.text}"
            )
    assert not wrong, f"{caller}:\n" + "\n".join(wrong)


def _normalised(body: Any, ids: dict[str, str]) -> str:
    """The answer with the ids it was asked about replaced by their names."""
    text = json.dumps(body, sort_keys=True)
    for key, value in ids.items():
        text = text.replace(value, "<" + key + ">")
    return text


@pytest.mark.parametrize("caller", SIGNED_IN)
async def test_each_role_gets_what_the_policy_says_on_every_route(stack: Stack, world: World, caller: str) -> None:
    case = await _open(stack, world, "coordb" if caller == "colleague" else "coord")
    target = Target(caller, case, world)
    column = SIGNED_IN.index(caller)
    token = world.token(caller)
    values = _path_values(target)
    assert values["client_id"], case
    wrong, seen = [], []
    for method, path, _operation in _routes(stack):
        assert (method, path) in EXPECT, f"unclassified route {method} {path}: add it to EXPECT"
        expected = EXPECT[(method, path)][column]
        body = BODIES[(method, path)](target) if (method, path) in BODIES else None
        r = await _call(
            stack, method, path, values, world.token(caller) if (method, path) in SIGNS_OUT else token, body
        )
        seen.append(f"{method} {path} {r.status_code} {r.text[:200] if r.status_code >= 400 else ''}")
        where = f"{caller} {method} {path}: expected {expected}, got {r.status_code} {r.text[:300]}"
        if expected == OK:
            if r.status_code in (401, 403, 404) or r.status_code >= 500:
                wrong.append(where)
            continue
        if r.status_code != expected:
            wrong.append(where)
            continue
        detail = r.json()["detail"]
        if expected == 403 and detail["code"] != "forbidden":
            wrong.append(f"{where}: code should be 'forbidden'")
        if expected == 404:
            # Exactly the answer for a made-up id: the caller learns nothing of what exists.
            made_up = {k: uuid.uuid4().hex for k in ID_PARAMS if "{" + k + "}" in path}
            probe = await _call(stack, method, path, {**values, **made_up}, token, body)
            real = {k: values[k] for k in made_up}
            if probe.status_code != 404 or _normalised(r.json(), real) != _normalised(probe.json(), made_up):
                wrong.append(f"{where}: differs from a made-up id's answer {probe.status_code} {probe.text[:300]}")
    assert not wrong, "\n".join(wrong) + "\n\nall answers:\n" + "\n".join(seen)
