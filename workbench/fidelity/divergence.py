"""The learned divergence detector: does this translation say what its original says, and
which words do not?

A small cross-encoder reads both sentences together, word by word, on top of the frozen
sentence encoder: each word enters as its contextual state (the encoder's middle layer, the
mean of its pieces) with a few measured features (how well it matches its best counterpart,
whether that match is mutual, whether it is a number or a name and whether the other side
has it too), the two sentences are joined and read by two self-attention layers, and two
heads answer: one logit per word (is it part of a divergence?) and one per pair (do the two
sentences differ in meaning?). Reading both sides at once lets it see what two separate
sentence vectors cannot: a word whose counterpart is there but does something else.

It was trained (models/divergence_train.py) on real human translations that packages ship
and on copies of them damaged in graded ways (a word swapped for a broader or narrower one,
a phrase added or dropped, a clause dropped, two arguments swapped, a hedge made an
assertion, a number or a name changed, a wholly different sentence), ranking equivalents
below fine divergences below coarse ones, the word tags learned jointly, as Briakou &
Carpuat (2020) do. No human divergence label was used in training.

The trained network ships in the package (divergence.pt, 1.3 MB, torch's format) with the same
weights as plain arrays (divergence.npz, written from it by models/divergence_export.py): the
workbench judges pairs with numpy (`Detector`), so a run on the CPU never imports torch (about
2 s and 300 MB); torch's network (`build_net`) is for training it. The pair logit is turned
into the calibrated `fidelity` in workbench.fidelity.calibration.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from workbench.embed import TextEncoder
from workbench.embed.centre import unit
from workbench.embed.runtime import length_batches
from workbench.fidelity.words import centred_words, is_content, itermax, literal_matches, word_vectors
from workbench.text.numbers import number_value

WEIGHTS = Path(__file__).with_name("divergence.pt")
ARRAYS = WEIGHTS.with_suffix(".npz")  # the same weights for numpy (models/divergence_export.py)
ABOUT = "about"  # the member of ARRAYS that describes them (JSON): config, encoder, source


def weights_fingerprint(path: Path = WEIGHTS) -> str:
    """A trained network's fingerprint, read without torch."""
    return hashlib.sha1(path.read_bytes()).hexdigest()[:8]


# The shipped weights' fingerprint: part of every output's signature.
DETECTOR_VERSION = weights_fingerprint() if WEIGHTS.exists() else "missing"
STATE_LAYER = 8  # the encoder layer whose states the detector reads (of e5-small's 12)
# Per word, in this order (see `pair_input`):
WORD_FEATURES = (
    "best_similarity",  # centred cosine with its best counterpart on the other side
    "best_raw_similarity",  # the same before centring
    "mutual",  # it and its best counterpart choose each other (SimAlign's itermax, literal matches first)
    "literal",  # the same word or number is on the other side
    "content",  # not a function word or punctuation
    "number",  # a number written in digits
    "number_unmatched",  # a number whose value the other side lacks
    "capitalised",  # capitalised, not first in its sentence: most often a name
    "position",  # relative position in its sentence, 0..1
    "distortion",  # |its relative position - its best counterpart's|
    "length",  # characters / 10, at most 2
)
# Per pair:
PAIR_FEATURES = (
    "similarity",  # cosine of the two sentence vectors, not centred: a centred cosine depends on
    # the document around the pair (a corpus of unrelated pairs centres to other values than an
    # article), and the detector must judge a pair the same wherever it stands
    "length_deviation",  # |log char ratio - the document's usual|
    "src_unmatched",  # share of the source's content words with no mutual or literal counterpart
    "tgt_unmatched",
    "src_words",  # words / 40
    "tgt_words",
)
JUDGE_BATCH_WORDS = 4096
CAPITALISED = re.compile(r"[A-Z\u00c0-\u00de]")


