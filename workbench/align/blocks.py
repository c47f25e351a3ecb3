"""The vectors the aligner compares: every run of one to `max_block` consecutive segments of
each side, encoded and centred, with their lengths and the document's length ratio."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embed import TextEncoder
from workbench.embed.centre import centre, side_mean
from workbench.model import Segment


@dataclass
class BlockVectors:
    """Centred, unit-length vectors of every run of 1..max_block consecutive segments, per side.

    `src[k][i]` is the vector of source segments i..i+k (k+1 segments); likewise `tgt`.
    `src_len`/`tgt_len` are the character lengths of the same runs.
    """

    src: list[np.ndarray]
    tgt: list[np.ndarray]
    src_len: list[np.ndarray]
    tgt_len: list[np.ndarray]
    ratio: float  # the document's target/source length ratio
    offset: float  # subtracted from every dot product to put it on the centred scale

    @classmethod
    def build(cls, src: Sequence[Segment], tgt: Sequence[Segment], encoder: TextEncoder,
              max_block: int, progress: bool = False) -> BlockVectors:
        src_runs = _runs([s.text for s in src], max_block)
        tgt_runs = _runs([s.text for s in tgt], max_block)
        flat = [t for runs in src_runs + tgt_runs for t in runs]
        vectors = encoder.encode(flat, progress=progress) if flat else np.zeros((0, 1), np.float32)
        out, at = [], 0
        for runs in src_runs + tgt_runs:
            out.append(vectors[at:at + len(runs)])
            at += len(runs)
        # with fewer than three segments on a side, its mean is mostly the segments
        # themselves: then neither side is centred and raw cosine is shifted instead
        centred = len(src) >= 3 and len(tgt) >= 3
        src_vec = _centred(out[:max_block]) if centred else out[:max_block]
        tgt_vec = _centred(out[max_block:]) if centred else out[max_block:]
        src_len = [np.array([len(t) for t in runs], np.float64) for runs in src_runs]
        tgt_len = [np.array([len(t) for t in runs], np.float64) for runs in tgt_runs]
        total_src = sum(len(s.text) for s in src) or 1
        total_tgt = sum(len(s.text) for s in tgt) or 1
        # the texts' length ratio describes the language pair only when both are complete;
        # bounded, so a translated excerpt of a long text is not read as 10x expansion
        ratio = min(max(total_tgt / total_src, 1 / _MAX_RATIO), _MAX_RATIO)
        return cls(src_vec, tgt_vec, src_len, tgt_len, ratio, 0.0 if centred else _RAW_SHIFT)


def _runs(texts: list[str], max_block: int) -> list[list[str]]:
    """Texts of all runs of k consecutive segments, for k = 1..max_block."""
    return [[" ".join(texts[i:i + k]) for i in range(len(texts) - k + 1)]
            for k in range(1, max_block + 1)]


def _centred(blocks: list[np.ndarray]) -> list[np.ndarray]:
    """Every block less the side's mean single-segment vector (workbench.embed.centre)."""
    mean = side_mean(blocks[0])
    return [centre(b, mean) for b in blocks]


# Raw cosine of short texts that could not be centred is mapped onto the centred scale:
# translations score ~0.85-0.92 raw and ~0.3-0.7 centred; unrelated sentences ~0.75-0.8 raw.
_RAW_SHIFT = 0.6
# Translations differ in length by well under a factor of two (en-fa, en-ar, de-fr ~0.8-1.2).
_MAX_RATIO = 2.0
