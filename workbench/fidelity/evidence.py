"""What can be measured on a link with text on both sides: the evidence fidelity is judged on.

- **similarity**: cosine of the two sides' sentence vectors after subtracting each side's
  mean vector (workbench.embed.centre); it raises the issue `low_similarity`;
- **length deviation**: how far the link's character-length ratio is from the document's usual
  ratio (log scale);
- **divergence**: the learned detector's logit that the two sides differ in meaning, and its
  word tags, which become the link's spans (workbench.fidelity.divergence). The detector
  reads the encoder it was trained on (the default e5) even when another one aligned. It
  reads sentence pairs: a link of paragraphs is judged through its sentences
  (workbench.fidelity.parts), one logit per part, in the reading it finds more faithful;
- **numbers**, **names** and **negation** (their own modules), and whether the target is
  still in the source language.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embed import TextEncoder
from workbench.embed.centre import centre, side_mean
from workbench.fidelity.divergence import STATE_LAYER, detector_encoder, load_detector, pair_input, sigmoid
from workbench.fidelity.names import missing_names
from workbench.fidelity.negation import negation_mismatch
from workbench.fidelity.numbers import number_mismatch
from workbench.fidelity.parts import link_readings
from workbench.fidelity.words import align_words, is_content, text_word_vectors
from workbench.model import Alignment
from workbench.text.scripts import dominant_script
from workbench.text.words import WORD, fold

UNTRANSLATED_SHARE = 0.5  # share of target letters in the source's script / words copied
MEAN_SHRINK = 2  # the mean of n segment vectors is subtracted times n / (n + MEAN_SHRINK)
CHUNK_LINKS = 256  # links measured at once: bounds the detector's inputs held in memory


@dataclass(frozen=True)
class LinkEvidence:
    """What `score` measures on a link with both sides; also the benchmark's features."""

    similarity: float  # centred cosine of the two sides' sentence vectors
    length_deviation: float  # |log(target/source chars) - the document's median|
    divergence: float  # the detector's logit that the sides differ in meaning (a long link: its parts' mean)
    numbers_changed: bool  # both sides have numbers and they differ
    numbers_one_sided: bool  # numbers on one side only
    names_missing: tuple[str, ...]  # names with no counterpart on the other side
    negation_mismatch: bool  # one side negated, the other not
    untranslated: bool
    same_language: bool  # a rewrite: both sides in one language
    src_tags: tuple[tuple[int, int, float], ...]  # content words: (start, end, p(part of a divergence))
    tgt_tags: tuple[tuple[int, int, float], ...]
    src_names: tuple[tuple[int, int], ...] = ()  # where the missing names stand in the source
    tgt_names: tuple[tuple[int, int], ...] = ()
    # a link judged through its sentences (workbench.fidelity.parts): each part's logit and
    # characters, a sentence without a counterpart inside the link as logit inf; () when whole
    parts: tuple[tuple[float, int], ...] = ()


def link_evidence(alignment: Alignment, encoder: TextEncoder,
                  only: Collection[int] | None = None) -> list[LinkEvidence | None]:
    """Measure every link with text on both sides (None for omissions and additions).

    `only`: the indices of the links to measure; the others are not measured and get None.
    What a link is measured against comes from the whole alignment all the same (each side's
    mean vector, the usual length ratio, the scripts), so a link measured alone gets what
    measuring every link would give it. The links are measured a chunk at a time, so the
    detector's inputs for a long document are never all held at once."""
    links = [(alignment.src_text(link), alignment.tgt_text(link), len(link.src), len(link.tgt))
             for link in alignment.links]
    pairs = [(src, tgt) for src, tgt, _, _ in links]
    both = [k for k, link in enumerate(alignment.links) if link.src and link.tgt]
    found: list[LinkEvidence | None] = [None] * len(alignment.links)
    ratios = {k: _log_length_ratio(*pairs[k]) for k in both}
    if only is not None:
        measured = set(only)
        both = [k for k in both if k in measured]
    if not both:
        return found
    context = _Context(
        src_mean=side_mean(encoder.encode([s.text for s in alignment.src]), MEAN_SHRINK),
        tgt_mean=side_mean(encoder.encode([s.text for s in alignment.tgt]), MEAN_SHRINK),
        typical=float(np.median(list(ratios.values()))),
        src_lang=alignment.src_lang, tgt_lang=alignment.tgt_lang,
        src_script=dominant_script(" ".join(s.text for s in alignment.src)),
        tgt_script=dominant_script(" ".join(s.text for s in alignment.tgt)))
    for at in range(0, len(both), CHUNK_LINKS):
        chunk = both[at:at + CHUNK_LINKS]
        for k, evidence in zip(chunk, _measure([links[k] for k in chunk], [ratios[k] for k in chunk], context, encoder)):
            found[k] = evidence
    return found


