"""The vectors the aligner compares: every run of one to `max_block` consecutive segments of
each side, centred, with their lengths and the document's length ratio.

Encoding is nearly the whole cost of aligning, and encoding every run of two and three
segments reads each segment about six times over (runs are longer, and attention grows with
length). So the run vectors come in two steps:
- `estimate` encodes each segment once and estimates a run's vector as the length-weighted
  mean of its segments' vectors. That is close for runs of whole sentences but poor for
  fragments (half a sentence encoded alone): on its own it loses 0.02 strict F1 on Text+Berg
  and 0.07 on the fragment sets;
- `refine` encodes the runs themselves, but only around the links a first pass on the
  estimates left uncertain (see workbench.align.aligner). Confident 1-1 links, most of a
  real translation, never need them: measured, 6-37% of runs are encoded, with the same
  links as encoding them all on every gold set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embed import TextEncoder
from workbench.embed.centre import centre, side_mean, unit
from workbench.model import Segment


@dataclass(frozen=True)
class BlockVectors:
    """Centred, unit-length vectors of every run of 1..max_block consecutive segments, per side.

    `src[k][i]` is the vector of source segments i..i+k (k+1 segments); likewise `tgt`.
    `src_len`/`tgt_len` are the character lengths of the same runs. `src_exact[k][i]` says
    whether that run's vector was encoded from its text (always, for single segments) rather
    than estimated from its segments' vectors.
    """

    src: list[np.ndarray]
    tgt: list[np.ndarray]
    src_len: list[np.ndarray]
    tgt_len: list[np.ndarray]
    ratio: float  # the document's target/source length ratio
    offset: float  # subtracted from every dot product to put it on the centred scale
    src_texts: tuple[str, ...]
    tgt_texts: tuple[str, ...]
    src_mean: np.ndarray | None  # the mean subtracted from every source vector (None: not centred)
    tgt_mean: np.ndarray | None
    src_exact: list[np.ndarray]
    tgt_exact: list[np.ndarray]

    @classmethod
    def estimate(cls, src: Sequence[Segment], tgt: Sequence[Segment], encoder: TextEncoder,
                 max_block: int, progress: bool = False,
                 means: tuple[np.ndarray, np.ndarray] | None = None) -> BlockVectors:
        """Each segment encoded once, every longer run estimated from its segments. `means`:
        the vectors to centre each side on, when a wider text than the two sides gives a
        better mean (the document matcher's: each edition's mean in each language, which
        centres even a one-sentence document); by default each side's own."""
        src_texts = tuple(s.text for s in src)
        tgt_texts = tuple(s.text for s in tgt)
        singles = encoder.encode(src_texts + tgt_texts, progress=progress) if src or tgt else np.zeros((0, 1), np.float32)
        src_raw = _estimated_runs(singles[:len(src)], src_texts, max_block)
        tgt_raw = _estimated_runs(singles[len(src):], tgt_texts, max_block)
        # with fewer than three segments on a side, its mean is mostly the segments
        # themselves: then neither side is centred and raw cosine is shifted instead
        if means is not None:
            src_mean, tgt_mean = means
        elif len(src) >= 3 and len(tgt) >= 3:
            src_mean, tgt_mean = side_mean(src_raw[0]), side_mean(tgt_raw[0])
        else:
            src_mean = tgt_mean = None
        total_src = sum(len(t) for t in src_texts) or 1
        total_tgt = sum(len(t) for t in tgt_texts) or 1
        # the texts' length ratio describes the language pair only when both are complete;
        # bounded, so a translated excerpt of a long text is not read as 10x expansion
        ratio = min(max(total_tgt / total_src, 1 / _MAX_RATIO), _MAX_RATIO)
        return cls(
            src=[_centred(v, src_mean) for v in src_raw], tgt=[_centred(v, tgt_mean) for v in tgt_raw],
            src_len=_run_lengths(src_texts, max_block), tgt_len=_run_lengths(tgt_texts, max_block),
            ratio=ratio, offset=0.0 if src_mean is not None else _RAW_SHIFT,
            src_texts=src_texts, tgt_texts=tgt_texts, src_mean=src_mean, tgt_mean=tgt_mean,
            src_exact=_exact_flags(len(src), max_block), tgt_exact=_exact_flags(len(tgt), max_block))

    def refine(self, encoder: TextEncoder, src_wanted: Sequence[bool], tgt_wanted: Sequence[bool],
               progress: bool = False) -> None:
        """Encode from their text the runs lying wholly inside the wanted segments (one model
        call for both sides), in place: the estimates they replace are not needed again, and
        copying a long document's changed run lengths instead took 60 MB more at the peak of a
        17,000-line document. The other runs stay estimated."""
        src_runs = _wanted_runs(self.src_exact, src_wanted)
        tgt_runs = _wanted_runs(self.tgt_exact, tgt_wanted)
        texts = [_run_text(self.src_texts, k, i) for k, i in src_runs] + [_run_text(self.tgt_texts, k, i) for k, i in tgt_runs]
        if not texts:
            return
        vectors = encoder.encode(texts, progress=progress)
        _replace(self.src, self.src_exact, src_runs, vectors[:len(src_runs)], self.src_mean)
        _replace(self.tgt, self.tgt_exact, tgt_runs, vectors[len(src_runs):], self.tgt_mean)


