"""A pathway definition's words in a language: its titles carry both (``{pl: ..., en: ...}``),
and so do the core's vocabularies (partner kinds, the fields shared with partners)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pathway.i18n.catalogs import DEFAULT, language


def title(value: Any, lang: str) -> str:
    """A definition's two-language title (``Titles`` or its dict) in ``lang``."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get(DEFAULT) or "")
    return str(getattr(value, lang, None) or getattr(value, DEFAULT, ""))


def named(names: Mapping[str, tuple[str, str]], code: str | None, lang: str) -> str:
    """A code of a two-language vocabulary (``{code: (pl, en)}``) in words; an unknown code as it is."""
    pair = names.get(code or "")
    return (pair[0] if language(lang) == "pl" else pair[1]) if pair else str(code)


def listed(names: Mapping[str, tuple[str, str]], codes: Iterable[str], lang: str) -> str:
    """The words of several codes, in the vocabulary's order."""
    chosen = set(codes)
    return ", ".join(named(names, code, lang) for code in names if code in chosen)
