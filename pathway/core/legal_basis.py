"""The law a pathway definition stands on, and what it allows (pure).

A definition declares the legal bases its work rests on (``legal_bases``) and where its
caseload limit comes from (``caseload_limit_basis``). Two rules follow from them:

- **Consent.** The domestic-violence act (ustawa z dnia 29 lipca 2005 r. o przeciwdziałaniu
  przemocy domowej, art. 9c-9d) lets the Interdisciplinary Team, the police, the court and the
  social welfare centre exchange what the procedure needs without the client's consent, but
  only in the work done on that act's basis: a pathway that does not declare it (homelessness,
  disability assistance, ...) shares nothing with anyone without the client's consent.
- **Caseload limits.** A limit set by law (the family assistant's 15 families, art. 15 ust. 4
  of the 2011 family support act) is *statutory* and cannot be overridden; a limit the centre
  chose is *assumed* and a supervisor may override it with a reason code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from pathway.core.errors import Problem

if TYPE_CHECKING:
    from pathway.core.definition import Definition

DOMESTIC_VIOLENCE_ACT = "domestic_violence_act"
FAMILY_SUPPORT_ACT = "family_support_act"

LEGAL_BASES: dict[str, tuple[str, str]] = {
    # code: (Polish, English)
    DOMESTIC_VIOLENCE_ACT: (
        "ustawa z dnia 29 lipca 2005 r. o przeciwdziałaniu przemocy domowej",
        "Act of 29 July 2005 on counteracting domestic violence",
    ),
    FAMILY_SUPPORT_ACT: (
        "ustawa z dnia 9 czerwca 2011 r. o wspieraniu rodziny i systemie pieczy zastępczej",
        "Act of 9 June 2011 on family support and the foster care system",
    ),
}

# Partner kinds a legal basis lets the centre tell without the client's consent.
CONSENT_EXEMPT_KINDS: dict[str, frozenset[str]] = {
    DOMESTIC_VIOLENCE_ACT: frozenset({"zi", "police", "court", "ops"}),
}


class CaseloadLimitBasis(BaseModel):
    """Where a definition's caseload limit comes from: the law (``statutory``, naming the act
    and the provision) or the centre's own choice (``assumed``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["statutory", "assumed"]
    act: str | None = None  # a code of LEGAL_BASES
    provision: str | None = Field(default=None, min_length=1, max_length=64)  # e.g. "art. 15 ust. 4"


def declared_bases(definition: Definition) -> frozenset[str]:
    return frozenset(definition.legal_bases or ())


def exempt_kinds(bases: Iterable[str]) -> frozenset[str]:
    """The partner kinds told without consent in a pathway declaring ``bases``."""
    out: frozenset[str] = frozenset()
    for basis in bases:
        out |= CONSENT_EXEMPT_KINDS.get(basis, frozenset())
    return out


def needs_consent(partner_kind: str, definition: Definition) -> bool:
    """Whether telling a partner of ``partner_kind`` about a case of ``definition`` needs the
    client's consent: always, unless the pathway declares a basis that exempts the kind."""
    return needs_consent_under(partner_kind, declared_bases(definition))


def needs_consent_under(partner_kind: str, bases: Iterable[str]) -> bool:
    """The same rule for a pathway known by its declared ``bases`` (the delivery activity)."""
    return partner_kind not in exempt_kinds(bases)


def limit_is_statutory(definition: Definition) -> bool:
    basis = definition.caseload_limit_basis
    return definition.caseload_limit is not None and basis is not None and basis.kind == "statutory"


def check_legal(d: Definition) -> list[Problem]:
    """What a definition's legal declarations get wrong (the definition's semantic check)."""
    problems = [
        Problem(f"legal_bases.{i}", f"unknown legal basis '{code}'; known: {', '.join(LEGAL_BASES)}")
        for i, code in enumerate(d.legal_bases or ())
        if code not in LEGAL_BASES
    ]
    basis = d.caseload_limit_basis
    if basis is None:
        return problems
    if d.caseload_limit is None:
        problems.append(Problem("caseload_limit_basis", "a basis without a caseload_limit: set the limit too"))
    if basis.act is not None and basis.act not in LEGAL_BASES:
        problems.append(
            Problem("caseload_limit_basis.act", f"unknown act '{basis.act}'; known: {', '.join(LEGAL_BASES)}")
        )
    if basis.kind == "statutory" and (basis.act is None or basis.provision is None):
        problems.append(
            Problem("caseload_limit_basis", "a statutory limit names its act and provision (e.g. art. 15 ust. 4)")
        )
    return problems
