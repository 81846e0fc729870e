"""The household: the people a case works with besides the client, and the roles they may
have (pure).

A definition declares the roles its household may have (``household_roles``). A pathway that
declares none gets ``DEFAULT_ROLES`` (parent, child, partner, other adult), and one run on the
domestic-violence act also the two roles of that act (experiencing / using violence), so a
violence pathway can record the perpetrator as a member without a definition change.

A member using violence is never a recipient of anything: nothing is ever sent to them or to
their contacts, as nothing is ever sent to the perpetrator's contacts recorded on the client
(``pathway.core.sharing.perpetrator_match``). Only ids and counts of members reach a
workflow; names, schools and contacts stay sealed in the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathway.core.legal_basis import DOMESTIC_VIOLENCE_ACT

if TYPE_CHECKING:
    from pathway.core.definition import Definition

PARENT = "parent"
CHILD = "child"
PARTNER = "partner"
OTHER_ADULT = "other_adult"
EXPERIENCING_VIOLENCE = "experiencing_violence"
USING_VIOLENCE = "using_violence"

ROLES: tuple[str, ...] = (PARENT, CHILD, PARTNER, OTHER_ADULT, EXPERIENCING_VIOLENCE, USING_VIOLENCE)
DEFAULT_ROLES: tuple[str, ...] = (PARENT, CHILD, PARTNER, OTHER_ADULT)
VIOLENCE_ROLES: tuple[str, ...] = (EXPERIENCING_VIOLENCE, USING_VIOLENCE)
# Roles whose people are never told anything, nor anyone at their contacts.
NEVER_RECIPIENT: frozenset[str] = frozenset({USING_VIOLENCE})
# Roles for whom a school or kindergarten is recorded.
SCHOOL_ROLES: frozenset[str] = frozenset({CHILD})

# A birth year further back than this many years is a typing error, not a person.
MAX_AGE_YEARS = 120
# At most this many members in one household (a guard against runaway input).
MAX_MEMBERS = 30
# The checklist item requirement that every member recorded was present at a visit.
ALL_MEMBERS_MET = "all_members_met"


def allowed_roles(definition: Definition) -> tuple[str, ...]:
    """The roles a case of ``definition`` may give a household member."""
    if definition.household_roles is not None:
        return tuple(definition.household_roles)
    if DOMESTIC_VIOLENCE_ACT in (definition.legal_bases or []):
        return DEFAULT_ROLES + VIOLENCE_ROLES
    return DEFAULT_ROLES


def may_receive(role: str) -> bool:
    """Whether a member of ``role`` may ever be told anything."""
    return role not in NEVER_RECIPIENT


def birth_year_problem(year: int, this_year: int) -> str | None:
    """What is wrong with ``year`` as a birth year in ``this_year`` (None: nothing)."""
    if year > this_year:
        return f"the birth year {year} is in the future"
    if year < this_year - MAX_AGE_YEARS:
        return f"the birth year {year} is more than {MAX_AGE_YEARS} years ago"
    return None


def age_in(birth_year: int, year: int) -> int:
    """The age a person born in ``birth_year`` reaches in ``year`` (the year alone is known)."""
    return max(year - birth_year, 0)


def unmet(household: list[str], met: list[str]) -> list[str]:
    """The members of ``household`` not yet present at any visit, in the household's order."""
    seen = set(met)
    return [member for member in household if member not in seen]
