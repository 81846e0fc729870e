"""The case summary: read from the state in one place, the same names as the store's row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pathway.core.case import Case
from pathway.core.definition import load_definition, snapshot
from pathway.core.summary import CaseSummary, summarize
from pathway.store.models.cases import CaseBase

MODEL = Path(__file__).resolve().parents[2] / "definitions" / "model-wsparcia.yaml"
OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_the_summary_of_an_opened_case_carries_its_deadline_and_visit() -> None:
    definition = load_definition(str(MODEL), MODEL.read_text(encoding="utf-8"))
    case = Case.open(
        case_id="case-1", definition=snapshot(definition), coordinator_id="c-1", unit_id="u-1", now=OPENED, actor="c-1"
    )
    s = case.state
    summary = summarize(s)
    assert (summary.case_id, summary.stage, summary.status, summary.seq) == ("case-1", "diagnosis", "active", s.seq)
    assert summary.stage_due_at == s.watches["stage_deadline"].due_at
    assert summary.next_visit_due_at == (s.watches["visit"].due_at if "visit" in s.watches else None)
    assert (summary.definition_id, summary.definition_version) == (definition.id, definition.version)


def test_the_store_row_uses_the_summary_field_names() -> None:
    # The row's key is ``id`` (the summary's ``case_id``) and it keeps the summary's ``seq``
    # as ``last_seq``; every other field has the summary's name.
    row = set(CaseBase.model_fields)
    assert set(CaseSummary.model_fields) - {"case_id", "seq"} <= row
