"""Review state in SQLite: documents, their current links, and every reviewer action.

Why it is shaped this way:

- **Every change is a splice.** Each action (confirm, reject, merge, split, move, unlink,
  relink, pin, re-align, undo, redo) replaces a run of links `links[at:at+len(before)]` with
  `after`, and the `actions` table records `at`, `before` and `after` with who and when.
  So the history alone rebuilds the current state (`replay`), says who did what when
  (`history`), and undo is the inverse splice of an edit, redo the edit's splice again, each
  appended as one more action. The `actions` table is append-only (triggers refuse UPDATE,
  and DELETE but of a document being deleted).
- **One transaction per action.** Each action reads the current links and writes the new
  ones inside `BEGIN IMMEDIATE ... COMMIT`, so two browser tabs or processes working on the
  same document serialise instead of overwriting each other, and a process killed
  mid-save leaves the previous state (SQLite rolls back the unfinished transaction; WAL
  keeps readers unblocked). A link is addressed by its index plus, optionally, the link the
  caller saw (`expect`): if another tab has moved it, the action follows it; if another tab
  has changed it, the action is refused with `ConflictError` instead of hitting the wrong link.
- **Scores are a cache, not state.** Similarity from the aligner is part of a link; the
  fidelity of a link is a function of its segments, so it is kept in `link_scores` keyed by
  the link's segment ids. Undoing a merge finds the old links' scores still there; a link
  made by hand has none until `rescore` runs, which scores only the links that have none
  and recomputes the document's summary.
- **Review decisions are never dropped silently.** Edits reset the decision only on the
  links they change (the reviewer judged a different pairing); re-aligning keeps the
  decision on every link that comes back unchanged and returns (and records) the others.
- **Deleting is for good.** `delete` removes a document's texts, links, scores and history
  (a reviewer deletes what they no longer need, often an upload they should not keep);
  only its id stays, retired, so that a tab or link still naming it is told it is gone
  instead of reaching the next document stored.
- **The schema has a version.** `PRAGMA user_version` says which of `_MIGRATIONS` a database
  has had; opening it runs the rest, in order, in one transaction, so a database written by an
  older workbench is brought up to date before anything reads it (not at its first write), and
  one from a newer workbench is refused instead of misread. An older one that may not be
  written is copied into memory (SQLite's backup) and the copy upgraded: it is read as the file
  was when opened, never as a schema this code does not write, and the file is left as it was.
- **A broken database is a message, not a traceback.** Every SQLite failure (a damaged or
  foreign file, a lock held past the timeout, a read-only file or folder, a folder given as the
  file) becomes a `StoreError` naming the file and what to do, in one place: `_connection`.
  A read-only database opens read-only: it can be read and exported, and a write is refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from workbench import paths
from workbench.errors import InputError
from workbench.model import (
    Alignment,
    DocumentFidelity,
    Link,
    LinkFidelity,
    LinkState,
    ReviewError,
    ScoredAlignment,
    Segment,
    Span,
    legacy_error,
    review_counts,
    scored,
)
from workbench.review import edits
from workbench.review.edits import Direction, Side
from workbench.text.xliff import is_xliff_name

Step = Literal["undo", "redo"]
# the payload keys by which an undo / a redo names the edit it takes back / re-applies
_STEP_KEYS: dict[str, tuple[str, str]] = {"undo": ("undoes", "undone_type"),
                                          "redo": ("redoes", "redone_type")}

# The schema of version 1, frozen: a later change is a new migration, not an edit here.
_SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    content_key TEXT NOT NULL UNIQUE,      -- what was aligned, with which options
    src_lang TEXT NOT NULL,
    tgt_lang TEXT NOT NULL,
    model TEXT NOT NULL,
    source_text TEXT NOT NULL,             -- the original (or the bilingual file)
    translation_text TEXT,                 -- NULL when the input was one bilingual file
    src_segments TEXT NOT NULL,            -- JSON list of Segment fields
    tgt_segments TEXT NOT NULL,
    notes TEXT NOT NULL,                   -- JSON list of strings
    version INTEGER NOT NULL DEFAULT 0,    -- counter of actions applied
    summary TEXT,                          -- JSON DocumentFidelity of the links named by:
    summary_links TEXT,                    -- `layout_key` of the links it was computed for
    signature TEXT NOT NULL DEFAULT '',    -- how the document was aligned (Options.signature)
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS links (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    position INTEGER NOT NULL,
    src TEXT NOT NULL,                     -- JSON list of source segment ids
    tgt TEXT NOT NULL,
    similarity REAL,
    pinned INTEGER NOT NULL DEFAULT 0,
    review_status TEXT NOT NULL DEFAULT 'unreviewed',
    review_category TEXT NOT NULL DEFAULT '',
    review_comment TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (document_id, position)
);
CREATE TABLE IF NOT EXISTS link_scores (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    src TEXT NOT NULL,
    tgt TEXT NOT NULL,
    score TEXT NOT NULL,                   -- JSON LinkFidelity
    PRIMARY KEY (document_id, src, tgt)
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL,              -- the document version this action produced
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL                  -- JSON: at, before, after, and the action's arguments
);
CREATE INDEX IF NOT EXISTS actions_by_document ON actions (document_id, id);
CREATE TABLE IF NOT EXISTS deleted_documents (  -- retired ids, never given to a new document
    id INTEGER PRIMARY KEY,
    deleted_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS actions_no_update BEFORE UPDATE ON actions
    BEGIN SELECT RAISE(ABORT, 'the action history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS actions_append_only BEFORE DELETE ON actions
    WHEN OLD.document_id NOT IN (SELECT id FROM deleted_documents)
    BEGIN SELECT RAISE(ABORT, 'the action history is append-only'); END;
-- the unconditional rule of databases made before documents could be deleted (dropped after
-- its successor exists, so no moment is unguarded)
DROP TRIGGER IF EXISTS actions_no_delete;
"""


