"""Word alignment within a link: which words found a counterpart, and the spans a reviewer sees.

SimAlign-style: words are matched over the encoder's contextual token states (mutual best
matches, then a second round among the words still free), plus literal matches of identical
words and equal numbers. The share of a link's content characters in words with no
counterpart is a fidelity feature; those words, and whole clauses that were partly reworded,
are the link's spans. Function words (every language profile's stop words) are never
reported; negation words always count.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embed import TextEncoder
from workbench.embed.centre import centre, unit
from workbench.fidelity.numbers import number_value
from workbench.languages import NEGATION_WORDS, STOP_WORDS
from workbench.text.words import WORD, fold

# Word alignment: a word counts as having a counterpart when it is in a mutual best match
# whose centred token similarity reaches PAIR_MIN, or when its best similarity anywhere on
# the other side reaches COVER_MIN (a repeated mention).
PAIR_MIN = 0.2
COVER_MIN = 0.55
DISTORTION = 0.1  # penalty per unit of relative-position difference in the alignment
SAME_LANGUAGE_PAIR_MIN = 0.8  # in same-language mode, different words must be near-synonyms


def is_content(word: str) -> bool:
    """Whether a missing `word` changes meaning (not a function word, not punctuation)."""
    lowered = word.lower()
    if lowered in NEGATION_WORDS:
        return True
    return len(word) > 2 and lowered not in STOP_WORDS


@dataclass(frozen=True)
class WordAlignment:
    """Word-level alignment of one link: words as (start, end), and which found a counterpart."""

    src_words: tuple[tuple[int, int], ...]
    tgt_words: tuple[tuple[int, int], ...]
    src_matched: tuple[bool, ...]
    tgt_matched: tuple[bool, ...]
    similarity: np.ndarray  # centred word similarity, src words x tgt words
    unaligned_share: float
    src_spans: tuple[tuple[int, int], ...]
    tgt_spans: tuple[tuple[int, int], ...]


def align_words(src: str, tgt: str, encoder: TextEncoder, same_language: bool = False) -> WordAlignment:
    """SimAlign-style word alignment over contextual token states, plus literal matches.

    Word vectors are the mean of their pieces' states, centred per side (as sentence vectors
    are) so that what every word of a text shares does not make every pair look alike.
    Pairs: mutual best matches (with a small penalty for distant relative positions), then a
    second round among the words left free. Identical words (case, marks and suffixes after an
    apostrophe aside) and equal numbers are matched outright; in same-language mode two
    different words must be near-synonyms (SAME_LANGUAGE_PAIR_MIN), so a changed word shows.
    A content word without a match is unaligned; the spans also cover reworded clauses.
    """
    src_words, src_vectors = _word_vectors(src, encoder)
    tgt_words, tgt_vectors = _word_vectors(tgt, encoder)
    n, m = len(src_words), len(tgt_words)
    if not n or not m:
        return WordAlignment(tuple(src_words), tuple(tgt_words), (False,) * n, (False,) * m,
                             np.zeros((n, m)), 1.0 if n or m else 0.0,
                             _spans(src, src_words, [False] * n), _spans(tgt, tgt_words, [False] * m))
    sim = _centred(src_vectors) @ _centred(tgt_vectors).T
    src_keys = [_match_key(src[a:b]) for a, b in src_words]
    tgt_keys = [_match_key(tgt[a:b]) for a, b in tgt_words]
    literal = np.array([[a == b and a != "" for b in tgt_keys] for a in src_keys])
    pair_min = SAME_LANGUAGE_PAIR_MIN if same_language else PAIR_MIN
    pairs = _itermax(np.where(literal, 2.0, sim)) & ((sim >= pair_min) | literal)
    src_ok = pairs.any(axis=1) | literal.any(axis=1)
    tgt_ok = pairs.any(axis=0) | literal.any(axis=0)
    if not same_language:
        src_ok |= sim.max(axis=1) >= COVER_MIN
        tgt_ok |= sim.max(axis=0) >= COVER_MIN
    src_content = np.array([is_content(src[a:b]) for a, b in src_words])
    tgt_content = np.array([is_content(tgt[a:b]) for a, b in tgt_words])
    src_flags = src_content & ~src_ok
    tgt_flags = tgt_content & ~tgt_ok
    src_len = np.array([b - a for a, b in src_words])
    tgt_len = np.array([b - a for a, b in tgt_words])
    content = src_len[src_content].sum() + tgt_len[tgt_content].sum()
    flagged = src_len[src_flags].sum() + tgt_len[tgt_flags].sum()
    src_marks, tgt_marks = src_flags.copy(), tgt_flags.copy()
    _mark_reworded_clauses(src, src_words, src_content, src_flags, src_marks, tgt_marks, pairs)
    _mark_reworded_clauses(tgt, tgt_words, tgt_content, tgt_flags, tgt_marks, src_marks, pairs.T)
    return WordAlignment(
        tuple(src_words), tuple(tgt_words), tuple(bool(x) for x in src_ok), tuple(bool(x) for x in tgt_ok), sim,
        float(flagged / content) if content else 0.0,
        _spans(src, src_words, src_marks), _spans(tgt, tgt_words, tgt_marks),
    )


CLAUSE_BREAK = re.compile(r"[,;:،؛.!?()«»\"“”]|\s[-–—]+\s|--")
REWORDED_FROM = 1 / 3  # share of a clause's content words with no counterpart ...
REWORDED_KEPT = 1 / 2  # ... while at least this share has one


def _mark_reworded_clauses(text: str, words: Sequence[tuple[int, int]], content: np.ndarray, flags: np.ndarray,
                           marks: np.ndarray, other_marks: np.ndarray, pairs: np.ndarray) -> None:
    """Mark whole clauses that were reworded, and the words they were aligned with.

    A clause (between punctuation marks) in which at least REWORDED_FROM of the content words
    have no counterpart, while at least REWORDED_KEPT do, says something else with partly the same
    words ("have experienced division" / "نیروهای با تجربه خود را تقسیم کرده اند"): the
    reviewer must read it whole, and the words it was aligned with on the other side.
    """
    clause = np.zeros(len(words), dtype=int)
    breaks = [m.start() for m in CLAUSE_BREAK.finditer(text)]
    for k, (start, _) in enumerate(words):
        clause[k] = bisect.bisect_left(breaks, start)
    for c in np.unique(clause):
        members = np.nonzero(clause == c)[0]
        n_content = content[members].sum()
        n_flagged = flags[members].sum()
        if n_content < 2 or n_flagged == 0 or n_flagged / n_content < REWORDED_FROM:
            continue
        if (n_content - n_flagged) / n_content < REWORDED_KEPT:
            continue
        marks[members.min():members.max() + 1] = True
        other_marks |= pairs[members].any(axis=0)


def _word_vectors(text: str, encoder: TextEncoder) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Words of `text` that the encoder saw (all: a text over the model's limit is read in windows) and
    the mean state of the pieces overlapping each."""
    offsets, states = encoder.token_states(text)
    words, vectors = [], []
    piece = 0
    for match in WORD.finditer(text):
        start, end = match.span()
        while piece < len(offsets) and offsets[piece][1] <= start:
            piece += 1
        rows = []
        k = piece
        while k < len(offsets) and offsets[k][0] < end:
            rows.append(k)
            k += 1
        if rows:
            words.append((start, end))
            vectors.append(states[rows].mean(axis=0))
    return words, np.array(vectors) if vectors else np.zeros((0, states.shape[1]))


