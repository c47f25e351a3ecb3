"""Scoring: how faithfully each link, and the whole document, is translated.

A reviewer wants to read only what drifted. For every link with text on both sides:

- **divergence**: a learned detector (workbench.fidelity.divergence) reads both sides
  together, word by word, over the encoder's contextual states, and says how likely the two
  differ in meaning and which words do; trained on real translations and graded damaged copies
  of them, never on human divergence labels;
- **similarity** and **length deviation**: the centred cosine of the sentence vectors (as the
  aligner compares them) and how far the length ratio is from the document's usual one;
- **numbers and names**: numbers compared by value across scripts (۱۲۵ = 125, ۴٫۵ = 4.5),
  names compared by a consonant skeleton that reads Latin and Arabic script alike
  (Christian Malard = کریستین مالارد);
- **negation**: whether one side is negated and the other not, read from per-language word
  lists and verb morphology.

`fidelity` is the detector's logit calibrated into a probability that the link is faithful
(workbench.fidelity.calibration); the label follows from it, and the facts (a changed number,
untranslated text, a missing name, a one-sided negation) override it, because a reviewer must
see them whatever the detector thinks. The spans are the words the detector tags, shown on
links that are not faithful. When both texts are in one language (a rewrite), sacrebleu also
scores the rewrite against the original.

After a reviewer's edit, `rescore` keeps the scores the unchanged links already have and
measures only the links the edit made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from workbench.embed import TextEncoder
from workbench.fidelity.calibration import link_fidelity
from workbench.fidelity.evidence import link_evidence
from workbench.fidelity.reference import reference_scores
from workbench.fidelity.summary import summarise
from workbench.model import Alignment, LinkFidelity, ScoredAlignment, scored


def score(alignment: Alignment, encoder: TextEncoder, reference: Sequence[str] | None = None) -> ScoredAlignment:
    """`alignment` scored: one LinkFidelity per link and the document's summary (a new value).

    `reference`: an independent translation of the source, one string per source segment
    (as `alignment.src`; "" where it has none); adds sacrebleu BLEU/chrF/TER per link and for
    the corpus to the summary. In same-language mode the source itself is the reference.
    """
    return rescore(alignment, encoder, [None] * len(alignment.links), reference)


def rescore(alignment: Alignment, encoder: TextEncoder | None, known: Sequence[LinkFidelity | None],
            reference: Sequence[str] | None = None) -> ScoredAlignment:
    """`alignment` scored as `score` does, keeping the scores already `known` (one entry per
    link, None for a link to score): only the other links are measured, against the whole
    alignment (see `link_evidence`), so each gets the score `score` would give it; the summary
    is computed from every link's score.

    `encoder` may be None when no link to score has text on both sides (nothing to measure).
    """
    if len(known) != len(alignment.links):
        raise ValueError(f"{len(known)} known scores for {len(alignment.links)} links")
    stale = [k for k, found in enumerate(known) if found is None]
    if any(alignment.links[k].src and alignment.links[k].tgt for k in stale):
        if encoder is None:
            raise ValueError("links with text on both sides to score, and no encoder to measure them")
        evidence = link_evidence(alignment, encoder, only=None if len(stale) == len(known) else stale)
    else:  # omissions and additions only: their score needs no measuring
        evidence = [None] * len(known)
    scores = [found if found is not None else link_fidelity(link, measured)
              for link, found, measured in zip(alignment.links, known, evidence)]
    summary = summarise(alignment, scores)
    if reference is not None or alignment.src_lang == alignment.tgt_lang:
        summary = dataclasses.replace(summary, reference=reference_scores(alignment, reference))
    return scored(alignment, scores, summary)
