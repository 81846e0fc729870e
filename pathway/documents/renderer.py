"""HTML from the papers' Jinja2 templates, then PDF through WeasyPrint.

The templates escape everything they print (autoescape), and the PDF is made with a URL
fetcher that fetches nothing: a paper draws only on its own template and stylesheet and the
fonts of the system (DejaVu Sans, installed by ``make install``: it has every Polish letter,
and WeasyPrint embeds the glyphs used). Rendering is blocking work (~0.1-0.3 s a page): the
app layer runs it off the event loop."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pathway.documents.kinds import KINDS
from pathway.documents.papers import Bilingual, Lang, Paper
from pathway.documents.words import Words

TEMPLATES = Path(__file__).parent / "templates"
FONT_FAMILY = "DejaVu Sans"
# WeasyPrint tells each layout step at INFO: not a server log's business (warnings stay).
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class DocumentsUnavailable(Exception):
    """WeasyPrint or the system libraries it needs (Pango) are missing on this machine."""


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html_of(paper: Paper, lang: Lang) -> str:
    """The paper as HTML in ``lang`` (what WeasyPrint lays out)."""
    kind = KINDS[paper.stamp.kind]
    words = Words(lang, paper.stamp.tz)

    def t(value: Bilingual | None) -> str:
        return words("none") if value is None else (value.pl if words.lang == "pl" else value.en)

    context: dict[str, Any] = {"p": paper, "w": words, "t": t, "lang": words.lang, "font": FONT_FAMILY, "kind": kind}
    return _environment().get_template(kind.template).render(context)


def render_pdf(paper: Paper, lang: Lang) -> bytes:
    """The paper as a PDF (bytes). Raises ``DocumentsUnavailable`` where WeasyPrint cannot run."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as missing:  # OSError: Pango or its kin not installed
        raise DocumentsUnavailable(str(missing)) from missing

    class _NothingFetched(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"a paper fetches nothing from outside ({url[:40]})")

    return bytes(HTML(string=html_of(paper, lang), url_fetcher=_NothingFetched()).write_pdf())
