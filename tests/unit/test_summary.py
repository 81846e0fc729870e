"""The case summary: read from the state in one place, the same names as the store's row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pathway.app.schemas import CaseListItem
from pathway.core.case import Case
from pathway.core.definition import load_definition, snapshot
from pathway.core.summary import LISTED, CaseSummary, list_name, row_name, summarize
from pathway.store.models.cases import Case as CaseRow
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
    assert {row_name(f) for f in CaseSummary.model_fields} <= set(CaseRow.model_fields)


def test_the_api_list_item_is_the_summarys_listed_fields_under_the_names_declared_with_it() -> None:
    """Issue 12: one case summary shape; the list item adds the client's name only, and its
    fields are the summary's (their types too), under the API's names declared in the summary."""
    item = CaseListItem.model_fields
    assert set(item) == {list_name(f) for f in LISTED} | {"client_name"}
    for field in LISTED:
        if field != "status":  # the row's status also has "opening" (before the first projection)
            assert item[list_name(field)].annotation == CaseSummary.model_fields[field].annotation, field


def test_a_list_item_is_filled_from_the_row_through_the_one_mapping() -> None:
    row = CaseRow(
        id="case-9",
        definition_id="model-wsparcia",
        definition_version=5,
        unit_id="u-1",
        coordinator_id="c-1",
        stage="diagnosis",
        status="active",
        opened_at=OPENED,
        stage_entered_at=OPENED,
        last_activity_at=OPENED,
    )
    item = CaseListItem.from_row(row, client_name=None)
    assert (item.id, item.definition, item.coordinator, item.unit) == ("case-9", "model-wsparcia", "c-1", "u-1")
    assert item.model_dump(mode="json")["opened_at"] == "2026-03-02T08:00:00Z"
