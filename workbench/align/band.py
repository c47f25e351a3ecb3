"""Bounded work on long documents: confident anchors, and the band of the grid between them.

Anchors are a maximum-weight monotone chain through each source segment's nearest target
neighbours; the DP then only runs inside the rectangles between consecutive anchors, widened
by a margin, so memory and time grow with the band, not with n x m.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from workbench.align.blocks import BlockVectors
from workbench.align.settings import Settings

ANCHOR_BLOCK_CELLS = 1 << 20  # similarities computed at once in the anchor search (4 MB of float32)


def band(sides: BlockVectors, i0: int, i1: int, j0: int, j1: int,
          settings: Settings) -> list[tuple[int, int]]:
    """Columns each DP row may use on a long document: the rectangles between
    consecutive anchors, widened by a margin.

    A rectangle of more than `settings.gap_cells` cells (few or no anchors: two unrelated
    documents, a long stretch one side lacks) is narrowed to a corridor along its diagonal,
    wide enough to hold `gap_cells` cells: without it two unrelated 20,000-line files made
    the band the whole grid (~7 GB). So the cells grow linearly with the document."""
    chain = [(i0 - 1, j0 - 1)] + anchors(sides, i0, i1, j0, j1, settings) + [(i1, j1)]
    margin = settings.band_margin
    bounds = []
    for r in range(i1 - i0 + 1):
        i = i0 + r
        # the anchors just before and after source position i bound its target position
        k = bisect.bisect_left(chain, (i, -1))
        before, after = chain[max(k - 1, 0)], chain[min(k, len(chain) - 1)]
        lo = max(j0, before[1] + 1 - margin)
        hi = min(j1, after[1] + margin)
        rows = after[0] - before[0]
        if rows * (hi - lo + 1) > settings.gap_cells:
            # the diagonal from the cell after `before` to `after`; each row spans its own
            # stretch of it (slope) plus `width` on either side, so rows overlap and a path exists
            slope = (after[1] - before[1] - 1) / max(rows - 1, 1)
            centre = before[1] + 1 + (i - before[0] - 1) * slope
            width = max(margin, settings.gap_cells // (2 * rows))
            lo = max(lo, math.floor(centre - slope - width))
            hi = min(hi, math.ceil(centre + width))
        bounds.append((lo, hi))
    # consecutive rows share an anchor, so their ranges overlap and a path always exists
    return bounds


def anchors(sides: BlockVectors, i0: int, i1: int, j0: int, j1: int,
             settings: Settings) -> list[tuple[int, int]]:
    """Confident 1-1 pairs: the heaviest monotone chain among each source segment's
    nearest target neighbours (weighted longest increasing subsequence)."""
    src = sides.src[0][i0:i1]
    tgt = sides.tgt[0][j0:j1]
    k = min(settings.anchor_neighbours, len(tgt))
    candidates = []
    # a block's similarities, their negation and argpartition's int64 indices are each rows x
    # len(tgt): a few rows at a time keeps that to megabytes on a 17,000-line document
    rows = max(1, ANCHOR_BLOCK_CELLS // max(len(tgt), 1))
    for start in range(0, len(src), rows):
        sim = src[start:start + rows] @ tgt.T - sides.offset
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        weight = np.take_along_axis(sim, top, axis=1) - settings.threshold
        for row, col in zip(*np.nonzero(weight > 0)):  # row by row, each row's columns in partition order
            candidates.append((i0 + start + int(row), j0 + int(top[row, col]), float(weight[row, col])))
    # weighted LIS over (i, j), strictly increasing in both; a Fenwick tree of prefix maxima
    # over j holds the best chain ending before each column
    size = j1 - j0 + 1
    tree_val = [0.0] * (size + 1)
    tree_at = [-1] * (size + 1)
    chain_prev = [-1] * len(candidates)
    chain_val = [0.0] * len(candidates)
    candidates.sort(key=lambda c: (c[0], -c[1]))
    for idx, (i, j, w) in enumerate(candidates):
        q, best, best_at = j - j0, 0.0, -1  # prefix max over columns < j
        while q > 0:
            if tree_val[q] > best:
                best, best_at = tree_val[q], tree_at[q]
            q -= q & -q
        chain_val[idx], chain_prev[idx] = best + w, best_at
        q = j - j0 + 1
        while q <= size:
            if chain_val[idx] > tree_val[q]:
                tree_val[q], tree_at[q] = chain_val[idx], idx
            q += q & -q
    if not candidates:
        return []
    at = max(range(len(candidates)), key=chain_val.__getitem__)
    chain = []
    while at >= 0:
        chain.append(candidates[at][:2])
        at = chain_prev[at]
    return sorted(chain)
