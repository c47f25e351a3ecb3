"""Monotonic sentence alignment over multilingual embeddings.

The aligner finds the links (1-1, 2-1, 1-2, 2-2, 3-1, 1-3, and 1-0 / 0-1 for sentences with
no counterpart) that maximise a total gain over the whole document, by dynamic programming
over the similarity of segments and of concatenated neighbours (as Vecalign and Bertalign
do). Three choices make it fit this project:

- **Centred similarity.** Raw cosine of multilingual-e5 puts every pair of sentences of an
  article between ~0.75 and ~0.92, so true pairs and unrelated pairs overlap. Subtracting
  each side's mean vector (what all its sentences share: language and topic) before the
  cosine spreads them apart: true pairs land well above zero, unrelated pairs around it.
- **An explicit price for "no counterpart".** A link earns `similarity - threshold`, less
  a margin for each extra segment it joins; leaving a sentence unlinked earns nothing.
  So a neighbour joins a link only if it raises the similarity by that margin. So a sentence with no translation is left
  out (a 1-0 link) instead of being glued to a neighbour, which real translations need:
  they drop and add sentences.
- **Bounded work on long documents.** Small documents get the full DP. Long ones first
  find confident anchors (a maximum-weight monotone chain through each sentence's nearest
  neighbours), then run the DP only inside the rectangles between consecutive anchors,
  widened by a margin. Memory and time grow with the band, not with n x m.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np

from workbench.segment import Segment

if TYPE_CHECKING:
    from workbench.fidelity import DocumentFidelity, LinkFidelity


@dataclass(frozen=True)
class Link:
    """A group of source segments aligned to a group of target segments.

    Either side may be empty: `src=(3,), tgt=()` is a source sentence with no translation
    (a 1-0 link, an omission), `src=(), tgt=(5,)` a target sentence with no source (0-1,
    an addition). Ids are 0-based, consecutive and increasing. `similarity` is the score the
    aligner used for the link, None for 1-0/0-1.
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float | None = None

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"


@dataclass
class Alignment:
    """Both texts, segmented, and the links between them, in document order."""

    src: list[Segment]
    tgt: list[Segment]
    src_lang: str
    tgt_lang: str
    links: list[Link]
    model: str = ""
    notes: list[str] = field(default_factory=list)
    # filled by workbench.fidelity.score: one LinkFidelity per link, in link order
    scores: list[LinkFidelity] | None = None
    summary: DocumentFidelity | None = None

    def src_text(self, link: Link) -> str:
        """The link's source segments joined by one space; empty texts are skipped, so an
        alignment read back from an export (the joined text on the first id, "" on the
        others: `workbench.export.read_alignment`) gives back the exported text exactly."""
        return " ".join(text for i in link.src if (text := self.src[i].text))

    def tgt_text(self, link: Link) -> str:
        """The link's target segments joined like `src_text`."""
        return " ".join(text for i in link.tgt if (text := self.tgt[i].text))


class TextEncoder(Protocol):
    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


@dataclass(frozen=True)
class Settings:
    """The aligner's few parameters, tuned on the UDHR development set (benchmarks/).

    `threshold`: centred similarity at which linking a pair gains as much as leaving both
    sentences unlinked. `merge_penalty`: paid per segment beyond one on each side, so a
    neighbour joins a link only when it raises the similarity. `length_weight`: weight of
    the squared log deviation of a link's length ratio from the document's.
    """

    threshold: float = 0.17
    merge_penalty: float = 0.02
    length_weight: float = 0.06
    max_block: int = 3
    full_dp_cells: int = 1_500_000
    anchor_neighbours: int = 6
    band_margin: int = 12


DEFAULT = Settings()

# (source segments, target segments) of every link type the DP considers; (0, 1) is
# handled separately as a running maximum along the row.
LINK_TYPES = ((1, 1), (2, 1), (1, 2), (2, 2), (3, 1), (1, 3), (1, 0))


