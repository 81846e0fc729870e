"""Seeding ``pathway up --demo`` with the example data of :mod:`pathway.runtime.demo_data`:
a small resource map, accounts for each role, and cases of every pathway in different
stages, one of them overdue.

Everything goes through the HTTP API, in process (``httpx.ASGITransport`` against
:func:`pathway.api.app.create_app`), so the demo obeys every rule a coordinator does:
guards, idempotency keys, notes kept out of Temporal. Only the partners are written with
:func:`pathway.store.queries.create_partner` directly — the function behind
``POST /partners`` — because the demo needs fixed ids and the API picks its own.

Running it again adds nothing twice:

- partners have fixed ids and are skipped when present;
- cases are opened with fixed ``Idempotency-Key`` headers, so the API derives the same case
  id (from actor and key) and answers 200 with the existing case;
- each case is moved on from wherever it is now: a step is made only while the case is
  still in the stage that step leaves (``expected_stage`` guards against a race), and a
  closed case is left alone.

All names are fictional (the town of "Przykładowo" does not exist). Logs carry ids only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import structlog

from pathway.runtime.demo_data import (
    DEFINITION,
    DEMO_CASES,
    DEMO_CONSENTS,
    DEMO_OTHER_CASES,
    DEMO_PARTNERS,
    DEMO_PASSWORD,
    DEMO_UNIT,
    DEMO_USERS,
    MAIN_PATH,
    DemoCase,
    DemoPathwayCase,
    booked_visit_at,
    facts_to_leave,
    support_plan,
)
from pathway.security import accounts
from pathway.store import queries
from pathway.store.models import PartnerCreate

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from temporalio.client import Client

    from pathway.config import Settings

__all__ = ["DemoError", "seed_demo"]

log = structlog.get_logger(__name__)


# ----------------------------------------------------------------------------- seeding
class DemoError(RuntimeError):
    """The API refused a demo step (the message has the status and the error code)."""


class _Api:
    """The API as one signed-in coordinator sees it."""

    def __init__(self, http: httpx.AsyncClient, actor: str, token: str) -> None:
        self.http = http
        self.actor = actor
        self.auth = {"Authorization": f"Bearer {token}"}

    async def open_once(self, slug: str, body: dict[str, Any]) -> httpx.Response:
        """Open the demo case ``slug``, or find it when a run before opened it: its id is the
        one the API derives from the coordinator and the fixed key, so a second run (on any
        day, with opening dates that moved with it) asks for it instead of sending the key
        again with another body, which the API refuses."""
        key = f"demo:{slug}:open"
        case_id = queries.case_id_for_key(actor=self.actor, key=key, unit_id=DEMO_UNIT)
        found = await self.http.get(f"/cases/{case_id}", headers=self.auth)
        if found.status_code == 200:
            return found
        return await self.send("POST", "/cases", key=key, json=body)

    async def send(self, method: str, path: str, *, key: str, json: Any = None) -> httpx.Response:
        """One demo step, with its fixed key. A step done by an earlier run (on another day its
        dates differ, so the API refuses the key for another body) is left as it was done."""
        response = await self.http.request(method, path, json=json, headers={**self.auth, "Idempotency-Key": key})
        if response.status_code not in (200, 201):
            try:
                detail = response.json().get("detail", {})
            except ValueError:
                detail = {}
            code = detail.get("code", "") if isinstance(detail, dict) else ""
            if code == "idempotency_key_reused":
                log.info("demo_step_done_before", key=key)
                return response
            raise DemoError(f"{method} {path}: {response.status_code} {code}")
        return response

    async def call(self, method: str, path: str, *, key: str, json: Any = None) -> dict[str, Any]:
        answer: dict[str, Any] = (await self.send(method, path, key=key, json=json)).json()
        return answer


def _seed_partners(engine: Engine, vault: Any = None) -> list[str]:
    from sqlmodel import Session

    added: list[str] = []
    # With the vault in the session, each partner's signing key is stored sealed.
    with Session(engine, info={"vault": vault} if vault is not None else {}) as session:
        for p in DEMO_PARTNERS:
            if queries.get_partner(session, partner_id=p.id) is not None:
                continue
            queries.create_partner(
                session,
                partner=PartnerCreate(
                    unit_id=DEMO_UNIT,
                    name=p.name,
                    kind=p.kind,
                    sector=p.sector,  # type: ignore[arg-type]
                    services=list(p.services),
                    email=p.email,
                    internship_capacity=p.internship_capacity,
                    data_scope=list(p.scope),
                ),
                partner_id=p.id,
            )
            added.append(p.id)
    return added


async def _seed_case(api: _Api, spec: DemoCase, now: datetime, tz: str) -> tuple[str, bool, list[str]]:
    """Open (or find) the case and move it on to its target. Returns (id, opened now, moves made)."""
    body: dict[str, Any] = {
        "definition": DEFINITION,
        "coordinator": spec.coordinator,
        "client": {"name": spec.client_name, "address": "ul. Przykładowa 1, 00-000 Przykładowo"},
    }
    if spec.opened_days_ago:
        body["opened_at"] = (now - timedelta(days=spec.opened_days_ago)).isoformat()
    # The same key every run: the API derives the case id from it (and the coordinator), so a
    # second run finds the case (200) instead of opening another one (201).
    response = await api.open_once(spec.slug, body)
    case = response.json()
    case_id, opened = case["id"], response.status_code == 201
    moves: list[str] = []
    if case["status"] == "closed":
        return case_id, opened, moves

    today = now.astimezone(UTC).date()
    target = MAIN_PATH.index(spec.target)
    for partner_id in DEMO_CONSENTS:  # giving it again keeps the consent in force
        await api.call(
            "POST",
            f"/cases/{case_id}/consents",
            key=f"demo:{spec.slug}:consent:{partner_id}",
            json={"partner_id": partner_id},
        )
    # A visit yesterday keeps the weekly cadence green for the next six days.
    if spec.visit and case["visits_total"] == 0 and case["status"] == "active":
        await api.call(
            "POST",
            f"/cases/{case_id}/visits",
            key=f"demo:{spec.slug}:visit",
            json={"occurred_at": (now - timedelta(days=1)).isoformat(), "duration_minutes": 90, "kind": "home"},
        )
        moves.append("visit")
    while case["stage"] in MAIN_PATH and MAIN_PATH.index(case["stage"]) < target and case["status"] == "active":
        stage = case["stage"]
        for name, value in facts_to_leave(stage, today):
            if case["facts"].get(name) != value:
                case = await api.call(
                    "PUT",
                    f"/cases/{case_id}/facts/{name}",
                    key=f"demo:{spec.slug}:{stage}:{name}",
                    json={"value": value},
                )
        if stage == "plan":  # the structured plan the move to therapy needs (plan_complete)
            await api.call("PUT", f"/cases/{case_id}/plan", key=f"demo:{spec.slug}:plan", json=support_plan(today))
        case = await api.call(
            "POST",
            f"/cases/{case_id}/transitions",
            key=f"demo:{spec.slug}:{stage}:advance",
            json={"trigger": "advance", "expected_stage": stage},
        )
        moves.append(f"{stage}->{case['stage']}")
    if spec.book_visit and case["status"] == "active":
        at = booked_visit_at(now, tz)
        await api.call(
            "POST", f"/cases/{case_id}/appointments", key=f"demo:{spec.slug}:book", json={"at": at.isoformat()}
        )
        moves.append("book")
    if spec.close and case["status"] != "closed" and case["stage"] == spec.target:
        case = await api.call(
            "POST",
            f"/cases/{case_id}/close",
            key=f"demo:{spec.slug}:close",
            # the demo's client ends still looking for work (the status at exit, sealed in the store)
            json={"outcome": spec.close, "exit_status": "registered_unemployed"},
        )
        moves.append(f"close:{spec.close}")
    return case_id, opened, moves


async def _seed_pathway_case(api: _Api, spec: DemoPathwayCase, now: datetime) -> tuple[str, bool, list[str]]:
    response = await api.open_once(
        spec.slug,
        {
            "definition": spec.definition,
            "coordinator": spec.coordinator,
            "client": {"name": spec.client_name, "address": "ul. Przykładowa 2, 00-000 Przykładowo"},
            "opened_at": (now - timedelta(days=3)).isoformat(),
        },
    )
    case = response.json()
    case_id, opened, done = case["id"], response.status_code == 201, []
    today = now.astimezone(UTC).date()
    members, present = await _seed_members(api, spec, case_id, today)
    await api.call(
        "POST",
        f"/cases/{case_id}/visits",
        key=f"demo:{spec.slug}:visit",
        json={
            "occurred_at": (now - timedelta(days=1)).isoformat(),
            "duration_minutes": 90,
            "kind": spec.visit_kind,
            "present_member_ids": present,
        },
    )
    for i, (kind, name, value) in enumerate(spec.steps):
        if kind == "fact":
            await api.call(
                "PUT", f"/cases/{case_id}/facts/{name}", key=f"demo:{spec.slug}:{i}", json={"value": value(today)}
            )
        elif kind == "plan":
            await api.call("PUT", f"/cases/{case_id}/plan", key=f"demo:{spec.slug}:{i}", json=value(today, members))
        else:
            await api.call("POST", f"/cases/{case_id}/transitions", key=f"demo:{spec.slug}:{i}", json={"trigger": name})
        done.append(f"{kind}:{name}")
    return case_id, opened, done


async def _seed_members(api: _Api, spec: DemoPathwayCase, case_id: str, today: date) -> tuple[list[str], list[str]]:
    """The case's household (each member once: fixed keys); the ids of all of them, and of
    those present at the visit."""
    members: list[str] = []
    present: list[str] = []
    for i, m in enumerate(spec.members):
        body = {"role": m.role, "name": m.name, "birth_year": today.year - m.age}
        response = await api.send(
            "POST", f"/cases/{case_id}/members", key=f"demo:{spec.slug}:member:{i}", json=body | {"school": m.school}
        )
        member_id = response.json().get("id")  # none: added by a run in another year, left as it was
        if member_id:
            members.append(member_id)
        if m.present and member_id:
            present.append(member_id)
    return members, present


def _seed_users(engine: Engine) -> list[str]:
    added = []
    for user_id, display_name, roles in DEMO_USERS:
        if accounts.get_user(engine, user_id) is None:
            accounts.create_user(
                engine,
                user_id=user_id,
                display_name=display_name,
                unit_id=DEMO_UNIT,
                roles=list(roles),
                password=DEMO_PASSWORD,
            )
            added.append(user_id)
    return added


async def seed_demo(settings: Settings, client: Client, engine: Engine) -> None:
    """Add the demo partners and cases (see the module docstring); safe to run again."""
    from pathway.runtime.asgi import create_app

    app = create_app(settings, client=client, engine=engine)
    if app.state.services.catalog.get(DEFINITION) is None:
        log.warning("demo_skipped", reason=f"no definition '{DEFINITION}' in {settings.resolved_definitions_dir}")
        return

    partners = _seed_partners(engine, app.state.services.vault)
    log.info("demo_partners", added=partners, present=len(DEMO_PARTNERS) - len(partners))
    users = _seed_users(engine)
    log.info("demo_users", added=users, present=len(DEMO_USERS) - len(users))

    transport = httpx.ASGITransport(app=app)
    now = datetime.now(UTC)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo/api/v1", timeout=60) as http:
        failed: list[str] = []
        for spec in DEMO_CASES:
            try:
                # each coordinator opens and moves their own cases, as they would
                token = accounts.login(engine, user_id=spec.coordinator, password=DEMO_PASSWORD)[0]
                api = _Api(http, spec.coordinator, token)
                case_id, opened, moves = await _seed_case(api, spec, now, settings.tz)
            except DemoError as exc:  # one case refused: seed the others, then say so
                log.warning("demo_case_failed", slug=spec.slug, error=str(exc))
                failed.append(spec.slug)
                continue
            log.info("demo_case", case_id=case_id, slug=spec.slug, opened=opened, moves=moves, target=spec.target)
        for other in DEMO_OTHER_CASES:
            try:
                token = accounts.login(engine, user_id=other.coordinator, password=DEMO_PASSWORD)[0]
                api = _Api(http, other.coordinator, token)
                case_id, opened, moves = await _seed_pathway_case(api, other, now)
            except DemoError as exc:
                log.warning("demo_case_failed", slug=other.slug, error=str(exc))
                failed.append(other.slug)
                continue
            log.info(
                "demo_case", case_id=case_id, slug=other.slug, opened=opened, moves=moves, definition=other.definition
            )
    if failed:
        raise DemoError(f"demo cases not seeded: {', '.join(failed)}")
