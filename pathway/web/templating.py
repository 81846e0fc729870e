"""The templates' Jinja environment: ``jinja2.ext.i18n`` with the catalogs of pathway.i18n.

One environment serves every request, so the gettext callables it installs look up the
language of the page being rendered (its ``lang`` variable) each time: ``_("...")``,
``ngettext(...)``, ``pgettext(...)`` and ``{% trans %}`` all speak the page's language, with
Jinja's "newstyle" gettext (``%(name)s`` fields filled in, escaped). ``code(group, value)``
is a stored code in words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from pathway.i18n import Words, translations


def _lang(context: Context) -> str:
    return str(context.get("lang") or "")


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(_lang(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(_lang(context)).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, msgctxt: str, message: str) -> str:
    return str(translations(_lang(context)).pgettext(msgctxt, message))


@pass_context
def _npgettext(context: Context, msgctxt: str, singular: str, plural: str, n: int) -> str:
    return str(translations(_lang(context)).npgettext(msgctxt, singular, plural, n))


@pass_context
def _code(context: Context, group: str, value: str | None, **fields: Any) -> str:
    return Words(_lang(context)).code(group, value, **fields)


def template_environment(directory: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory), autoescape=select_autoescape(), extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    env.globals["code"] = _code
    return env
