"""Client identity sealed under per-client keys (pathway.security.identity) and the store
functions that use it: what is on disk, what a backup holds, what erasure destroys."""

from __future__ import annotations

import base64
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, inspect, text
from sqlmodel import Session, select

from pathway.config import Settings
from pathway.security.codec import KeyRing
from pathway.security.identity import (
    ClientErased,
    IdentityError,
    IdentityVault,
    KeyMissing,
    keystore_engine,
    make_keystore_engine,
)
from pathway.store import queries
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Client, ClientCreate, ClientKey, Note, PartnerCreate
from pathway.store.sealing import ERASED

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
NAME = "Bożena Wyjątkowa-Nazwiskowska"
ADDRESS = "ul. Schowana 77/3, 53-600 Wrocław"
PHONE = "+48 699 123 457"
NOTE = "Sprawca pracuje w warsztacie przy ul. Kolejowej, klientka boi się wrócić"


def ring(*ids: str) -> KeyRing:
    """A ring of fresh keys; the first id is current."""
    return KeyRing.parse(",".join(KeyRing.generate_line(i) for i in ids))


def ring_from(keys: dict[str, bytes], current: str) -> KeyRing:
    return KeyRing(keys=keys, current=current)


@pytest.fixture
def keystore(tmp_path: Path) -> Engine:
    eng = make_keystore_engine(f"sqlite:///{tmp_path / 'keys' / 'keystore.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def master() -> KeyRing:
    return ring("k2026")


@pytest.fixture
def vault(keystore: Engine, master: KeyRing) -> IdentityVault:
    return IdentityVault(keystore, master)


@pytest.fixture
def data(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'data' / 'pathway.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


def key_rows(keystore: Engine) -> list[ClientKey]:
    with Session(keystore) as s:
        return list(s.exec(select(ClientKey)).all())


def file_bytes(db: Path) -> bytes:
    """The database file and whatever journal or WAL lies next to it, as bytes."""
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists())


# ---------------------------------------------------------------- the vault
def test_seal_and_open_round_trip(vault: IdentityVault) -> None:
    vault.new_client_key("c1")
    for value in (NAME, "", "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ", "x" * 10_000):
        sealed = vault.seal("c1", "client.name", value)
        assert sealed.startswith("v1:") and sealed.count(":") == 2
        assert vault.open("c1", "client.name", sealed) == value
    assert vault.open_many([]) == []


def test_the_ciphertext_does_not_contain_the_plaintext(vault: IdentityVault) -> None:
    vault.new_client_key("c1")
    sealed = vault.seal("c1", "client.address", ADDRESS)
    raw = base64.urlsafe_b64decode(sealed.split(":")[2] + "==")
    for secret in (ADDRESS, "Schowana", "Wrocław"):
        assert secret not in sealed
        assert secret.encode() not in raw
    # A fresh nonce each time: the same text never seals the same way twice.
    assert vault.seal("c1", "client.address", ADDRESS) != sealed


def test_a_sealed_value_moved_to_another_client_or_field_does_not_open(vault: IdentityVault) -> None:
    vault.new_client_key("c1")
    vault.new_client_key("c2")
    sealed = vault.seal("c1", "client.name", NAME)
    with pytest.raises(IdentityError):
        vault.open("c2", "client.name", sealed)  # another client's row
    with pytest.raises(IdentityError):
        vault.open("c1", "client.address", sealed)  # another field of the same client
    with pytest.raises(IdentityError):
        vault.open("c1", "note:n1", sealed)
    # Even re-labelled with the other client's key id, the associated data does not match.
    other_dek = vault.seal("c2", "client.name", "x").split(":")[1]
    with pytest.raises(IdentityError):
        vault.open("c2", "client.name", f"v1:{other_dek}:{sealed.split(':')[2]}")
    version, dek_id, body = sealed.split(":")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    for bad in (
        f"{version}:{dek_id}:{flipped}",
        "plain text",
        f"v2:{dek_id}:{body}",
        f"v1:{dek_id}:@@@",
        f"v1:{dek_id}:AAAA",
    ):
        with pytest.raises(IdentityError):
            vault.open("c1", "client.name", bad)
    assert vault.open("c1", "client.name", sealed) == NAME


def test_seal_many_seals_each_field_with_one_key_store_read(vault: IdentityVault, keystore: Engine) -> None:
    vault.new_client_key("c1")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement)

    event.listen(keystore, "before_cursor_execute", seen)
    sealed = vault.seal_many("c1", {"client.name": NAME, "client.address": ADDRESS, "client.phone": PHONE})
    event.remove(keystore, "before_cursor_execute", seen)
    assert [s.split()[0] for s in statements] == ["SELECT"]
    assert vault.open_many([("c1", field, value) for field, value in sealed.items()]) == [NAME, ADDRESS, PHONE]
    # Each value is bound to its own field, as ``seal`` binds it, and gets its own nonce.
    with pytest.raises(IdentityError):
        vault.open("c1", "client.name", sealed["client.address"])
    assert len({value.split(":")[2][:16] for value in sealed.values()}) == 3
    assert vault.seal_many("c1", {}) == {}


