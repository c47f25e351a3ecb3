"""Scoring: how faithfully each link, and the whole document, is translated.

A reviewer wants to read only what drifted. For every link with text on both sides we
measure a few things a sentence encoder and simple text rules can see:

- **similarity**: cosine of the two sides' sentence vectors after subtracting each side's
  mean vector (what all sentences of a document share: language, topic), as the aligner does;
- **length deviation**: how far the link's character-length ratio is from the document's usual
  ratio (log scale);
- **unaligned share**: SimAlign-style word alignment over the encoder's contextual token
  states (mutual best matches, then a second round among the words still free); the share
  of the link's content characters in words that find no counterpart is a feature. Those
  words, and whole clauses that were partly reworded, are the link's `src_spans`/`tgt_spans`;
- **numbers and names**: numbers compared by value across scripts (۱۲۵ = 125, ۴٫۵ = 4.5),
  names compared by a consonant skeleton that reads Latin and Arabic script alike
  (Christian Malard = کریستین مالارد);
- **negation**: whether one side is negated and the other not, read from per-language word
  lists and verb morphology (the encoder barely tells "shall" from "shall not").

`fidelity` is a logistic function of those features whose coefficients were fitted on real
human translations (the UDHR development set and Text+Berg) against damaged copies of them;
see FIDELITY_MODEL. Labels, issues and the document verdict follow from it by the rules
written next to their thresholds. When both texts are in one language (a rewrite), words
match literally and sacrebleu scores the rewrite against the original.

What the encoder cannot see, this module cannot see either: multilingual-e5-small compares
words and topics, not who did what, so a translation that keeps the words but changes their
relation ("the Basij have experienced division" -> "the Basij divided their experienced
forces") shows up only through the words it adds or drops.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from workbench.embed import TextEncoder
from workbench.fidelity.calibration import link_fidelity
from workbench.fidelity.evidence import link_evidence
from workbench.fidelity.reference import reference_scores
from workbench.fidelity.summary import summarise
from workbench.model import Alignment, ScoredAlignment, scored


def score(alignment: Alignment, encoder: TextEncoder, reference: Sequence[str] | None = None) -> ScoredAlignment:
    """`alignment` scored: one LinkFidelity per link and the document's summary (a new value).

    `reference`: an independent translation of the source, one string per source segment
    (as `alignment.src`; "" where it has none); adds sacrebleu BLEU/chrF/TER per link and for
    the corpus to the summary. In same-language mode the source itself is the reference.
    """
    evidence = link_evidence(alignment, encoder)
    scores = [link_fidelity(link, found) for link, found in zip(alignment.links, evidence)]
    summary = summarise(alignment, scores)
    if reference is not None or alignment.src_lang == alignment.tgt_lang:
        summary = dataclasses.replace(summary, reference=reference_scores(alignment, reference))
    return scored(alignment, scores, summary)
