"""Two people racing for the last place: an employer's last internship place, taken by two
coordinators' placements sent at the same moment. One gets it, the other is refused: the
check and the hold happen under the employer's lock (pathway/store/reservations.py), not
as a read of the projection followed by a command that lands a moment later (which let
both through)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from apistack import Stack, new_unit

pytestmark = [pytest.mark.integration, pytest.mark.both_stores]

API = "/api/v1"
ROUNDS = 4


async def _employer(stack: Stack, unit: str, capacity: int) -> dict[str, Any]:
    r = await stack.http.post(
        f"{API}/partners",
        json={
            "name": "Piekarnia Jedno Miejsce",
            "kind": "employer",
            "sector": "private",
            "internship_capacity": capacity,
        },
        headers=stack.headers(unit, "admin-race", roles=("admin",)),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_two_placements_racing_for_the_last_internship_place_one_is_refused(stack: Stack) -> None:
    for _ in range(ROUNDS):
        unit = new_unit()
        employer = await _employer(stack, unit, capacity=1)
        first, second = [await stack.open_case(unit=unit) for _ in range(2)]
        answers = await asyncio.gather(
            *(stack.fact(c["id"], "placement", {"partner_id": employer["id"]}, unit=unit) for c in (first, second))
        )
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        [refused] = [a for a in answers if a.status_code == 409]
        assert refused.json()["detail"]["code"] == "no_internship_capacity"
        shown = (await stack.http.get(f"{API}/partners/{employer['id']}", headers=stack.headers(unit))).json()
        assert (shown["places_in_use"], shown["places_free"]) == (1, 0)


async def test_a_refused_placement_gives_its_hold_back(stack: Stack) -> None:
    """A placement the workflow refuses (here: on a closed case) does not keep the place."""
    unit = new_unit()
    employer = await _employer(stack, unit, capacity=1)
    closed, other = [await stack.open_case(unit=unit) for _ in range(2)]
    r = await stack.http.post(
        f"{API}/cases/{closed['id']}/close",
        json={"outcome": "dropped_out", "exit_status": "inactive"},
        headers=stack.headers(unit, key="c1"),
    )
    assert r.status_code == 200, r.text
    refused = await stack.fact(closed["id"], "placement", {"partner_id": employer["id"]}, unit=unit)
    assert refused.status_code == 409, refused.text
    taken = await stack.fact(other["id"], "placement", {"partner_id": employer["id"]}, unit=unit)
    assert taken.status_code == 200, taken.text
