"""Issue 12: each kind of fact carries its own behaviour (``pathway.core.case.fact_kinds`` for
what a case does with a value, ``pathway.core.definition.facts`` for what a definition declares),
so no other module compares a fact's kind with a kind's name. These tests read the source:
they fail on ``spec.kind == "certificate"``, ``kind in ("partner", ...)`` or a template's
``{% if spec.kind == "flag" %}`` anywhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pathway.core.definition import FACT_SPECS

ROOT = Path(__file__).resolve().parents[2]
KIND_NAMES = frozenset(spec.kind_name() for spec in FACT_SPECS)
ALLOWED = {ROOT / "pathway" / "core" / "case" / "fact_kinds.py"}


def _names_a_kind(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in KIND_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_kind(e) for e in node.elts)
    return False


def _is_kind(node: ast.expr) -> bool:
    """``x.kind``, ``kind`` or ``x["kind"]``: what a fact's kind is read as."""
    if isinstance(node, ast.Attribute):
        return node.attr == "kind"
    if isinstance(node, ast.Name):
        return node.id == "kind"
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "kind"


def kind_comparisons(source: str) -> list[int]:
    """The lines of ``source`` that compare a kind with the name of a fact kind."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_kind(s) for s in sides) and any(_names_a_kind(s) for s in sides):
                lines.append(node.lineno)
    return lines


def test_the_check_finds_a_switch_on_a_fact_kind() -> None:
    assert kind_comparisons('if spec.kind == "certificate":\n    pass\n') == [1]
    assert kind_comparisons('ok = spec.kind not in ("partner",)\n') == [1]
    assert kind_comparisons('ok = value["kind"] != "record"\n') == [1]
    assert kind_comparisons('ok = partner.kind == "employer"\n') == []  # a partner's kind, not a fact's


def test_no_module_outside_the_kinds_compares_a_fact_kind() -> None:
    found = []
    for folder in ("pathway", "workflows", "activities"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path not in ALLOWED:
                found += [f"{path.relative_to(ROOT)}:{line}" for line in kind_comparisons(path.read_text())]
    assert found == [], "switch on a fact kind outside fact_kinds.py: " + ", ".join(found)


def test_no_template_switches_on_a_fact_kind() -> None:
    """The case page includes ``facts/<kind>.html``: one template per kind, no ``if``."""
    switch = re.compile(r"spec\.kind\s*(==|!=|in\b)")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "pathway" / "web" / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if switch.search(line)
    ]
    assert found == []
    kinds = {p.stem for p in (ROOT / "pathway" / "web" / "templates" / "facts").glob("*.html")}
    assert kinds == KIND_NAMES