def test_seal_new_seals_under_the_key_it_made_without_reading_it_back(vault: IdentityVault, keystore: Engine) -> None:
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(statement.split()[0])

    event.listen(keystore, "before_cursor_execute", seen)
    sealed = vault.seal_new("c1", {"client.name": NAME, "client.phone": PHONE})
    event.remove(keystore, "before_cursor_execute", seen)
    # Erased? Has a key? Then the key written: never read back after the INSERT.
    assert statements == ["SELECT", "SELECT", "INSERT"]
    [row] = key_rows(keystore)
    assert all(value.split(":")[1] == row.dek_id for value in sealed.values())
    assert row.created_at is not None and row.wrapped_at is not None
    assert vault.open_many([("c1", f, v) for f, v in sealed.items()]) == [NAME, PHONE]

    # A client who has a key keeps it; an erased one gets none.
    again = vault.seal_new("c1", {"client.name": NAME})
    assert again["client.name"].split(":")[1] == row.dek_id and len(key_rows(keystore)) == 1
    vault.erase("c1")
    with pytest.raises(ClientErased):
        vault.seal_new("c1", {"client.name": NAME})


def test_a_client_the_key_store_does_not_know_is_an_error_not_erased(vault: IdentityVault) -> None:
    with pytest.raises(KeyMissing):
        vault.seal("ghost", "client.name", NAME)
    vault.new_client_key("c1")
    sealed = vault.seal("c1", "client.name", NAME)
    other = IdentityVault(make_keystore_engine("sqlite://"), vault._ring)  # an empty key store
    with pytest.raises(KeyMissing, match="PATHWAY_KEYSTORE_URL"):
        other.open("c1", "client.name", sealed)


def test_the_key_is_stored_wrapped_and_a_wrong_master_key_opens_nothing(vault: IdentityVault, keystore: Engine) -> None:
    vault.new_client_key("c1")
    sealed = vault.seal("c1", "client.name", NAME)
    [row] = key_rows(keystore)
    assert (row.client_id, row.kek_id) == ("c1", "k2026")
    assert len(row.wrapped_dek) == 12 + 32 + 16  # nonce, the DEK encrypted, tag: never the bare key
    stranger = IdentityVault(keystore, ring("k2026"))  # same key id, another key
    with pytest.raises(IdentityError, match="does not open"):
        stranger.open("c1", "client.name", sealed)


def test_master_key_rotation_old_keys_unwrap_new_keys_use_the_current(keystore: Engine) -> None:
    old = ring("k1")
    before = IdentityVault(keystore, old)
    before.new_client_key("c1")
    sealed = before.seal("c1", "client.name", NAME)

    rotated = ring_from({"k2": base64.b64decode(KeyRing.generate_line("k2").split(":")[1]), **old.keys}, current="k2")
    after = IdentityVault(keystore, rotated)
    assert after.open("c1", "client.name", sealed) == NAME  # wrapped by k1, still opens
    after.new_client_key("c2")
    assert {r.client_id: r.kek_id for r in key_rows(keystore)} == {"c1": "k1", "c2": "k2"}

    # Without k1 in the ring c1's key cannot be unwrapped ... until it is re-wrapped.
    only_new = IdentityVault(keystore, ring_from({"k2": rotated.keys["k2"]}, current="k2"))
    with pytest.raises(IdentityError, match="'k1'"):
        only_new.open("c1", "client.name", sealed)
    assert after.rewrap() == 1
    assert after.rewrap() == 0
    assert {r.kek_id for r in key_rows(keystore)} == {"k2"}
    assert only_new.open("c1", "client.name", sealed) == NAME


