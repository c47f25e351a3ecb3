"""A long link judged through its sentences.

The divergence detector was trained on sentence pairs, and it reads a paragraph pair (a
translation memory's unit, a document aligned `--split lines`, a 2-1 link of long
sentences) as divergent throughout: eight faithful Text+Berg paragraphs got fidelity
0.01-0.24. So a link whose sides hold more sentences than segments is cut into its
sentences, the sentences are aligned inside the link by the aligner itself (they already
correspond as a whole, so this only pairs them up), and each sentence pair is judged on its
own. `workbench.fidelity.calibration` combines the parts: the link's fidelity is the mean of
theirs weighted by characters, a sentence left without a counterpart inside the link counting
0. Where the inner alignment leaves a sentence alone, the link is also read with that sentence
joined to its neighbours (`attached`), and the reading the detector finds more faithful is
kept: a paragraph whose sentences are cut differently on the two sides is then not marked,
and one that drops a sentence still is, by the 0 or by the detector reading the longer part.
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


Reading = tuple[Part, ...]  # one way of cutting a link into parts


def whole_link(src: str, tgt: str) -> Reading:
    """The link as one part: what a link of single sentences is."""
    return (Part((0, len(src)), (0, len(tgt))),)


def link_readings(links: Sequence[tuple[str, str, int, int]], src_lang: str, tgt_lang: str,
                  encoder: TextEncoder) -> list[tuple[Reading, ...]]:
    """Per link (source text, target text, its source and target segment counts), the ways it
    may be judged: the whole link, unless a side holds more sentences than segments; then its
    sentences as the inner alignment pairs them and, where that leaves a sentence alone, also
    with each lone sentence joined to its neighbours (`attached`)."""
    found = []
    for src, tgt, n_src, n_tgt in links:
        src_sentences, tgt_sentences = segment([src], src_lang), segment([tgt], tgt_lang)
        if len(src_sentences) <= n_src and len(tgt_sentences) <= n_tgt:
            found.append((whole_link(src, tgt),))
            continue
        parts = tuple(Part(_span(src_sentences, inner.src), _span(tgt_sentences, inner.tgt))
                      for inner in align(src_sentences, tgt_sentences, encoder))
        joined = attached(parts)
        found.append((parts,) if joined == parts else (parts, joined))
    return found


def attached(parts: Sequence[Part]) -> Reading:
    """`parts` with each sentence the inner alignment left alone joined to the part before it
    (the first, to the part after it). The link's sides correspond as a whole, so a lone
    sentence inside it is often one side's sentence cut in two on the other (UDHR article 18 is
    one English sentence and three Persian ones, the first of which the inner alignment leaves
    alone), and the detector, which reads a sentence appended on one side as a divergence,
    judges it with its neighbours. It is as often debris (an OCR'd caption), which alone costs
    only its own characters: hence two readings, the better one kept. A link of lone sentences
    only stays as it is."""
    if not any(part.src and part.tgt for part in parts):
        return tuple(parts)
    joined: list[Part] = []
    pending: list[Part] = []
    for part in parts:
        if not (part.src and part.tgt):
            if joined:
                joined[-1] = _join(joined[-1], part)
            else:
                pending.append(part)
            continue
        for lone in pending:
            part = _join(part, lone)
        pending = []
        joined.append(part)
    return tuple(joined)


def _join(part: Part, other: Part) -> Part:
    return Part(_cover(part.src, other.src), _cover(part.tgt, other.tgt))


def _cover(a: Span | None, b: Span | None) -> Span | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


def _span(sentences: Sequence, ids: tuple[int, ...]) -> Span | None:
    return (sentences[ids[0]].start, sentences[ids[-1]].end) if ids else None
