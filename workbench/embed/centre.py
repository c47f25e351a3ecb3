"""Centring: what every vector of a text shares is taken away before vectors are compared.

Raw cosine of multilingual-e5 puts every pair of an article's sentences between ~0.75 and
~0.92 (language and topic dominate), so it cannot tell a translation from a neighbour.
Subtracting a side's mean vector first spreads them apart: true pairs land well above zero,
unrelated ones around it. The aligner, fidelity and the word aligner all centre with these
two functions; they differ only in the mean they take away:
- the aligner takes the plain mean of the side's segments (and does not centre a side of
  fewer than three segments: see workbench.align.blocks);
- fidelity shrinks that mean on short documents (`side_mean(..., shrink=2)`), where the mean
  of a handful of sentences is mostly those sentences themselves;
- the word aligner takes the mean of one text's words.
"""

from __future__ import annotations

import numpy as np


def unit(vectors: np.ndarray, *, in_place: bool = False) -> np.ndarray:
    """Each row at unit length (a zero row stays zero); `in_place`: in `vectors` itself."""
    norms = np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)
    return np.divide(vectors, norms, out=vectors if in_place else None)


def side_mean(vectors: np.ndarray, shrink: int = 0) -> np.ndarray:
    """The mean of one side's vectors, times n / (n + shrink)."""
    n = len(vectors)
    mean = vectors.mean(axis=0)
    return mean * n / (n + shrink) if shrink else mean


def centre(vectors: np.ndarray, mean: np.ndarray | None = None, *, in_place: bool = False) -> np.ndarray:
    """`vectors` less `mean` (by default their own mean), each at unit length; `in_place`: in
    `vectors` itself (the same values; for a caller whose arrays are large and its own)."""
    taken = vectors.mean(axis=0) if mean is None else mean
    if not in_place:
        return unit(vectors - taken)
    vectors -= taken
    return unit(vectors, in_place=True)
