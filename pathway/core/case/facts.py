"""Facts: setting one (SetFact), and what value each kind of fact takes (coercion)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pathway.core.case.base import CODE, CaseBase
from pathway.core.case.certificates import certificate_recorded
from pathway.core.commands import SetFact
from pathway.core.definition import FactSpec
from pathway.core.errors import InvalidCommand
from pathway.core.events import FactSet


def check_set_fact(case: CaseBase, command: SetFact, now: datetime) -> Any:
    """The value the fact takes (None clears it); InvalidCommand if it does not fit."""
    return fact_value(case, command.name, command.value)


def apply_set_fact(case: CaseBase, command: SetFact, now: datetime, value: Any) -> None:
    s = case.state
    if value is None:
        s.facts.pop(command.name, None)
    else:
        s.facts[command.name] = value
    case.emit(FactSet, now, command.actor, command_id=command.command_id, name=command.name, value=value)
    if case.definition.facts[command.name].kind == "certificate":
        certificate_recorded(case, command.name, value, now, command.actor, command.command_id)


def coerce_fact(name: str, spec: FactSpec, value: Any) -> Any:
    """``value`` as fact ``name`` of kind ``spec`` takes it; InvalidCommand if it does not fit."""
    return _coerce_fact(name, spec, value, None)


def fact_value(case: CaseBase, name: str, value: Any) -> Any:
    spec = case.definition.facts.get(name)
    if spec is None:
        raise InvalidCommand(
            f"unknown fact '{name}'; facts of this pathway: {', '.join(case.definition.facts) or 'none'}", fact=name
        )
    if value is None:
        return None
    return _coerce_fact(name, spec, value, case.state.facts.get(name))


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise InvalidCommand(f"{what} must be an id or short code (letters, digits, _ . : -), not free text")
    return value


def _date(value: Any, what: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidCommand(f"{what} must be a date (YYYY-MM-DD)") from None


def _coerce_fact(name: str, spec: FactSpec, value: Any, current: Any) -> Any:
    where = f"fact '{name}'"
    if spec.kind == "flag":
        if not isinstance(value, bool):
            raise InvalidCommand(f"{where} is a flag: true or false", fact=name)
        return value
    if not isinstance(value, dict):
        raise InvalidCommand(f"{where} of kind {spec.kind} takes an object", fact=name)
    if spec.kind == "checklist":
        unknown = [k for k in value if k not in spec.items]
        if unknown:
            raise InvalidCommand(
                f"{where} has no item(s) {', '.join(unknown)}; items: {', '.join(spec.items)}", fact=name
            )
        if not all(isinstance(v, bool) for v in value.values()):
            raise InvalidCommand(f"{where}: each checklist item is true or false", fact=name)
        merged = dict(current or {})
        merged.update(value)
        return merged
    if spec.kind == "partner":
        extra = set(value) - {"partner_id", "partner_kind"}
        if extra:
            raise InvalidCommand(f"{where} takes partner_id and partner_kind only", fact=name)
        kind = value.get("partner_kind")
        if kind != spec.partner_kind:
            raise InvalidCommand(f"{where} needs a partner of kind '{spec.partner_kind}', got '{kind}'", fact=name)
        return {"partner_id": _code(value.get("partner_id"), f"{where}: partner_id"), "partner_kind": kind}
    if spec.kind == "certificate":
        extra = set(value) - {"valid_until", "valid_from", "degree"}
        if extra or "valid_until" not in value:
            raise InvalidCommand(f"{where} takes valid_until (required), valid_from and degree", fact=name)
        cert = {"valid_until": _date(value["valid_until"], f"{where}: valid_until")}
        if value.get("valid_from") is not None:
            cert["valid_from"] = _date(value["valid_from"], f"{where}: valid_from")
        if value.get("degree") is not None:
            cert["degree"] = _code(value["degree"], f"{where}: degree")
        return cert
    # record
    extra = set(value) - set(spec.fields)
    if extra:
        raise InvalidCommand(
            f"{where} has no field(s) {', '.join(sorted(extra))}; fields: {', '.join(spec.fields)}", fact=name
        )
    out: dict[str, Any] = {}
    for field, ftype in spec.fields.items():
        if field not in value or value[field] is None:
            continue
        v = value[field]
        label = f"{where}: {field}"
        if ftype == "date":
            out[field] = _date(v, label)
        elif ftype == "bool":
            if not isinstance(v, bool):
                raise InvalidCommand(f"{label} is true or false", fact=name)
            out[field] = v
        elif ftype == "int":
            if isinstance(v, bool) or not isinstance(v, int):
                raise InvalidCommand(f"{label} is a whole number", fact=name)
            out[field] = v
        else:  # code, partner
            out[field] = _code(v, label)
    if not out:
        raise InvalidCommand(f"{where} needs at least one of: {', '.join(spec.fields)}", fact=name)
    return out
