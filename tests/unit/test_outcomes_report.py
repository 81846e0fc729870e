"""The outcomes report on a simulated cohort (issue 14, section 5): 55 cases with known
profiles and exits give exact figures; the profiles are sealed in the store and opened only
to be counted; the CSV has the long format of the other reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from pathway.api.csv_export import csv_text
from pathway.app.catalog import Catalog
from pathway.core.profile import Profile
from pathway.readmodels.outcomes import CSV_COLUMNS, csv_rows, outcomes
from pathway.render.outcome_charts import outcomes_svg
from pathway.security.codec import KeyRing
from pathway.security.identity import IdentityVault, make_keystore_engine
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, CaseProfile, Client, StagePeriod

ROOT = Path(__file__).resolve().parents[2]
MODEL = Catalog.load(ROOT / "definitions").definitions()["model-wsparcia"]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EXITED = T0 + timedelta(days=200)
NOW = EXITED + timedelta(days=120)
PATH = ["diagnosis", "plan", "therapy", "training", "internship"]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def vault() -> IdentityVault:
    return IdentityVault(make_keystore_engine("sqlite://"), KeyRing.parse(KeyRing.generate_line("k1")))


def _profile(i: int) -> Profile:
    return Profile(
        sex="female" if i < 44 else "male",
        birth_year=1970 if i < 30 else 1974 if i < 44 else 1990,
        labour_status="registered_unemployed" if i % 10 < 7 else "inactive" if i % 10 < 9 else "employed",
        disability=i % 10 == 0,
        disability_degree="moderate" if i % 10 == 0 else None,
    )


def _journey(i: int) -> tuple[list[str], str | None, str | None]:
    """(stages walked, terminal stage, status at exit)."""
    if i < 19:  # the internship ended in employment, then the follow-up ended: employed
        return [*PATH, "follow_up"], "closed", "employed"
    if i < 50:  # the internship ended without a job; 6 found one elsewhere
        return PATH, "not_employed", "employed" if i < 25 else "registered_unemployed"
    return PATH[:3], None, None  # still in therapy


def _add_case(s: Session, vault: IdentityVault, case_id: str, i: int, opened_at: datetime) -> None:
    stages, end, exit_status = _journey(i)
    walk = stages + ([end] if end else [])
    vault.new_client_key(case_id)
    s.add(Client(id=case_id, unit_id="u1", name_sealed=vault.seal(case_id, "client.name", f"K{i}")))
    s.flush()
    s.add(
        Case(
            id=case_id,
            client_id=case_id,
            definition_id=MODEL.id,
            definition_version=MODEL.version,
            unit_id="u1",
            coordinator_id="c1",
            stage=walk[-1],
            status="closed" if end else "active",
            outcome=MODEL.stages[end].outcome if end else None,
            opened_at=opened_at,
            stage_entered_at=opened_at,
            last_activity_at=opened_at,
            last_seq=1,
        )
    )
    s.flush()
    for n, stage in enumerate(walk):
        entered = opened_at + timedelta(days=20 * n)
        left = None if n == len(walk) - 1 else entered + timedelta(days=20)
        s.add(StagePeriod(case_id=case_id, seq=n + 1, stage=stage, entered_at=entered, left_at=left))
    row = CaseProfile(
        case_id=case_id,
        client_id=case_id,
        entry_sealed=vault.seal(case_id, "profile.entry", _profile(i).model_dump_json()),
    )
    if exit_status:
        row.exit_sealed = vault.seal(case_id, "profile.exit", exit_status)
        row.exited_at = EXITED
        # 40 follow-ups have fallen due by NOW; 30 of them recorded (15 employed, 15 inactive).
        row.follow_up_due_at = EXITED + timedelta(days=92 if i < 40 else 200)
        if i < 30:
            row.follow_up_sealed = vault.seal(case_id, "profile.follow_up", "employed" if i < 15 else "inactive")
            row.follow_up_recorded_at = EXITED + timedelta(days=95)
    s.add(row)
    s.commit()


@pytest.fixture
def cohort(engine: Engine, vault: IdentityVault) -> Engine:
    with Session(engine) as s:
        for i in range(55):
            _add_case(s, vault, f"case-{i:02d}", i, T0)
        _add_case(s, vault, "before-the-period", 0, T0 - timedelta(days=400))
    return engine


def test_a_simulated_cohort_gives_exact_figures(cohort: Engine, vault: IdentityVault) -> None:
    with Session(cohort) as s:
        report = outcomes(s, vault=vault, definition=MODEL, unit_id="u1", now=NOW, opened_from=date(2026, 1, 1))
    assert (report.entries, report.ended, report.follow_ups_due, report.follow_ups_recorded) == (55, 50, 40, 30)
    profile = {(c.dimension, c.value): c.count for c in report.by_profile}
    assert profile == {
        ("sex", "female"): 44,
        ("sex", "male"): 11,
        ("age_band", "55_plus"): 30,  # born 1970: 56 in 2026
        ("age_band", "50_54"): 14,
        ("age_band", "30_49"): 11,
        ("labour_status", "registered_unemployed"): 40,
        ("labour_status", "inactive"): 10,
        ("labour_status", "employed"): 5,
        ("disability", "moderate"): 6,
        ("disability", "none"): 49,
    }
    assert {(c.value, c.count, c.share) for c in report.exits} == {("employed", 19, 0.38), ("not_employed", 31, 0.62)}
    assert {(c.value, c.count) for c in report.exit_status} == {("employed", 25), ("registered_unemployed", 25)}
    rates = {r.measure: (r.count, r.of, r.rate) for r in report.rates}
    assert rates == {
        "employed_at_exit": (25, 50, 0.5),
        "employed_after_exit": (15, 40, 0.375),
        "internship_to_employment": (19, 50, 0.38),  # seed 004: 38% of internships
    }


def test_the_period_and_an_erased_client(cohort: Engine, vault: IdentityVault) -> None:
    with Session(cohort) as s:
        everything = outcomes(s, vault=vault, definition=MODEL, unit_id="u1", now=NOW)
    assert everything.entries == 56
    vault.erase("case-00")  # erasing a client erases her profile: counted as not recorded
    with Session(cohort) as s:
        report = outcomes(s, vault=vault, definition=MODEL, unit_id="u1", now=NOW, opened_from=date(2026, 1, 1))
    profile = {(c.dimension, c.value): c.count for c in report.by_profile}
    assert profile[("sex", "female")] == 43 and profile[("sex", "not_recorded")] == 1
    assert {(c.value, c.count) for c in report.exit_status} == {
        ("employed", 24),
        ("registered_unemployed", 25),
        ("not_recorded", 1),
    }


def test_the_csv_and_the_chart(cohort: Engine, vault: IdentityVault) -> None:
    with Session(cohort) as s:
        report = outcomes(s, vault=vault, definition=MODEL, unit_id="u1", now=NOW, opened_from=date(2026, 1, 1))
    rows = list(csv.DictReader(io.StringIO(csv_text(csv_rows(report), CSV_COLUMNS))))
    assert list(rows[0]) == CSV_COLUMNS == ["section", "dimension", "value", "count", "of", "share"]
    assert rows[0] == {
        "section": "entries",
        "dimension": "cohort",
        "value": "all",
        "count": "55",
        "of": "",
        "share": "",
    }
    assert {
        "section": "rate",
        "dimension": "internship_to_employment",
        "value": "employed",
        "count": "19",
        "of": "50",
        "share": "0.38",
    } in rows
    assert {"section": "profile", "dimension": "sex", "value": "male", "count": "11", "of": "", "share": "0.2"} in rows

    svg = outcomes_svg(report, "pl")
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Zatrudnienie w chwili zakończenia" in svg and "38%" in svg and "19 z 50" in svg
    assert "Employed at exit" in outcomes_svg(report, "en")
