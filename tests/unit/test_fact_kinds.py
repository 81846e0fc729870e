"""Fact kinds, one class each: every kind a definition may declare has one, and each kind's
example value (the simulation's) is a value its own coercion takes unchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pathway.app.catalog import load_file
from pathway.core.case.fact_kinds import KINDS, kind_of
from pathway.core.definition import FACT_SPECS, FactSpecBase, fact_spec
from pathway.core.errors import InvalidCommand

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = sorted((ROOT / "definitions").glob("*.yaml"))
TODAY = date(2026, 3, 2)


def test_every_kind_a_definition_may_declare_has_its_class() -> None:
    declared = {spec.kind_name() for spec in FACT_SPECS}
    assert set(KINDS) == declared


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_each_kinds_example_is_a_value_its_coercion_takes(path: Path) -> None:
    d = load_file(path)
    assert d.facts
    for name, spec in d.facts.items():
        kind = kind_of(spec)
        example = kind.example(spec, TODAY)
        assert kind.coerce(name, spec, example, None) == example, name


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_value_of_the_wrong_shape_is_refused_naming_the_fact(name: str) -> None:
    spec = fact_spec(
        {"kind": name, "title": {"pl": "x", "en": "x"}, "items": {}, "partner_kind": "employer", "fields": {"n": "int"}}
    )
    with pytest.raises(InvalidCommand) as info:
        kind_of(spec).coerce("f", spec, "free text", None)
    assert "fact 'f'" in info.value.message


def _spec(kind: str, **fields: object) -> FactSpecBase:
    return fact_spec({"kind": kind, "title": {"pl": "x", "en": "x"}, **fields})


def test_a_later_version_narrowing_a_fact_says_what_its_values_would_lose() -> None:
    record = _spec("record", fields={"n": "int", "on": "date"})
    assert (
        kind_of(record).narrowed("r", record, _spec("record", fields={"n": "int", "on": "date", "x": "code"}), 2)
        is None
    )
    assert kind_of(record).narrowed("r", record, _spec("record", fields={"n": "code"}), 2) == (
        "the record 'r' loses or retypes field(s) n, on in version 2"
    )
    partner = _spec("partner", partner_kind="employer")
    assert kind_of(partner).narrowed("p", partner, partner, 2) is None
    assert "takes a therapy in version 2, not a employer" in str(
        kind_of(partner).narrowed("p", partner, _spec("partner", partner_kind="therapy"), 2)
    )
    flag = _spec("flag")
    assert kind_of(flag).narrowed("f", flag, flag, 2) is None
