"""The stalled audit's statement is built once per shape and run again with new values
(``stalled_ask``, ``prepared``): an audit after another, whatever it changes (the day, the
filters, the rule, the limits), must answer what it answers on its own, with no statement
kept; and one asked again must not be built again. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session
from test_audit_days import DEFINITIONS, FAMILY, MODEL, NOWS, engine, fill  # noqa: F401 - engine: the fixture

from pathway.core.calendar import Duration
from pathway.readmodels import stalled as audit
from pathway.readmodels.stalled_ask import audit_ask
from pathway.store.models import Case
from pathway.store.tables import table_of

NOW = NOWS[0]  # a Tuesday
# FAMILY with other limits, under the same id: the catalog changed.
STRICTER = FAMILY.model_copy(update={"inactivity_alert": Duration(amount=3, unit="working_days")})
# The two definitions' limits swapped: the same limits in the catalog, each on the other's cases.
LIMITS = ("escalation", "pause", "inactivity_alert")
SWAPPED = {
    MODEL.id: MODEL.model_copy(update={name: getattr(FAMILY, name) for name in LIMITS}),
    FAMILY.id: FAMILY.model_copy(update={name: getattr(MODEL, name) for name in LIMITS}),
}

# Two audits each, one after the other: what the second changes. The first two change only
# values (the same shape: a day later, Wednesday, makes as many ranges a limit as Tuesday);
# every other one changes the statement.
SECOND_AFTER_FIRST: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "the day (same shape)": ({"now": NOW}, {"now": NOW + timedelta(days=1)}),
    "the unit (same shape)": ({"unit_id": "u"}, {"unit_id": "u2"}),
    "the coordinator (same shape)": ({"coordinator_id": "c"}, {"coordinator_id": "c2"}),
    "the day (other ranges)": ({"now": NOW}, {"now": NOW + timedelta(days=2)}),
    "a unit filter": ({}, {"unit_id": "u2"}),
    "a coordinator filter": ({}, {"coordinator_id": "c2"}),
    "the definition": ({"definition_id": MODEL.id}, {"definition_id": FAMILY.id}),
    "the definition, not in the catalog": ({"definition_id": "retired"}, {"definition_id": "gone"}),
    "the rule": ({"rule": "inactive"}, {"rule": "paused_too_long"}),
    "the inactive days": ({"rule": "inactive", "inactive_days": 12}, {"rule": "inactive", "inactive_days": 40}),
    # 21 days: MODEL's own limit, so no range the audit computes is new.
    "inactive days as long as a limit": ({"rule": "inactive"}, {"rule": "inactive", "inactive_days": 21}),
    "the limits": ({}, {"definitions": {MODEL.id: MODEL, FAMILY.id: STRICTER}}),
    "the limits, swapped": ({}, {"definitions": SWAPPED}),
}


def run(store: Engine, **kw: Any) -> list[audit.StalledRow]:
    asked: dict[str, Any] = {"now": NOW, "definitions": DEFINITIONS} | kw
    with Session(store) as s:
        return audit.stalled(s, **asked)


@pytest.fixture
def store(engine: Engine) -> Engine:  # noqa: F811 - the fixture imported above
    fill(engine, NOW, seed=11)
    cases = table_of(Case)
    with engine.begin() as conn:  # other units and coordinators for a third of the cases each
        conn.execute(update(cases).where(cases.c.id.like("%1")).values(unit_id="u2"))
        conn.execute(update(cases).where(cases.c.id.like("%2")).values(coordinator_id="c2"))
    return engine


@pytest.mark.parametrize("change", SECOND_AFTER_FIRST)
def test_an_audit_after_another_answers_as_on_its_own(store: Engine, change: str) -> None:
    first_asked, second_asked = SECOND_AFTER_FIRST[change]
    audit._PREPARED.clear()
    first = run(store, **first_asked)
    second = run(store, **second_asked)  # with the first one's statement kept
    audit._PREPARED.clear()
    alone = run(store, **second_asked)
    assert second == alone
    assert first != second and (first or second)  # the change matters to the answer


def test_the_cases_above_are_the_shapes_they_say() -> None:
    def key(**kw: Any) -> Any:
        asked: dict[str, Any] = {"now": NOW, "definitions": DEFINITIONS, "unit_id": None, "coordinator_id": None} | kw
        asked |= {"definition_id": None, "rule": None, "inactive_days": None} | kw
        return audit_ask(asked.pop("now"), asked.pop("definitions"), **asked).key

    for change, (first, second) in SECOND_AFTER_FIRST.items():
        assert (key(**first) == key(**second)) is change.endswith("(same shape)"), change


def test_an_audit_asked_again_is_not_built_again(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    statement = audit._statement

    def counted(*a: Any, **kw: Any) -> Any:
        built.append(a)
        return statement(*a, **kw)

    monkeypatch.setattr(audit, "_statement", counted)
    audit._PREPARED.clear()
    first = run(store)
    assert run(store) == first and run(store, now=NOW + timedelta(days=1))
    assert len(built) == 1
    run(store, unit_id="u2")
    assert len(built) == 2
