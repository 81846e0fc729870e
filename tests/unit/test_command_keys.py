"""Claiming an idempotency key (``store/command_keys.claim``) on both stores: the first claim
is this command's; a second finds the first, says it was not claimed now, and leaves it as
it was. (psycopg's rowcount for INSERT .. ON CONFLICT DO NOTHING is -1 either way, so on
PostgreSQL every claim once looked fresh: a refused retry could give back a key its first
command had used.)"""

from __future__ import annotations

from sqlalchemy import Engine

from pathway.store import command_keys


def claim(engine: Engine, command: str, fingerprint: str) -> tuple[command_keys.CommandKey, bool]:
    return command_keys.claim(
        engine, unit_id="u1", key="k-1", actor="coord-1", case_id="c-1", command=command, fingerprint=fingerprint
    )


def test_the_first_claim_is_fresh_and_a_second_finds_it(store_engine: Engine) -> None:
    engine = store_engine
    first, fresh = claim(engine, "advance", "f-1")
    assert fresh and (first.command, first.fingerprint, first.actor) == ("advance", "f-1", "coord-1")
    again, fresh_again = claim(engine, "record_visit", "f-2")
    assert not fresh_again
    assert (again.command, again.fingerprint) == ("advance", "f-1"), "the first command's record"
    found = command_keys.find(engine, unit_id="u1", key="k-1")
    assert found is not None and found.fingerprint == "f-1"
    assert found.created_at == first.created_at, "what the claim answered is what was stored"
