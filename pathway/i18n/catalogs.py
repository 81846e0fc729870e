"""The gettext catalogs of every word people read, loaded from their ``.po`` files by Babel.

The ``.po`` files under ``locale/`` are the one source (``make i18n`` extracts the words the
code and the templates ask for and updates them); they are compiled in memory the first time
a language is asked for, so there is no ``.mo`` file that could be older than its ``.po``."""

from __future__ import annotations

import functools
from io import BytesIO
from pathlib import Path

from babel.core import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("pl", "en")
DEFAULT = "pl"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locale"
# The locale whose formats (dates, numbers) each language uses: English as in Europe
# (day before month, a 24-hour clock), not as in the United States.
LOCALES = {"pl": Locale("pl", "PL"), "en": Locale("en", "GB")}


def language(value: str | None) -> str:
    """A language this project speaks: ``value`` if it is one, else the default (Polish)."""
    return value if value in LANGUAGES else DEFAULT


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog(lang: str) -> Catalog:
    """The ``.po`` catalog of ``lang``, as Babel reads it."""
    with po_path(language(lang)).open("rb") as f:
        return read_po(f, locale=LOCALES[language(lang)], domain=DOMAIN)


@functools.cache
def translations(lang: str) -> Translations:
    """The compiled catalog of ``lang`` (once per process); untranslated words fall back to
    their English msgid."""
    buffer = BytesIO()
    write_mo(buffer, catalog(lang))
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
