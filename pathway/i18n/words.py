"""What a person reads, in their language: a message of the catalog with its fields filled
in, a count in the right plural form, a stored code in words, a number, a day, a due date.

``Words("pl")`` is what the web pages, the charts and the CLI use; the msgids are English
(the catalogs in ``locale/`` give the Polish), placeholders are ``%(name)s`` as in gettext."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.support import Translations

from pathway.i18n import formats
from pathway.i18n.catalogs import language, translations
from pathway.i18n.codes import CODES

NONE = "—"  # a value that is not there (no due date, no answer yet): the same in every language


class Words:
    """The words and formats of one language."""

    def __init__(self, lang: str | None) -> None:
        self.lang = language(lang)
        self.translations: Translations = translations(self.lang)

    # ------------------------------------------------------------------ messages
    def _(self, message: str, /, **fields: Any) -> str:
        """The catalog's translation of ``message``, its ``%(name)s`` fields filled in."""
        text = self.translations.gettext(message)
        return text % fields if fields else text

    def n_(self, singular: str, plural: str, n: int, /, **fields: Any) -> str:
        """The form of the message for ``n`` (Polish has three: 1 wizyta, 2 wizyty, 5 wizyt);
        ``%(num)d`` is ``n``."""
        return self.translations.ngettext(singular, plural, n) % {"num": n, **fields}

    def p_(self, context: str, message: str, /, **fields: Any) -> str:
        """A message told apart from the same English words by its context."""
        text = str(self.translations.pgettext(context, message))
        return text % fields if fields else text

    def code(self, group: str, value: str | None, /, **fields: Any) -> str:
        """A stored code (a visit's kind, a notification's status...) in words; a code the
        vocabulary does not know yet is shown as it is."""
        if value is None:
            return NONE
        message = CODES.get(group, {}).get(value)
        return str(value) if message is None else self.p_(group, message, **fields)

    def knows(self, group: str, value: str) -> bool:
        return value in CODES.get(group, {})

    # ------------------------------------------------------------------ numbers and dates
    def number(self, value: float) -> str:
        return formats.number(value, self.lang)

    def percent(self, share: float | None) -> str:
        return NONE if share is None else formats.percent(share, self.lang)

    def days(self, value: float) -> str:
        """``1 dzień``, ``2 dni``, ``4,5 dnia``."""
        return formats.days(value, self.lang)

    def duration(self, amount: int, unit: str) -> str:
        """A definition's duration (``15 working_days``) in words: ``15 dni roboczych``."""
        if unit == "working_days":
            return self.n_("%(num)d working day", "%(num)d working days", amount)
        return formats.count(amount, unit, self.lang)

    def day(self, value: date | datetime | None, tz: ZoneInfo, *, today: date | None = None) -> str:
        """A day in words (``pon., 14 grudnia``); a moment is first taken to the centre's zone."""
        if value is None:
            return NONE
        local = value.astimezone(tz).date() if isinstance(value, datetime) else value
        return formats.day(local, self.lang, today=today)

    def moment(self, value: datetime | None, tz: ZoneInfo, *, today: date | None = None) -> str:
        """A moment in words (``pon., 14 grudnia, 14:30``)."""
        return NONE if value is None else formats.moment(value, tz, self.lang, today=today)

    def compact(self, value: datetime | None, tz: ZoneInfo) -> str:
        """A moment for a narrow table: ``14.12.2026, 14:30``."""
        return NONE if value is None else formats.compact(value, tz, self.lang)

    def compact_day(self, value: date | None) -> str:
        return NONE if value is None else formats.compact_day(value, self.lang)

    def days_until(self, days: int) -> str:
        """How far a due date is (a whole number of days, today 0): ``dziś``, ``jutro``,
        ``za 3 dni``; a day already past: ``3 dni po terminie``."""
        if days == 0:
            return self._("today")
        if days == 1:
            return self._("tomorrow")
        if days > 0:
            return self._("in %(days)s", days=self.days(days))
        return self.overdue(-days)

    def overdue(self, days: int) -> str:
        """``3 dni po terminie``: what the core counts as days overdue, in words."""
        return self._("%(days)s overdue", days=self.days(days))
