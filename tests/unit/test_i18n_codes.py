"""No page shows a raw code: every code a template puts into words (``code(group, value)``)
comes from a vocabulary the catalog knows, in both languages, and each value the system can
store in those vocabularies has its words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pathway.app.catalog import Catalog
from pathway.core.case import REFERRAL_ANSWERS
from pathway.i18n import Words
from pathway.i18n.codes import CODES
from pathway.readmodels.stalled import RULES
from pathway.store.models import SECTORS
from pathway.web.pages import cases as case_pages

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "pathway" / "web" / "templates"


def _visit_kinds() -> set[str]:
    kinds = {"home", "office", "phone", "outreach", "accompanying"}
    for entry in Catalog.load(ROOT / "definitions").entries():
        for stage in entry.definition.stages.values():
            if stage.visits:
                kinds |= set(stage.visits.kinds)
    return kinds


VOCABULARIES: dict[str, set[str]] = {
    "visit_kind": _visit_kinds(),
    "sector": set(SECTORS),
    "rule": set(RULES),
    "pause": set(case_pages.PAUSE_REASONS),
    "reject": set(case_pages.REJECT_REASONS),
    "done": set(case_pages.DONE),
    "answer": {a for answers in case_pages.ANSWERS.values() for a in answers},
    "referral": set(REFERRAL_ANSWERS) | {a for allowed in REFERRAL_ANSWERS.values() for a in allowed},
    "severity": {"high", "medium", "low"},
    "overdue": {"stage_deadline", "visit", "referral"},
}


def test_every_group_a_template_words_is_a_vocabulary_of_the_catalog() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""code\(\s*["']([a-z_]+)["']""", template.read_text(encoding="utf-8")))
    assert used, "no template words a code?"
    assert used <= set(CODES), sorted(used - set(CODES))


@pytest.mark.parametrize("group", sorted(VOCABULARIES))
def test_each_value_of_a_vocabulary_has_words_in_both_languages(group: str) -> None:
    pl, en = Words("pl"), Words("en")
    for value in sorted(VOCABULARIES[group]):
        assert pl.knows(group, value), f"{group}.{value} has no words"
        fields = {"days": "2", "stage": "X"}
        said_pl, said_en = pl.code(group, value, **fields), en.code(group, value, **fields)
        assert said_pl and said_pl != value and said_pl != said_en, (group, value, said_pl, said_en)
