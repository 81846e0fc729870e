"""Issue 13, item 6, on the definitions' side: a record's field may name a partner of one kind
(``employer: {partner: employer}``); the pathways that record an employment got a new version,
and the versions they replace are kept word for word, loaded with the block as they used it
(``definitions/versions/blocks/``), by the catalog too (a case keeps its version)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathway.app.catalog import VERSIONS_DIR, Catalog, load_blocks, load_file
from pathway.core.case.fact_kinds import kind_of
from pathway.core.definition import PartnerField, fact_spec, parse_definition
from pathway.core.errors import DefinitionError

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"
CATALOG = Catalog.load(DEFINITIONS)
EMPLOYING = {"model-wsparcia": 5, "asystent-rodziny": 4, "wychodzenie-z-bezdomnosci": 1}


@pytest.mark.parametrize(("definition_id", "kept"), sorted(EMPLOYING.items()))
def test_the_employer_is_an_employer_in_the_new_version_and_any_partner_in_the_kept_one(
    definition_id: str, kept: int
) -> None:
    current = CATALOG.get(definition_id).definition  # type: ignore[union-attr]
    assert current.version >= kept + 1
    assert current.facts["employment"].fields["employer"] == PartnerField(partner="employer")
    assert current.facts["employment"].partner_fields() == {"employer": "employer"}
    earlier = CATALOG.version(definition_id, kept)
    assert earlier is not None and earlier.version == kept
    assert earlier.facts["employment"].fields["employer"] == "partner"
    assert earlier.facts["employment"].partner_fields() == {"employer": None}


def test_a_kept_version_loads_with_the_blocks_as_it_used_them() -> None:
    blocks = {**load_blocks(DEFINITIONS), **load_blocks(DEFINITIONS / VERSIONS_DIR)}
    kept = load_file(DEFINITIONS / VERSIONS_DIR / "asystent-rodziny-v2.yaml", blocks)
    assert "zatrudnienie" in kept.composed_from
    assert kept.facts["employment"].fields["employer"] == "partner"
    assert CATALOG.version("asystent-rodziny", 2) == kept


@pytest.mark.parametrize(("definition_id", "version"), [("wychodzenie-z-bezdomnosci", 2), ("asystent-rodziny", 5)])
def test_a_version_kept_after_its_block_changed_loads_with_the_current_block(definition_id: str, version: int) -> None:
    # (versions/block-changes.yaml: the kept zatrudnienie block serves only the versions before)
    path = DEFINITIONS / VERSIONS_DIR / f"{definition_id}-v{version}.yaml"
    if not path.is_file():
        pytest.skip(f"{path.name} is not kept")
    kept = CATALOG.version(definition_id, version)
    assert kept is not None and kept == load_file(path, load_blocks(DEFINITIONS))
    assert kept.facts["employment"].fields["employer"] == PartnerField(partner="employer")
    earlier = CATALOG.version(definition_id, version - 1)
    assert earlier is not None and earlier.facts["employment"].fields["employer"] == "partner"


def test_the_kept_versions_are_the_definitions_they_were_word_for_word() -> None:
    # the archived file and the snapshot a running case carries: the same content hash
    from pathway.core.definition import snapshot

    for definition_id, version in (("model-wsparcia", 6), ("wychodzenie-z-bezdomnosci", 2)):
        kept = CATALOG.version(definition_id, version)
        current = CATALOG.get(definition_id)
        assert kept is not None and current is not None and kept.version == version
        assert current.definition.version == version + 1
        assert kept.plan is None and current.definition.plan is not None
        assert snapshot(kept).content_hash != current.snapshot.content_hash


def test_a_version_the_catalog_does_not_keep_is_none() -> None:
    assert CATALOG.version("model-wsparcia", 99) is None and CATALOG.version("no-such", 1) is None


RECORD = """\
id: mini
version: 1
title: {pl: Mini, en: Mini}
initial: a
stages:
  a: {title: {pl: A, en: A}}
  b: {title: {pl: B, en: B}, terminal: true}
transitions:
  - {trigger: go, source: a, dest: b, title: {pl: Dalej, en: Go}}
facts:
  job:
    kind: record
    title: {pl: Praca, en: Job}
    fields: {employer: {partner: %s}, started_on: date}
"""


def test_a_record_field_naming_an_unknown_kind_of_partner_is_refused_naming_its_path() -> None:
    assert parse_definition(RECORD % "employer", "mini.yaml").facts["job"].partner_kinds() == ["employer"]
    with pytest.raises(DefinitionError) as info:
        parse_definition(RECORD % "emplyer", "mini.yaml")
    [problem] = info.value.problems
    assert problem.path == "facts.job.fields.employer.partner" and "unknown partner role 'emplyer'" in problem.message


def test_narrowing_a_field_to_one_kind_of_partner_refuses_cases_that_have_the_record() -> None:
    title = {"pl": "x", "en": "x"}
    old = fact_spec({"kind": "record", "title": title, "fields": {"employer": "partner"}})
    new = fact_spec({"kind": "record", "title": title, "fields": {"employer": {"partner": "employer"}}})
    assert "employer" in str(kind_of(old).narrowed("employment", old, new, 5))
    assert kind_of(new).narrowed("employment", new, new, 6) is None


@pytest.mark.parametrize("path", sorted((DEFINITIONS / VERSIONS_DIR).glob("*-v[0-9]*.yaml")), ids=lambda p: p.stem)
def test_every_kept_version_is_found_by_its_id_and_number(path: Path) -> None:
    definition_id, _, number = path.stem.rpartition("-v")
    kept = CATALOG.version(definition_id, int(number))
    assert kept is not None and (kept.id, kept.version) == (definition_id, int(number))
