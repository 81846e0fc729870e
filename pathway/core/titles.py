"""A definition's two-language title (``Titles``, or its dict form) in the language asked
for; Polish, the users' language, where the other is missing."""

from __future__ import annotations

from typing import Any

DEFAULT_LANGUAGE = "pl"


def title(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get(DEFAULT_LANGUAGE) or "")
    return str(getattr(value, lang, None) or getattr(value, DEFAULT_LANGUAGE, ""))
