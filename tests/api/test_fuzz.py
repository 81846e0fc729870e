"""Schema-driven fuzzing of the whole API with schemathesis, against the real stack.

Every operation of ``/openapi.json`` gets a bounded number of generated requests, valid ones
(positive) and invalid ones (negative), sent signed in as a coordinator (one run), as a
supervisor (another) and as an admin (users, the resource map, definition migrations: the
routes the other two only get a 403 from). Two checks hold for every answer:

- ``not_a_server_error``: bad input is a 4xx, never a 500;
- ``response_schema_conformance``: the answer matches what the OpenAPI document says for
  its status (errors included: ``{"detail": {"code", "message", ...}}``);
- ``positive_data_acceptance``, for the requests generated valid by the document: the
  server does not refuse them for a reason of shape (a 400/422 whose code is a validation
  code: ``invalid_request``, ``malformed_json``, ``invalid_idempotency_key``...). A refusal of
  meaning (an unknown definition, an unmet guard, a date in the future) is the API's to give
  and the document's to list, not to prevent.

schemathesis generates the cases (hypothesis; derandomized, so a run is reproducible, unless
FUZZ_RANDOM=1; FUZZ_SCALE=N multiplies the number of examples). They are sent through the
stack's async httpx client, because the app shares the test's event loop with the Temporal
client (schemathesis' own ASGI client runs the app on a loop of its own). Half the ids in
paths are replaced by real ones of the signed-in user's unit (a case, its client, a user, a
partner, the definition), so requests reach the code behind "not found"; half the generated
Idempotency-Key headers are replaced by valid keys, so bodies get past the key's check.

Failures are collected over all operations and reported together, each with the request
sent and the answer."""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from apistack import PASSWORD, Stack, new_unit
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance, response_schema_conformance

from pathway.security import accounts

pytestmark = pytest.mark.integration

BASE_URL = "http://test"
# A deeper, fresh hunt, locally: FUZZ_SCALE=10 FUZZ_RANDOM=1 pytest tests/api/test_fuzz.py -s
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
POSITIVE_EXAMPLES = 15
NEGATIVE_EXAMPLES = 10
# The codes of refusals for shape, not meaning (pathway/api/errors.py and the dependencies).
SHAPE_CODES = {"invalid_request", "malformed_json", "invalid_idempotency_key", "payload_too_large", "http_error"}


def valid_by_schema_is_not_refused_for_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, for refusals of shape only (see above)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Exception:
        try:
            code = response.json()["detail"]["code"]
        except (ValueError, KeyError, TypeError):
            code = None
        if code not in SHAPE_CODES:
            return None
        raise


