"""Issue 13, item 6: a record's partner field (the employment's employer) names a partner of
the unit's resource map, of the kind the definition declares (``employer: {partner:
employer}``); anything else is a 422 naming the field, and the case is left as it was. A case
opened on an earlier version keeps that version's declaration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apistack import Stack

from pathway.app.catalog import VERSIONS_DIR, Catalog, CatalogEntry, load_blocks, load_file
from pathway.core.definition import snapshot

pytestmark = [pytest.mark.integration]

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"
TODAY = datetime.now(UTC).date().isoformat()


async def test_an_employer_not_on_the_resource_map_is_422_naming_the_field(stack: Stack) -> None:
    case = await stack.open_case()
    r = await stack.fact(case["id"], "employment", {"employer": "no-such-employer"})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "unknown_partner" and detail["field"] == "value.employer", detail
    assert "employment" not in (await stack.get_case(case["id"]))["facts"]


async def test_a_partner_of_another_kind_is_422_naming_the_field_and_the_kinds(stack: Stack) -> None:
    case = await stack.open_case()
    therapy = stack.partners["therapy"]
    r = await stack.fact(case["id"], "employment", {"employer": therapy, "started_on": TODAY})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "wrong_partner_kind" and detail["field"] == "value.employer", detail
    assert (detail["expected_kind"], detail["partner_kind"]) == ("employer", "therapy")
    assert "employment" not in (await stack.get_case(case["id"]))["facts"]


async def test_an_employer_of_the_map_is_recorded(stack: Stack) -> None:
    case = await stack.open_case()
    employer = stack.partners["employer"]
    r = await stack.fact(case["id"], "employment", {"employer": employer, "started_on": TODAY, "contract": "staz"})
    assert r.status_code == 200, r.text
    assert r.json()["facts"]["employment"] == {"employer": employer, "started_on": TODAY, "contract": "staz"}


@contextmanager
def catalog_of_version_4(stack: Stack) -> Iterator[None]:
    """The catalog as it was while Model Wsparcia's version 4 was current (cases opened meanwhile
    keep it); the real catalog back afterwards, with version 4 among its earlier versions."""
    services = stack.app.state.services
    real: Catalog = services.catalog
    kept = {**load_blocks(DEFINITIONS), **load_blocks(DEFINITIONS / VERSIONS_DIR)}
    path = DEFINITIONS / VERSIONS_DIR / "model-wsparcia-v4.yaml"
    v4 = load_file(path, kept)
    services.catalog = Catalog({"model-wsparcia": CatalogEntry(v4, snapshot(v4), path)})
    try:
        yield
    finally:
        services.catalog = real


async def test_a_case_on_the_earlier_version_keeps_working_with_that_versions_declaration(stack: Stack) -> None:
    with catalog_of_version_4(stack):
        case = await stack.open_case()
    assert case["definition_version"] == 4
    assert stack.app.state.services.catalog.get("model-wsparcia").definition.version > 4
    # Version 4 declared the employer as any partner of the map: a real employer is recorded ...
    employer = stack.partners["employer"]
    r = await stack.fact(case["id"], "employment", {"employer": employer, "started_on": TODAY})
    assert r.status_code == 200, r.text
    assert r.json()["facts"]["employment"]["employer"] == employer
    # ... and so is another partner of the map, as version 4 always took ...
    r = await stack.fact(case["id"], "employment", {"employer": stack.partners["training"]})
    assert r.status_code == 200, r.text
    # ... but never an id the resource map does not know.
    r = await stack.fact(case["id"], "employment", {"employer": "no-such-employer"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "value.employer", r.text
    assert (await stack.get_case(case["id"]))["definition_version"] == 4
