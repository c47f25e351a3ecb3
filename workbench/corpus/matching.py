"""Which translation belongs to which original, one to one, and none where there is none.

The steps document alignment work found to matter (the WMT16 bilingual document alignment
task; Thompson & Koehn 2020, "Exploiting Sentence Order in Document Alignment"):
1. **candidates** from document vectors: each document's vector is the mean of its
   sentences' unit vectors, centred on its edition and language (what all of them share:
   language, site, genre), so the nearest documents are those about the same things. Each
   original's and each translation's few nearest in another language become candidates,
   found exactly but a block of documents at a time, so memory does not grow as N x M;
2. **a score that uses sentence order**: the aligner's first pass (a monotone DP over the
   sentences, workbench.align.linked_similarity) gives the share of each document that it links
   with confidence, each document's sentences centred on what its neighbourhood (the documents
   of its kind, in its language) shares. A rewrite of the same story, or an article on the same topic, shares
   words and names but not a sentence-by-sentence order, and scores far lower;
3. **a global one-to-one assignment with a threshold**: competitive linking, the best
   ranked candidate pair first (its sentence evidence, half its document cosine and the numbers
   the two share: `Evidence.ranking`), each document used once; pairs under the threshold
   (raised for documents that write numbers and share few of them: translations keep their
   numbers), or no clearer than a rival candidate of either document, are no match, and so
   are texts in the same language (a rewrite is not a translation). A pair's score, as the
   user sees it, is its sentence evidence alone (0 to 1).
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
# The candidate search's similarity block (float32, a block of one side's documents against all
# of the other's): the search's working memory is two to three times this, whatever the edition's size.
BLOCK_BYTES = 32 * 2**20
# Chosen on the matching benchmark's sets (benchmarks/matching.py; benchmarks/README.md says how):
# the least sentence evidence of a match (unrelated texts score 0-0.1, translations 0.2-0.7);
THRESHOLD = 0.2
# the document vectors' weight in a pair's ranking, beside the sentence evidence;
DOCUMENT_WEIGHT = 0.5
# and how far a pair's ranking must stand above every other candidate of either document: an
# original whose translation is missing must not take the nearest look-alike (two scripture
# chapters on one theme, 0.05 and 0.063 apart; of the 646 true pairs among the design sets'
# candidates, all but one, which no margin saves, stand 0.098 or more clear).
MARGIN = 0.08
# the weight of the numbers two documents share (Jaccard, centred on one half), beside them: articles
# of one declaration, one law or one series look alike but for their numbers ("Article 10" and
# "Pasal 3", and the dates and figures of news articles). Sharing fewer than half also raises the
# threshold by as much (never lowers it): two articles whose only numbers differ ("Article 13" /
# "第十五条") are not a translation on sentence evidence just over it; no gold pair of the
# design sets shares under half of its numbers.
NUMBER_WEIGHT = 0.2
# A document's neighbourhood, whose mean its sentences are centred on for scoring: it and its
# nearest documents of its language on its side, as many as a genre of an edition has at least.
NEIGHBOURS = 10
# A decision this close (a document's two best candidates, or its best one and the threshold)
# is taken again on the aligner's second pass, which encodes the runs of segments around
# uncertain links (a sentence translated as two): slower, so only where it may matter.
CONTESTED = 0.05


def settings() -> str:
    """The settings above, spelled for the key of a saved matching (`corpus.matched`): a run
    after any of them changed matches its documents again instead of reusing the old matches."""
    return (f"k{CANDIDATES},t{THRESHOLD:g},w{DOCUMENT_WEIGHT:g},m{MARGIN:g},n{NUMBER_WEIGHT:g},"
            f"h{NEIGHBOURS},c{CONTESTED:g}")


@dataclass(frozen=True)
class Profile:
    """What matching knows of a document: its name, language, segment count and vector."""

    name: str
    lang: str
    segments: int
    vector: np.ndarray  # mean of its segments' unit vectors (uncentred)
    numbers: frozenset[float] = frozenset()  # the values it writes in digits or as ordinal words (written_values)


@dataclass(frozen=True)
class Match:
    """A matched pair (both names) or a document with no counterpart (one name None), with
    the pair's score (None when unmatched) and, when unmatched, why. The score is the pair's
    sentence evidence (`Evidence.sentences`, 0 to 1: how much of the two texts the aligner
    links, weighted by how close the links are), the number `threshold` applies to, so that a
    user can read it; the ranking (`Evidence.ranking`) also weighs the document cosine."""

    original: str | None
    translation: str | None
    score: float | None
    note: str = ""


def candidates(originals: Sequence[Profile], translations: Sequence[Profile],
               per_document: int = CANDIDATES, block_bytes: int = BLOCK_BYTES) -> dict[tuple[int, int], float]:
    """Pairs (original index, translation index) worth scoring, with the cosine of their
    centred document vectors: for every document, its `per_document` nearest on the other
    side, in another language (among equally near ones, the first in input order).

    Exact, but never the whole originals x translations matrix, which grows as N x M (40 GB at
    100,000 a side): the originals are compared with every translation a block at a time
    (`_search`), so what is held is the two sides' vectors, the candidates and one block."""
    if not originals or not translations:
        return {}
    codes = {lang: code for code, lang in enumerate(sorted({p.lang for p in (*originals, *translations)}))}
    rows, columns, cosines = _search(_centred(originals, translations), _centred(translations, originals),
                                     np.array([codes[p.lang] for p in originals]),
                                     np.array([codes[p.lang] for p in translations]), per_document, block_bytes)
    pairs, first = np.unique(rows * len(translations) + columns, return_index=True)  # found both ways: once
    return {(int(i), int(j)): float(c) for i, j, c in zip(*np.divmod(pairs, len(translations)), cosines[first])}


