"""What can be measured on a link with text on both sides: the evidence fidelity is judged on.

- **similarity**: cosine of the two sides' sentence vectors after subtracting each side's
  mean vector (workbench.embed.centre);
- **length deviation**: how far the link's character-length ratio is from the document's usual
  ratio (log scale);
- **unaligned share** and the **spans** from the word alignment (workbench.fidelity.words);
- **numbers**, **names** and **negation** (their own modules), and whether the target is
  still in the source language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.embed import TextEncoder
from workbench.embed.centre import centre, side_mean
from workbench.fidelity.names import missing_names
from workbench.fidelity.negation import negation_mismatch
from workbench.fidelity.numbers import number_mismatch
from workbench.fidelity.words import align_words
from workbench.model import Alignment
from workbench.text.scripts import dominant_script
from workbench.text.words import WORD, fold

UNTRANSLATED_SHARE = 0.5  # share of target letters in the source's script / words copied
MEAN_SHRINK = 2  # the mean of n segment vectors is subtracted times n / (n + MEAN_SHRINK)


@dataclass(frozen=True)
class LinkEvidence:
    """What `score` measures on a link with both sides; also the benchmark's features."""

    similarity: float  # centred cosine of the two sides' sentence vectors
    length_deviation: float  # |log(target/source chars) - the document's median|
    unaligned: float  # share of content characters, both sides, in words with no counterpart
    numbers_changed: bool  # both sides have numbers and they differ
    numbers_one_sided: bool  # numbers on one side only
    names_missing: tuple[str, ...]  # names with no counterpart on the other side
    negation_mismatch: bool  # one side negated, the other not
    untranslated: bool
    src_spans: tuple[tuple[int, int], ...]
    tgt_spans: tuple[tuple[int, int], ...]


def link_evidence(alignment: Alignment, encoder: TextEncoder) -> list[LinkEvidence | None]:
    """Measure every link with text on both sides (None for omissions and additions)."""
    pairs = [(alignment.src_text(link), alignment.tgt_text(link)) for link in alignment.links]
    both = [k for k, link in enumerate(alignment.links) if link.src and link.tgt]
    similarity = _centred_similarities(alignment, encoder, [pairs[k] for k in both])
    ratios = [_log_length_ratio(*pairs[k]) for k in both]
    typical = float(np.median(ratios)) if ratios else 0.0
    same_language = alignment.src_lang == alignment.tgt_lang
    src_script = dominant_script(" ".join(s.text for s in alignment.src))
    tgt_script = dominant_script(" ".join(s.text for s in alignment.tgt))
    found: list[LinkEvidence | None] = [None] * len(alignment.links)
    for k, sim, ratio in zip(both, similarity, ratios):
        src, tgt = pairs[k]
        words = align_words(src, tgt, encoder, same_language)
        changed, one_sided = number_mismatch(src, tgt)
        found[k] = LinkEvidence(
            similarity=float(sim),
            length_deviation=abs(ratio - typical),
            unaligned=words.unaligned_share,
            numbers_changed=changed,
            numbers_one_sided=one_sided,
            names_missing=missing_names(src, tgt, alignment.src_lang, alignment.tgt_lang, words),
            negation_mismatch=negation_mismatch(src, tgt, alignment.src_lang, alignment.tgt_lang),
            untranslated=not same_language and _untranslated(src, tgt, src_script, tgt_script),
            src_spans=words.src_spans,
            tgt_spans=words.tgt_spans,
        )
    return found


def _centred_similarities(alignment: Alignment, encoder: TextEncoder, pairs: list[tuple[str, str]]) -> np.ndarray:
    """Cosine of each pair after subtracting each side's mean segment vector.

    The mean is shrunk towards zero on short documents (n / (n + MEAN_SHRINK) of it), where a
    mean of a handful of sentences is mostly those sentences themselves: a one-sentence text
    would otherwise be centred to nothing.
    """
    if not pairs:
        return np.zeros(0)
    src_mean = side_mean(encoder.encode([s.text for s in alignment.src]), MEAN_SHRINK)
    tgt_mean = side_mean(encoder.encode([s.text for s in alignment.tgt]), MEAN_SHRINK)
    src = centre(encoder.encode([p[0] for p in pairs]), src_mean)
    tgt = centre(encoder.encode([p[1] for p in pairs]), tgt_mean)
    return np.einsum("ij,ij->i", src, tgt)


def _log_length_ratio(src: str, tgt: str) -> float:
    return math.log((len(tgt.replace(" ", "")) + 1) / (len(src.replace(" ", "")) + 1))


def _untranslated(src: str, tgt: str, src_script: str, tgt_script: str) -> bool:
    """The target is still in the source language: written in the source's script when the two
    languages use different scripts, else mostly the source's own words (names aside)."""
    tgt_words = [m.group() for m in WORD.finditer(tgt) if any(c.isalpha() for c in m.group())]
    if len(tgt_words) < 3:
        return False
    if src_script != tgt_script:
        return dominant_script(tgt) == src_script and dominant_script(tgt) != tgt_script
    src_folded = {fold(m.group()) for m in WORD.finditer(src)}
    common = [w for w in tgt_words if len(w) > 3 and not w[0].isupper()]
    if len(common) < 3:
        return False
    return sum(fold(w) in src_folded for w in common) / len(common) >= UNTRANSLATED_SHARE