def _estimated_runs(singles: np.ndarray, texts: Sequence[str], max_block: int) -> list[np.ndarray]:
    """Unit vectors of every run of k = 1..max_block segments: the segments' own for k = 1,
    else the mean of their vectors weighted by their lengths."""
    weights = np.array([len(t) for t in texts], np.float32)[:, None] * singles
    runs = [singles]
    for k in range(2, max_block + 1):
        count = max(len(texts) - k + 1, 0)
        run = weights[:count].copy()  # summed in place, in the order sum() would: one array a run length
        for j in range(1, k):
            run += weights[j:j + count]
        runs.append(unit(run, in_place=True))
    return runs


def _run_lengths(texts: Sequence[str], max_block: int) -> list[np.ndarray]:
    """Character lengths of every run of k = 1..max_block segments, joined by a space."""
    lengths = np.array([len(t) for t in texts], np.float64)
    return [np.array([lengths[i:i + k].sum() + k - 1 for i in range(len(texts) - k + 1)], np.float64)
            for k in range(1, max_block + 1)]


def _exact_flags(count: int, max_block: int) -> list[np.ndarray]:
    return [np.full(max(count - k, 0), k == 0) for k in range(max_block)]


def _wanted_runs(exact: list[np.ndarray], wanted: Sequence[bool]) -> list[tuple[int, int]]:
    """(k, i) of every estimated run whose segments i..i+k are all wanted."""
    wanted_array = np.asarray(wanted, bool)
    return [(k, int(i)) for k in range(1, len(exact)) for i in np.flatnonzero(~exact[k])
            if wanted_array[i:i + k + 1].all()]


def _run_text(texts: Sequence[str], k: int, i: int) -> str:
    return " ".join(texts[i:i + k + 1])


def _replace(blocks: list[np.ndarray], exact: list[np.ndarray], runs: list[tuple[int, int]],
             vectors: np.ndarray, mean: np.ndarray | None) -> None:
    """Set `runs` of the block and flag arrays to their encoded (and centred) vectors."""
    if runs:
        centred = _centred(vectors, mean)
        for (k, i), vector in zip(runs, centred):
            blocks[k][i] = vector
            exact[k][i] = True


def _centred(vectors: np.ndarray, mean: np.ndarray | None) -> np.ndarray:
    """`vectors` less the side's mean single-segment vector (workbench.embed.centre), or as
    they are on a side too short to centre. In place: the arrays are this module's own, and a
    long document's are tens of MB each."""
    return vectors if mean is None else centre(vectors, mean, in_place=True)


# Raw cosine of short texts that could not be centred is mapped onto the centred scale:
# translations score ~0.85-0.92 raw and ~0.3-0.7 centred; unrelated sentences ~0.75-0.8 raw.
_RAW_SHIFT = 0.6
# Translations differ in length by well under a factor of two (en-fa, en-ar, de-fr ~0.8-1.2).
_MAX_RATIO = 2.0
