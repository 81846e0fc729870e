"""Numbers, dates and counts of days as people read them, from Babel's locale data (CLDR).

Polish reads ``4,5`` and ``pon., 14 grudnia``; English (as in Europe) ``4.5`` and
``Mon 14 December``. Counts of days take the language's plural forms (``1 dzień, 2 dni,
5 dni, 4,5 dnia``). Machine formats (JSON, CSV, iCal) never come here: they stay ISO 8601."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from pathway.i18n.catalogs import LOCALES, language

# A definition's duration units (``15 working_days``) and the CLDR unit each one is counted in;
# working days have no CLDR unit and are worded by the catalog (pathway.i18n.words). Years: how
# long a simulation ran (``2,5 roku``).
UNITS = {
    "hours": "duration-hour",
    "days": "duration-day",
    "weeks": "duration-week",
    "months": "duration-month",
    "years": "duration-year",
}


def _locale(lang: str) -> Locale:
    return LOCALES[language(lang)]


def number(value: float, lang: str) -> str:
    """``4,5`` in Polish, ``4.5`` in English; a whole number without decimals."""
    return format_decimal(value, format="#,##0.#", locale=_locale(lang))


def percent(share: float, lang: str) -> str:
    """A share (0.38) as a percentage (``38%``)."""
    return format_percent(share, locale=_locale(lang))


def count(value: float, unit: str, lang: str) -> str:
    """A number with its CLDR unit in words, in the language's plural form: ``count(2, "days")``
    is ``2 dni``, ``count(4.5, "days")`` ``4,5 dnia``."""
    return format_unit(value, UNITS[unit], length="long", locale=_locale(lang))


def days(value: float, lang: str) -> str:
    return count(value, "days", lang)


def day(value: date, lang: str, *, today: date | None = None) -> str:
    """A calendar day in words with its weekday: ``pon., 14 grudnia``; the year is written
    when it is not the year of ``today`` (or when there is no ``today``)."""
    skeleton = "MMMMEd" if today is not None and value.year == today.year else "yMMMMEd"
    return format_skeleton(skeleton, value, locale=_locale(lang))


def clock(value: datetime, lang: str) -> str:
    """The time of day of a local moment: ``14:30``."""
    return format_time(value, "HH:mm", locale=_locale(lang))


def moment(value: datetime, tz: ZoneInfo, lang: str, *, today: date | None = None) -> str:
    """A moment in the centre's zone: its day in words and its time (``pon., 14 grudnia, 14:30``)."""
    local = value.astimezone(tz)
    pattern = str(get_datetime_format("medium", locale=_locale(lang)))  # "{1}, {0}": day, then time
    return pattern.replace("{1}", day(local.date(), lang, today=today)).replace("{0}", clock(local, lang))


def compact(value: datetime, tz: ZoneInfo, lang: str) -> str:
    """A moment for a narrow table (the CLI): ``14.12.2026, 14:30`` / ``14/12/2026, 14:30``."""
    return format_datetime(value.astimezone(tz), "short", tzinfo=tz, locale=_locale(lang))


def compact_day(value: date, lang: str) -> str:
    """A day for a narrow table: ``14.12.2026`` / ``14/12/2026``."""
    return format_date(value, "short", locale=_locale(lang))
