"""The review database as a file: schema versions and migrations, and files that are damaged,
someone else's, locked, read-only or not files at all. Each is one StoreError (an InputError:
one line, exit 2 in the CLI) that names the file, and nothing stored is changed or lost.

tests/fixtures/review-d324c23.sqlite is a database as the last release before schema versions
wrote it (tests/fixtures/make_release_db.py says how it was made); tests copy it before use.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fake_encoder import FakeEncoder
from tiny_document import ALIGNMENT, save

from workbench import fidelity
from workbench.errors import InputError
from workbench.model import LinkState
from workbench.review import store
from workbench.review.store import SCHEMA_VERSION, Store, StoreError

RELEASE_DB = Path(__file__).resolve().parent / "fixtures" / "review-d324c23.sqlite"

# The schema of an early workbench: no summary, summary_links or signature column on
# documents, no link_scores or deleted_documents table, and a history nothing may delete from.
OLD_SCHEMA = """
CREATE TABLE documents (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, content_key TEXT NOT NULL UNIQUE,
    src_lang TEXT NOT NULL, tgt_lang TEXT NOT NULL, model TEXT NOT NULL,
    source_text TEXT NOT NULL, translation_text TEXT, src_segments TEXT NOT NULL,
    tgt_segments TEXT NOT NULL, notes TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE links (
    document_id INTEGER NOT NULL REFERENCES documents(id), position INTEGER NOT NULL,
    src TEXT NOT NULL, tgt TEXT NOT NULL, similarity REAL, pinned INTEGER NOT NULL DEFAULT 0,
    review_status TEXT NOT NULL DEFAULT 'unreviewed', review_category TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '', reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at TEXT NOT NULL DEFAULT '', PRIMARY KEY (document_id, position));
CREATE TABLE actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document_id INTEGER NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL, at TEXT NOT NULL, who TEXT NOT NULL, type TEXT NOT NULL,
    payload TEXT NOT NULL);
CREATE TRIGGER actions_no_delete BEFORE DELETE ON actions
    BEGIN SELECT RAISE(ABORT, 'the action history is append-only'); END;
"""


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read without the workbench."""
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in tables}
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def columns(path: Path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_naming(error: pytest.ExceptionInfo, path: Path) -> str:
    message = str(error.value)
    assert isinstance(error.value, InputError) and "\n" not in message and str(path) in message
    return message


@pytest.fixture
def release_db(tmp_path: Path) -> Path:
    path = tmp_path / "review.sqlite"
    shutil.copyfile(RELEASE_DB, path)
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Store, int]:
    """A current database holding the tiny document with a little history."""
    db = Store(tmp_path / "data" / "review.sqlite")
    doc = save(db)
    db.confirm(doc, 0, who="alice")
    db.merge(doc, 2, "next", who="alice")
    return db, doc


# -- schema versions --------------------------------------------------------------------------


def test_a_database_written_by_the_last_unversioned_release_opens_reads_and_accepts_writes(release_db: Path) -> None:
    before = rows(release_db)
    assert user_version(release_db) == 0 and before["deleted_documents"]
    db = Store(release_db)
    assert user_version(release_db) == SCHEMA_VERSION
    after = rows(release_db)
    assert {t: r for t, r in after.items() if t != "links"} == {t: r for t, r in before.items() if t != "links"}
    # upgrading changed nothing stored but where rejections are kept: category and comment became an MQM error
    width = len(before["links"][0])
    category, comment = width - 4, width - 3  # review_category, review_comment
    assert [row[:category] + row[comment + 1:width] for row in after["links"]] == \
        [row[:category] + row[comment + 1:] for row in before["links"]]
    moved = [(row[category], row[comment]) for row in before["links"] if row[category] or row[comment]]
    assert moved == [("number", "douze, pas 12 — <check>")]
    assert [json.loads(row[width])[0]["comment"] for row in after["links"] if row[width] != "[]"] == \
        ["douze, pas 12 — <check>"]
    assert [(d.id, d.name, d.links, d.confirmed, d.rejected) for d in db.documents()] == [
        (3, "council bilingual", 3, 0, 0), (1, "council.en + council.fr", 4, 1, 1)]
    reviewed = db.load(1)
    assert reviewed.scored and reviewed.alignment.summary.verdict == db.documents()[1].verdict
    assert reviewed.translation_text.startswith("Le conseil") and reviewed.alignment.signature
    first, second = reviewed.states[:2]
    assert (first.status, first.pinned, first.reviewed_by) == ("confirmed", True, "alice")
    assert (second.status, [(e.category, e.severity, e.comment, e.who) for e in second.errors]) == \
        ("rejected", [("accuracy/mistranslation/number", "major", "douze, pas 12 — <check>", "bob")])
    assert [a.type for a in db.history(1)] == ["create", "confirm", "reject", "merge", "undo", "pin"]
    assert not db.load(3).scored  # its merge was never scored
    for doc in (1, 3):
        assert db.replay(doc) == db.load(doc).states
    # and it takes every kind of write
    db.merge(1, 2, "next", who="dave")
    assert db.undo(1, who="dave").type == "merge" and db.load(1).states == reviewed.states
    assert db.redo(3, who="dave") is None and db.undo(3, who="dave").type == "merge"
    assert save(db) == 4  # past the retired id 2
    db.delete(3)
    assert [d.id for d in db.documents()] == [4, 1]
    assert Store(release_db).load(1).states == reviewed.states  # opening it again migrates nothing


