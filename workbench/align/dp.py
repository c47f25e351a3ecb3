"""The dynamic programme: the best monotone path of links through the grid of segments.

A link earns `similarity - threshold`, less a margin per extra segment and a length-ratio
penalty. A segment left unlinked earns nothing, but each run of unlinked segments (a gap,
on either side or both) costs `gap_open` once, as in an affine gap penalty:
- a sentence with no translation is still left out (a 1-0 or 0-1 link), since gluing a
  whole unrelated sentence to a neighbour lowers that link's similarity by more than the
  gap costs;
- a fragment of a sentence ("!", half a line that OCR broke off) joins its neighbour's
  link when the joined text is about as good a translation as the link without it: the
  merge costs `merge_penalty` but saves the gap;
- two short sentences facing each other in the same gap, each the other's translation
  with a weak similarity, are linked rather than both left out.
On top of that (workbench.align.context), a segment the text shows to be a piece of a
sentence costs its own price to leave unlinked, so it joins its neighbour's link, and a link
whose sides carry the same numbers earns a bonus.
Each row of the grid may be bounded to a band of columns (workbench.align.band) on long
documents. Two states per cell: the path last took a link (M) or is inside a gap (G).
"""

from __future__ import annotations

import numpy as np

from workbench.align.blocks import BlockVectors
from workbench.align.context import Context
from workbench.align.settings import Settings
from workbench.model import Link

# (source segments, target segments) of every link type with both sides; 1-0 and 0-1 steps
# are the gap state's moves.
LINK_TYPES = ((1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3))
# the most source segments a step consumes: the rows of scores the forward pass reads back
_LONGEST_STEP = max(a for a, _ in LINK_TYPES)
_DROPPED = np.zeros(0)  # a row of scores no longer needed (only back pointers and similarities are)
# how the gap state was reached: a 1-0 step from a link or from the gap, a 0-1 step likewise
FROM_LINK_DOWN, FROM_GAP_DOWN, FROM_LINK_LEFT, FROM_GAP_LEFT = range(4)