def not_a_server_error_unless_unready(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' not_a_server_error, but readiness's documented 503: the probe saying
    which dependency did not answer in time (on a loaded machine the test server's health RPC
    can fail once) is its answer, not a server error; its shape is still checked."""
    if (case.method.upper(), case.path) == ("GET", "/api/v1/readyz") and response.status_code == 503:
        body = response.json()
        if body.get("status") == "unavailable" and any(v != "ok" for v in body.get("checks", {}).values()):
            return None
    return not_a_server_error(ctx, response, case)


CHECKS = [not_a_server_error_unless_unready, response_schema_conformance, valid_by_schema_is_not_refused_for_shape]
# Signing out with the fuzzing token would turn the rest of the run into 401s: logout is
# fuzzed with a token of its own, made for each request.
OWN_TOKEN_PER_REQUEST = {("POST", "/api/v1/auth/logout"), ("DELETE", "/api/v1/auth/session")}
# Signing in verifies an argon2 hash (slow by design, ~0.1-0.4 s here): fewer examples.
EXAMPLES = {("POST", "/api/v1/auth/token"): (6, 6), ("POST", "/api/v1/auth/session"): (6, 6)}


def _cases(operation: Any, mode: GenerationMode, count: int) -> list[Any]:
    """``count`` cases of ``operation`` drawn by hypothesis (no shrinking: nothing fails here)."""
    drawn: list[Any] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max(1, round(count * SCALE)),
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def draw(case: Any) -> None:
        drawn.append(case)

    try:
        draw()
    except Unsatisfiable:  # nothing to get wrong (no parameters, no body): no negative cases
        assert mode is GenerationMode.NEGATIVE, operation
    return drawn


def _operations(stack: Stack) -> Iterator[Any]:
    schema = schemathesis.openapi.from_dict(stack.app.openapi())
    for result in schema.get_all_operations():
        yield result.ok()


def _request(case: Any, token: str) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    headers = {k: v for k, v in kwargs["headers"].items() if k.lower() not in ("authorization", "cookie")}
    headers["Authorization"] = f"Bearer {token}"
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": headers,
        "params": kwargs.get("params") or None,
    }
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    elif "data" in kwargs:
        data = kwargs["data"]
        request["content"] = data.encode() if isinstance(data, str) else data
    return request


async def _fuzz(stack: Stack, login: str, real: dict[str, list[str]]) -> None:
    """Fuzz every operation signed in as ``login``; ``real`` holds real values of path ids."""
    token, _ = accounts.login(stack.engine, user_id=login, password=PASSWORD)
    rng = random.Random(20240611)
    failures: dict[str, str] = {}
    counts: dict[str, int] = {}
    started = time.monotonic()
    slowest: dict[str, float] = {}
    for operation in _operations(stack):
        label = f"{operation.method.upper()} {operation.path}"
        op_started = time.monotonic()
        positive, negative = EXAMPLES.get(
            (operation.method.upper(), operation.path), (POSITIVE_EXAMPLES, NEGATIVE_EXAMPLES)
        )
        cases = _cases(operation, GenerationMode.POSITIVE, positive) + _cases(
            operation, GenerationMode.NEGATIVE, negative
        )
        for case in cases:
            for name in case.path_parameters:
                if name in real and rng.random() < 0.5:
                    case.path_parameters[name] = rng.choice(real[name])
            if "idempotency-key" in case.headers and rng.random() < 0.5:
                case.headers["idempotency-key"] = uuid.uuid4().hex  # else most commands stop at its 400
            own = token
            if (operation.method.upper(), operation.path) in OWN_TOKEN_PER_REQUEST:
                own, _ = accounts.login(stack.engine, user_id=login, password=PASSWORD)
            request = _request(case, own)
            try:
                response = await stack.http.request(**request)
            except httpx.HTTPError as exc:  # the transport itself failed: as bad as a 500
                failures.setdefault(f"{label}: {type(exc).__name__}", f"{exc}\n{request}")
                continue
            finally:
                stack.http.cookies.clear()  # a session cookie (POST /auth/session) must not sign later tests in
            counts[f"{response.status_code}"] = counts.get(f"{response.status_code}", 0) + 1
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:  # one exception per distinct problem of this answer
                for failure in group.exceptions:
                    key = f"{label} -> {response.status_code}: {failure.code} {failure.title}"
                    failures.setdefault(key, f"{failure.message}\nrequest: {request}\nanswer: {response.text[:2000]}")
        slowest[label] = time.monotonic() - op_started
    elapsed = time.monotonic() - started
    top = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(slowest.items(), key=lambda kv: -kv[1])[:5])
    print(f"fuzzed as {login} in {elapsed:.1f} s; statuses {dict(sorted(counts.items()))}; slowest: {top}")
    assert not failures, f"{len(failures)} distinct failure(s):\n\n" + "\n\n".join(
        f"=== {key}\n{detail}" for key, detail in sorted(failures.items())
    )
    # The token survived the run (nothing fuzzed signed it out or broke the account).
    assert accounts.authenticate(stack.engine, token) is not None


async def _world(stack: Stack, role: str) -> tuple[str, dict[str, list[str]]]:
    """A unit of its own (two cases of its coordinator, a partner): the login of its
    ``role``, and the real values of the ids the routes take."""
    unit = new_unit()
    stack.supervisor(unit)
    admin = stack.headers(unit, "admin-api", roles=("admin",))
    r = await stack.http.post(
        "/api/v1/partners", json={"name": "Fundacja Fuzz", "kind": "therapy", "sector": "non_public"}, headers=admin
    )
    assert r.status_code == 201, r.text
    cases = [await stack.open_case(unit=unit) for _ in range(2)]
    if role == "coordinator":
        login = stack.login_of(unit)  # the cases' coordinator
    else:
        stack.user(unit, f"{role}-api", (role,))
        login = stack.login_of(unit, f"{role}-api")
    real = {
        "case_id": [c["id"] for c in cases],
        "client_id": [c["client"]["id"] for c in cases if c.get("client")],
        "user_id": [stack.login_of(unit), login],
        "partner_id": [r.json()["id"]],
        "definition_id": ["model-wsparcia"],
    }
    return login, real


@pytest.mark.parametrize("role", ["coordinator", "supervisor", "admin"])
async def test_fuzz_every_operation(stack: Stack, role: str) -> None:
    login, real = await _world(stack, role)
    await _fuzz(stack, login, real)