@dataclass(frozen=True)
class PairInput:
    """One pair as the detector reads it: its words and their features."""

    src_words: tuple[tuple[int, int], ...]  # character spans in the source text
    tgt_words: tuple[tuple[int, int], ...]
    vectors: np.ndarray  # (source words + target words, dimension) word states
    features: np.ndarray  # (source words + target words, len(WORD_FEATURES))
    pair: np.ndarray  # (len(PAIR_FEATURES),)


@dataclass(frozen=True)
class Divergence:
    """What the detector says of one pair."""

    logit: float  # the pair's divergence logit (higher: more likely to differ in meaning)
    src_tags: tuple[float, ...]  # p(part of a divergence) of each source word, as PairInput.src_words
    tgt_tags: tuple[float, ...]


def pair_input(src: str, tgt: str, src_states: tuple[Sequence[tuple[int, int]], np.ndarray],
               tgt_states: tuple[Sequence[tuple[int, int]], np.ndarray], similarity: float,
               length_deviation: float) -> PairInput:
    """The detector's input for one pair, from each side's token states (`Encoder.token_states`
    at STATE_LAYER), the cosine of their sentence vectors and the link's length deviation."""
    src_words, src_vectors = word_vectors(src, *src_states)
    tgt_words, tgt_vectors = word_vectors(tgt, *tgt_states)
    src_features, tgt_features = _word_features(src, tgt, src_words, tgt_words, src_vectors, tgt_vectors)
    unmatched = [
        _unmatched_share(features)
        for features in (src_features, tgt_features)
    ]
    pair = np.array([similarity, length_deviation, *unmatched, len(src_words) / 40, len(tgt_words) / 40], dtype=np.float32)
    return PairInput(tuple(src_words), tuple(tgt_words), np.concatenate([src_vectors, tgt_vectors]),
                     np.concatenate([src_features, tgt_features]), pair)


def _unmatched_share(features: np.ndarray) -> float:
    content = features[:, WORD_FEATURES.index("content")] > 0
    if not content.any():
        return 0.0
    matched = (features[:, WORD_FEATURES.index("mutual")] > 0) | (features[:, WORD_FEATURES.index("literal")] > 0)
    return float((content & ~matched).sum() / content.sum())


