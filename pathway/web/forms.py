"""From an HTML form to the API's request bodies.

A browser sends strings; the API's bodies (``pathway.app.schemas``) and the core's fact
rules decide what is valid. This module only turns fields into the JSON a client of the
API would send (a checkbox into a boolean, a local date and time into an aware datetime)
and leaves every judgement to them."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.datastructures import FormData

from pathway.app.errors import AppError
from pathway.core.case.fact_kinds import kind_of
from pathway.core.definition import FactSpecBase

CHECKED = "on"


def field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def invalid(message: str, **extra: Any) -> AppError:
    return AppError(422, "invalid_request", message, **extra)


def from_validation(exc: ValidationError) -> AppError:
    first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ())) or "form"
    what = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return invalid(f"{where}: {what}")


def whole_number(form: FormData, name: str) -> int:
    """A form's whole-number field (a browser sends text); 422 naming the field otherwise."""
    text = field(form, name) or ""
    if not text.isdigit():
        raise invalid(f"{name}: a whole number is needed", field=name)
    return int(text)


def local_datetime(value: str | None, tz: str, what: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` (an ``<input type="datetime-local">``) in the unit's time zone."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(f"{what}: not a date and time (YYYY-MM-DD HH:MM)") from None
    return parsed.replace(tzinfo=ZoneInfo(tz)) if parsed.tzinfo is None else parsed


def opened_at(value: str | None, tz: str, today: date) -> datetime | None:
    """The start of a case brought over from paper records: a past day, at 09:00 local time.
    Today (or nothing) means now; a future day is passed on for the API to refuse."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise invalid("opened_at: not a date (YYYY-MM-DD)") from None
    if day == today:
        return None
    return datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(tz))


class _FactForm:
    """The submitted form as a fact's kind reads it (``pathway.core.case.fact_kinds``)."""

    def __init__(self, form: FormData) -> None:
        self.form = form

    def checked(self, key: str) -> bool:
        return self.form.get(key) == CHECKED

    def text(self, key: str) -> str | None:
        return field(self.form, key)

    def invalid(self, message: str) -> Exception:
        return invalid(message)


def fact_value(spec: FactSpecBase, form: FormData) -> Any:
    """The value of ``PUT /cases/{id}/facts/{name}`` that the fact's form describes; None
    clears the fact."""
    return kind_of(spec).form_value(spec, _FactForm(form))
