"""The SQL store: engine set-up, UTC datetimes, cases and clients, partners, the stalled audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from pathway.security.codec import KeyRing
from pathway.security.identity import IdentityVault, make_keystore_engine
from pathway.store import queries
from pathway.store.db import create_schema, make_engine, session
from pathway.store.models import Case, Client, ClientCreate, ClientPublic, Note, Partner, PartnerCreate

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
WARSAW_SUMMER = timezone(timedelta(hours=2))


@pytest.fixture
def engine(store_engine: Engine) -> Engine:
    """The store on SQLite and on PostgreSQL (tests/conftest.py)."""
    return store_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'pathway.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def vault(tmp_path: Path) -> IdentityVault:
    keystore = make_keystore_engine(f"sqlite:///{tmp_path / 'keystore.db'}")
    yield IdentityVault(keystore, KeyRing.parse(KeyRing.generate_line("k1")))
    keystore.dispose()


def add_case(s: Session, case_id: str, **overrides: object) -> Case:
    values: dict[str, object] = dict(
        id=case_id,
        definition_id="model-wsparcia",
        definition_version=1,
        unit_id="u1",
        coordinator_id="coord-a",
        stage="therapy",
        status="active",
        opened_at=NOW - timedelta(days=200),
        stage_entered_at=NOW - timedelta(days=20),
        last_activity_at=NOW - timedelta(days=1),
        last_seq=5,
    )
    values.update(overrides)
    case = Case(**values)
    s.add(case)
    s.commit()
    return case


# ---------------------------------------------------------------- engine
def test_sqlite_engine_creates_the_directory_and_sets_pragmas(tmp_path: Path, sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    assert (tmp_path / "nested" / "dir" / "pathway.db").exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError, match="(?i)foreign key"):
        with session(engine) as s:
            s.add(Note(id="n1", case_id="no-such-case", author="u", text_sealed="x"))


def test_session_helper_commits_and_rolls_back(engine: Engine) -> None:
    with session(engine) as s:
        s.add(Client(id="c1", unit_id="u1", name_sealed="A"))
    with pytest.raises(RuntimeError):
        with session(engine) as s:
            s.add(Client(id="c2", unit_id="u1", name_sealed="B"))
            s.flush()
            raise RuntimeError("boom")
    with Session(engine) as s:
        assert [c.id for c in s.exec(select(Client)).all()] == ["c1"]


# ---------------------------------------------------------------- datetimes
def test_datetimes_round_trip_as_aware_utc(engine: Engine) -> None:
    local = datetime(2026, 7, 1, 10, 30, 15, 123456, tzinfo=WARSAW_SUMMER)
    with Session(engine) as s:
        add_case(s, "k1", opened_at=local, stage_due_at=local + timedelta(days=3))
    with Session(engine) as s:
        case = queries.get_case(s, case_id="k1")
        assert case is not None
        assert case.opened_at == local
        assert case.opened_at.tzinfo is UTC
        assert case.opened_at.hour == 8
        assert case.stage_due_at == local + timedelta(days=3)
        assert case.stage_due_at.tzinfo is UTC
        # Stored as one canonical UTC text, so SQLite's text comparisons keep time order.
        raw = s.connection().execute(text("SELECT opened_at FROM cases WHERE id='k1'")).scalar()
        assert str(raw).startswith("2026-07-01 08:30:15")


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with Session(engine) as s:
        with pytest.raises(StatementError, match="naive datetime refused"):
            add_case(s, "k1", opened_at=datetime(2026, 1, 1, 12, 0))


# ---------------------------------------------------------------- clients and cases
def open_case(
    s: Session, vault: IdentityVault, name: str = "Anna Testowa", case_id: str | None = None
) -> tuple[ClientPublic, Case]:
    return queries.create_client_and_case(
        s,
        vault=vault,
        client=ClientCreate(unit_id="u1", name=name, address="ul. Tajna 1", phone="600100200"),
        definition_id="model-wsparcia",
        definition_version=1,
        coordinator_id="coord-a",
        initial_stage="diagnosis",
        opened_at=NOW,
        case_id=case_id,
    )


def test_create_client_and_case_stores_an_opening_placeholder(engine: Engine, vault: IdentityVault) -> None:
    with Session(engine) as s:
        client, case = open_case(s, vault, case_id="case-1")
    with Session(engine) as s:
        stored = queries.get_case(s, case_id="case-1")
        assert stored is not None
        assert stored.client_id == client.id
        assert (stored.status, stored.stage, stored.last_seq, stored.unit_id) == ("opening", "diagnosis", 0, "u1")
        person = queries.get_client(s, vault=vault, client_id=client.id)
        assert person is not None and person.name == "Anna Testowa"
        assert (person.address, person.phone, person.unit_id, person.erased) == (
            "ul. Tajna 1",
            "600100200",
            "u1",
            False,
        )
        row = s.get(Client, client.id)
        assert row is not None and row.name_sealed.startswith("v1:") and "Anna" not in row.name_sealed


def test_unstarted_cases_are_found_and_discarded_with_their_client(engine: Engine, vault: IdentityVault) -> None:
    with Session(engine) as s:
        client, _ = open_case(s, vault, case_id="stuck")
        client_id = client.id
        queries.add_note(s, vault=vault, case_id="stuck", author="coord-a", text="first contact")
        add_case(s, "running", status="active")
        assert [c.id for c in queries.unstarted_cases(s, opened_before=NOW + timedelta(minutes=5))] == ["stuck"]
        assert queries.unstarted_cases(s, opened_before=NOW - timedelta(minutes=5)) == []
        assert queries.discard_unstarted_case(s, case_id="running", vault=vault) is False
        assert queries.discard_unstarted_case(s, case_id="stuck", vault=vault) is True
    with Session(engine) as s:
        assert queries.get_case(s, case_id="stuck") is None
        assert queries.get_client(s, vault=vault, client_id=client_id) is None
        assert queries.list_notes(s, vault=vault, case_id="stuck") == []
        assert queries.get_case(s, case_id="running") is not None
    assert vault.is_erased(client_id), "the discarded client's key goes too"


def test_case_id_for_key_is_stable_per_person() -> None:
    first = queries.case_id_for_key(actor="coord-a", key="k-1", unit_id="u1")
    assert first == queries.case_id_for_key(actor="coord-a", key="k-1", unit_id="u1")
    assert first != queries.case_id_for_key(actor="coord-b", key="k-1", unit_id="u1")
    assert first != queries.case_id_for_key(actor="coord-a", key="k-2", unit_id="u1")
    assert first != queries.case_id_for_key(actor="coord-a", key="k-1", unit_id="u2")
    assert len(first) == 32


def test_client_names_and_notes(engine: Engine, vault: IdentityVault) -> None:
    with Session(engine) as s:
        anna, _ = open_case(s, vault, name="Anna", case_id="c-a")
        ewa, _ = open_case(s, vault, name="Ewa", case_id="c-e")
        ids = (anna.id, ewa.id)
        assert queries.client_names(s, vault=vault, client_ids=[ids[0], ids[1], ids[0], "nobody"]) == {
            ids[0]: "Anna",
            ids[1]: "Ewa",
        }
        assert queries.client_names(s, vault=vault, client_ids=[]) == {}
        queries.add_note(s, vault=vault, case_id="c-a", author="coord-a", text="kept", created_at=NOW)
        dropped = queries.add_note(s, vault=vault, case_id="c-a", author="coord-a", text="dropped")
        assert queries.delete_note(s, note_id=dropped.id) is True
        assert queries.delete_note(s, note_id=dropped.id) is False
    with Session(engine) as s:
        [note] = queries.list_notes(s, vault=vault, case_id="c-a")
        assert (note.text, note.created_at, note.erased) == ("kept", NOW, False)
        assert s.get(Note, note.id).text_sealed.startswith("v1:")


def test_list_cases_filters_pages_and_counts(engine: Engine) -> None:
    with Session(engine) as s:
        for i in range(5):
            add_case(s, f"a{i}", opened_at=NOW - timedelta(days=i), coordinator_id="coord-a")
        add_case(s, "b0", unit_id="u2", coordinator_id="coord-b")
        add_case(s, "c0", status="closed")
        page, total = queries.list_cases(s, unit_id="u1", status="active", limit=2, offset=1)
        assert total == 5
        assert [c.id for c in page] == ["a1", "a2"]  # newest first
        page, total = queries.list_cases(s, coordinator_id="coord-b")
        assert (total, [c.id for c in page]) == (1, ["b0"])
        _, total = queries.list_cases(s)
        assert total == 7
        _, total = queries.list_cases(s, definition_id="other")
        assert total == 0


# ---------------------------------------------------------------- partners
def test_partners_are_created_listed_and_validated(engine: Engine) -> None:
    with Session(engine) as s:
        p = queries.create_partner(
            s,
            partner=PartnerCreate(name="Fundacja Przykład", kind="ngo", sector="non_public", services=["therapy"]),
            partner_id="p-ngo",
        )
        queries.create_partner(
            s, partner=PartnerCreate(name="Firma U2", kind="employer", sector="private", unit_id="u2")
        )
        queries.create_partner(
            s, partner=PartnerCreate(name="Apteka U1", kind="health", sector="private", unit_id="u1")
        )
        assert p.channel == "outbox" and p.created_at.tzinfo is UTC
    with Session(engine) as s:
        got = queries.get_partner(s, partner_id="p-ngo")
        assert got is not None and got.services == ["therapy"]
        page, total = queries.list_partners(s, unit_id="u1")
        assert total == 2
        assert [x.name for x in page] == ["Apteka U1", "Fundacja Przykład"]  # own and shared, by name
        _, total = queries.list_partners(s, kind="employer")
        assert total == 1
    with pytest.raises(ValidationError, match="unknown partner kind"):
        PartnerCreate(name="X", kind="astrologer", sector="private")
    with pytest.raises(ValidationError):
        PartnerCreate(name="X", kind="ngo", sector="government")


def test_partner_row_defaults(engine: Engine) -> None:
    # The table itself does not validate (SQLModel tables skip validation): PartnerCreate does.
    with session(engine) as s:
        s.add(Partner(id="p", name="PUP Wrocław", kind="pup", sector="public"))
    with Session(engine) as s:
        got = queries.get_partner(s, partner_id="p")
        assert got is not None and got.internship_capacity == 0 and got.services == []