def _word_features(src: str, tgt: str, src_words: list[tuple[int, int]], tgt_words: list[tuple[int, int]],
                   src_vectors: np.ndarray, tgt_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, m = len(src_words), len(tgt_words)
    if not n or not m:
        return (_side_features(src, src_words, np.zeros((n, m)), np.zeros((n, m)), np.zeros((n, m), bool), np.zeros((n, m), bool)),
                _side_features(tgt, tgt_words, np.zeros((m, n)), np.zeros((m, n)), np.zeros((m, n), bool), np.zeros((m, n), bool)))
    centred = centred_words(src_vectors) @ centred_words(tgt_vectors).T
    raw = unit(src_vectors) @ unit(tgt_vectors).T
    literal = literal_matches(src, tgt, src_words, tgt_words)
    mutual = itermax(np.where(literal, 2.0, centred))
    return (_side_features(src, src_words, centred, raw, literal, mutual),
            _side_features(tgt, tgt_words, centred.T, raw.T, literal.T, mutual.T))


def _side_features(text: str, words: Sequence[tuple[int, int]], centred: np.ndarray, raw: np.ndarray,
                   literal: np.ndarray, mutual: np.ndarray) -> np.ndarray:
    """WORD_FEATURES of one side's words; the matrices have a row per word of this side."""
    n, m = centred.shape
    features = np.zeros((n, len(WORD_FEATURES)), dtype=np.float32)
    if not n:
        return features
    position = np.arange(n) / max(n - 1, 1)
    other_position = np.arange(m) / max(m - 1, 1)
    for k, (start, end) in enumerate(words):
        word = text[start:end]
        best = int(centred[k].argmax()) if m else 0
        number = number_value(word) is not None
        has_literal = bool(literal[k].any()) if m else False
        features[k] = (
            centred[k, best] if m else 0.0,
            raw[k].max() if m else 0.0,
            bool(mutual[k].any()) if m else False,
            has_literal,
            is_content(word),
            number,
            number and not has_literal,
            k > 0 and bool(CAPITALISED.match(word)),
            position[k],
            abs(position[k] - other_position[best]) if m else 1.0,
            min((end - start) / 10, 2.0),
        )
    return features


def build_net(dimension: int = 384, width: int = 128, layers: int = 2, heads: int = 4, reader: str = "small",
              intermediate: int = 1536):
    """The detector's network in torch, to train it (the workbench runs it in numpy: `Detector`).

    reader "small": two self-attention layers of `width`, trained from scratch. reader
    "upper": the encoder's own upper layers (`layers` BERT layers of `dimension`, `heads`
    heads, `intermediate` wide, after STATE_LAYER), initialised from the pre-trained weights
    by the training script and fine-tuned to read both sides together (the split design of
    DeFormer, Cao et al. 2020: the lower layers read each sentence alone, as the workbench
    already does; the upper layers read the pair)."""
    import torch
    from torch import nn

    class BertLayer(nn.Module):
        """One post-norm BERT layer, its parameters named as transformers' BertLayer's."""

        def __init__(self) -> None:
            super().__init__()
            self.heads = heads
            self.attention = nn.Module()
            self.attention.self = nn.Module()
            for name in ("query", "key", "value"):
                setattr(self.attention.self, name, nn.Linear(dimension, dimension))
            self.attention.output = nn.Module()
            self.attention.output.dense = nn.Linear(dimension, dimension)
            self.attention.output.LayerNorm = nn.LayerNorm(dimension, eps=1e-12)
            self.intermediate = nn.Module()
            self.intermediate.dense = nn.Linear(dimension, intermediate)
            self.output = nn.Module()
            self.output.dense = nn.Linear(intermediate, dimension)
            self.output.LayerNorm = nn.LayerNorm(dimension, eps=1e-12)
            self.dropout = nn.Dropout(0.1)

        def forward(self, x, keep):
            b, n, d = x.shape
            own = self.attention.self

            def split(t):
                return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
            read = nn.functional.scaled_dot_product_attention(
                split(own.query(x)), split(own.key(x)), split(own.value(x)), attn_mask=keep[:, None, None, :],
                dropout_p=0.1 if self.training else 0.0)
            read = read.transpose(1, 2).reshape(b, n, d)
            x = self.attention.output.LayerNorm(x + self.dropout(self.attention.output.dense(read)))
            inner = nn.functional.gelu(self.intermediate.dense(x))
            return self.output.LayerNorm(x + self.dropout(self.output.dense(inner)))

    class DivergenceNet(nn.Module):
        """Word states and features of both sides, read together; a logit per word and per pair."""

        def __init__(self) -> None:
            super().__init__()
            self.config = {"dimension": dimension, "width": width, "layers": layers, "heads": heads,
                           "reader": reader, "intermediate": intermediate}
            size = dimension if reader == "upper" else width
            self.word = nn.Sequential(nn.Dropout(0.1), nn.Linear(dimension, width)) if reader == "small" else nn.Identity()
            self.feature = nn.Linear(len(WORD_FEATURES), size)
            self.side = nn.Embedding(2, size)
            self.pair = nn.Linear(len(PAIR_FEATURES), size)
            if reader == "upper":
                self.upper = nn.ModuleList(BertLayer() for _ in range(layers))
            else:
                layer = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.1, batch_first=True)
                self.reader = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.tag = nn.Linear(size, 1)
            self.judge = nn.Sequential(nn.Linear(size + 4 + len(PAIR_FEATURES), 64), nn.ReLU(), nn.Linear(64, 1))

        def forward(self, vectors, features, side, mask, pair):
            """vectors (B, L, D), features (B, L, F), side (B, L) 0/1, mask (B, L) True on words,
            pair (B, P) -> pair logits (B,), word logits (B, L)."""
            words = self.word(vectors) + self.feature(features) + self.side(side)
            head = self.pair(pair)[:, None]
            joined = torch.cat([head, words], 1)
            keep = torch.cat([torch.ones_like(mask[:, :1]), mask], 1)
            if reader == "upper":
                states = joined
                for layer in self.upper:
                    states = layer(states, keep)
            else:
                states = self.reader(joined, src_key_padding_mask=~keep)
            tags = self.tag(states[:, 1:]).squeeze(-1)
            probabilities = torch.sigmoid(tags) * mask
            pooled = []
            for which in (0, 1):
                on_side = mask & (side == which)
                pooled.append(torch.where(on_side, probabilities, 0).amax(1))
                pooled.append((probabilities * on_side).sum(1) / on_side.sum(1).clamp(min=1))
            judged = self.judge(torch.cat([states[:, 0], torch.stack(pooled, 1), pair], 1)).squeeze(-1)
            return judged, tags

    return DivergenceNet()


