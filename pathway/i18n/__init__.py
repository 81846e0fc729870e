"""The words people read, in Polish (the default) or English: gettext catalogs through Babel,
numbers and dates from Babel's locale data.

A low layer: it imports nothing of the project but itself, so the core's neighbours (render,
readmodels) and every surface (web, CLI) use the same catalogs."""

from __future__ import annotations

from pathway.i18n.catalogs import DEFAULT, LANGUAGES, language, translations
from pathway.i18n.titles import listed, named, title
from pathway.i18n.words import NONE, Words

__all__ = ["DEFAULT", "LANGUAGES", "NONE", "Words", "language", "listed", "named", "title", "translations"]
