"""The accessible SVG chart of the outcomes report: one bar per rate funders ask for (employed
at exit, employed 3 months after exit, internships ending in employment), each written in
words with its share and its "n of m" (see ``pathway.render.charts``)."""

from __future__ import annotations

from pathway.i18n import Words
from pathway.readmodels.outcomes import OutcomesReport
from pathway.render.charts import Bar, bar_chart, chart_id, period_words

_GREEN = "#2e6b30"  # passes WCAG AA against white


def outcomes_svg(report: OutcomesReport, lang: str = "pl", *, svg_id: str | None = None) -> str:
    words = Words(lang)
    name = report.definition_title_pl if words.lang == "pl" else report.definition_title_en
    bars = [
        Bar(
            words.code("outcome_rate", r.measure),
            r.rate or 0,
            words._(
                "%(share)s (%(count)s of %(of)s)",
                share=words.percent(r.rate),
                count=words.number(r.count),
                of=words.number(r.of),
            ),
        )
        for r in report.rates
    ]
    title = words._("Outcomes: %(name)s", name=name)
    desc = words.n_(
        "Cohort of %(num)d case opened %(period)s. Shares employed: %(bars)s.",
        "Cohort of %(num)d cases opened %(period)s. Shares employed: %(bars)s.",
        report.entries,
        period=period_words(report, words),
        bars="; ".join(f"{b.label} {b.text}" for b in bars),
    )
    return bar_chart(svg_id or chart_id("outcomes", report.definition), title, desc, bars, fill=_GREEN)
