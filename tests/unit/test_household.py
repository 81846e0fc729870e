"""The household in the pure core: the roles a pathway allows, birth years, members joining
and leaving (ids only), who was present at a visit, and the family assistant's checklist item
"contact with all family members" checked against the members recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import Ids  # noqa: F401  (the ids fixture is in tests/unit/conftest.py)

from pathway.app.catalog import Catalog, load_blocks, load_file
from pathway.core import household
from pathway.core.case import Case
from pathway.core.commands import Advance, ChangeHousehold, Close, RecordVisit, SetFact
from pathway.core.definition import parse_definition
from pathway.core.errors import DefinitionError, GuardUnmet, IllegalMove, InvalidCommand
from pathway.core.events import HouseholdChanged, VisitRecorded

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Catalog.load(ROOT / "definitions")
CATALOG_BLOCKS = load_blocks(ROOT / "definitions")
OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LATER = OPENED + timedelta(days=2)
# The family diagnosis done, every item but the one about the whole family.
DIAGNOSIS_BUT_MEMBERS = {"housing": True, "finances": True, "health": True, "legal": True}
CONTRACT = {"signed_on": "2026-03-02", "family_members": 3}


def family_case(ids: Ids) -> Case:
    """A family assistant's case in its diagnosis stage."""
    entry = CATALOG.get("asystent-rodziny")
    assert entry is not None
    case = Case.open(
        case_id="case-1",
        definition=entry.snapshot,
        coordinator_id="coord-1",
        unit_id="unit-1",
        now=OPENED,
        actor="coord-1",
        command_id="open-1",
    )
    case.apply(SetFact(command_id=ids(), actor="coord-1", name="contract", value=CONTRACT), OPENED)
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)
    assert case.state.stage == "diagnosis"
    return case


def change(case: Case, ids: Ids, added: list[str] = [], removed: list[str] = []) -> list:  # noqa: B006
    return case.apply(ChangeHousehold(command_id=ids(), actor="coord-1", added=added, removed=removed), LATER)


def visit(case: Case, ids: Ids, present: list[str]) -> list:
    command = RecordVisit(
        command_id=ids(), actor="coord-1", occurred_at=LATER, duration_minutes=90, present_member_ids=present
    )
    return case.apply(command, LATER)


def tick_all(case: Case, ids: Ids) -> list:
    value = {**DIAGNOSIS_BUT_MEMBERS, "all_members_met": True}
    return case.apply(SetFact(command_id=ids(), actor="coord-1", name="diagnosis", value=value), LATER)


# ------------------------------------------------------------------ roles and birth years
def test_the_family_assistant_declares_the_family_roles_and_not_the_violence_ones() -> None:
    entry = CATALOG.get("asystent-rodziny")
    assert entry is not None and entry.definition.version == 4
    assert household.allowed_roles(entry.definition) == ("parent", "child", "partner", "other_adult")


def test_a_violence_pathway_that_declares_none_gets_the_violence_roles_too() -> None:
    entry = CATALOG.get("model-wsparcia")
    assert entry is not None and entry.definition.household_roles is None
    roles = household.allowed_roles(entry.definition)
    assert "using_violence" in roles and "experiencing_violence" in roles and "child" in roles


def test_a_pathway_without_the_violence_act_gets_only_the_family_roles() -> None:
    entry = CATALOG.get("wychodzenie-z-bezdomnosci")
    assert entry is not None
    assert household.allowed_roles(entry.definition) == household.DEFAULT_ROLES


def test_a_definition_naming_an_unknown_role_is_refused_naming_the_path() -> None:
    text = (ROOT / "definitions" / "asystent-miedzykulturowy.yaml").read_text("utf-8")
    text = text.replace("\nstages:", "\nhousehold_roles: [parent, uncle]\nstages:", 1)
    with pytest.raises(DefinitionError) as refused:
        parse_definition(text, "x.yaml", CATALOG_BLOCKS)
    assert any(p.path == "household_roles" and "uncle" in p.message for p in refused.value.problems)


@pytest.mark.parametrize(
    ("year", "wrong"), [(2027, "future"), (2026, None), (1906, None), (1905, "120 years"), (3000, "future")]
)
def test_a_birth_year_in_the_future_or_absurdly_far_back_is_wrong(year: int, wrong: str | None) -> None:
    problem = household.birth_year_problem(year, 2026)
    assert (problem is None) if wrong is None else (problem is not None and wrong in problem)


def test_a_member_using_violence_may_never_receive_anything() -> None:
    assert not household.may_receive("using_violence")
    assert all(household.may_receive(r) for r in household.ROLES if r != "using_violence")