def test_new_client_key_is_idempotent(vault: IdentityVault, keystore: Engine) -> None:
    first = vault.new_client_key("c1")
    sealed = vault.seal("c1", "client.name", NAME)
    assert vault.new_client_key("c1") == first
    assert vault.open("c1", "client.name", sealed) == NAME
    assert len(key_rows(keystore)) == 1


def test_erase_destroys_the_key_and_is_idempotent(vault: IdentityVault, keystore: Engine) -> None:
    vault.new_client_key("c1")
    vault.new_client_key("c2")
    name, note = vault.seal("c1", "client.name", NAME), vault.seal("c1", "note:n1", NOTE)
    keep = vault.seal("c2", "client.name", "Inna Klientka")
    assert not vault.is_erased("c1")

    assert vault.erase("c1") is True
    assert vault.is_erased("c1") and vault.erased_at("c1") is not None
    assert [r.client_id for r in key_rows(keystore)] == ["c2"], "the key store row is gone"
    assert vault.open("c1", "client.name", name) is None
    assert vault.open_many([("c1", "note:n1", note), ("c2", "client.name", keep)]) == [None, "Inna Klientka"]
    with pytest.raises(ClientErased):
        vault.seal("c1", "client.name", NAME)
    with pytest.raises(ClientErased):
        vault.new_client_key("c1")  # an erased client never gets a key again

    first_at = vault.erased_at("c1")
    assert vault.erase("c1") is False
    assert vault.erasure("c1").erased_at == first_at


def test_an_erasure_reaches_every_process_at_once(keystore: Engine, master: KeyRing) -> None:
    """No process keeps an unwrapped key: another API process sees the erasure immediately."""
    api_1, api_2 = IdentityVault(keystore, master), IdentityVault(keystore, master)
    api_1.new_client_key("c1")
    sealed = api_1.seal("c1", "client.name", NAME)
    assert api_2.open("c1", "client.name", sealed) == NAME
    api_1.erase("c1")
    assert api_2.open("c1", "client.name", sealed) is None


def test_after_erasure_the_key_store_file_no_longer_holds_the_wrapped_key(
    vault: IdentityVault, keystore: Engine
) -> None:
    path = Path(keystore.url.database)
    for i in range(50):  # neighbours on the same pages
        vault.new_client_key(f"other-{i}")
    vault.new_client_key("c1")
    wrapped = next(r.wrapped_dek for r in key_rows(keystore) if r.client_id == "c1")
    assert wrapped in file_bytes(path), "sanity: before erasure the wrapped key is in the file"
    with keystore.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1

    assert vault.erase("c1")
    keystore.dispose()  # every connection closed: what is on disk is all there is
    assert wrapped not in file_bytes(path)
    assert wrapped[12:28] not in file_bytes(path)  # not even a piece of it
    assert len(key_rows(keystore)) == 50


def test_the_key_store_is_its_own_database(
    tmp_path: Path, data: Engine, keystore: Engine, vault: IdentityVault
) -> None:
    assert not {"client_keys", "client_erasures"} & set(inspect(data).get_table_names())
    # Its tables and its own migration version table (pathway/store/schema/keystore).
    assert set(inspect(keystore).get_table_names()) == {"client_keys", "client_erasures", "alembic_version_keystore"}
    settings = Settings(home=tmp_path, database_url=None, keystore_url=None)
    assert settings.resolved_keystore_url.endswith("keystore.db")
    assert settings.resolved_keystore_url != settings.resolved_database_url
    same = Settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'one.db'}", keystore_url=f"sqlite:///{tmp_path / 'one.db'}"
    )
    with pytest.raises(ValueError, match="database of its own"):
        keystore_engine(same)


