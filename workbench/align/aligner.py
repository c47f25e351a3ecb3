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

from collections.abc import Callable, Sequence

import numpy as np

from workbench.align.band import band
from workbench.align.blocks import BlockVectors
from workbench.align.context import Context
from workbench.align.dp import dp
from workbench.align.settings import DEFAULT, Settings
from workbench.embed import TextEncoder
from workbench.model import Link, Segment


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
    between them are aligned within the gaps the pins leave. Two passes (see
    workbench.align.blocks): the first on each segment's own vector and estimated run
    vectors; then the runs around the links it left uncertain are encoded from their text,
    and the second pass gives the links. Texts the first pass finds unrelated (see
    `Settings.related`) keep its links: the second pass would encode nearly every run.
    """
    sides = BlockVectors.estimate(src, tgt, encoder, settings.max_block, progress)
    context = _context(sides, settings)
    if settings.max_block == 1:
        return _links(sides, context, len(src), len(tgt), pinned, settings)
    rough = _links(sides, context, len(src), len(tgt), pinned, settings)
    if _linked_share(rough, src, tgt, settings) < settings.related:
        return rough  # unrelated texts: refining would encode nearly every run for nothing
    src_wanted, tgt_wanted = _uncertain(rough, len(src), len(tgt), settings)
    sides.refine(encoder, src_wanted, tgt_wanted, progress)
    return _links(sides, context, len(src), len(tgt), pinned, settings)


def _context(sides: BlockVectors, settings: Settings) -> Context:
    """What the texts say to the aligner (workbench.align.context): read once per alignment,
    since it depends on the texts, not on the vectors either pass uses."""
    return Context.read(sides.src_texts, sides.tgt_texts, settings.fragment_gap, settings.max_block)


def _links(sides: BlockVectors, context: Context, n: int, m: int, pinned: Sequence[Link],
           settings: Settings) -> list[Link]:
    """The best links between the pins."""
    links: list[Link] = []
    i0 = j0 = 0
    for pin in pinned:
        i1 = pin.src[0] if pin.src else i0
        j1 = pin.tgt[0] if pin.tgt else j0
        if i1 < i0 or j1 < j0:
            raise ValueError(f"pinned links cross or are out of document order at {pin}")
        links += _align_span(sides, i0, i1, j0, j1, settings, context)
        links.append(pin)
        i0 = pin.src[-1] + 1 if pin.src else i0
        j0 = pin.tgt[-1] + 1 if pin.tgt else j0
    links += _align_span(sides, i0, n, j0, m, settings, context)
    return links


def linked_similarity(src: Sequence[Segment], tgt: Sequence[Segment], encoder: TextEncoder,
                      settings: Settings = DEFAULT, means: tuple[np.ndarray, np.ndarray] | None = None,
                      refine: bool = False) -> tuple[float, float]:
    """How much of each text the first pass links, and how closely: per side, the similarity
    of the links it is in, weighted by its characters (unlinked text counts 0). The
    order-aware evidence that one text translates the other, which matches a corpus's
    documents (workbench.corpus.matching) at the price of one encoding per segment. Graded,
    where the linked share is not: two one-sentence articles that start alike are linked
    whichever articles they are, but a translation's link scores higher than a look-alike's.
    `means`: the vectors to centre the two sides on (see `BlockVectors.estimate`)."""
    sides = BlockVectors.estimate(src, tgt, encoder, settings.max_block, means=means)
    context = _context(sides, settings)
    links = _links(sides, context, len(src), len(tgt), (), settings)
    if refine and settings.max_block > 1:
        src_wanted, tgt_wanted = _uncertain(links, len(src), len(tgt), settings)
        sides.refine(encoder, src_wanted, tgt_wanted)
        links = _links(sides, context, len(src), len(tgt), (), settings)
    return _shares(links, src, tgt, lambda similarity: max(similarity, 0.0))


def _linked_share(links: Sequence[Link], src: Sequence[Segment], tgt: Sequence[Segment], settings: Settings) -> float:
    """The share of the characters of either text (the larger) in links with both sides at or
    above `settings.confident` similarity: how much of the texts the first pass finds
    translated (an excerpt translated whole counts as related)."""
    return max(_shares(links, src, tgt, lambda similarity: float(similarity >= settings.confident)))


def _shares(links: Sequence[Link], src: Sequence[Segment], tgt: Sequence[Segment],
            weight: Callable[[float], float]) -> tuple[float, float]:
    """Per text, the share of its characters in links with both sides, each link's characters
    counted `weight(its similarity)` times."""
    shares = []
    for side, texts in (("src", src), ("tgt", tgt)):
        total = sum(len(s.text) for s in texts)
        counted = sum(weight(link.similarity) * len(texts[k].text) for link in links
                      if link.src and link.tgt and link.similarity is not None for k in getattr(link, side))
        shares.append(counted / total if total else 0.0)
    return shares[0], shares[1]


def _uncertain(links: Sequence[Link], n: int, m: int, settings: Settings) -> tuple[list[bool], list[bool]]:
    """Per side, the segments within one of a link that is not a confident 1-1 link (a merge,
    a gap, or a 1-1 below `settings.confident`): where a run's own vector may change the path."""
    src_wanted, tgt_wanted = [False] * n, [False] * m
    for link in links:
        if len(link.src) == len(link.tgt) == 1 and link.similarity is not None and link.similarity >= settings.confident:
            continue
        for ids, wanted in ((link.src, src_wanted), (link.tgt, tgt_wanted)):
            for k in ids:
                wanted[max(k - 1, 0):k + 2] = [True] * len(wanted[max(k - 1, 0):k + 2])
    return src_wanted, tgt_wanted


def _align_span(sides: BlockVectors, i0: int, i1: int, j0: int, j1: int,
                settings: Settings, context: Context) -> list[Link]:
    """Align source segments [i0, i1) with target segments [j0, j1)."""
    n, m = i1 - i0, j1 - j0
    if n == 0 or m == 0:
        return [Link((i,), ()) for i in range(i0, i1)] + [Link((), (j,)) for j in range(j0, j1)]
    if n * m <= settings.full_dp_cells:
        bounds = [(j0, j1)] * (n + 1)
    else:
        bounds = band(sides, i0, i1, j0, j1, settings)
    return dp(sides, context, i0, j0, bounds, settings)
