"""What a case does with a value of each kind of fact, one class each: the value it takes
(``coerce``), a value that satisfies its guards (``example``, for the simulation), the value
its web form describes (``form_value``), what a later version may not take (``narrowed``)
and what recording one sets going (``recorded``). The definition's side of a kind (which
fields it declares) is its model in ``pathway.core.definition.facts``. Other modules ask
``kind_of(spec)`` instead of switching on the kind's name (a unit test holds them to it)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Protocol

from pathway.core import certificates
from pathway.core.case.base import CODE, CaseBase
from pathway.core.case.certificates import certificate_recorded
from pathway.core.definition import FactSpecBase, field_partner_kind, field_type
from pathway.core.errors import InvalidCommand


class FactForm(Protocol):
    """A submitted form, as a fact's kind reads it (the web layer adapts its form data)."""

    def checked(self, key: str) -> bool: ...

    def text(self, key: str) -> str | None: ...

    def invalid(self, message: str) -> Exception: ...


class FactKind(ABC):
    """What a case does with a value of one kind of fact; each kind must say all three."""

    name: ClassVar[str]

    @abstractmethod
    def coerce(self, name: str, spec: FactSpecBase, value: Any, current: Any) -> Any:
        """``value`` as fact ``name`` takes it (merged with ``current`` where the kind merges)."""

    @abstractmethod
    def example(self, spec: FactSpecBase, today: date) -> Any:
        """A value that satisfies the guards on a fact of this kind (made-up ids, no names)."""

    @abstractmethod
    def form_value(self, spec: FactSpecBase, form: FactForm) -> Any:
        """The value the fact's form describes; None clears the fact."""

    def narrowed(self, name: str, old: FactSpecBase, new: FactSpecBase, version: int) -> str | None:
        """Why a value of ``old`` may not fit ``new`` (a later version, the same kind); None if it fits."""
        return None

    def recorded(self, case: CaseBase, name: str, value: Any, now: datetime, actor: str, command_id: str) -> None:
        """What a value newly set (None: cleared) sets going in the case, beyond keeping it."""
        return None  # most kinds set nothing going (a certificate arms its clock)

    @staticmethod
    def _object(name: str, spec: FactSpecBase, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidCommand(f"fact '{name}' of kind {spec.kind_name()} takes an object", fact=name)
        return value


class Flag(FactKind):
    name = "flag"

    def coerce(self, name: str, spec: FactSpecBase, value: Any, current: Any) -> Any:
        if not isinstance(value, bool):
            raise InvalidCommand(f"fact '{name}' is a flag: true or false", fact=name)
        return value

    def example(self, spec: FactSpecBase, today: date) -> Any:
        return True

    def form_value(self, spec: FactSpecBase, form: FactForm) -> Any:
        return form.checked("value")


class Checklist(FactKind):
    name = "checklist"

    def coerce(self, name: str, spec: FactSpecBase, value: Any, current: Any) -> Any:
        where, value = f"fact '{name}'", self._object(name, spec, value)
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

    def example(self, spec: FactSpecBase, today: date) -> Any:
        return {item: True for item in spec.items}

    def form_value(self, spec: FactSpecBase, form: FactForm) -> Any:
        return {item: form.checked(f"item.{item}") for item in spec.items}

    def narrowed(self, name: str, old: FactSpecBase, new: FactSpecBase, version: int) -> str | None:
        if set(old.items) <= set(new.items):
            return None
        gone = ", ".join(sorted(set(old.items) - set(new.items)))
        return f"the checklist '{name}' loses item(s) {gone} in version {version}"


class Partner(FactKind):
    name = "partner"

    def coerce(self, name: str, spec: FactSpecBase, value: Any, current: Any) -> Any:
        where, value = f"fact '{name}'", self._object(name, spec, value)
        extra = set(value) - {"partner_id", "partner_kind"}
        if extra:
            raise InvalidCommand(f"{where} takes partner_id and partner_kind only", fact=name)
        kind = value.get("partner_kind")
        if kind != spec.partner_kind:
            raise InvalidCommand(f"{where} needs a partner of kind '{spec.partner_kind}', got '{kind}'", fact=name)
        return {"partner_id": _code(value.get("partner_id"), f"{where}: partner_id"), "partner_kind": kind}

    def example(self, spec: FactSpecBase, today: date) -> Any:
        return {"partner_id": f"sim-{spec.partner_kind}", "partner_kind": spec.partner_kind}

    def form_value(self, spec: FactSpecBase, form: FactForm) -> Any:
        partner = form.text("partner_id")
        return {"partner_id": partner} if partner else None

    def narrowed(self, name: str, old: FactSpecBase, new: FactSpecBase, version: int) -> str | None:
        if new.partner_kind == old.partner_kind:
            return None
        return f"the partner fact '{name}' takes a {new.partner_kind} in version {version}, not a {old.partner_kind}"


class Certificate(FactKind):
    name = "certificate"

    def coerce(self, name: str, spec: FactSpecBase, value: Any, current: Any) -> Any:
        where, value = f"fact '{name}'", self._object(name, spec, value)
        return certificates.coerce(value, where, name, _date, _code)

    def example(self, spec: FactSpecBase, today: date) -> Any:
        return {"valid_until": (today + timedelta(days=3 * 365)).isoformat()}

    def form_value(self, spec: FactSpecBase, form: FactForm) -> Any:
        cert: dict[str, Any] = {k: form.text(f"field.{k}") for k in ("valid_until", "valid_from", "degree")}
        if form.checked("field.permanent"):  # "na stałe": no end date (pathway.core.certificates)
            cert["permanent"] = True
        return {k: v for k, v in cert.items() if v is not None} or None

    def recorded(self, case: CaseBase, name: str, value: Any, now: datetime, actor: str, command_id: str) -> None:
        certificate_recorded(case, name, value, now, actor, command_id)


class Record(FactKind):
    """A record of typed fields (``employment``: an employer, a start date, a contract code).
    A partner field holds the partner's id; that the id is a partner of the unit's resource
    map, of the kind the field declares, the use case checks (the core has no resource map)."""

    name = "record"

    def coerce(self, name: str, spec: FactSpecBase, value: Any, current: Any) -> Any:
        where, value = f"fact '{name}'", self._object(name, spec, value)
        extra = set(value) - set(spec.fields)
        if extra:
            raise InvalidCommand(
                f"{where} has no field(s) {', '.join(sorted(extra))}; fields: {', '.join(spec.fields)}", fact=name
            )
        out: dict[str, Any] = {}
        for field, declared in spec.fields.items():
            if value.get(field) is not None:
                out[field] = _FIELD_VALUES[field_type(declared)](value[field], f"{where}: {field}", name)
        if not out:
            raise InvalidCommand(f"{where} needs at least one of: {', '.join(spec.fields)}", fact=name)
        return out

    def example(self, spec: FactSpecBase, today: date) -> Any:
        examples = {"bool": True, "int": 1, "code": "SIM-1", "partner": "sim-partner", "date": today.isoformat()}
        return {
            field: f"sim-{kind}" if (kind := field_partner_kind(declared)) else examples[field_type(declared)]
            for field, declared in spec.fields.items()
        }

    def form_value(self, spec: FactSpecBase, form: FactForm) -> Any:
        record: dict[str, Any] = {}
        for name, declared in spec.fields.items():
            ftype = field_type(declared)
            if ftype == "bool":
                record[name] = form.checked(f"field.{name}")
                continue
            raw = form.text(f"field.{name}")
            if raw is None:
                continue
            if ftype == "int":
                try:
                    record[name] = int(raw)
                except ValueError:
                    raise form.invalid(f"{name}: a whole number") from None
            else:
                record[name] = raw
        return record

    def narrowed(self, name: str, old: FactSpecBase, new: FactSpecBase, version: int) -> str | None:
        changed = ", ".join(f for f, t in old.fields.items() if new.fields.get(f) != t)
        return f"the record '{name}' loses or retypes field(s) {changed} in version {version}" if changed else None


KINDS: dict[str, FactKind] = {kind.name: kind for kind in (Flag(), Checklist(), Partner(), Certificate(), Record())}


def kind_of(spec: FactSpecBase) -> FactKind:
    return KINDS[spec.kind_name()]


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise InvalidCommand(f"{what} must be an id or short code (letters, digits, _ . : -), not free text")
    return value


def _date(value: Any, what: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidCommand(f"{what} must be a date (YYYY-MM-DD)") from None


def _bool_field(value: Any, what: str, fact: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidCommand(f"{what} is true or false", fact=fact)
    return value


def _int_field(value: Any, what: str, fact: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidCommand(f"{what} is a whole number", fact=fact)
    return value


# The value of a record's field, by the field's type (the fact's name for the refusal).
_FIELD_VALUES: dict[str, Callable[[Any, str, str], Any]] = {
    "date": lambda value, what, fact: _date(value, what),
    "bool": _bool_field,
    "int": _int_field,
    "code": lambda value, what, fact: _code(value, what),
    "partner": lambda value, what, fact: _code(value, what),
}