# ---------------------------------------------------------------- the store, sealed
def open_client(s: Session, vault: IdentityVault, case_id: str, name: str = NAME) -> str:
    client, _ = queries.create_client_and_case(
        s,
        vault=vault,
        client=ClientCreate(unit_id="u1", name=name, address=ADDRESS, phone=PHONE),
        definition_id="model-wsparcia",
        definition_version=1,
        coordinator_id="coord-a",
        initial_stage="diagnosis",
        opened_at=NOW,
        case_id=case_id,
    )
    return client.id


def test_the_data_files_never_hold_a_clients_identity_or_notes(data: Engine, vault: IdentityVault) -> None:
    db = Path(data.url.database)
    marker = "Fundacja Jawna Nazwa Kontrolna"  # partners are not personal data: stored in the clear
    with Session(data) as s:
        client_id = open_client(s, vault, "case-1")
        queries.add_note(s, vault=vault, case_id="case-1", author="coord-a", text=NOTE)
        queries.create_partner(s, partner=PartnerCreate(name=marker, kind="ngo", sector="non_public"))
        person = queries.get_client(s, vault=vault, client_id=client_id)
        assert person is not None and (person.name, person.address, person.phone) == (NAME, ADDRESS, PHONE)
        assert [n.text for n in queries.list_notes(s, vault=vault, case_id="case-1")] == [NOTE]

    secrets = [NAME, "Wyjątkowa", ADDRESS, "Schowana", PHONE, "699 123 457", NOTE, "Kolejowej", "warsztacie"]

    def check(raw: bytes, where: str) -> None:
        assert marker.encode() in raw and b"case-1" in raw, f"sanity: the {where} bytes show what was written"
        for secret in secrets:
            assert secret.encode("utf-8") not in raw, f"{secret!r} is readable in the {where}"

    check(file_bytes(db), "database file with its WAL")  # before a checkpoint: most is in the WAL
    with data.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    check(db.read_bytes(), "checkpointed database file")


def test_a_backup_taken_before_erasure_no_longer_opens_after_it(
    tmp_path: Path, data: Engine, vault: IdentityVault
) -> None:
    with Session(data) as s:
        client_id = open_client(s, vault, "case-1")
        note = queries.add_note(s, vault=vault, case_id="case-1", author="coord-a", text=NOTE)
        open_client(s, vault, "case-2", name="Druga Klientka")
    # The nightly backup of the data database: a copy of the checkpointed file.
    with data.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    backup = tmp_path / "backup" / "pathway.db"
    backup.parent.mkdir()
    shutil.copy2(Path(data.url.database), backup)

    def from_backup() -> tuple[str, str]:
        restored = make_engine(f"sqlite:///{backup}")
        try:
            with Session(restored) as s:
                row = s.get(Client, client_id)
                stored_note = s.get(Note, note.id)
                assert row is not None and stored_note is not None
                return row.name_sealed, stored_note.text_sealed
        finally:
            restored.dispose()

    name_sealed, note_sealed = from_backup()
    assert vault.open(client_id, "client.name", name_sealed) == NAME, "sanity: the backup opens before erasure"
    assert vault.open(client_id, f"note:{note.id}", note_sealed) == NOTE

    assert vault.erase(client_id)
    name_sealed, note_sealed = from_backup()  # the backup itself is unchanged ...
    assert vault.open(client_id, "client.name", name_sealed) is None  # ... and unreadable
    assert vault.open(client_id, f"note:{note.id}", note_sealed) is None
    assert NAME.encode() not in backup.read_bytes()

    # The live store shows the client as erased; the other client is untouched.
    with Session(data) as s:
        person = queries.get_client(s, vault=vault, client_id=client_id)
        assert person is not None and person.erased
        assert (person.name, person.address, person.phone) == (ERASED, ERASED, ERASED)
        [erased_note] = queries.list_notes(s, vault=vault, case_id="case-1")
        assert (erased_note.text, erased_note.erased) == (ERASED, True)
        names = queries.client_names(
            s, vault=vault, client_ids=[client_id, *queries.client_cases(s, client_id=client_id)]
        )
        assert names == {client_id: ERASED}
        assert queries.get_case(s, case_id="case-1") is not None  # the pseudonymous case stays
        with pytest.raises(ClientErased):
            queries.add_note(s, vault=vault, case_id="case-1", author="coord-a", text="nowa notatka")
        assert queries.list_notes(s, vault=vault, case_id="case-2") == []
        other = s.exec(select(Client).where(Client.id != client_id)).one()
        assert queries.get_client(s, vault=vault, client_id=other.id).name == "Druga Klientka"


