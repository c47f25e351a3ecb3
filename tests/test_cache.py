"""The vector cache (workbench.embed.cache): capped with least-recently-used eviction, and
damage (a bad entry, a file that is no database, a cache from before the cap) costs a
recomputation, never an error. Reading writes nothing, so a read-only cache serves reads."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

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


def test_reading_writes_nothing(tmp_path):
    """When each entry was last used is kept in memory and written with the next put: a run
    that only reads leaves the file as it was."""
    path = tmp_path / "cache.sqlite"
    cache = EmbeddingCache(path)
    cache.put("m", vectors(["a", "b"]))
    before = path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()
    for _ in range(3):
        assert len(cache.get("m", ["a", "b", "c"], DIMENSION)) == 2
    assert EmbeddingCache(path).get("m", ["a"], DIMENSION)
    assert (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()) == before


def test_reads_count_for_eviction_once_written(tmp_path):
    """A read's time reaches the file with the next put, before that put evicts anything."""
    path = tmp_path / "cache.sqlite"
    cache = EmbeddingCache(path)
    cache.put("m", vectors(["old", "older"]))
    cache.get("m", ["old"], DIMENSION)
    cache.put("m", vectors(["new"]))
    with closing(sqlite3.connect(path)) as db:
        used = dict(db.execute("SELECT key, used FROM embeddings"))
    assert used["older"] < used["old"] <= used["new"]


READER = """
import sys
from pathlib import Path
import numpy as np
from workbench.embed.cache import EmbeddingCache
cache = EmbeddingCache(Path(sys.argv[1]))
found = cache.get("m", ["a", "b"], 384)
cache.put("m", {"c": np.ones(384, np.float32)})  # cannot be stored: kept nowhere, no error
print(sorted(found), cache.count("m"))
"""


@pytest.mark.parametrize("read_only", ["folder", "file"])
def test_a_read_only_cache_is_read(tmp_path, read_only):
    """A cache on a read-only mount (the folder, or only the file: a bind mount in a user
    namespace, since file permissions do not stop root) serves what it holds."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("no user namespaces here to mount a cache read-only")
    path = tmp_path / "cache.sqlite"
    EmbeddingCache(path).put("m", vectors(["a"]))
    mounted = tmp_path if read_only == "folder" else path
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "$2" -c "$3" "$4"'
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script, "-", str(mounted), sys.executable, READER, str(path)],
                            capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['a']", "1"]
