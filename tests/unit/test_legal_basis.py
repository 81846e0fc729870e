"""The law a definition stands on (issue 13, items 13 and 14): a caseload limit is statutory
or assumed, and the consent exemption of the domestic-violence act holds only in pathways that
declare that act."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathway.app.catalog import Catalog
from pathway.core.definition import Definition, parse_definition
from pathway.core.errors import DefinitionError
from pathway.core.legal_basis import limit_is_statutory, needs_consent

ROOT = Path(__file__).resolve().parents[2]

MINI = """\
id: mini
version: 1
title: {pl: Mini, en: Mini}
initial: start
stages:
  start: {title: {pl: Start, en: Start}, deadline: 30 days}
  done: {title: {pl: Koniec, en: Done}, terminal: true, outcome: done}
transitions:
  - {trigger: finish, source: start, dest: done, title: {pl: Koniec, en: Finish}}
"""


def current(definition_id: str) -> Definition:
    entry = Catalog.load(ROOT / "definitions").get(definition_id)
    assert entry is not None
    return entry.definition


def test_the_family_assistants_limit_is_the_statutory_15_families() -> None:
    d = current("asystent-rodziny")
    assert d.caseload_limit == 15 and limit_is_statutory(d)
    assert d.caseload_limit_basis is not None
    assert (d.caseload_limit_basis.act, d.caseload_limit_basis.provision) == ("family_support_act", "art. 15 ust. 4")


def test_a_limit_without_a_basis_is_assumed() -> None:
    d = parse_definition(MINI + "caseload_limit: 3\n", "mini.yaml")
    assert not limit_is_statutory(d)
    d = parse_definition(MINI + "caseload_limit: 3\ncaseload_limit_basis: {kind: assumed}\n", "mini.yaml")
    assert not limit_is_statutory(d)


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ("caseload_limit: 3\ncaseload_limit_basis: {kind: statutory}\n", "caseload_limit_basis"),
        ("caseload_limit_basis: {kind: assumed}\n", "caseload_limit_basis"),
        (
            "caseload_limit: 3\ncaseload_limit_basis: {kind: statutory, act: no_such_act, provision: art. 1}\n",
            "caseload_limit_basis.act",
        ),
        ("legal_bases: [no_such_act]\n", "legal_bases.0"),
    ],
)
def test_a_wrong_legal_declaration_is_refused_naming_the_field(extra: str, where: str) -> None:
    with pytest.raises(DefinitionError) as err:
        parse_definition(MINI + extra, "mini.yaml")
    assert where in str(err.value)


@pytest.mark.parametrize("kind", ["zi", "police", "court", "ops"])
def test_the_consent_exemption_holds_only_where_the_domestic_violence_act_is_declared(kind: str) -> None:
    assert not needs_consent(kind, current("model-wsparcia"))
    for other in ("wychodzenie-z-bezdomnosci", "asystent-rodziny", "asystent-osoby-niepelnosprawnej"):
        assert needs_consent(kind, current(other)), other
    assert needs_consent("therapy", current("model-wsparcia"))
