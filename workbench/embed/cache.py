"""The sentence-vector cache: vectors by (model name, text key) in SQLite, shared by processes.

A reviewer re-runs the same documents many times (re-aligning, other reports, the UI) and
encoding is the slow step on a CPU, so every vector is kept; WAL lets a CLI run and the UI
read and write it at once. What a key is (the text as fed to the model) is the encoder's
business (workbench.embed.encoder); this module only stores.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import numpy as np

from workbench import paths

CACHE_FILE = "embeddings.sqlite"
SQLITE_MAX_PARAMS = 500  # keys per SELECT ... IN (...), well under SQLite's limit


def default_cache_path() -> Path:
    """`embeddings.sqlite` in the cache folder (see workbench.paths)."""
    return paths.cache_dir() / CACHE_FILE


class EmbeddingCache:
    """Vectors by (model name, text key) in SQLite; WAL lets a CLI run and the UI share it."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings ("
                " model TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,"
                " PRIMARY KEY (model, key)) WITHOUT ROWID"
            )

    def _connect(self) -> sqlite3.Connection:
        """A connection per operation: safe across the UI's threads, and waits out other writers."""
        return sqlite3.connect(self.path, timeout=60)

    def get(self, model: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `keys`."""
        wanted = list(dict.fromkeys(keys))
        found = {}
        with closing(self._connect()) as db:
            for at in range(0, len(wanted), SQLITE_MAX_PARAMS):
                chunk = wanted[at : at + SQLITE_MAX_PARAMS]
                rows = db.execute(
                    f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({','.join('?' * len(chunk))})",
                    [model, *chunk],
                )
                found.update((key, np.frombuffer(blob, dtype=np.float32)) for key, blob in rows)
        return found

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Store vectors; a key another process stored meanwhile is kept as it is."""
        with closing(self._connect()) as db, db:
            db.executemany(
                "INSERT OR IGNORE INTO embeddings (model, key, vector) VALUES (?, ?, ?)",
                [(model, key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in vectors.items()],
            )

    def count(self, model: str) -> int:
        """How many vectors are stored for `model`."""
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?", [model]).fetchone()[0]