# ------------------------------------------------------------------ members joining and leaving
def test_members_join_and_leave_by_id_and_the_event_carries_ids_and_the_count(ids: Ids) -> None:
    case = family_case(ids)
    events = change(case, ids, added=["m-1", "m-2"])
    assert case.state.household == ["m-1", "m-2"]
    assert [(e.added, e.members) for e in events if isinstance(e, HouseholdChanged)] == [(["m-1", "m-2"], 2)]
    change(case, ids, removed=["m-1"])
    assert case.state.household == ["m-2"]
    assert case.view(LATER).household == ["m-2"]


def test_a_member_added_twice_or_removed_without_being_one_is_refused(ids: Ids) -> None:
    case = family_case(ids)
    change(case, ids, added=["m-1"])
    with pytest.raises(InvalidCommand) as twice:
        change(case, ids, added=["m-1"])
    assert twice.value.details["field"] == "added"
    with pytest.raises(InvalidCommand) as stranger:
        change(case, ids, removed=["m-9"])
    assert stranger.value.details["field"] == "removed"
    assert case.state.household == ["m-1"]


def test_a_member_id_that_is_not_an_id_never_reaches_a_command() -> None:
    with pytest.raises(ValueError, match="member id"):
        ChangeHousehold(command_id="c", actor="a", added=["Anna Kowalska"])


def test_a_closed_case_takes_no_new_member(ids: Ids) -> None:
    case = family_case(ids)
    outcome = next(iter(case.definition.outcomes))
    case.apply(Close(command_id=ids(), actor="coord-1", outcome=outcome), LATER)
    with pytest.raises(IllegalMove):
        change(case, ids, added=["m-1"])


# ------------------------------------------------------------------ visits and "all members met"
def test_a_visit_records_the_members_present_by_id(ids: Ids) -> None:
    case = family_case(ids)
    change(case, ids, added=["m-1", "m-2"])
    events = visit(case, ids, ["m-1"])
    recorded = [e for e in events if isinstance(e, VisitRecorded)]
    assert recorded[0].present_member_ids == ["m-1"]
    assert case.state.members_met == ["m-1"]


def test_a_visit_naming_someone_outside_the_household_is_refused_naming_the_field(ids: Ids) -> None:
    case = family_case(ids)
    change(case, ids, added=["m-1"])
    with pytest.raises(InvalidCommand) as refused:
        visit(case, ids, ["m-7"])
    assert refused.value.details["field"] == "present_member_ids"
    assert case.state.visits_total == 0


def test_all_members_met_cannot_be_ticked_while_a_member_was_never_present(ids: Ids) -> None:
    case = family_case(ids)
    change(case, ids, added=["m-1", "m-2"])
    visit(case, ids, ["m-1"])
    with pytest.raises(InvalidCommand) as refused:
        tick_all(case, ids)
    assert refused.value.details == {
        "fact": "diagnosis",
        "item": "all_members_met",
        "members_unmet": 1,
        "member_ids": ["m-2"],
    }
    visit(case, ids, ["m-2"])
    tick_all(case, ids)
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), LATER)
    assert case.state.stage == "plan"


def test_a_member_added_after_the_tick_blocks_the_move_until_met(ids: Ids) -> None:
    case = family_case(ids)
    tick_all(case, ids)  # no member recorded yet: the client alone is the family
    change(case, ids, added=["m-3"])
    with pytest.raises(GuardUnmet) as refused:
        case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), LATER)
    assert "1 household member(s) not yet present" in refused.value.failures[0].reason
    assert any(b.trigger == "advance" for b in case.view(LATER).blocked)
    visit(case, ids, ["m-3"])
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), LATER)
    assert case.state.stage == "plan"


def test_a_member_who_left_is_no_longer_expected(ids: Ids) -> None:
    case = family_case(ids)
    change(case, ids, added=["m-1", "m-2"])
    visit(case, ids, ["m-1"])
    change(case, ids, removed=["m-2"])
    tick_all(case, ids)
    assert case.state.facts["diagnosis"]["all_members_met"] is True


def test_the_previous_version_keeps_its_checklist_unchecked_against_members() -> None:
    """A running case on version 2 keeps its snapshot: its item is ticked as before."""
    v2 = load_file(ROOT / "definitions" / "versions" / "asystent-rodziny-v2.yaml", CATALOG_BLOCKS)
    assert v2.version == 2
    assert all(item.requires is None for item in v2.facts["diagnosis"].items.values())