def _centred(vectors: np.ndarray) -> np.ndarray:
    """A text's word vectors less their mean (see workbench.embed.centre); two words or fewer
    are their own mean, so they are only normalised."""
    return centre(vectors) if len(vectors) > 2 else unit(vectors)


def _itermax(sim: np.ndarray, rounds: int = 2) -> np.ndarray:
    """Mutual best matches, then again among the rows and columns still unmatched."""
    n, m = sim.shape
    position = np.abs(np.arange(n)[:, None] / max(n - 1, 1) - np.arange(m)[None, :] / max(m - 1, 1))
    scores = sim - DISTORTION * position
    matched = np.zeros((n, m), dtype=bool)
    for _ in range(rounds):
        free = ~matched.any(axis=1)[:, None] & ~matched.any(axis=0)[None, :]
        masked = np.where(free, scores, -np.inf)
        if not np.isfinite(masked).any():
            break
        best_col = masked.argmax(axis=1)
        best_row = masked.argmax(axis=0)
        for i, j in enumerate(best_col):
            if best_row[j] == i and np.isfinite(masked[i, j]):
                matched[i, j] = True
    return matched


def _spans(text: str, words: Sequence[tuple[int, int]], flags: Sequence[bool]) -> tuple[tuple[int, int], ...]:
    """Flagged words as character ranges; neighbours separated only by function words,
    spaces or punctuation merge into one span."""
    spans: list[list[int]] = []
    last_flagged = -10
    for k, ((start, end), flag) in enumerate(zip(words, flags)):
        if not flag:
            continue
        between = words[last_flagged + 1:k]
        if spans and all(not is_content(text[a:b]) for a, b in between):
            spans[-1][1] = end
        else:
            spans.append([start, end])
        last_flagged = k
    return tuple((a, b) for a, b in spans)


def _match_key(word: str) -> str:
    """What makes two words the same for a literal match: digits by value, case, marks."""
    value = number_value(word)
    if value is not None:
        return f"#{value:g}"
    return fold(word)