def _search(sources: np.ndarray, targets: np.ndarray, source_langs: np.ndarray, target_langs: np.ndarray,
            k: int, block_bytes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source index, target index, cosine) of each source's `k` most similar targets in another
    language and each target's `k` most similar sources, as three arrays (a pair found both
    ways is there twice). One pass over the sources, as many a block as make a similarity
    block of about `block_bytes` (at least one): a block's rows give its sources' nearest
    (`_top`), its columns update each target's nearest so far (`_fold`). Memory is bounded
    by the block whatever the edition's size; each similarity is computed once, a block's
    matrix product at a time, so the time stays that of the dense product."""
    step = max(1, block_bytes // (targets.itemsize * len(targets)))
    best = np.full((k, len(targets)), -np.inf, np.float32)  # each target's k nearest so far: cosines,
    best_rows = np.full((k, len(targets)), -1)  # and sources
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start in range(0, len(sources), step):
        similarity = sources[start:start + step] @ targets.T
        np.putmask(similarity, source_langs[start:start + step, None] == target_langs[None, :], -np.inf)
        rows, columns = _top(similarity, k)
        found.append((rows + start, columns, similarity[rows, columns]))
        _fold(best, best_rows, similarity, start)
    slots, columns = np.nonzero(np.isfinite(best))
    found.append((best_rows[slots, columns], columns, best[slots, columns]))
    rows, columns, cosines = (np.concatenate(part) for part in zip(*found))
    return rows, columns, cosines


def _fold(best: np.ndarray, best_rows: np.ndarray, similarity: np.ndarray, start: int) -> None:
    """Fold a block of rows (the sources from `start` on) into each column's `len(best)` best
    so far, in place: `best` holds them best first (ties: the first in input order first),
    so its last row is what an entry must beat, strictly: an entry equal to it comes from a
    later row, and ties go to the first in input order. Few entries do once the first blocks
    are in, and each goes in by insertion, a column at most once a step; while many do (a
    column not yet full takes every finite entry), only a column's k best of the block are
    tried, so that the work stays within the block's size."""
    k = len(best)
    beating = similarity > best[-1]
    if np.count_nonzero(beating) > k * similarity.shape[1]:
        columns, rows = _top(similarity.T, k)
        within = np.zeros_like(beating)
        within[rows, columns] = True
        beating &= within
    rows, columns = np.nonzero(beating)
    order = np.argsort(columns, kind="stable")  # by column, each column's entries in input order
    rows, columns = rows[order], columns[order]
    turn = np.arange(len(columns)) - np.searchsorted(columns, columns)  # an entry's place among its column's
    for step in range(int(turn.max(initial=-1)) + 1):
        row, column = rows[turn == step], columns[turn == step]
        value = similarity[row, column]
        place = np.count_nonzero(best[:, column] >= value, axis=0)  # after the better and the equal
        row, column, value, place = row[place < k], column[place < k], value[place < k], place[place < k]
        for slot in range(k - 1, 0, -1):  # the entries from `place` on move down one
            moving = column[place < slot]
            best[slot, moving], best_rows[slot, moving] = best[slot - 1, moving], best_rows[slot - 1, moving]
        best[place, column], best_rows[place, column] = value, row + start