def test_a_client_without_address_or_phone_stays_without_them(data: Engine, vault: IdentityVault) -> None:
    with Session(data) as s:
        client, _ = queries.create_client_and_case(
            s,
            vault=vault,
            client=ClientCreate(unit_id="u1", name="Ola"),
            definition_id="model-wsparcia",
            definition_version=1,
            coordinator_id="coord-a",
            initial_stage="diagnosis",
            opened_at=NOW,
            case_id="k",
        )
        row = s.get(Client, client.id)
        assert row is not None and (row.address_sealed, row.phone_sealed) == (None, None)
        vault.erase(client.id)
        person = queries.get_client(s, vault=vault, client_id=client.id)
        assert person is not None and (person.name, person.address, person.phone) == (ERASED, None, None)


def test_a_failed_open_leaves_no_key_behind(data: Engine, vault: IdentityVault, keystore: Engine) -> None:
    with Session(data) as s:
        open_client(s, vault, "dup")
    assert len(key_rows(keystore)) == 1
    with Session(data) as s:
        with pytest.raises(Exception, match="UNIQUE"):
            open_client(s, vault, "dup")  # the same case id: the insert fails
    assert len(key_rows(keystore)) == 1, "the second client's key was removed with its rows"
    with Session(data) as s:
        assert s.exec(text("SELECT count(*) FROM clients")).scalar() == 1


# ---------------------------------------------------------------- the CLI
def test_cli_erase_asks_first_then_calls_the_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    from typer.testing import CliRunner

    from pathway import cli
    from pathway.cli import console as cli_console

    monkeypatch.setenv("PATHWAY_HOME", str(tmp_path))
    monkeypatch.setenv("PATHWAY_API_URL", "http://api.test")
    monkeypatch.setenv("PATHWAY_TOKEN", "token-of-a-supervisor")
    sent: list[tuple[str, str, dict[str, str]]] = []

    def fake_request(method: str, url: str, **kw: object) -> httpx.Response:
        sent.append((method, url, dict(kw["headers"])))  # type: ignore[arg-type]
        body = {
            "client_id": "c1",
            "erased": True,
            "erased_at": "2026-05-04T12:00:00Z",
            "key_destroyed": True,
            "fields": ["name", "address"],
            "notes": 2,
            "cases": ["case-1"],
        }
        return httpx.Response(200, json=body, request=httpx.Request(method, url))

    monkeypatch.setattr(cli_console.httpx, "request", fake_request)
    monkeypatch.setenv("PATHWAY_LANG", "pl")  # the CLI's default words
    cli_console.words.cache_clear()
    runner = CliRunner()
    refused = runner.invoke(cli.app, ["clients", "erase", "c1"], input="n\n")
    assert refused.exit_code != 0 and sent == [], "answering no sends nothing"

    confirmed = runner.invoke(cli.app, ["clients", "erase", "c1"], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "usunięto" in confirmed.output and "2 notatki" in confirmed.output and "case-1" in confirmed.output
    forced = runner.invoke(cli.app, ["clients", "erase", "c1", "--yes"])
    assert forced.exit_code == 0, forced.output
    assert [(m, u, h["Authorization"]) for m, u, h in sent] == [
        ("POST", "http://api.test/api/v1/clients/c1/erase", "Bearer token-of-a-supervisor")
    ] * 2
