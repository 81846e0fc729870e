"""The case's one handler table: every command has a row, an advance evaluates each guard of
its transition once, a view each guard of each move once, and the running-case upgrade
imports the case's clocks without an import circle."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from helpers import Ids, record_plan  # noqa: F401  (the ids fixture is in tests/unit/conftest.py)
from test_case import DIAGNOSIS_DONE, OPENED, advance, open_case, set_fact

from pathway.core import guards
from pathway.core.case import Case
from pathway.core.case.handlers import HANDLERS
from pathway.core.commands import Advance, Command
from pathway.core.errors import GuardUnmet

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def guard_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str | None]]:
    """Every guard evaluation from here on, counted by (guard, fact)."""
    calls: Counter[tuple[str, str | None]] = Counter()
    for name, spec in list(guards.GUARDS.items()):

        def counted(ref: Any, ctx: Any, _evaluate: Any = spec.evaluate) -> Any:
            calls[(ref.guard, ref.fact)] += 1
            return _evaluate(ref, ctx)

        monkeypatch.setitem(guards.GUARDS, name, replace(spec, evaluate=counted))
    return calls


def in_plan(ids: Ids) -> Case:
    case = open_case()
    set_fact(case, ids, "diagnosis", DIAGNOSIS_DONE, OPENED)
    advance(case, ids, "advance", OPENED)
    assert case.state.stage == "plan"
    return case


def test_every_command_type_has_one_row_in_the_table() -> None:
    assert set(HANDLERS) == set(Command.__subclasses__())


def test_an_advance_evaluates_each_guard_of_its_transition_once(
    ids: Ids, guard_calls: Counter[tuple[str, str | None]]
) -> None:
    case = in_plan(ids)
    record_plan(case, ids, NOW)
    set_fact(case, ids, "therapist", {"partner_id": "TH-3", "partner_kind": "therapy"}, NOW)
    guard_calls.clear()
    advance(case, ids, "advance", NOW)
    assert case.state.stage == "therapy"
    assert guard_calls == {("plan_complete", None): 1, ("partner_assigned", "therapist"): 1}


def test_a_refused_advance_evaluates_each_guard_once_too(
    ids: Ids, guard_calls: Counter[tuple[str, str | None]]
) -> None:
    case = in_plan(ids)
    guard_calls.clear()
    with pytest.raises(GuardUnmet):
        case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), NOW)
    assert guard_calls == {("plan_complete", None): 1, ("partner_assigned", "therapist"): 1}
    assert case.state.stage == "plan"


def test_a_view_evaluates_each_guard_of_each_move_once(ids: Ids, guard_calls: Counter[tuple[str, str | None]]) -> None:
    case = in_plan(ids)
    guard_calls.clear()
    view = case.view(NOW)
    moves = [t for t in case.definition.transitions if case.state.stage in t.sources(case.definition)]
    refs = [ref for move in moves if move is not None for ref in move.guards]
    assert refs, "the plan stage has guarded moves"
    assert guard_calls == Counter((ref.guard, ref.fact) for ref in refs)
    assert view.allowed == [] and {(g.guard, g.fact) for g in view.blocked} == {
        ("plan_complete", None),
        ("partner_assigned", "therapist"),
    }


@pytest.mark.parametrize("first", ["pathway.core.migration", "pathway.core.case.clocks", "pathway.core.case"])
def test_the_upgrade_and_the_case_import_in_any_order(first: str) -> None:
    """The running-case upgrade uses the case's public clocks; the case's table uses the upgrade."""
    code = f"import {first}; import pathway.core.migration, pathway.core.case; pathway.core.case.Case"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_subclass_of_a_command_takes_its_row(ids: Ids) -> None:
    """The workflow's update inputs subclass the commands (AdvanceCaseInput is an Advance)."""

    class AdvanceInput(Advance):
        pass

    case = open_case()
    set_fact(case, ids, "diagnosis", DIAGNOSIS_DONE, OPENED)
    case.apply(AdvanceInput(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)
    assert case.state.stage == "plan"