def _top(similarity: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each row's `k` largest finite entries, ties going to the lower column,
    so that the candidates do not depend on how the search is cut into blocks. A partition,
    not a sort: linear in the row's length."""
    width = similarity.shape[1]
    if width <= k:
        return np.nonzero(np.isfinite(similarity))
    kth = np.partition(similarity, width - k, axis=1)[:, [width - k]]  # each row's k-th largest (a copy)
    keep = similarity > kth  # fewer than k a row; when kth is -inf, all the row's finite entries
    ties = (similarity == kth) & np.isfinite(kth)
    wanted = k - keep.sum(axis=1)
    for row in np.flatnonzero(ties.sum(axis=1) > wanted):  # more entries equal the k-th than fit
        ties[row, np.flatnonzero(ties[row])[wanted[row]:]] = False
    return np.nonzero(keep | ties)


def _centred(profiles: Sequence[Profile], others: Sequence[Profile]) -> np.ndarray:
    """Document vectors centred per language within one edition, then unit length: what the
    documents of a language share (language, site, genre) taken away, so that what is left is
    what each is about. The only document of its language on its side has no language mean
    but its own (which would leave nothing): it is centred on the other side's mean instead,
    which holds the edition's genre and leaves the language, an offset much the same towards
    every document it is compared with (on the UDHR sets, a lone Arabic article among Persian
    ones finds its English original first, 23 times out of 23, where its own mean left a zero
    vector and arbitrary candidates). With one document on the other side too, there is
    nothing to learn a genre from: a zero vector, cosine 0 with every document."""
    vectors = np.stack([p.vector for p in profiles]).astype(np.float32)
    langs = np.array([p.lang for p in profiles])
    elsewhere = np.mean([p.vector for p in others], axis=0) if len(others) > 1 else None
    for lang in set(langs):
        rows = langs == lang
        if rows.sum() > 1:
            vectors[rows] -= vectors[rows].mean(axis=0)
        elif elsewhere is not None:
            vectors[rows] -= elsewhere
        else:
            vectors[rows] = 0.0
    vectors[np.linalg.norm(vectors, axis=1) < 1e-6] = 0.0  # what rounding leaves of a vector centred on itself
    return unit(vectors)


def neighbourhood_means(profiles: Sequence[Profile], others: Sequence[Profile] = (),
                        k: int = NEIGHBOURS, block_bytes: int = BLOCK_BYTES) -> np.ndarray:
    """Per document, the mean vector of the segments of its neighbourhood: the document and the
    `k` documents of its language on its side nearest to it (by the cosine of their vectors).
    What its sentences share with the documents of its kind, which
    `workbench.align.linked_similarity` takes away before comparing two documents' sentences.
    Its neighbourhood, not its whole edition: in an edition of two genres (a declaration's
    articles and a few scripture chapters), the edition's mean is the larger genre's, and two
    chapters of the smaller one, in two languages, keep what chapters share and look like
    translations of each other (a fifth of their sentences linked: over the threshold).
    The only document of its language would be centred on itself, which takes away what it
    is about (a heading and one sentence become opposites): it gets the mean of the `others`
    (the other side's documents) instead, as in `candidates`, when there are two or more.
    Exact, a block of documents at a time, as the candidate search."""
    if not profiles:
        return np.zeros((0, 0), np.float32)
    vectors = np.stack([p.vector for p in profiles]).astype(np.float32)
    weights = np.array([p.segments for p in profiles], np.float32)[:, None]
    langs = np.array([p.lang for p in profiles])
    means = vectors.copy()  # a lone document with nothing to borrow keeps its own: all it has
    if len(others) > 1:
        elsewhere = sum(p.vector * p.segments for p in others) / max(sum(p.segments for p in others), 1)
    for lang in set(langs):
        rows = np.flatnonzero(langs == lang)
        if len(rows) == 1:
            if len(others) > 1:
                means[rows] = elsewhere
            continue
        group, group_weights, directions = vectors[rows], weights[rows], unit(vectors[rows])
        width = min(k + 1, len(rows))  # the document itself and its k nearest
        step = max(1, block_bytes // (directions.itemsize * len(rows)))
        for start in range(0, len(rows), step):
            similarity = directions[start:start + step] @ directions.T
            nearest = np.argpartition(-similarity, width - 1, axis=1)[:, :width]
            weight = group_weights[nearest]
            means[rows[start:start + step]] = (group[nearest] * weight).sum(axis=1) / np.maximum(weight.sum(axis=1), 1)
    return means


@dataclass(frozen=True)
class Evidence:
    """A candidate pair's evidence: `sentences`, the mean over its two documents of the
    similarity-weighted share each has in the aligner's first-pass links
    (workbench.align.linked_similarity: order-aware); `document`, its document vectors' cosine;
    `numbers`, the share of their numbers they have in common (None: one of them writes none)."""

    sentences: float
    document: float
    numbers: float | None = None

    @property
    def ranking(self) -> float:
        """What pairs are ranked by: the sentence evidence, with the document vectors and the
        numbers breaking near ties among look-alikes (articles of one genre that share their
        first sentence). From -0.6 to 1.6, on no scale a user can read: the pairs' score is
        `sentences`."""
        shared = 0.0 if self.numbers is None else self.numbers - 0.5
        return self.sentences + DOCUMENT_WEIGHT * self.document + NUMBER_WEIGHT * shared

    def bar(self, threshold: float) -> float:
        """The sentence evidence this pair needs: `threshold`, raised where both documents write
        numbers and share fewer than half of them (by up to NUMBER_WEIGHT / 2, none shared)."""
        shared = 0.5 if self.numbers is None else min(self.numbers, 0.5)
        return threshold + NUMBER_WEIGHT * (0.5 - shared)


def evidence(similarities: tuple[float, float], cosine: float, original: Profile, translation: Profile) -> Evidence:
    """A candidate pair's evidence from the aligner's shares (`linked_similarity`), the cosine
    of its document vectors and its documents' numbers."""
    numbers = None
    if original.numbers and translation.numbers:
        numbers = len(original.numbers & translation.numbers) / len(original.numbers | translation.numbers)
    return Evidence((similarities[0] + similarities[1]) / 2, cosine, numbers)


def contested(found: Mapping[tuple[int, int], Evidence], threshold: float = THRESHOLD) -> set[tuple[int, int]]:
    """The pairs to score again with the aligner's second pass: each document's two best
    candidates, where the best is within CONTESTED of its bar (the threshold, `Evidence.bar`)
    or of the second best."""
    again: set[tuple[int, int]] = set()
    for candidates in _ranked(found).values():
        top = candidates[:2]
        close_call = len(top) == 2 and top[0][0] - top[1][0] < CONTESTED
        best = found[top[0][1]]
        if close_call or abs(best.sentences - best.bar(threshold)) < CONTESTED:
            again.update(pair for _, pair in top)
    return again


def assign(originals: Sequence[Profile], translations: Sequence[Profile],
           found: Mapping[tuple[int, int], Evidence], threshold: float = THRESHOLD) -> list[Match]:
    """One to one by competitive linking over the scored candidates, best first. A pair is
    taken if its sentence evidence reaches its bar (`threshold`, raised where the two share
    few of their numbers: `Evidence.bar`) and its ranking beats every other
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
        pair = ranked[(side, index)][0][1]
        best, sentences, bar = others[pair[1 - side]], found[pair].sentences, found[pair].bar(threshold)
        if sentences < bar:
            numbers = f" (the two share {found[pair].numbers:.0%} of their numbers)" if bar > threshold else ""
            return f"best candidate {best.name}: sentence evidence {sentences:.2f}, under {bar:.3g}{numbers}"
        return (f"best candidate {best.name} (sentence evidence {sentences:.2f}) is no clearer a match than "
                f"another candidate, or went to a better-scoring document")

    def rival(pair: tuple[int, int]) -> float:
        """The best ranking of another candidate of either of the pair's documents."""
        return max((ranking for key in ((0, pair[0]), (1, pair[1])) for ranking, other in ranked[key][:2] if other != pair),
                   default=0.0)

    taken_src: dict[int, tuple[int, float]] = {}
    taken_tgt: set[int] = set()
    for (i, j), item in sorted(found.items(), key=lambda pair: (-pair[1].ranking, pair[0])):
        if i in taken_src or j in taken_tgt or item.sentences < item.bar(threshold) or item.ranking - rival((i, j)) < MARGIN:
            continue
        taken_src[i] = (j, item.sentences)
        taken_tgt.add(j)
    matches = []
    for i, original in enumerate(originals):
        if i in taken_src:
            j, sentences = taken_src[i]
            matches.append(Match(original.name, translations[j].name, round(sentences, 4)))
        else:
            matches.append(Match(original.name, None, None, why(0, i)))
    matches += [Match(None, t.name, None, why(1, j)) for j, t in enumerate(translations) if j not in taken_tgt]
    return matches


def _ranked(found: Mapping[tuple[int, int], Evidence]) -> dict[tuple[int, int], list[tuple[float, tuple[int, int]]]]:
    """Each document's candidates, best first, as (ranking, pair), by (side, index): side 0 the
    originals, 1 the translations."""
    ranked: dict[tuple[int, int], list[tuple[float, tuple[int, int]]]] = {}
    for pair, item in found.items():
        for key in ((0, pair[0]), (1, pair[1])):
            ranked.setdefault(key, []).append((item.ranking, pair))
    for candidates in ranked.values():
        candidates.sort(reverse=True)
    return ranked

