"""The sentence-vector cache: vectors by (model name, text key) in SQLite, shared by processes.

A reviewer re-runs the same documents many times (re-aligning, other reports, the UI) and
encoding is the slow step on a CPU, so vectors are kept; WAL lets a CLI run and the UI read
and write it at once. What a key is (the text as fed to the model) is the encoder's business
(workbench.embed.encoder); this module only stores. Being a cache, it may lose anything:
- it is capped (`max_bytes`, default 1 GiB, `WORKBENCH_CACHE_MB` to change it): past the cap
  the least recently used quarter is dropped, and SQLite reuses the pages;
- a damaged entry (a vector of the wrong length, or not finite) is dropped when read, so it
  is computed again; a file that is not an SQLite database is set aside as `*.damaged` and
  a new cache started.
Reading writes nothing: when each entry was last read is held in memory and written with the
next put (or once STAMP_BATCH reads are held), so a run whose vectors are all cached leaves
the file as it was, and a cache that cannot be written (a read-only file or folder, a shared
copy) serves reads and stores nothing. Reads after a process's last write are forgotten,
which only lets those entries be evicted sooner.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path

import numpy as np

from workbench import paths

CACHE_FILE = "embeddings.sqlite"
SQLITE_MAX_PARAMS = 500  # keys per SELECT ... IN (...), well under SQLite's limit
DEFAULT_MAX_BYTES = 1 << 30
EVICT_SHARE = 0.25  # of the entries, the least recently used, dropped when the cache is over its cap
STAMP_BATCH = 50_000  # read times held in memory before they are written (a put writes them sooner)


def default_cache_path() -> Path:
    """`embeddings.sqlite` in the cache folder (see workbench.paths)."""
    return paths.cache_dir() / CACHE_FILE


def default_max_bytes() -> int:
    """The cap: `WORKBENCH_CACHE_MB` megabytes if set, else DEFAULT_MAX_BYTES."""
    megabytes = os.environ.get("WORKBENCH_CACHE_MB", "").strip()
    return int(float(megabytes) * 2**20) if megabytes else DEFAULT_MAX_BYTES


class EmbeddingCache:
    """Vectors by (model name, text key) in SQLite, at most `max_bytes` of them."""

    def __init__(self, path: Path, max_bytes: int | None = None):
        self.path = path
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes
        self.read_only = False  # found unwritable: reads only, nothing stored
        self._opening = ""  # the SQLite URI query a read-only cache is opened with
        self._used: dict[tuple[str, str], int] = {}  # (model, key) -> when read, not yet written
        self._lock = threading.Lock()  # the UI reads from several threads
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._create()
        except sqlite3.DatabaseError as error:
            if _code(error) in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN) and path.is_file():
                self._open_read_only()
            elif _code(error) in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):  # a truncated copy, another file
                path.replace(path.with_name(path.name + ".damaged"))
                for suffix in ("-wal", "-shm"):
                    path.with_name(path.name + suffix).unlink(missing_ok=True)
                self._create()
            else:
                raise

    def _create(self) -> None:
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings ("
                " model TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,"
                " used INTEGER NOT NULL DEFAULT 0,"  # when last stored or read: eviction drops the oldest
                " PRIMARY KEY (model, key)) WITHOUT ROWID"
            )
            columns = {row[1] for row in db.execute("PRAGMA table_info(embeddings)")}
            if "used" not in columns:  # a cache made before it was capped
                db.execute("ALTER TABLE embeddings ADD COLUMN used INTEGER NOT NULL DEFAULT 0")

    def _open_read_only(self) -> None:
        """Open a cache that cannot be written: in SQLite's read-only mode, or, in a read-only
        folder (where the WAL's shared-memory file cannot be made), as an immutable file,
        which it is there: a WAL database is only written through a file beside it."""
        self.read_only = True
        for opening in ("mode=ro", "immutable=1"):
            self._opening = opening
            try:
                with closing(self._connect()) as db:
                    db.execute("SELECT 1 FROM embeddings LIMIT 1").fetchall()
                return
            except sqlite3.OperationalError as error:
                if _code(error) != sqlite3.SQLITE_CANTOPEN or opening == "immutable=1":
                    raise

    def _connect(self) -> sqlite3.Connection:
        """A connection per operation: safe across the UI's threads, and waits out other writers."""
        if self._opening:
            return sqlite3.connect(f"{self.path.absolute().as_uri()}?{self._opening}", uri=True, timeout=60)
        return sqlite3.connect(self.path, timeout=60)

    def get(self, model: str, keys: Iterable[str], dimension: int | None = None) -> dict[str, np.ndarray]:
        """The cached vectors among `keys`; entries that are not `dimension` finite floats are
        dropped (and so computed again by the caller)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        damaged: list[str] = []
        with closing(self._connect()) as db:
            for at in range(0, len(wanted), SQLITE_MAX_PARAMS):
                chunk = wanted[at : at + SQLITE_MAX_PARAMS]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({marks})",
                                  [model, *chunk]).fetchall()
                for key, blob in rows:
                    vector = _vector(blob, dimension)
                    if vector is None:
                        damaged.append(key)
                    else:
                        found[key] = vector
        if damaged:
            self._write(lambda db: db.executemany("DELETE FROM embeddings WHERE model = ? AND key = ?",
                                                  [(model, key) for key in damaged]))
        if found and not self.read_only:
            now = _now()
            with self._lock:
                self._used.update(dict.fromkeys(((model, key) for key in found), now))
                full = len(self._used) >= STAMP_BATCH
            if full:
                self._write()
        return found

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Store vectors; a key another process stored meanwhile is kept as it is. Past the
        cap, the least recently used entries go (the read times held so far written first)."""
        now = _now()
        rows = [(model, key, np.asarray(v, dtype=np.float32).tobytes(), now) for key, v in vectors.items()]

        def store(db: sqlite3.Connection) -> None:
            db.executemany("INSERT OR IGNORE INTO embeddings (model, key, vector, used) VALUES (?, ?, ?, ?)", rows)
            if _live_bytes(db) > self.max_bytes:
                count = db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
                db.execute("DELETE FROM embeddings WHERE (model, key) IN "
                           "(SELECT model, key FROM embeddings ORDER BY used LIMIT ?)",
                           [max(1, int(count * EVICT_SHARE))])

        self._write(store)

    def _write(self, change: Callable[[sqlite3.Connection], object] | None = None) -> None:
        """One transaction: the read times held so far, then `change`. A cache found to be
        read-only keeps neither, and says so in `read_only`."""
        with self._lock:
            used, self._used = self._used, {}
        if self.read_only:
            return
        try:
            with closing(self._connect()) as db, db:
                db.executemany("UPDATE embeddings SET used = ? WHERE model = ? AND key = ?",
                               [(when, model, key) for (model, key), when in used.items()])
                if change is not None:
                    change(db)
        except sqlite3.OperationalError as error:
            if _code(error) != sqlite3.SQLITE_READONLY:
                raise
            self.read_only = True

    def count(self, model: str) -> int:
        """How many vectors are stored for `model`."""
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?", [model]).fetchone()[0]

    def size(self) -> int:
        """Bytes the stored vectors take (pages in use, free pages left out)."""
        with closing(self._connect()) as db:
            return _live_bytes(db)


def _vector(blob: object, dimension: int | None) -> np.ndarray | None:
    """The stored vector, or None when the entry is damaged."""
    if not isinstance(blob, bytes) or len(blob) % 4 or (dimension is not None and len(blob) != 4 * dimension):
        return None
    vector = np.frombuffer(blob, dtype=np.float32)
    return vector if len(vector) and np.isfinite(vector).all() else None


def _code(error: sqlite3.Error) -> int:
    """SQLite's primary result code of `error` (SQLITE_READONLY for SQLITE_READONLY_DIRECTORY, ...)."""
    return (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF


def _live_bytes(db: sqlite3.Connection) -> int:
    pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
    return pages * db.execute("PRAGMA page_size").fetchone()[0]


def _now() -> int:
    return time.time_ns()