class ConflictError(InputError):
    """The link an action was aimed at was changed meanwhile (another tab or process)."""


class StoreError(InputError):
    """The review database cannot be used as asked (damaged, someone else's, locked, read-only,
    a folder, from a newer workbench); the message names the file and what to do."""


def _statements(script: str) -> list[str]:
    """The statements of an SQL script, one by one: `executescript` commits first, so a
    migration that used it could not run in one transaction."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement at the end of the script: {pending.strip()!r}")
    return statements


def _columns(conn: sqlite3.Connection) -> dict[str, dict[str, sqlite3.Row]]:
    """Each table's columns (name -> `PRAGMA table_info` row), SQLite's own tables left out."""
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {table: {row["name"]: row for row in conn.execute(
        'SELECT name, type, "notnull", dflt_value FROM pragma_table_info(?)', (table,))}
        for table in tables}


def _schema_columns(script: str) -> dict[str, dict[str, sqlite3.Row]]:
    """The tables and columns a schema script makes (read from a scratch database, so the
    script is their only definition)."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.row_factory = sqlite3.Row
        for statement in _statements(script):
            scratch.execute(statement)
        return _columns(scratch)
    finally:
        scratch.close()


def _adopt(conn: sqlite3.Connection) -> None:
    """Version 1, from a database without a version: a new, empty file, or one written by a
    release before versions, which may lack tables (deleted_documents), columns (summary,
    summary_links, signature, ...) and the delete trigger of today. Missing columns are added
    with their defaults, then missing tables, index and triggers made; nothing stored changes.
    A column that has no default cannot be made up, and a file with tables but no documents
    table is some other program's database: both are refused, and the file left as it was."""
    found = _columns(conn)
    if found and "documents" not in found:
        raise sqlite3.DatabaseError(f"it has tables ({', '.join(sorted(found))}) but no documents table")
    for table, wanted in _schema_columns(_SCHEMA_1).items():
        for name, column in wanted.items():
            if table not in found or name in found[table]:
                continue
            if column["notnull"] and column["dflt_value"] is None:
                raise sqlite3.DatabaseError(f"its {table} table has no {name} column")
            conn.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {column["type"]}'
                         + (" NOT NULL" if column["notnull"] else "")
                         + (f" DEFAULT {column['dflt_value']}" if column["dflt_value"] is not None else ""))
    for statement in _statements(_SCHEMA_1):
        conn.execute(statement)


def _errors(conn: sqlite3.Connection) -> None:
    """Version 2: MQM errors. Each link gets its list of errors and of dismissed detector marks
    (JSON); a rejection of version 1 (one category, one comment) becomes one error of that
    category mapped onto MQM, severity major (`model.legacy_error`). The old columns stay,
    empty from now on (SQLite drops a column only by rebuilding the table). Actions recorded
    before keep their payloads (the history is append-only); `LinkState.from_json` reads them."""
    found = _columns(conn)["links"]
    for column in ("review_errors", "review_dismissed"):
        if column not in found:  # a database told it is older than it is keeps what it has
            conn.execute(f"ALTER TABLE links ADD COLUMN {column} TEXT NOT NULL DEFAULT '[]'")
    rejected = conn.execute("SELECT document_id, position, review_category, review_comment, reviewed_by,"
                            " reviewed_at FROM links WHERE review_status = 'rejected' AND review_errors = '[]'"
                            " AND review_category || review_comment != ''").fetchall()
    conn.executemany(
        "UPDATE links SET review_errors = ?, review_category = '', review_comment = ''"
        " WHERE document_id = ? AND position = ?",
        [(json.dumps([legacy_error(*row[2:]).to_json()], ensure_ascii=False), row[0], row[1]) for row in rejected])