def align(
    src: Sequence[Segment],
    tgt: Sequence[Segment],
    encoder: TextEncoder,
    pinned: Sequence[Link] = (),
    settings: Settings = DEFAULT,
    progress: bool = False,
) -> list[Link]:
    """Align two segmented texts.

    Links a reviewer `pinned` (in document order) are kept as they are, and the segments
    between them are aligned within the gaps the pins leave.
    """
    sides = BlockVectors.build(src, tgt, encoder, settings.max_block, progress)
    links: list[Link] = []
    i0 = j0 = 0
    for pin in pinned:
        i1 = pin.src[0] if pin.src else i0
        j1 = pin.tgt[0] if pin.tgt else j0
        if i1 < i0 or j1 < j0:
            raise ValueError(f"pinned links cross or are out of document order at {pin}")
        links += _align_span(sides, i0, i1, j0, j1, settings)
        links.append(pin)
        i0 = pin.src[-1] + 1 if pin.src else i0
        j0 = pin.tgt[-1] + 1 if pin.tgt else j0
    links += _align_span(sides, i0, len(src), j0, len(tgt), settings)
    return links


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
        src_vec = _centre(out[:max_block]) if centred else out[:max_block]
        tgt_vec = _centre(out[max_block:]) if centred else out[max_block:]
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


def _centre(blocks: list[np.ndarray]) -> list[np.ndarray]:
    """Subtract the side's mean single-segment vector from every block, then renormalise."""
    mean = blocks[0].mean(axis=0)
    centred = []
    for b in blocks:
        c = b - mean
        norms = np.linalg.norm(c, axis=1, keepdims=True)
        centred.append((c / np.maximum(norms, 1e-9)).astype(np.float32))
    return centred


# Raw cosine of short texts that could not be centred is mapped onto the centred scale:
# translations score ~0.85-0.92 raw and ~0.3-0.7 centred; unrelated sentences ~0.75-0.8 raw.
_RAW_SHIFT = 0.6
# Translations differ in length by well under a factor of two (en-fa, en-ar, de-fr ~0.8-1.2).
_MAX_RATIO = 2.0


def _align_span(sides: BlockVectors, i0: int, i1: int, j0: int, j1: int,
                settings: Settings) -> list[Link]:
    """Align source segments [i0, i1) with target segments [j0, j1)."""
    n, m = i1 - i0, j1 - j0
    if n == 0 or m == 0:
        return [Link((i,), ()) for i in range(i0, i1)] + [Link((), (j,)) for j in range(j0, j1)]
    if n * m <= settings.full_dp_cells:
        bounds = [(j0, j1)] * (n + 1)
    else:
        bounds = _band(sides, i0, i1, j0, j1, settings)
    return _dp(sides, i0, j0, bounds, settings)


def _gain(sides: BlockVectors, a: int, b: int, i: int, js: np.ndarray,
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


def _dp(sides: BlockVectors, i0: int, j0: int, bounds: list[tuple[int, int]],
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
                gain[ok], sim[ok] = _gain(sides, a, b, i0 + r - a, prev_cols[ok], settings)
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
    return _trace(bounds, score, back, sims, i0, j0)


def _trace(bounds, score, back, sims, i0: int, j0: int) -> list[Link]:
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


def _band(sides: BlockVectors, i0: int, i1: int, j0: int, j1: int,
          settings: Settings) -> list[tuple[int, int]]:
    """Columns each DP row may use on a long document: the rectangles between
    consecutive anchors, widened by a margin."""
    anchors = [(i0 - 1, j0 - 1)] + _anchors(sides, i0, i1, j0, j1, settings) + [(i1, j1)]
    margin = settings.band_margin
    bounds = []
    for r in range(i1 - i0 + 1):
        i = i0 + r
        # the anchors just before and after source position i bound its target position
        k = bisect.bisect_left(anchors, (i, -1))
        before, after = anchors[max(k - 1, 0)], anchors[min(k, len(anchors) - 1)]
        lo = max(j0, before[1] + 1 - margin)
        hi = min(j1, after[1] + margin)
        bounds.append((lo, hi))
    # consecutive rows share an anchor, so their ranges overlap and a path always exists
    return bounds


def _anchors(sides: BlockVectors, i0: int, i1: int, j0: int, j1: int,
             settings: Settings) -> list[tuple[int, int]]:
    """Confident 1-1 pairs: the heaviest monotone chain among each source segment's
    nearest target neighbours (weighted longest increasing subsequence)."""
    src = sides.src[0][i0:i1]
    tgt = sides.tgt[0][j0:j1]
    k = min(settings.anchor_neighbours, len(tgt))
    candidates = []
    for start in range(0, len(src), 512):
        sim = src[start:start + 512] @ tgt.T - sides.offset
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        for row, cols in enumerate(top):
            for col in cols:
                weight = sim[row, col] - settings.threshold
                if weight > 0:
                    candidates.append((i0 + start + row, j0 + int(col), float(weight)))
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
