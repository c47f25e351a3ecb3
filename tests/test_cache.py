"""The vector cache (workbench.embed.cache): capped with least-recently-used eviction, and
damage (a bad entry, a file that is no database, a cache from before the cap) costs a
recomputation, never an error."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import numpy as np

from workbench.embed.cache import EmbeddingCache

DIMENSION = 384


def vectors(names: list[str], seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(DIMENSION).astype(np.float32) for name in names}


def test_the_cache_stays_under_its_cap_and_keeps_what_was_used_last(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite", max_bytes=2 * 2**20)
    cache.put("m", vectors(["kept"]))
    for batch in range(40):  # about 6 MB of vectors, three times the cap
        cache.put("m", vectors([f"v{batch}-{k}" for k in range(100)], seed=batch))
        assert cache.get("m", ["kept"], DIMENSION)  # used all along: never evicted
    assert cache.size() <= 2 * 2**20 + 256 * 1024  # the cap, and the pages of the last batch
    assert not cache.get("m", ["v0-0"], DIMENSION)  # the oldest are gone
    assert len(cache.get("m", [f"v39-{k}" for k in range(100)], DIMENSION)) == 100  # the newest are there
    assert (tmp_path / "cache.sqlite").stat().st_size < 4 * 2**20  # dropped pages are reused


def test_a_damaged_entry_is_dropped_and_stored_again(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    good = vectors(["a", "b", "c"])
    cache.put("m", good)
    with closing(sqlite3.connect(tmp_path / "cache.sqlite")) as db, db:
        db.execute("UPDATE embeddings SET vector = substr(vector, 1, 100) WHERE key = 'a'")  # truncated
        db.execute("UPDATE embeddings SET vector = ? WHERE key = 'b'", [np.full(DIMENSION, np.nan, np.float32).tobytes()])
    found = cache.get("m", ["a", "b", "c"], DIMENSION)
    assert list(found) == ["c"] and np.array_equal(found["c"], good["c"])
    assert cache.count("m") == 1  # the damaged ones are gone, so the encoder stores them anew
    cache.put("m", {"a": good["a"]})
    assert np.array_equal(cache.get("m", ["a"], DIMENSION)["a"], good["a"])


def test_a_file_that_is_no_database_is_set_aside(tmp_path):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not SQLite" * 1000)
    cache = EmbeddingCache(path)
    cache.put("m", vectors(["a"]))
    assert cache.count("m") == 1
    assert (tmp_path / "cache.sqlite.damaged").read_bytes().startswith(b"this is not SQLite")


def test_a_cache_from_before_the_cap_is_read_and_capped(tmp_path):
    path = tmp_path / "cache.sqlite"
    old = vectors(["a"])
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE embeddings (model TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,"
                   " PRIMARY KEY (model, key)) WITHOUT ROWID")
        db.execute("INSERT INTO embeddings VALUES ('m', 'a', ?)", [old["a"].tobytes()])
    cache = EmbeddingCache(path)
    assert np.array_equal(cache.get("m", ["a"], DIMENSION)["a"], old["a"])
    cache.put("m", vectors(["b"]))
    assert cache.count("m") == 2