def padded(inputs: Sequence[PairInput]) -> tuple[np.ndarray, ...]:
    """`inputs` as padded arrays in the network's argument order: vectors, features, side,
    mask, pair (see DivergenceNet.forward)."""
    length = max(max(len(x.features) for x in inputs), 1)
    dimension = inputs[0].vectors.shape[1]
    vectors = np.zeros((len(inputs), length, dimension), dtype=np.float32)
    features = np.zeros((len(inputs), length, len(WORD_FEATURES)), dtype=np.float32)
    side = np.zeros((len(inputs), length), dtype=np.int64)
    mask = np.zeros((len(inputs), length), dtype=bool)
    for row, x in enumerate(inputs):
        count = len(x.features)
        vectors[row, :count] = x.vectors
        features[row, :count] = x.features
        side[row, len(x.src_words):count] = 1
        mask[row, :count] = True
    return vectors, features, side, mask, np.stack([x.pair for x in inputs])


def batch_tensors(inputs: Sequence[PairInput]):
    """`padded(inputs)` as torch tensors, for training the network."""
    import torch

    return tuple(torch.from_numpy(a) for a in padded(inputs))


class Detector:
    """The trained network in numpy, ready to judge pairs: `build_net`'s "small" reader in
    eval mode, read from ARRAYS (the names are its state_dict's)."""

    def __init__(self, path: Path = ARRAYS):
        with np.load(path, allow_pickle=False) as saved:
            about = json.loads(str(saved[ABOUT]))
            self.weights = {name: saved[name] for name in saved.files if name != ABOUT}
        self.heads = about["config"]["heads"]
        self.layers = about["config"]["layers"]
        self.encoder_name = about["encoder"]  # the encoder whose states it was trained on
        self.source = about["source"]  # the fingerprint of the divergence.pt it was written from

    def judge(self, inputs: Sequence[PairInput], batch_size: int = 64) -> list[Divergence]:
        """One Divergence per input, in order; in batches of similar length, at most
        `batch_size` pairs and JUDGE_BATCH_WORDS padded words (attention memory grows with
        pairs x words^2: 64 pairs of 400 words would take a gigabyte)."""
        batches = length_batches([len(x.features) for x in inputs], batch_size, JUDGE_BATCH_WORDS)
        found: dict[int, Divergence] = {}
        for rows in batches:
            logits, tags = self.forward(*padded([inputs[k] for k in rows]))
            probabilities = sigmoid(tags)
            for row, k in enumerate(rows):
                n, m = len(inputs[k].src_words), len(inputs[k].tgt_words)
                found[k] = Divergence(float(logits[row]), tuple(float(p) for p in probabilities[row, :n]),
                                      tuple(float(p) for p in probabilities[row, n : n + m]))
        return [found[k] for k in range(len(inputs))]

    def forward(self, vectors: np.ndarray, features: np.ndarray, side: np.ndarray, mask: np.ndarray,
                pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """DivergenceNet.forward, in float32 as torch runs it: pair logits (B,), word logits (B, L)."""
        words = self._linear(vectors, "word.1") + self._linear(features, "feature") + self.weights["side.weight"][side]
        states = np.concatenate([self._linear(pair, "pair")[:, None], words], 1)
        keep = np.concatenate([np.ones_like(mask[:, :1]), mask], 1)
        for layer in range(self.layers):
            states = self._reader_layer(states, keep, f"reader.layers.{layer}")
        tags = self._linear(states[:, 1:], "tag")[..., 0]
        probabilities = sigmoid(tags) * mask
        pooled = []
        for which in (0, 1):
            on_side = mask & (side == which)
            pooled.append(np.where(on_side, probabilities, 0).max(1))
            pooled.append((probabilities * on_side).sum(1) / np.maximum(on_side.sum(1), 1).astype(np.float32))
        hidden = np.maximum(self._linear(np.concatenate([states[:, 0], np.stack(pooled, 1), pair], 1), "judge.0"), 0)
        return self._linear(hidden, "judge.2")[:, 0], tags

    def _reader_layer(self, x: np.ndarray, keep: np.ndarray, name: str) -> np.ndarray:
        """One of torch's TransformerEncoderLayer (post-norm, ReLU), padded words masked out."""
        b, n, d = x.shape
        packed = _matmul(x, self.weights[f"{name}.self_attn.in_proj_weight"].T) + self.weights[f"{name}.self_attn.in_proj_bias"]
        query, key, value = (part.reshape(b, n, self.heads, d // self.heads).transpose(0, 2, 1, 3)
                             for part in np.split(packed, 3, axis=-1))
        scores = query @ key.transpose(0, 1, 3, 2) * np.float32(1 / np.sqrt(d // self.heads))
        scores = np.where(keep[:, None, None, :], scores, -np.inf)
        attention = np.exp(scores - scores.max(-1, keepdims=True))
        attention /= attention.sum(-1, keepdims=True)
        read = (attention @ value).transpose(0, 2, 1, 3).reshape(b, n, d)
        x = self._norm(x + self._linear(read, f"{name}.self_attn.out_proj"), f"{name}.norm1")
        inner = np.maximum(self._linear(x, f"{name}.linear1"), 0)
        return self._norm(x + self._linear(inner, f"{name}.linear2"), f"{name}.norm2")

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return _matmul(x, self.weights[f"{name}.weight"].T) + self.weights[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        centred = x - x.mean(-1, keepdims=True)
        scaled = centred / np.sqrt((centred**2).mean(-1, keepdims=True) + np.float32(1e-5))  # torch's default eps
        return scaled * self.weights[f"{name}.weight"] + self.weights[f"{name}.bias"]


def _matmul(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """x (..., n) @ matrix (n, m) as one 2-D product: numpy multiplies a stack of rows by a
    transposed matrix without BLAS, several times slower."""
    return (x.reshape(-1, x.shape[-1]) @ matrix).reshape(*x.shape[:-1], matrix.shape[1])


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The logistic function without exp's overflow for very negative x (at -inf: 0)."""
    return 0.5 * (1 + np.tanh(0.5 * x))


@lru_cache(maxsize=1)
def load_detector() -> Detector:
    """The shipped detector, loaded once per process."""
    return Detector()


def detector_encoder(encoder: TextEncoder) -> TextEncoder:
    """The encoder whose states the detector reads: the one it was trained on (the default
    multilingual-e5-small), which is `encoder` itself unless the user aligned with another
    model (`--model`); then that one aligns and e5 still judges the links."""
    if encoder.name == load_detector().encoder_name:
        return encoder
    from workbench.embed import load_encoder

    return load_encoder()
