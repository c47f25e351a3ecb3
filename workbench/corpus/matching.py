"""Which translation belongs to which original, one to one, and none where there is none.

The steps document alignment work found to matter (the WMT16 bilingual document alignment
task; Thompson & Koehn 2020, "Exploiting Sentence Order in Document Alignment"):
1. **candidates** from document vectors: each document's vector is the mean of its
   sentences' unit vectors, centred on its edition and language (what all of them share:
   language, site, genre), so the nearest documents are those about the same things. Each
   original's and each translation's few nearest in another language become candidates;
2. **a score that uses sentence order**: the aligner's first pass (a monotone DP over the
   sentences, workbench.align.linked_similarity) gives the share of each document that it links
   with confidence. A rewrite of the same story, or an article on the same topic, shares
   words and names but not a sentence-by-sentence order, and scores far lower;
3. **a global one-to-one assignment with a threshold**: competitive linking, the best
   scoring candidate pair first, each document used once; pairs under the threshold, or no
   clearer than a rival candidate of either document, are no match, and so are texts in the
   same language (a rewrite is not a translation).
Candidates are scored with 1-1 links only; close calls (`contested`) again with every link
type and the aligner's second pass, which encodes the runs of sentences around uncertain links:
a sentence translated as two is judged on the pair's own vectors, not on an estimate. For
matching, a sentence a document repeats counts once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embed.centre import unit

CANDIDATES = 6  # nearest documents per document, each way (Thompson & Koehn: a handful suffices)
# Chosen on the matching benchmark's sets (benchmarks/matching.py; benchmarks/README.md says how):
# the least sentence evidence of a match (unrelated texts score 0-0.1, translations 0.2-0.7);
THRESHOLD = 0.2
# the document vectors' weight in a pair's score, beside the sentence evidence;
DOCUMENT_WEIGHT = 0.5
# and how far a pair's score must stand above every other candidate of either document: an
# original whose translation is missing must not take the nearest look-alike.
MARGIN = 0.02
# A decision this close (a document's two best candidates, or its best one and the threshold)
# is taken again on the aligner's second pass, which encodes the runs of segments around
# uncertain links (a sentence translated as two): slower, so only where it may matter.
CONTESTED = 0.05


@dataclass(frozen=True)
class Profile:
    """What matching knows of a document: its name, language, segment count and vector."""

    name: str
    lang: str
    segments: int
    vector: np.ndarray  # mean of its segments' unit vectors (uncentred)


@dataclass(frozen=True)
class Match:
    """A matched pair (both names) or a document with no counterpart (one name None), with
    the pair's score (None when unmatched) and, when unmatched, why."""

    original: str | None
    translation: str | None
    score: float | None
    note: str = ""


def candidates(originals: Sequence[Profile], translations: Sequence[Profile],
               per_document: int = CANDIDATES) -> dict[tuple[int, int], float]:
    """Pairs (original index, translation index) worth scoring, with the cosine of their
    centred document vectors: for every document, its `per_document` nearest on the other
    side, in another language."""
    if not originals or not translations:
        return {}
    similarity = _centred(originals) @ _centred(translations).T
    different = np.array([o.lang for o in originals])[:, None] != np.array([t.lang for t in translations])[None, :]
    similarity = np.where(different, similarity, -np.inf)
    pairs: set[tuple[int, int]] = set()
    for i, row in enumerate(similarity):
        pairs.update((i, int(j)) for j in np.argsort(-row)[:per_document] if np.isfinite(row[j]))
    for j, column in enumerate(similarity.T):
        pairs.update((int(i), j) for i in np.argsort(-column)[:per_document] if np.isfinite(column[i]))
    return {pair: float(similarity[pair]) for pair in sorted(pairs)}


def _centred(profiles: Sequence[Profile]) -> np.ndarray:
    """Document vectors centred per language within one edition, then unit length. The only
    document of its language in an edition is centred to nothing (a zero vector, cosine 0 with
    every other): its language's mean is its own vector, and uncentred, language and genre
    would make it look near every document."""
    vectors = np.stack([p.vector for p in profiles]).astype(np.float32)
    langs = np.array([p.lang for p in profiles])
    for lang in set(langs):
        rows = langs == lang
        vectors[rows] -= vectors[rows].mean(axis=0)
    vectors[np.linalg.norm(vectors, axis=1) < 1e-6] = 0.0  # what rounding leaves of a lone document's vector
    return unit(vectors)