# Migration k (0-based) takes a database from version k to k + 1; PRAGMA user_version holds
# how many it has had. Append new ones; never edit one that has shipped.
_MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_adopt, _errors]
SCHEMA_VERSION = len(_MIGRATIONS)


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document as the document list shows it."""

    id: int
    name: str
    src_lang: str
    tgt_lang: str
    model: str
    created_at: str
    created_by: str
    version: int  # actions applied so far
    links: int
    confirmed: int
    rejected: int
    verdict: str | None


@dataclass(frozen=True)
class Action:
    """One entry of a document's history."""

    id: int
    document_id: int
    version: int
    at: str
    who: str
    type: str
    payload: dict[str, Any]


@dataclass
class ReviewedDocument:
    """A document's current state: the alignment (scored where scores are known) and its links' review."""

    info: DocumentInfo
    alignment: Alignment
    states: list[LinkState]
    source_text: str
    translation_text: str | None
    link_scores: list[LinkFidelity | None] = field(default_factory=list)  # stored score of each link, or None

    @property
    def version(self) -> int:
        return self.info.version

    @property
    def scored(self) -> bool:
        """Whether every link's score and the summary are current (else `Store.rescore`)."""
        return isinstance(self.alignment, ScoredAlignment)

    @property
    def xliff(self) -> str | None:
        """The XLIFF file the document was read from (its links are the file's units), else
        None: an XLIFF export writes the review into a copy of it."""
        return self.source_text if self.translation_text is None and is_xliff_name(self.info.name) else None

    @property
    def review(self) -> dict[int, dict[str, str]]:
        """The review of each link by index, as `workbench.model.link_records` takes it."""
        return {i: {"status": s.status, "category": "; ".join(e.category for e in s.errors),
                    "comment": "; ".join(e.comment for e in s.errors if e.comment), "errors": s.errors,
                    "dismissed": s.dismissed}
                for i, s in enumerate(self.states)}


@dataclass(frozen=True)
class RealignReport:
    """What re-aligning did: how many links changed, and the decisions on links that did not survive."""

    kept: int
    changed: int
    dropped: list[LinkState]