def test_an_early_database_gets_the_columns_and_tables_it_lacks(tmp_path: Path, tiny) -> None:
    current, doc = tiny
    states = current.load(doc).states
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old, isolation_level=None)
    conn.executescript(OLD_SCHEMA)
    conn.execute("ATTACH ? AS current", (str(current.path),))
    for table in ("documents", "links", "actions"):  # the same document, as the early schema kept it
        names = ", ".join(name for (name,) in conn.execute("SELECT name FROM pragma_table_info(?)", (table,)))
        conn.execute(f"INSERT INTO main.{table} ({names}) SELECT {names} FROM current.{table}")
    conn.execute("DETACH current")
    conn.close()
    before = rows(old)

    db = Store(old)
    after = rows(old)
    assert [row[:len(before["documents"][0])] for row in after["documents"]] == before["documents"]
    assert [row[:len(before["links"][0])] for row in after["links"]] == before["links"]
    assert after["actions"] == before["actions"]
    assert db.load(doc).states == states and db.load(doc).alignment.signature == ""
    assert db.replay(doc) == states
    assert {"summary", "summary_links", "signature"} <= columns(old, "documents")
    db.reject(doc, 0, "other", "checked after the upgrade", who="bob")
    assert db.load(doc).states[0].status == "rejected"
    assert db.undo(doc, who="bob").type == "reject" and db.load(doc).states == states
    other = save(db, name="after the upgrade")  # it failed: "no column named summary_links"
    db.delete(doc)  # the history's old no-delete trigger gave way to today's
    assert [d.id for d in db.documents()] == [other] and db.history(doc) == []


