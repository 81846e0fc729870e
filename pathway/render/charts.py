"""Accessible SVG charts of the outcome reports, for the API and the web UI.

Plain SVG written by hand (no charting dependency): a horizontal bar per row, each bar
labelled in text with its name and its number, so nothing is told by colour alone; the
chart carries ``<title>`` and ``<desc>`` (named by ``aria-labelledby``) that say in words
what it shows. Text is XML-escaped; titles come from definitions, never from clients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from xml.sax.saxutils import escape

from pathway.core.forecast import Forecast
from pathway.i18n import NONE, Words, formats
from pathway.readmodels.funnel import FunnelReport

_WIDTH, _LABEL, _BAR, _ROW, _TOP = 760, 250, 380, 34, 70
_FILL, _FILL_2 = "#1f5f99", "#b35900"  # both pass WCAG AA against white text/background


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the number as people read it, written next to the bar


def chart_id(kind: str, definition: str) -> str:
    """An id unique per chart on a page: its kind and the definition it shows (the SVG's
    ``<title>``/``<desc>`` ids derive from it, and ids must not repeat in one document)."""
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_-]", "-", definition)


def bar_chart(chart_id: str, title: str, desc: str, bars: list[Bar], *, fill: str = _FILL) -> str:
    """A horizontal bar chart as an SVG document."""
    top = max((b.value for b in bars), default=0) or 1
    height = _TOP + _ROW * max(len(bars), 1) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" viewBox="0 0 {_WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" font-size="14">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="28" font-size="18" font-weight="bold" fill="#111111">{escape(title)}</text>',
    ]
    if not bars:
        out.append(f'<text x="10" y="{_TOP}" fill="#111111">{escape(NONE)}</text>')
    out.append('<g role="list">')  # a listitem needs its list (axe: aria-required-parent, critical)
    for i, bar in enumerate(bars):
        y = _TOP + i * _ROW
        width = 0 if bar.value <= 0 else max(2.0, _BAR * bar.value / top)
        out.append(
            f'<g role="listitem" aria-label="{escape(bar.label, {chr(34): "&quot;"})}: '
            f'{escape(bar.text, {chr(34): "&quot;"})}">'
        )
        out.append(f'<text x="{_LABEL - 8}" y="{y + 17}" text-anchor="end" fill="#111111">{escape(bar.label)}</text>')
        out.append(f'<rect x="{_LABEL}" y="{y + 4}" width="{width:.1f}" height="{_ROW - 10}" fill="{fill}"/>')
        out.append(f'<text x="{_LABEL + width + 6:.1f}" y="{y + 17}" fill="#111111">{escape(bar.text)}</text>')
        out.append("</g>")
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def funnel_svg(report: FunnelReport, lang: str = "pl", *, svg_id: str | None = None) -> str:
    """How many of the cohort reached each stage of the main path, with the conversion."""
    words = Words(lang)
    name = report.definition_title_pl if words.lang == "pl" else report.definition_title_en
    bars = []
    for s in report.steps:
        details = [words.percent(s.share)]
        if s.conversion is not None:
            details.append(
                words._("%(conversion)s of those who ended the stage before", conversion=words.percent(s.conversion))
            )
        if s.running:
            details.append(words._("%(running)s still in it", running=words.number(s.running)))
        text = f"{words.number(s.reached)} ({'; '.join(details)})"
        bars.append(Bar(s.title_pl if words.lang == "pl" else s.title_en, s.reached, text))
    title = words._("Funnel: %(name)s", name=name)
    desc = words.n_(
        "Cohort of %(num)d case opened %(period)s. How many cases reached each stage: %(bars)s.",
        "Cohort of %(num)d cases opened %(period)s. How many cases reached each stage: %(bars)s.",
        report.cohort,
        period=period_words(report, words),
        bars="; ".join(f"{b.label} {b.text}" for b in bars),
    )
    return bar_chart(svg_id or chart_id("funnel", report.definition), title, desc, bars)


def time_in_stage_svg(report: FunnelReport, lang: str = "pl", *, svg_id: str | None = None) -> str:
    """Median days spent in each stage (90th percentile written next to it)."""
    words = Words(lang)
    name = report.definition_title_pl if words.lang == "pl" else report.definition_title_en
    bars = []
    for t in report.time_in_stage:
        label = t.title_pl if words.lang == "pl" else t.title_en
        if t.median_days is None or t.p90_days is None:
            text = words._("no completed stays")
        else:
            text = words._(
                "median %(median)s, 90th percentile %(p90)s (n=%(stays)s)",
                median=words.days(t.median_days),
                p90=words.days(t.p90_days),
                stays=words.number(t.stays),
            )
        bars.append(Bar(label, t.median_days or 0, text))
    title = words._("Time in stage: %(name)s", name=name)
    desc = words._(
        "Median days in each stage, cases opened %(period)s: %(bars)s.",
        period=period_words(report, words),
        bars="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return bar_chart(svg_id or chart_id("time-in-stage", report.definition), title, desc, bars, fill=_FILL_2)


def forecast_svg(report: Forecast, lang: str = "pl", *, svg_id: str = "forecast") -> str:
    """The unit's overdue load at the end of each forecast week, with what falls due in it."""
    words = Words(lang)
    today = report.generated_at.date()
    bars = []
    for week in report.totals():
        details = [
            words._("visits due: %(visits)s", visits=words.number(week.visits_due)),
            words._("stage deadlines due: %(deadlines)s", deadlines=words.number(week.deadlines_due)),
            words._("escalations: %(escalations)s", escalations=words.number(week.escalations)),
        ]
        if week.absent:
            details.append(words._("staff away"))
        label = words._("week of %(day)s", day=formats.day(week.week_start, words.lang, today=today))
        bars.append(Bar(label, week.overdue_cases, f"{words.number(week.overdue_cases)} ({'; '.join(details)})"))
    title = words._("Forecast: overdue cases at the end of each week")
    desc = words.n_(
        "%(num)d open case run forward at %(rate)s visits a week per case, if nothing else changes. "
        "Overdue cases at the end of each week: %(bars)s.",
        "%(num)d open cases run forward at %(rate)s visits a week per case, if nothing else changes. "
        "Overdue cases at the end of each week: %(bars)s.",
        report.cases,
        rate=words.number(report.visits_per_week),
        bars="; ".join(f"{b.label}: {b.text}" for b in bars),
    )
    return bar_chart(svg_id, title, desc, bars, fill=_FILL_2)


class Cohort(Protocol):
    opened_from: date | None
    opened_to: date | None


def period_words(report: Cohort, words: Words) -> str:
    """The days the cohort was opened in, in words (``pon., 1 grudnia 2025 – do dziś``)."""
    start = formats.day(report.opened_from, words.lang) if report.opened_from else words._("from the start")
    end = formats.day(report.opened_to, words.lang) if report.opened_to else words._("until today")
    return f"{start} – {end}"
