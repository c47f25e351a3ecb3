"""The dynamic programme: the best monotone path of links through the grid of segments.

A link earns `similarity - threshold`, less a margin per extra segment and a length-ratio
penalty; leaving a segment unlinked earns nothing, so a sentence with no translation becomes
a 1-0 (or 0-1) link instead of being glued to a neighbour. Each row of the grid may be
bounded to a band of columns (workbench.align.band) on long documents.
"""

from __future__ import annotations

import numpy as np

from workbench.align.blocks import BlockVectors
from workbench.align.settings import Settings
from workbench.model import Link

# (source segments, target segments) of every link type the DP considers; (0, 1) is
# handled separately as a running maximum along the row.
LINK_TYPES = ((1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3), (1, 0))


def link_gain(sides: BlockVectors, a: int, b: int, i: int, js: np.ndarray,
          settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Gain and similarity of links of `a` source segments starting at i and `b` target
    segments starting at each of `js`."""
    sim = sides.tgt[b - 1][js] @ sides.src[a - 1][i] - sides.offset
    deviation = np.log((sides.tgt_len[b - 1][js] + 20) /
                       ((sides.src_len[a - 1][i] + 20) * sides.ratio))
    gain = (sim - settings.threshold
            - settings.merge_penalty * (a + b - 2)
            - settings.length_weight * deviation ** 2)
    return gain, sim


def dp(sides: BlockVectors, i0: int, j0: int, bounds: list[tuple[int, int]],
        settings: Settings) -> list[Link]:
    """Best monotone path; row r (r source segments consumed) may use columns bounds[r]."""
    score: list[np.ndarray] = []
    back: list[np.ndarray] = []  # index into LINK_TYPES, or -1 for a (0, 1) step
    sims: list[np.ndarray] = []
    for r, (lo, hi) in enumerate(bounds):
        cols = np.arange(lo, hi + 1)
        best = np.full(len(cols), -np.inf)
        kind = np.full(len(cols), -2, np.int8)
        sim_row = np.full(len(cols), np.nan)
        if r == 0:
            best[cols == j0] = 0.0
        for t, (a, b) in enumerate(LINK_TYPES):
            if a > r:
                continue
            plo, phi = bounds[r - a]
            prev_cols = cols - b
            ok = (prev_cols >= max(plo, j0)) & (prev_cols <= phi)
            if not ok.any():
                continue
            prev = np.full(len(cols), -np.inf)
            prev[ok] = score[r - a][prev_cols[ok] - plo]
            if b == 0:
                cand, sim = prev, np.full(len(cols), np.nan)
            else:
                gain = np.full(len(cols), -np.inf)
                sim = np.full(len(cols), np.nan)
                gain[ok], sim[ok] = link_gain(sides, a, b, i0 + r - a, prev_cols[ok], settings)
                cand = prev + gain
            better = cand > best
            best[better], kind[better], sim_row[better] = cand[better], t, sim[better]
        # (0, 1) steps: a target segment left unlinked earns nothing, so the best score at
        # column j may come from any column to its left: a running maximum.
        running = np.maximum.accumulate(best)
        from_left = running > best
        best, kind[from_left] = running, -1
        score.append(best)
        back.append(kind)
        sims.append(sim_row)
    return trace(bounds, score, back, sims, i0, j0)


def trace(bounds, score, back, sims, i0: int, j0: int) -> list[Link]:
    r = len(bounds) - 1
    j = bounds[r][1]
    links: list[Link] = []
    while r > 0 or j > j0:
        lo = bounds[r][0]
        t = int(back[r][j - lo])
        if t == -1:
            links.append(Link((), (j - 1,)))
            j -= 1
            continue
        if t == -2:
            raise RuntimeError("alignment DP found no path (band too narrow)")
        a, b = LINK_TYPES[t]
        sim = sims[r][j - lo]
        src_ids = tuple(range(i0 + r - a, i0 + r))
        tgt_ids = tuple(range(j - b, j))
        if b == 0:
            links.append(Link(src_ids, ()))
        else:
            links.append(Link(src_ids, tgt_ids, round(float(sim), 4)))
        r, j = r - a, j - b
    links.reverse()
    return links