def test_migrations_run_in_order_once_each_and_all_or_nothing(tiny, monkeypatch) -> None:
    db, doc = tiny
    ran = []

    def add_colour(conn: sqlite3.Connection) -> None:
        ran.append("colour")
        conn.execute("ALTER TABLE links ADD COLUMN colour TEXT NOT NULL DEFAULT 'grey'")

    def broken(conn: sqlite3.Connection) -> None:
        ran.append("broken")
        conn.execute("ALTER TABLE links ADD COLUMN shade TEXT")
        raise sqlite3.OperationalError("disk unplugged")

    monkeypatch.setattr(store, "_MIGRATIONS", [*store._MIGRATIONS, add_colour, broken])
    monkeypatch.setattr(store, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    with pytest.raises(StoreError, match="disk unplugged"):
        Store(db.path)
    # the version-2 step and the broken one ran in one transaction: neither is left
    assert ran == ["colour", "broken"] and user_version(db.path) == SCHEMA_VERSION
    assert {"colour", "shade"}.isdisjoint(columns(db.path, "links"))
    monkeypatch.setattr(store, "_MIGRATIONS", store._MIGRATIONS[:-1])
    monkeypatch.setattr(store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    upgraded = Store(db.path)
    assert ran == ["colour", "broken", "colour"] and user_version(db.path) == SCHEMA_VERSION + 1
    assert "colour" in columns(db.path, "links")
    Store(db.path)
    assert ran == ["colour", "broken", "colour"]  # a current database runs no migration
    assert upgraded.load(doc).states == db.load(doc).states


def test_a_database_from_a_newer_workbench_is_refused_and_left_alone(tiny) -> None:
    db, _ = tiny
    conn = sqlite3.connect(db.path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = digest(db.path)
    for read_only in (False, True):
        with pytest.raises(StoreError) as error:
            Store(db.path, read_only=read_only)
        assert one_line_naming(error, db.path).endswith(
            f"was written by a newer workbench (schema {SCHEMA_VERSION + 5}); this one reads up to "
            f"{SCHEMA_VERSION}: upgrade the workbench to open it.")
    assert digest(db.path) == before


def test_someone_elses_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "photos.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, file TEXT)")
    conn.execute("INSERT INTO photos (file) VALUES ('cat.jpg')")
    conn.commit()
    conn.close()
    for read_only in (False, True):  # read-only: refused while upgrading its copy in memory
        with pytest.raises(StoreError) as error:
            Store(path, read_only=read_only)
        assert "is not a workbench review database" in one_line_naming(error, path)
        assert "no documents table" in str(error.value)
    assert rows(path) == {"photos": [(1, "cat.jpg")]} and user_version(path) == 0


# -- files that cannot be used --------------------------------------------------------------


@pytest.mark.parametrize("content", [os.urandom(4096), "Reviewer notes\n".encode() * 300, b"\x00" * 100],
                         ids=["random bytes", "a text file", "zeros"])
def test_a_file_that_is_no_database_is_one_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "review.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError) as error:
        Store(path)
    assert "is not a workbench review database, or is damaged" in one_line_naming(error, path)
    assert path.read_bytes() == content


def test_a_damaged_database_is_one_clear_error_at_open_or_read(tmp_path: Path, tiny) -> None:
    db, doc = tiny
    data = bytearray(db.path.read_bytes())
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(data[:2 * 4096])
    with pytest.raises(StoreError, match="is not a workbench review database, or is damaged"):
        Store(truncated).load(doc)


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as error:
        Store(tmp_path)
    assert one_line_naming(error, tmp_path).endswith("is a folder, not a file: give the path of a database file.")
    file = tmp_path / "a file"
    file.write_text("x")
    with pytest.raises(StoreError, match="folder of the review database .* cannot be made"):
        Store(file / "review.sqlite")


def test_a_lock_held_past_the_timeout_is_one_clear_error_and_loses_nothing(tiny) -> None:
    db, doc = tiny
    before = db.load(doc)
    other = sqlite3.connect(db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program writing
        waiting = Store(db.path, timeout=0.2)  # opening a current database needs no lock
        started = time.monotonic()
        with pytest.raises(StoreError) as error:
            waiting.confirm(doc, 1, who="bob")
        assert time.monotonic() - started < 5
        assert "is locked by another program (waited 0.2 s)" in one_line_naming(error, db.path)
        assert waiting.load(doc).states == before.states  # WAL: reading goes on meanwhile
        other.execute("ROLLBACK")
        # a program that keeps the database to itself blocks even reading
        other.execute("PRAGMA locking_mode=EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE documents SET name = name")
        with pytest.raises(StoreError, match="is locked by another program"):
            waiting.documents()
        with pytest.raises(StoreError, match="is locked by another program"):
            Store(db.path, timeout=0.2)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert waiting.load(doc).states == before.states and waiting.history(doc) == db.history(doc)
    waiting.confirm(doc, 1, who="bob")  # the lock gone, the action goes through
    assert waiting.load(doc).states[1].status == "confirmed"


def test_a_full_disk_is_one_clear_error_and_loses_nothing(tiny, monkeypatch) -> None:
    db, doc = tiny
    before, history = db.load(doc), db.history(doc)
    real_connect = sqlite3.connect
    pages = real_connect(db.path).execute("PRAGMA page_count").fetchone()[0]

    def nearly_full(*args, **kwargs):  # the disk has room for two more pages
        conn = real_connect(*args, **kwargs)
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        return conn

    monkeypatch.setattr(store.sqlite3, "connect", nearly_full)
    huge = dataclasses.replace(ALIGNMENT, notes=["x" * 100_000])
    with pytest.raises(StoreError) as error:  # SQLite rolls the transaction back itself
        db.save(huge, name="huge", key="huge", source_text="y" * 100_000, who="alice")
    assert one_line_naming(error, db.path).endswith("the disk is full. Nothing was saved; free some space.")
    assert [d.id for d in db.documents()] == [doc]
    assert db.load(doc).states == before.states and db.history(doc) == history


# -- read-only databases ----------------------------------------------------------------------


def assert_reads_and_refuses_writes(db: Store, doc: int, expected: list[LinkState]) -> None:
    assert db.read_only and not db.upgraded_in_memory  # current: read from the file itself
    assert [d.id for d in db.documents()] == [doc] and db.load(doc).states == expected
    assert db.replay(doc) == expected and [a.type for a in db.history(doc)] == ["create", "confirm", "merge"]
    writes = [lambda: db.confirm(doc, 1, who="bob"), lambda: db.merge(doc, 0, "next", who="bob"),
              lambda: db.undo(doc, who="bob"), lambda: db.delete(doc), lambda: save(db, name="another")]
    for write in writes:
        with pytest.raises(StoreError) as error:
            write()
        assert "is read-only" in one_line_naming(error, db.path) and "nothing was saved" in str(error.value)
    assert db.load(doc).states == expected and len(db.history(doc)) == 3
    # scores are a cache: a read-only document is scored (to view or export it), and nothing kept
    rescored = db.rescore(doc, lambda alignment, known: fidelity.rescore(alignment, FakeEncoder(), known))
    assert rescored.scored and rescored.states == expected
    assert rescored.info.verdict == rescored.alignment.summary.verdict
    assert not db.load(doc).scored and db.documents()[0].verdict is None


def test_a_database_opened_read_only_is_read_and_never_written(tiny) -> None:
    """The read-only connection (mode=ro), asked for; as root, the only way to get one."""
    db, doc = tiny
    expected = db.load(doc).states
    before = digest(db.path)
    assert_reads_and_refuses_writes(Store(db.path, read_only=True), doc, expected)
    assert digest(db.path) == before


def assert_the_release_db_is_served_upgraded_in_memory(db: Store, path: Path) -> None:
    """What a read-only release database shows: all of it, as the writable test above reads it
    once upgraded, and no write."""
    assert db.read_only and db.upgraded_in_memory
    assert [(d.id, d.name, d.links, d.confirmed, d.rejected) for d in db.documents()] == [
        (3, "council bilingual", 3, 0, 0), (1, "council.en + council.fr", 4, 1, 1)]
    reviewed = db.load(1)
    assert reviewed.scored and reviewed.alignment.summary.verdict == db.documents()[1].verdict
    assert reviewed.translation_text.startswith("Le conseil") and reviewed.alignment.signature
    assert (reviewed.states[1].status, reviewed.states[1].errors[0].comment) == ("rejected", "douze, pas 12 — <check>")
    assert [a.type for a in db.history(1)] == ["create", "confirm", "reject", "merge", "undo", "pin"]
    assert db.replay(1) == reviewed.states
    for write in (lambda: db.confirm(1, 0, who="bob"), lambda: db.undo(3, who="bob"), lambda: db.delete(3),
                  lambda: save(db, name="another")):
        with pytest.raises(StoreError) as error:
            write()
        assert "is read-only" in one_line_naming(error, path)
    # its never-scored merge is scored to be viewed and exported, and nothing is kept
    assert not db.load(3).scored
    assert db.rescore(3, lambda alignment, known: fidelity.rescore(alignment, FakeEncoder(), known)).scored
    assert not db.load(3).scored


def test_a_read_only_database_that_needs_upgrading_is_served_from_an_upgraded_copy_in_memory(release_db: Path) -> None:
    """Opened read-only (mode=ro, as root the only way to get it): the file is copied into memory,
    the copy upgraded and served read-only; the file is left exactly as it was."""
    before = digest(release_db)
    db = Store(release_db, read_only=True)
    assert_the_release_db_is_served_upgraded_in_memory(db, release_db)
    # two threads read the copy at once (the app's reruns and downloads do)
    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(lambda doc: db.load(doc).states, (1, 3))) == [db.load(1).states, db.load(3).states]
    assert digest(release_db) == before and user_version(release_db) == 0
    assert sorted(p.name for p in release_db.parent.iterdir()) == [release_db.name]  # no journal beside it


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes whatever the permission bits say; the test above "
                                              "covers the read-only connection")
def test_a_read_only_file_from_an_older_workbench_in_a_read_only_folder_is_served_upgraded(release_db: Path) -> None:
    before = digest(release_db)
    folder = release_db.parent
    release_db.chmod(0o444)
    folder.chmod(0o555)
    try:
        assert_the_release_db_is_served_upgraded_in_memory(Store(release_db), release_db)
    finally:
        folder.chmod(0o755)
        release_db.chmod(0o644)
    assert digest(release_db) == before and user_version(release_db) == 0


def test_a_missing_database_opened_read_only_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nothing.sqlite"
    with pytest.raises(StoreError, match="cannot be opened: check that it exists"):
        Store(path, read_only=True)
    assert not path.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes whatever the permission bits say; "
                                              "test_a_database_opened_read_only_... covers the read-only connection")
def test_a_read_only_file_in_a_read_only_folder_opens_read_only(tiny) -> None:
    """Found out from the permissions: the file (chmod 444) and its folder (555), where SQLite
    cannot make the shared-memory file a WAL database needs, so it is opened immutable."""
    db, doc = tiny
    expected = db.load(doc).states
    folder = db.path.parent
    assert not Path(f"{db.path}-wal").exists()  # every connection closed: nothing pending
    db.path.chmod(0o444)
    folder.chmod(0o555)
    try:
        assert_reads_and_refuses_writes(Store(db.path), doc, expected)
        assert sorted(p.name for p in folder.iterdir()) == [db.path.name]
    finally:
        folder.chmod(0o755)
        db.path.chmod(0o644)