@dataclass(frozen=True)
class _Context:
    """What every link of a document is measured against."""

    src_mean: np.ndarray  # each side's mean segment vector, shrunk by MEAN_SHRINK (see `_measure`)
    tgt_mean: np.ndarray
    typical: float  # the median log length ratio of the links
    src_lang: str
    tgt_lang: str
    src_script: str
    tgt_script: str


def _measure(links: Sequence[tuple[str, str, int, int]], ratios: Sequence[float], context: _Context,
             encoder: TextEncoder) -> list[LinkEvidence]:
    """The evidence of links with both sides, given as (source text, target text, source
    segments, target segments)."""
    pairs = [(src, tgt) for src, tgt, _, _ in links]
    src_vectors = encoder.encode([src for src, _ in pairs])
    tgt_vectors = encoder.encode([tgt for _, tgt in pairs])
    # Cosine after subtracting each side's mean segment vector, shrunk towards zero on short
    # documents (n / (n + MEAN_SHRINK) of it), where the mean of a handful of sentences is
    # mostly those sentences themselves: a one-sentence text would otherwise centre to nothing.
    similarity = np.einsum("ij,ij->i", centre(src_vectors, context.src_mean), centre(tgt_vectors, context.tgt_mean))
    same_language = context.src_lang == context.tgt_lang
    reader = detector_encoder(encoder)
    readings = link_readings(links, context.src_lang, context.tgt_lang, encoder)
    # the detector reads sentence pairs: every part with both sides of every reading of every link, once
    read = list(dict.fromkeys((src[p.src[0]:p.src[1]], tgt[p.tgt[0]:p.tgt[1]])
                              for (src, tgt), ways in zip(pairs, readings) for parts in ways for p in parts
                              if p.src and p.tgt))
    read_similarity = np.einsum("ij,ij->i", reader.encode([a for a, _ in read]), reader.encode([b for _, b in read]))
    texts = [text for pair in read for text in pair]
    states = dict(zip(texts, reader.token_states_many(texts, STATE_LAYER)))
    inputs = [pair_input(a, b, states[a], states[b], float(sim), abs(_log_length_ratio(a, b) - context.typical))
              for (a, b), sim in zip(read, read_similarity)]
    judged = dict(zip(read, zip(inputs, load_detector().judge(inputs) if inputs else [])))
    # A missing name is marked where that means something: in a rewrite (the same words) and
    # across scripts (by consonant skeleton). Between two languages of one script a name is as
    # often translated as kept (Russian / russe, Eastern Cape / Cap-Oriental: a third of
    # REFreSD's equivalent pairs raise name_mismatch), so there it is only an issue code.
    mark_names = same_language or context.src_script != context.tgt_script
    found = []
    for (src, tgt), sim, ratio, ways in zip(pairs, similarity, ratios, readings):
        changed, one_sided = number_mismatch(src, tgt)
        read_parts = max(([(part, *judged[src[slice(*part.src)], tgt[slice(*part.tgt)]]) if part.src and part.tgt
                           else (part, None, None) for part in parts] for parts in ways), key=_faithfulness)
        names: list[str] = []
        for part, x, _ in read_parts:
            if x is None:
                continue
            a, b = src[part.src[0]:part.src[1]], tgt[part.tgt[0]:part.tgt[1]]
            if reader is encoder:  # the detector's word vectors are the encoder's
                words = (x.src_words, x.vectors[:len(x.src_words)]), (x.tgt_words, x.vectors[len(x.src_words):])
            else:
                words = text_word_vectors(a, encoder), text_word_vectors(b, encoder)
            found_names = missing_names(a, b, context.src_lang, context.tgt_lang, align_words(a, b, *words, same_language))
            names += [name for name in found_names if name not in names]
        logits = _part_logits(read_parts)
        finite = [(logit, n) for logit, n in logits if math.isfinite(logit)]
        found.append(LinkEvidence(
            similarity=float(sim),
            length_deviation=abs(ratio - context.typical),
            divergence=(sum(logit * n for logit, n in finite) / max(sum(n for _, n in finite), 1)
                        if finite else math.inf),
            numbers_changed=changed,
            numbers_one_sided=one_sided,
            names_missing=tuple(names),
            negation_mismatch=negation_mismatch(src, tgt, context.src_lang, context.tgt_lang),
            untranslated=not same_language and _untranslated(src, tgt, context.src_script, context.tgt_script),
            same_language=same_language,
            src_tags=_part_tags(src, [(part.src, x and x.src_words, d and d.src_tags) for part, x, d in read_parts]),
            tgt_tags=_part_tags(tgt, [(part.tgt, x and x.tgt_words, d and d.tgt_tags) for part, x, d in read_parts]),
            src_names=_occurrences(src, names) if mark_names else (),
            tgt_names=_occurrences(tgt, names) if mark_names else (),
            parts=tuple(logits) if len(logits) > 1 else (),
        ))
    return found