def edition_means(profiles: Sequence[Profile]) -> dict[str, np.ndarray]:
    """Per language, the mean vector of all the segments of an edition's documents in it:
    what an article's sentences share with every other article of its site and language, which
    `workbench.align.linked_similarity` takes away before comparing two documents' sentences."""
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for profile in profiles:
        sums[profile.lang] = sums.get(profile.lang, 0) + profile.vector * profile.segments
        counts[profile.lang] = counts.get(profile.lang, 0) + profile.segments
    return {lang: (total / max(counts[lang], 1)).astype(np.float32) for lang, total in sums.items()}


@dataclass(frozen=True)
class Evidence:
    """A candidate pair's evidence: `sentences`, the mean over its two documents of the
    similarity-weighted share each has in the aligner's first-pass links
    (workbench.align.linked_similarity: order-aware); `document`, its document vectors' cosine."""

    sentences: float
    document: float

    @property
    def score(self) -> float:
        """What pairs are ranked by: the sentence evidence, with the document vectors breaking
        near ties among look-alikes (articles of one genre that share their first sentence)."""
        return self.sentences + DOCUMENT_WEIGHT * self.document


def evidence(similarities: tuple[float, float], cosine: float) -> Evidence:
    return Evidence((similarities[0] + similarities[1]) / 2, cosine)


def contested(found: Mapping[tuple[int, int], Evidence], threshold: float = THRESHOLD) -> set[tuple[int, int]]:
    """The pairs to score again with the aligner's second pass: each document's two best
    candidates, where the best is within CONTESTED of the threshold or of the second best."""
    again: set[tuple[int, int]] = set()
    for candidates in _ranked(found).values():
        top = candidates[:2]
        close_call = len(top) == 2 and top[0][0] - top[1][0] < CONTESTED
        if close_call or abs(found[top[0][1]].sentences - threshold) < CONTESTED:
            again.update(pair for _, pair in top)
    return again


def assign(originals: Sequence[Profile], translations: Sequence[Profile],
           found: Mapping[tuple[int, int], Evidence], threshold: float = THRESHOLD) -> list[Match]:
    """One to one by competitive linking over the scored candidates, best first. A pair is
    taken if its sentence evidence reaches `threshold` and its score beats every other
    candidate of either document by MARGIN. Every document comes out once, matched or with a
    note on why not: in original order, then the translations with no original."""
    ranked = _ranked(found)
    languages = ({p.lang for p in originals}, {p.lang for p in translations})

    def why(side: int, index: int) -> str:
        """Why a document was left unmatched, in one line: its best candidate and that evidence."""
        own = (originals, translations)[side][index]
        others = (translations, originals)[side]
        role = ("translation", "original")[side]
        if languages[1 - side] <= {own.lang}:
            return f"every {role} is in {own.lang}, as this document is: a rewrite is not a translation"
        if (side, index) not in ranked:
            return f"no {role} is near it"
        score, pair = ranked[(side, index)][0]
        best, sentences = others[pair[1 - side]], found[pair].sentences
        if sentences < threshold:
            return f"best candidate {best.name}: sentence evidence {sentences:.2f}, under {threshold:g}"
        return (f"best candidate {best.name} ({score:.2f}) is no clearer a match than another "
                f"candidate, or went to a better-scoring document")

    def rival(pair: tuple[int, int]) -> float:
        """The best score of another candidate of either of the pair's documents."""
        return max((score for key in ((0, pair[0]), (1, pair[1])) for score, other in ranked[key][:2] if other != pair),
                   default=0.0)

    taken_src: dict[int, tuple[int, float]] = {}
    taken_tgt: set[int] = set()
    for (i, j), item in sorted(found.items(), key=lambda pair: (-pair[1].score, pair[0])):
        if i in taken_src or j in taken_tgt or item.sentences < threshold or item.score - rival((i, j)) < MARGIN:
            continue
        taken_src[i] = (j, item.score)
        taken_tgt.add(j)
    matches = []
    for i, original in enumerate(originals):
        if i in taken_src:
            j, score = taken_src[i]
            matches.append(Match(original.name, translations[j].name, round(score, 4)))
        else:
            matches.append(Match(original.name, None, None, why(0, i)))
    matches += [Match(None, t.name, None, why(1, j)) for j, t in enumerate(translations) if j not in taken_tgt]
    return matches


def _ranked(found: Mapping[tuple[int, int], Evidence]) -> dict[tuple[int, int], list[tuple[float, tuple[int, int]]]]:
    """Each document's candidates, best first, as (score, pair), by (side, index): side 0 the
    originals, 1 the translations."""
    ranked: dict[tuple[int, int], list[tuple[float, tuple[int, int]]]] = {}
    for pair, item in found.items():
        for key in ((0, pair[0]), (1, pair[1])):
            ranked.setdefault(key, []).append((item.score, pair))
    for candidates in ranked.values():
        candidates.sort(reverse=True)
    return ranked

