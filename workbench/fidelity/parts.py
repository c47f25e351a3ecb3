"""A long link judged through its sentences.

The divergence detector was trained on sentence pairs, and it reads a paragraph pair (a
translation memory's unit, a document aligned `--split lines`, a 2-1 link of long
sentences) as divergent throughout: eight faithful Text+Berg paragraphs got fidelity
0.01-0.24. So a link whose sides hold more sentences than segments is cut into its
sentences, the sentences are aligned inside the link by the aligner itself (they already
correspond as a whole, so this only pairs them up), and each sentence pair is judged on its
own. `workbench.fidelity.calibration` combines the parts: the link's fidelity is the mean of
theirs weighted by characters, a sentence left without a counterpart inside the link counting
0, so a paragraph that drops a sentence is marked and one that rewords freely is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.align import align
from workbench.embed import TextEncoder
from workbench.text.segment import segment

Span = tuple[int, int]


@dataclass(frozen=True)
class Part:
    """Sentences of a link that correspond: character ranges in the link's source and target
    text (None: a sentence with no counterpart inside the link)."""

    src: Span | None
    tgt: Span | None


def whole_link(src: str, tgt: str) -> tuple[Part, ...]:
    """The link as one part: what a link of single sentences is."""
    return (Part((0, len(src)), (0, len(tgt))),)


def link_parts(links: Sequence[tuple[str, str, int, int]], src_lang: str, tgt_lang: str,
               encoder: TextEncoder) -> list[tuple[Part, ...]]:
    """Per link (source text, target text, its source and target segment counts), the parts
    it is judged in: the whole link, unless a side holds more sentences than segments."""
    found = []
    for src, tgt, n_src, n_tgt in links:
        src_sentences, tgt_sentences = segment([src], src_lang), segment([tgt], tgt_lang)
        if len(src_sentences) <= n_src and len(tgt_sentences) <= n_tgt:
            found.append(whole_link(src, tgt))
            continue
        parts = []
        for inner in align(src_sentences, tgt_sentences, encoder):
            parts.append(Part(_span(src_sentences, inner.src), _span(tgt_sentences, inner.tgt)))
        found.append(tuple(parts))
    return found


def _span(sentences: Sequence, ids: tuple[int, ...]) -> Span | None:
    return (sentences[ids[0]].start, sentences[ids[-1]].end) if ids else None
