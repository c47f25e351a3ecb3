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
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import numpy as np

from workbench import paths

CACHE_FILE = "embeddings.sqlite"
SQLITE_MAX_PARAMS = 500  # keys per SELECT ... IN (...), well under SQLite's limit
DEFAULT_MAX_BYTES = 1 << 30
EVICT_SHARE = 0.25  # of the entries, the least recently used, dropped when the cache is over its cap


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
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._create()
        except sqlite3.DatabaseError:  # not a database (a truncated copy, another file): start afresh
            path.replace(path.with_name(path.name + ".damaged"))
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            self._create()

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

    def _connect(self) -> sqlite3.Connection:
        """A connection per operation: safe across the UI's threads, and waits out other writers."""
        return sqlite3.connect(self.path, timeout=60)

    def get(self, model: str, keys: Iterable[str], dimension: int | None = None) -> dict[str, np.ndarray]:
        """The cached vectors among `keys`; entries that are not `dimension` finite floats are
        dropped (and so computed again by the caller)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        damaged: list[str] = []
        with closing(self._connect()) as db, db:
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
                db.execute(f"UPDATE embeddings SET used = ? WHERE model = ? AND key IN ({marks})",
                           [_now(), model, *chunk])
            db.executemany("DELETE FROM embeddings WHERE model = ? AND key = ?", [(model, key) for key in damaged])
        return found

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Store vectors; a key another process stored meanwhile is kept as it is. Past the
        cap, the least recently used entries go."""
        now = _now()
        with closing(self._connect()) as db, db:
            db.executemany(
                "INSERT OR IGNORE INTO embeddings (model, key, vector, used) VALUES (?, ?, ?, ?)",
                [(model, key, np.asarray(v, dtype=np.float32).tobytes(), now) for key, v in vectors.items()],
            )
            if _live_bytes(db) > self.max_bytes:
                count = db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
                db.execute("DELETE FROM embeddings WHERE (model, key) IN "
                           "(SELECT model, key FROM embeddings ORDER BY used LIMIT ?)",
                           [max(1, int(count * EVICT_SHARE))])

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


def _live_bytes(db: sqlite3.Connection) -> int:
    pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
    return pages * db.execute("PRAGMA page_size").fetchone()[0]


def _now() -> int:
    return time.time_ns()