def _faithfulness(read_parts: Sequence[tuple]) -> float:
    """How faithful the detector finds one reading of a link (workbench.fidelity.parts): its
    parts' p(equivalent) by the network's own logit, weighted by their characters, a part with
    one side only counting 0. It only chooses between readings; calibration comes later."""
    weighted = [(float(sigmoid(-logit)), n) for logit, n in _part_logits(read_parts)]  # a lone part: 0
    return sum(p * n for p, n in weighted) / max(sum(n for _, n in weighted), 1)


def _part_logits(read_parts: Sequence[tuple]) -> list[tuple[float, int]]:
    """(the detector's logit, characters) of each part of a reading of a link; a part with one
    side only (a sentence with no counterpart in the link) has logit inf."""
    return [(math.inf if divergence is None else divergence.logit, _chars(part.src) + _chars(part.tgt))
            for part, _, divergence in read_parts]


def _chars(span: tuple[int, int] | None) -> int:
    return span[1] - span[0] if span else 0


def _part_tags(text: str, parts: Sequence[tuple[tuple[int, int] | None, Sequence | None, Sequence[float] | None]]
               ) -> tuple[tuple[int, int, float], ...]:
    """The content-word tags of one side of a link, part by part, at their places in the link's
    text: the detector's, and 1.0 for every word of a sentence with no counterpart in the link."""
    tags: list[tuple[int, int, float]] = []
    for span, words, part_tags in parts:
        if span is None:
            continue
        start, end = span
        if words is None:  # no counterpart: all of it is what differs
            piece_words = [(m.start(), m.end()) for m in WORD.finditer(text, start, end)]
            tags += _content_tags(text, piece_words, [1.0] * len(piece_words))
        else:
            tags += [(a + start, b + start, p) for a, b, p in _content_tags(text[start:end], words, part_tags)]
    return tuple(tags)


def _occurrences(text: str, phrases: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Where each phrase stands in `text` (first occurrence; absent ones are left out)."""
    found = sorted((at, at + len(phrase)) for phrase in phrases if (at := text.find(phrase)) >= 0)
    return tuple(found)


def _content_tags(text: str, words: Sequence[tuple[int, int]], tags: Sequence[float]) -> tuple[tuple[int, int, float], ...]:
    """The detector's tag of every content word (a function word alone is never marked)."""
    return tuple((a, b, round(p, 4)) for (a, b), p in zip(words, tags) if is_content(text[a:b]))


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