def content_key(source_text: str, translation_text: str | None = None, **options: Any) -> str:
    """A key for 'this input aligned with these options', so aligning it again opens the stored copy."""
    blob = json.dumps([source_text, translation_text, sorted(options.items())], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def layout_key(links: Sequence[Link | LinkState]) -> str:
    """A fingerprint of which segments are linked to which: a document summary is valid
    exactly while the links still have the fingerprint it was computed for."""
    blob = json.dumps([[list(link.src), list(link.tgt)] for link in links])
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def _summary_current(doc: sqlite3.Row, states: Sequence[LinkState]) -> bool:
    return bool(doc["summary"]) and doc["summary_links"] == layout_key(states)


def _cannot_write(path: Path) -> bool:
    """Whether the existing database at `path` is one this process may not write: SQLite
    writes the file and, next to it, its journal (so its folder too)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


@contextmanager
def _atomic(conn: sqlite3.Connection, write: bool) -> Iterator[None]:
    """One transaction on `conn`: committed if the block ends, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _ids(values: Sequence[int]) -> str:
    return json.dumps(list(values))


def _action(row: sqlite3.Row) -> Action:
    return Action(row["id"], row["document_id"], row["version"], row["at"], row["who"], row["type"],
                  json.loads(row["payload"]))


def _segments_to_json(segments: Sequence[Segment]) -> str:
    return json.dumps([dataclasses.asdict(s) for s in segments], ensure_ascii=False)


def _segments_from_json(text: str) -> list[Segment]:
    return [Segment(**s) for s in json.loads(text)]


class Store:
    """The review database at `path` (created with its folder on first use).

    Every public method opens its own connection, so one Store may be used from several
    threads (Streamlit runs each rerun and each deferred download in a thread of its own).
    `timeout` is how long an action waits for another process's lock before it gives up.
    A database this process may not write (the file or its folder) opens read-only, as does
    any with `read_only=True`: it can be read, and every action is refused with a StoreError.
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float = 30.0,
                 read_only: bool | None = None) -> None:
        self.path = Path(path) if path is not None else paths.database()
        self.timeout = timeout
        self.read_only = _cannot_write(self.path) if read_only is None else read_only
        # a read-only database from an older workbench is served from an upgraded copy in memory
        # (see _upgrade): its URI, and a connection that keeps it alive as long as this Store
        self._memory_uri: str | None = None
        self._keeper: sqlite3.Connection | None = None
        if not self.read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"The folder of the review database {self.path} cannot be made: "
                                 f"{error.strerror}.") from error
        self._upgrade()

    @property
    def upgraded_in_memory(self) -> bool:
        """Whether this read-only database, written by an older workbench, is served from a copy
        upgraded in memory (the file as it was when opened; changes made to it since are not seen)."""
        return self._memory_uri is not None

    # -- connections and transactions -------------------------------------------------

    def _upgrade(self) -> None:
        """Refuse a database from a newer workbench; bring an older one up to SCHEMA_VERSION,
        all migrations in one transaction (a failure leaves it as it was). A read-only one is
        copied into memory first, and the copy upgraded (see `upgraded_in_memory`)."""
        with self._connection() as conn:
            if self._schema_version(conn) == SCHEMA_VERSION:
                return
            if self.read_only:
                self._copy_into_memory(conn)
            else:
                conn.execute("PRAGMA journal_mode=WAL")  # outside any transaction, as SQLite requires
        with self._connection() as conn, _atomic(conn, write=True):
            for migrate in _MIGRATIONS[self._schema_version(conn):]:  # read again under the write lock
                migrate(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _copy_into_memory(self, source: sqlite3.Connection) -> None:
        """Copy the database into a shared in-memory one, which every connection opens from now
        on: one per call, from any thread, as with the file."""
        uri = f"file:workbench-review-{uuid.uuid4().hex}?mode=memory&cache=shared"
        keeper = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        source.backup(keeper)
        self._memory_uri, self._keeper = uri, keeper

    def _schema_version(self, conn: sqlite3.Connection) -> int:
        """The database's schema version; StoreError if this workbench is too old to read it."""
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise StoreError(f"The review database {self.path} was written by a newer workbench "
                             f"(schema {found}); this one reads up to {SCHEMA_VERSION}: "
                             "upgrade the workbench to open it.")
        return found

    def _uri(self) -> str:
        """The database's URI: read-only ones open with mode=ro, and, in a folder this process
        cannot write, as immutable too, since SQLite cannot make the shared-memory file WAL
        needs there; that is only done while no WAL file says a writer has changes pending."""
        if self._memory_uri is not None:
            return self._memory_uri
        uri = self.path.absolute().as_uri()
        if not self.read_only:
            return uri
        immutable = not os.access(self.path.parent, os.W_OK) and not Path(f"{self.path}-wal").exists()
        return uri + "?mode=ro" + ("&immutable=1" if immutable else "")

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection, closed after use. Here, and only here, a failure of SQLite (opening,
        reading, writing, committing) becomes a StoreError that says what to do; an
        IntegrityError or ProgrammingError is a bug or a trigger's refusal, and stays itself."""
        try:
            conn = sqlite3.connect(self._uri(), uri=True, timeout=self.timeout, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=FULL")
                yield conn
            finally:
                conn.close()
        except sqlite3.DatabaseError as error:
            if isinstance(error, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
                raise
            raise StoreError(self._explain(error)) from error

    def _explain(self, error: sqlite3.DatabaseError) -> str:
        """What an SQLite failure means for the user, in one line naming the file."""
        code = getattr(error, "sqlite_errorcode", None)
        primary = None if code is None else code & 0xFF  # extended codes carry the primary in their low byte
        where = f"The review database {self.path}"
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return (f"{where} is locked by another program (waited {self.timeout:g} s): close the other "
                    "workbench or program using it and try again; nothing was changed.")
        if primary == sqlite3.SQLITE_READONLY:
            return self._read_only_message()
        if primary == sqlite3.SQLITE_CANTOPEN:
            if self.path.is_dir():
                return f"{where} is a folder, not a file: give the path of a database file."
            return (f"{where} cannot be opened: check that it exists and that it and its folder "
                    "may be read (and written, to edit).")
        if primary == sqlite3.SQLITE_FULL:
            return f"{where} could not be written: the disk is full. Nothing was saved; free some space."
        # SQLITE_ERROR, from the workbench's own SQL, means a table or column is not there
        if primary in (None, sqlite3.SQLITE_ERROR, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            return (f"{where} is not a workbench review database, or is damaged ({error}): choose "
                    "another file, or move this one away to start a new one.")
        return f"{where} could not be read or written ({error}): check the disk and the file's permissions."

    def _read_only_message(self) -> str:
        return (f"The review database {self.path} is read-only (the file or its folder cannot be "
                "written, or it was opened read-only): nothing was saved. Make both writable to edit.")

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """A read snapshot, or a write transaction that takes the write lock at once
        (so read-modify-write of two tabs cannot interleave)."""
        if write and self.read_only:
            raise StoreError(self._read_only_message())
        with self._connection() as conn, _atomic(conn, write):
            yield conn

    # -- documents ----------------------------------------------------------------------

    def find(self, key: str) -> int | None:
        """The id of the document stored under `content_key(...)`, if any."""
        with self._connection() as conn:
            row = conn.execute("SELECT id FROM documents WHERE content_key = ?", (key,)).fetchone()
        return row["id"] if row else None

    def save(self, alignment: Alignment, *, name: str, key: str, source_text: str,
             translation_text: str | None = None, who: str) -> int:
        """Store a freshly aligned document; returns its id (the existing one if `key` is stored)."""
        now = _now()
        states = [LinkState(tuple(link.src), tuple(link.tgt), link.similarity)
                  for link in alignment.links]
        with self._transaction(write=True) as conn:
            row = conn.execute("SELECT id FROM documents WHERE content_key = ?", (key,)).fetchone()
            if row:
                return row["id"]
            summary = json.dumps(alignment.summary.to_json(), ensure_ascii=False) if isinstance(alignment, ScoredAlignment) else None
            # a new id past every retired one (SQLite alone would reuse the id of a deleted newest)
            doc_id = conn.execute(
                "INSERT INTO documents (id, name, content_key, src_lang, tgt_lang, model, source_text,"
                " translation_text, src_segments, tgt_segments, notes, summary, summary_links, signature,"
                " created_at, created_by) VALUES ((SELECT coalesce(max(id), 0) + 1 FROM"
                " (SELECT id FROM documents UNION ALL SELECT id FROM deleted_documents)),"
                "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (name, key, alignment.src_lang, alignment.tgt_lang, alignment.model, source_text,
                 translation_text, _segments_to_json(alignment.src),
                 _segments_to_json(alignment.tgt), json.dumps(list(alignment.notes), ensure_ascii=False),
                 summary, layout_key(alignment.links) if summary else None, alignment.signature,
                 now, who)).lastrowid
            if isinstance(alignment, ScoredAlignment):
                self._put_scores(conn, doc_id, alignment.links, alignment.scores)
            self._commit_splice(conn, doc_id, who, "create", 0, [], states, {})
        return doc_id

    def delete(self, doc_id: int) -> None:
        """Remove the document for good, in one transaction: its texts, links, scores and
        whole history (a hard delete: undo cannot bring it back, nothing of it is left to
        restore). Its id is retired (see the module docstring); other documents are untouched."""
        with self._transaction(write=True) as conn:
            self._version(conn, doc_id)
            # retiring the id first is what lets the append-only trigger allow deleting its history
            conn.execute("INSERT INTO deleted_documents (id, deleted_at) VALUES (?, ?)",
                         (doc_id, _now()))
            for table in ("actions", "link_scores", "links"):
                conn.execute(f"DELETE FROM {table} WHERE document_id = ?", (doc_id,))
            conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    def _version(self, conn: sqlite3.Connection, doc_id: int) -> int:
        """The document's version; InputError when there is no such document (or another tab
        deleted it meanwhile), rather than a foreign-key error from the write that follows."""
        row = conn.execute("SELECT version FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise InputError(f"No document {doc_id} in {self.path}.")
        return row["version"]

    def documents(self) -> list[DocumentInfo]:
        """Every stored document, newest first."""
        with self._transaction(write=False) as conn:
            rows = conn.execute("SELECT id FROM documents ORDER BY id DESC").fetchall()
            return [self._info(conn, row["id"])[0] for row in rows]

    def _info(self, conn: sqlite3.Connection, doc_id: int) -> tuple[DocumentInfo, list[LinkState], sqlite3.Row]:
        """The document's listing, its links, and its row."""
        doc = conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if doc is None:
            raise InputError(f"No document {doc_id} in {self.path}.")
        states = self._states(conn, doc_id)
        counts = review_counts(s.status for s in states)
        info = DocumentInfo(
            id=doc["id"], name=doc["name"], src_lang=doc["src_lang"], tgt_lang=doc["tgt_lang"],
            model=doc["model"], created_at=doc["created_at"], created_by=doc["created_by"],
            version=doc["version"], links=len(states),
            confirmed=counts["confirmed"], rejected=counts["rejected"],
            verdict=json.loads(doc["summary"])["verdict"] if _summary_current(doc, states) else None)
        return info, states, doc

    def load(self, doc_id: int) -> ReviewedDocument:
        """The document's current state: its alignment is a ScoredAlignment while every link
        has its score and the summary was computed for the current links, else an Alignment
        to `rescore`."""
        with self._transaction(write=False) as conn:
            info, states, doc = self._info(conn, doc_id)
            cached = {(row["src"], row["tgt"]): row["score"] for row in conn.execute(
                "SELECT src, tgt, score FROM link_scores WHERE document_id = ?", (doc_id,))}
        keys = [(_ids(s.src), _ids(s.tgt)) for s in states]
        known = [LinkFidelity.from_json(json.loads(cached[k])) if k in cached else None for k in keys]
        scores = known if all(found is not None for found in known) else None
        alignment = Alignment(
            src=_segments_from_json(doc["src_segments"]),
            tgt=_segments_from_json(doc["tgt_segments"]),
            src_lang=doc["src_lang"], tgt_lang=doc["tgt_lang"],
            links=[s.link for s in states], model=doc["model"],
            notes=json.loads(doc["notes"]), signature=doc["signature"])
        if scores is not None and _summary_current(doc, states):
            alignment = scored(alignment, scores, DocumentFidelity.from_json(json.loads(doc["summary"])))
        return ReviewedDocument(info, alignment, states, doc["source_text"],
                                doc["translation_text"], known)

    def _states(self, conn: sqlite3.Connection, doc_id: int) -> list[LinkState]:
        rows = conn.execute("SELECT * FROM links WHERE document_id = ? ORDER BY position",
                            (doc_id,)).fetchall()
        return [LinkState(tuple(json.loads(r["src"])), tuple(json.loads(r["tgt"])),
                          r["similarity"], bool(r["pinned"]), r["review_status"],
                          tuple(ReviewError.from_json(e) for e in json.loads(r["review_errors"])),
                          tuple(json.loads(r["review_dismissed"])), r["reviewed_by"],
                          r["reviewed_at"]) for r in rows]

    # -- scores (derived data) ------------------------------------------------------------

    def _put_scores(self, conn: sqlite3.Connection, doc_id: int, links: Sequence[Link],
                    scores: Sequence[LinkFidelity]) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO link_scores (document_id, src, tgt, score) VALUES (?,?,?,?)",
            [(doc_id, _ids(link.src), _ids(link.tgt), json.dumps(score.to_json(), ensure_ascii=False))
             for link, score in zip(links, scores, strict=True)])

    def rescore(self, doc_id: int,
                score: Callable[[Alignment, list[LinkFidelity | None]], ScoredAlignment]) -> ReviewedDocument:
        """Score the links that have no stored score and recompute the summary, with
        `score(alignment, known)`, which gets the stored score of each link (None where it has
        none), e.g. `lambda a, known: fidelity.rescore(a, encoder, known)`, and keep the result.
        It runs outside the write lock, since scoring can take seconds; the summary is stored
        with the links it describes, so it is used only while they are current. Scores are a
        cache, so a read-only database gets them computed and returned, not kept: it can be
        viewed and exported scored all the same."""
        current = self.load(doc_id)
        alignment = current.alignment
        known = current.link_scores
        rescored = score(alignment.unscored() if isinstance(alignment, ScoredAlignment) else alignment, known)
        if self.read_only:
            return dataclasses.replace(current, info=dataclasses.replace(current.info, verdict=rescored.summary.verdict),
                                       alignment=rescored, link_scores=list(rescored.scores))
        fresh = [k for k, found in enumerate(known) if found != rescored.scores[k]]  # new or changed
        with self._transaction(write=True) as conn:
            self._version(conn, doc_id)
            self._put_scores(conn, doc_id, [rescored.links[k] for k in fresh], [rescored.scores[k] for k in fresh])
            conn.execute("UPDATE documents SET summary = ?, summary_links = ? WHERE id = ?",
                         (json.dumps(rescored.summary.to_json(), ensure_ascii=False), layout_key(rescored.links),
                          doc_id))
        return self.load(doc_id)

    # -- history --------------------------------------------------------------------------

    def _commit_splice(self, conn: sqlite3.Connection, doc_id: int, who: str, kind: str,
                       at: int, before: Sequence[LinkState], after: Sequence[LinkState],
                       args: dict[str, Any]) -> int:
        """Replace links[at:at+len(before)] with `after`, record the action; returns the new version."""
        current = self._states(conn, doc_id)
        if current[at:at + len(before)] != list(before):
            raise ConflictError("The document changed while this action was being applied; try again.")
        new = current[:at] + list(after) + current[at + len(before):]
        conn.execute("DELETE FROM links WHERE document_id = ?", (doc_id,))
        conn.executemany(
            "INSERT INTO links (document_id, position, src, tgt, similarity, pinned, review_status,"
            " review_errors, review_dismissed, reviewed_by, reviewed_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(doc_id, i, _ids(s.src), _ids(s.tgt), s.similarity, int(s.pinned), s.status,
              json.dumps([e.to_json() for e in s.errors], ensure_ascii=False), json.dumps(list(s.dismissed)),
              s.reviewed_by, s.reviewed_at) for i, s in enumerate(new)])
        version = conn.execute(
            "UPDATE documents SET version = version + 1 WHERE id = ? RETURNING version",
            (doc_id,)).fetchone()["version"]
        payload = {**args, "at": at, "before": [s.to_json() for s in before],
                   "after": [s.to_json() for s in after]}
        conn.execute(
            "INSERT INTO actions (document_id, version, at, who, type, payload) VALUES (?,?,?,?,?,?)",
            (doc_id, version, _now(), who, kind, json.dumps(payload, ensure_ascii=False)))
        return version

    def history(self, doc_id: int) -> list[Action]:
        """Every action on the document, oldest first: who did what when."""
        with self._connection() as conn:
            rows = conn.execute("SELECT * FROM actions WHERE document_id = ? ORDER BY id",
                                (doc_id,)).fetchall()
        return [_action(r) for r in rows]

    def replay(self, doc_id: int, upto_version: int | None = None) -> list[LinkState]:
        """The links rebuilt from the history alone (up to a version: the state as it was then)."""
        states: list[LinkState] = []
        for action in self.history(doc_id):
            if upto_version is not None and action.version > upto_version:
                break
            at, p = action.payload["at"], action.payload
            before = [LinkState.from_json(s) for s in p["before"]]
            if states[at:at + len(before)] != before:
                raise RuntimeError(f"history of document {doc_id} is inconsistent at action {action.id}")
            states[at:at + len(before)] = [LinkState.from_json(s) for s in p["after"]]
        return states

    # -- actions on links -------------------------------------------------------------------

    def _locate(self, states: Sequence[LinkState], index: int, expect: Link | LinkState | None) -> int:
        """The current index of the link the caller meant (see the module docstring)."""
        if expect is None:
            if not 0 <= index < len(states):
                raise InputError(f"There is no link {index + 1}; the document has {len(states)}.")
            return index
        if 0 <= index < len(states) and states[index].same_segments(expect):
            return index
        for at, state in enumerate(states):
            if state.same_segments(expect):
                return at
        raise ConflictError(f"Link {index + 1} was changed meanwhile (in another tab?); "
                            "the page now shows the current links.")

    def _edit(self, doc_id: int, who: str, kind: str, index: int, expect: Link | LinkState | None,
              edit: Callable[[list[LinkState], int], tuple[int, int, list[LinkState]]],
              args: dict[str, Any]) -> int:
        """Run one action: `edit(states, index)` returns (at, count, after): the splice to make."""
        with self._transaction(write=True) as conn:
            self._version(conn, doc_id)
            states = self._states(conn, doc_id)
            index = self._locate(states, index, expect)
            at, count, after = edit(states, index)
            return self._commit_splice(conn, doc_id, who, kind, at, states[at:at + count], after,
                                       {**args, "link": index})

    def confirm(self, doc_id: int, index: int, *, who: str, expect: Link | LinkState | None = None) -> int:
        """Mark the link as a correct translation; returns the document's new version."""
        return self._edit(doc_id, who, "confirm", index, expect,
                          lambda states, i: edits.confirm(states, i, who=who, when=_now()), {})

    def reject(self, doc_id: int, index: int, category: str, comment: str = "", *, severity: str = "major",
               src_spans: Sequence[Span] = (), tgt_spans: Sequence[Span] = (), mark: str = "", decision: str = "",
               who: str, expect: Link | LinkState | None = None) -> int:
        """Record an error on the link (MQM: category, severity, the words it concerns, the
        reviewer's comment; `mark`/`decision` when it is a detector mark taken), which makes it
        rejected; several errors may be recorded on one link."""
        return self._edit(doc_id, who, "reject", index, expect,
                          lambda states, i: edits.reject(states, i, category, comment, severity=severity,
                                                         src_spans=src_spans, tgt_spans=tgt_spans, mark=mark,
                                                         decision=decision, who=who, when=_now()),
                          {"category": category, "severity": severity, "comment": comment.strip(), "mark": mark})

    def remove_error(self, doc_id: int, index: int, error: int, *, who: str,
                     expect: Link | LinkState | None = None) -> int:
        """Take back the link's error number `error` (0-based)."""
        return self._edit(doc_id, who, "remove_error", index, expect,
                          lambda states, i: edits.remove_error(states, i, error, who=who, when=_now()),
                          {"error": error})

    def dismiss(self, doc_id: int, index: int, mark: str, *, who: str, expect: Link | LinkState | None = None) -> int:
        """Record that the detector's mark `mark` on the link is wrong."""
        return self._edit(doc_id, who, "dismiss", index, expect,
                          lambda states, i: edits.dismiss(states, i, mark, who=who, when=_now()), {"mark": mark})

    def pin(self, doc_id: int, index: int, pinned: bool = True, *, who: str,
            expect: Link | LinkState | None = None) -> int:
        """Pin (or unpin) a link the reviewer trusts: re-aligning keeps it as it is."""
        return self._edit(doc_id, who, "pin", index, expect,
                          lambda states, i: edits.pin(states, i, pinned), {"pinned": pinned})

    def merge(self, doc_id: int, index: int, direction: Direction = "next", *, who: str,
              expect: Link | LinkState | None = None) -> int:
        """Join the link with the next (or previous) one into one link."""
        return self._edit(doc_id, who, "merge", index, expect,
                          lambda states, i: edits.merge(states, i, direction), {"direction": direction})

    def split(self, doc_id: int, index: int, src_at: int, tgt_at: int, *, who: str,
              expect: Link | LinkState | None = None) -> int:
        """Cut the link in two: its first `src_at` source and `tgt_at` target segments, and the rest."""
        return self._edit(doc_id, who, "split", index, expect,
                          lambda states, i: edits.split(states, i, src_at, tgt_at),
                          {"src_at": src_at, "tgt_at": tgt_at})

    def move(self, doc_id: int, index: int, side: Side, direction: Direction, *, who: str,
             expect: Link | LinkState | None = None) -> int:
        """Move the link's last (`next`) or first (`previous`) segment on one side to the
        neighbouring link; a link left empty disappears."""
        return self._edit(doc_id, who, "move", index, expect,
                          lambda states, i: edits.move(states, i, side, direction),
                          {"side": side, "direction": direction})

    def unlink(self, doc_id: int, index: int, *, who: str,
               expect: Link | LinkState | None = None) -> int:
        """Break the link: each of its segments becomes a link of its own with no counterpart."""
        return self._edit(doc_id, who, "unlink", index, expect, edits.unlink, {})

    def relink(self, doc_id: int, index: int, other: int, *, who: str,
               expect: Link | LinkState | None = None) -> int:
        """Link unlinked segments: join the one-sided links from `index` to `other` into one link."""
        # `other` moves with `index` if another tab shifted the links
        return self._edit(doc_id, who, "relink", index, expect,
                          lambda states, i: edits.relink(states, i, other + (i - index)), {"other": other})

    def realign(self, doc_id: int, align: Callable[[list[Segment], list[Segment], list[Link]], list[Link]],
                *, who: str) -> RealignReport:
        """Align the unpinned links again around the pinned ones.

        `align(src_segments, tgt_segments, pinned_links)` is the aligner, e.g.
        `lambda s, t, p: workbench.align.align(s, t, encoder, pinned=p)`. It runs outside the
        write lock; if the document changed meanwhile, ConflictError. Decisions (and pins) on
        links that come back with the same segments are kept; the others are returned and
        recorded in the action, and undo brings them back.
        """
        current = self.load(doc_id)
        pins = [s.link for s in current.states if s.pinned]
        new_links = align(current.alignment.src, current.alignment.tgt, pins)
        after, dropped = edits.realigned(current.states, new_links)
        with self._transaction(write=True) as conn:
            if self._version(conn, doc_id) != current.version:
                raise ConflictError("The document changed while it was being re-aligned; try again.")
            self._commit_splice(conn, doc_id, who, "realign", 0, current.states, after,
                                {"dropped": [s.to_json() for s in dropped]})
        kept = len({(s.src, s.tgt) for s in after} & {(s.src, s.tgt) for s in current.states})
        return RealignReport(kept=kept, changed=len(after) - kept, dropped=dropped)

    def undo(self, doc_id: int, *, who: str) -> Action | None:
        """Undo the document's last edit not yet undone (repeat to go further back);
        returns the edit undone, or None when there is nothing left to undo."""
        return self._step(doc_id, who, "undo")

    def redo(self, doc_id: int, *, who: str) -> Action | None:
        """Re-apply the edit undone last, as long as nothing new was done since (after several
        undos, repeat to walk forward again); returns the edit redone, or None when there is
        nothing to redo."""
        return self._step(doc_id, who, "redo")

    def _step(self, doc_id: int, who: str, step: Step) -> Action | None:
        """Undo or redo the edit on top of its stack, recorded as one more action that names it."""
        with self._transaction(write=True) as conn:
            undoable, redoable = self._undo_redo_stacks(conn, doc_id)
            stack = undoable if step == "undo" else redoable
            if not stack:
                return None
            edit = _action(stack[-1])
            forward = [[LinkState.from_json(s) for s in edit.payload[key]] for key in ("before", "after")]
            before, after = forward[::-1] if step == "undo" else forward
            id_key, type_key = _STEP_KEYS[step]
            self._commit_splice(conn, doc_id, who, step, edit.payload["at"], before, after,
                                {id_key: edit.id, type_key: edit.type})
        return edit

    def _undo_redo_stacks(self, conn: sqlite3.Connection,
                          doc_id: int) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """The edits undo can take back and those redo can re-apply, next one last, as the
        history says: an edit goes on the undo stack and empties the redo stack (as in any
        editor, a new edit after an undo ends what could be redone); an undo moves the edit it
        names to the redo stack, a redo moves it back. Creating the document is not an edit."""
        undoable: list[sqlite3.Row] = []
        redoable: list[sqlite3.Row] = []
        for row in conn.execute("SELECT * FROM actions WHERE document_id = ? ORDER BY id", (doc_id,)):
            if row["type"] in _STEP_KEYS:
                source, target = (undoable, redoable) if row["type"] == "undo" else (redoable, undoable)
                named = json.loads(row["payload"])[_STEP_KEYS[row["type"]][0]]
                if not source or source[-1]["id"] != named:
                    raise RuntimeError(f"history of document {doc_id} is inconsistent at action {row['id']}")
                target.append(source.pop())
            elif row["type"] != "create":
                undoable.append(row)
                redoable.clear()
        return undoable, redoable