def link_gain(sides: BlockVectors, context: Context, a: int, b: int, i: int, js: np.ndarray,
              settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Gain and similarity of links of `a` source segments starting at i and `b` target
    segments starting at each of `js`."""
    sim = sides.tgt[b - 1][js] @ sides.src[a - 1][i] - sides.offset
    deviation = np.log((sides.tgt_len[b - 1][js] + 20) /
                       ((sides.src_len[a - 1][i] + 20) * sides.ratio))
    src_numbers = context.src_numbers[a - 1][i]
    same_numbers = (context.tgt_numbers[b - 1][js] == src_numbers) & (src_numbers != 0)
    gain = (sim - settings.threshold
            - settings.merge_penalty * (a + b - 2)
            - settings.length_weight * deviation ** 2
            + settings.number_bonus * same_numbers)
    return gain, sim


def dp(sides: BlockVectors, context: Context, i0: int, j0: int, bounds: list[tuple[int, int]],
       settings: Settings) -> list[Link]:
    """Best monotone path; row r (r source segments consumed) may use columns bounds[r].
    `context` (whole-document indices): what leaving each segment unlinked costs on top of the
    gap's `gap_open`, and the numbers of each run."""
    src_price, tgt_price = context.src_price, context.tgt_price
    linked: list[np.ndarray] = []  # best score of a path whose last step is a link (M)
    gapped: list[np.ndarray] = []  # ... whose last step leaves a segment unlinked (G)
    link_back: list[np.ndarray] = []  # LINK_TYPES index, + len(LINK_TYPES) if it followed a gap
    gap_back: list[np.ndarray] = []  # one of FROM_*
    sims: list[np.ndarray] = []
    n_types = len(LINK_TYPES)
    for r, (lo, hi) in enumerate(bounds):
        cols = np.arange(lo, hi + 1)
        best = np.full(len(cols), -np.inf)
        kind = np.full(len(cols), -1, np.int16)
        sim_row = np.full(len(cols), np.nan)
        if r == 0:
            best[cols == j0] = 0.0
        for t, (a, b) in enumerate(LINK_TYPES):
            if a > r or a > len(sides.src) or b > len(sides.tgt):  # a run longer than the settings' max_block
                continue
            plo, phi = bounds[r - a]
            prev_cols = cols - b
            ok = (prev_cols >= max(plo, j0)) & (prev_cols <= phi)
            if not ok.any():
                continue
            from_link = np.full(len(cols), -np.inf)
            from_gap = np.full(len(cols), -np.inf)
            from_link[ok] = linked[r - a][prev_cols[ok] - plo]
            from_gap[ok] = gapped[r - a][prev_cols[ok] - plo]
            after_gap = from_gap > from_link
            gain = np.full(len(cols), -np.inf)
            sim = np.full(len(cols), np.nan)
            gain[ok], sim[ok] = link_gain(sides, context, a, b, i0 + r - a, prev_cols[ok], settings)
            cand = np.maximum(from_link, from_gap) + gain
            better = cand > best
            best[better], sim_row[better] = cand[better], sim[better]
            kind[better] = t + n_types * after_gap[better]
        # 1-0 steps: the source segment r-1 left unlinked, the column unchanged
        gap = np.full(len(cols), -np.inf)
        gap_kind = np.full(len(cols), -1, np.int8)
        if r > 0:
            plo, phi = bounds[r - 1]
            ok = (cols >= plo) & (cols <= phi)
            down_link = np.full(len(cols), -np.inf)
            down_gap = np.full(len(cols), -np.inf)
            down_link[ok] = linked[r - 1][cols[ok] - plo] - settings.gap_open
            down_gap[ok] = gapped[r - 1][cols[ok] - plo]
            gap = np.maximum(down_link, down_gap) - src_price[i0 + r - 1]
            gap_kind = np.where(down_gap >= down_link, FROM_GAP_DOWN, FROM_LINK_DOWN).astype(np.int8)
        # 0-1 steps: a target segment left unlinked; staying in a gap costs only the
        # segments' own prices, so the best gap score at column j may come from any column k
        # to its left, less the prices of segments k..j-1: a running maximum over
        # enter[k] + paid[k], less paid[j] (paid: the prices of the segments before a column)
        enter = np.maximum(best - settings.gap_open, gap)
        paid = np.concatenate(([0.0], np.cumsum(tgt_price[cols[:-1]])))
        left = np.concatenate(([-np.inf], np.maximum.accumulate(enter + paid)[:-1])) - paid
        from_left = left > gap
        final_gap = np.where(from_left, left, gap)
        # a step from the left came from the gap at j-1 if that was as good as entering it there
        # (both pay the same segment's price)
        prev_gap = np.concatenate(([-np.inf], final_gap[:-1]))
        prev_link = np.concatenate(([-np.inf], best[:-1] - settings.gap_open))
        gap_kind[from_left] = np.where(prev_gap >= prev_link, FROM_GAP_LEFT, FROM_LINK_LEFT)[from_left]
        linked.append(best)
        gapped.append(final_gap)
        link_back.append(kind)
        gap_back.append(gap_kind)
        sims.append(sim_row)
        if r > _LONGEST_STEP:  # scores are read back at most that many rows; the back pointers are kept
            linked[r - _LONGEST_STEP - 1] = gapped[r - _LONGEST_STEP - 1] = _DROPPED
    return trace(bounds, linked, gapped, link_back, gap_back, sims, i0, j0)


def trace(bounds, linked, gapped, link_back, gap_back, sims, i0: int, j0: int) -> list[Link]:
    """Follow the back pointers from the last cell to the first."""
    r = len(bounds) - 1
    j = bounds[r][1]
    in_gap = gapped[r][j - bounds[r][0]] > linked[r][j - bounds[r][0]]
    links: list[Link] = []
    n_types = len(LINK_TYPES)
    while r > 0 or j > j0:
        lo = bounds[r][0]
        if in_gap:
            step = int(gap_back[r][j - lo])
            if step < 0:
                raise RuntimeError("alignment DP found no path (band too narrow)")
            if step in (FROM_LINK_DOWN, FROM_GAP_DOWN):
                links.append(Link((i0 + r - 1,), ()))
                r -= 1
            else:
                links.append(Link((), (j - 1,)))
                j -= 1
            in_gap = step in (FROM_GAP_DOWN, FROM_GAP_LEFT)
            continue
        code = int(link_back[r][j - lo])
        if code < 0:
            raise RuntimeError("alignment DP found no path (band too narrow)")
        a, b = LINK_TYPES[code % n_types]
        sim = sims[r][j - lo]
        links.append(Link(tuple(range(i0 + r - a, i0 + r)), tuple(range(j - b, j)), round(float(sim), 4)))
        r, j = r - a, j - b
        in_gap = code >= n_types
    links.reverse()
    return links
