"""Words within a link: their vectors, and which found a counterpart on the other side.

SimAlign-style: words are matched over the encoder's contextual token states (mutual best
matches, then a second round among the words still free), plus literal matches of identical
words and equal numbers. The divergence detector reads these matches as features; the name
check asks whether a name word found a counterpart. Function words (every language profile's
stop words) are never marked; negation words always count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embed import TextEncoder
from workbench.embed.centre import centre, unit
from workbench.languages import NEGATION_WORDS, STOP_WORDS
from workbench.text.numbers import number_value
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


WordVectors = tuple[Sequence[tuple[int, int]], np.ndarray]  # a text's words (as `word_vectors` finds them) and their vectors


def align_words(src: str, tgt: str, src_vectors: WordVectors, tgt_vectors: WordVectors,
                same_language: bool = False) -> WordAlignment:
    """SimAlign-style word alignment over contextual token states, plus literal matches.

    Word vectors are the mean of their pieces' states, centred per side (as sentence vectors
    are) so that what every word of a text shares does not make every pair look alike.
    Pairs: mutual best matches (with a small penalty for distant relative positions), then a
    second round among the words left free. Identical words (case, marks and suffixes after an
    apostrophe aside) and equal numbers are matched outright; in same-language mode two
    different words must be near-synonyms (SAME_LANGUAGE_PAIR_MIN), so a changed word shows.
    """
    (src_words, src_vectors), (tgt_words, tgt_vectors) = src_vectors, tgt_vectors
    n, m = len(src_words), len(tgt_words)
    if not n or not m:
        return WordAlignment(tuple(src_words), tuple(tgt_words), (False,) * n, (False,) * m, np.zeros((n, m)))
    sim = centred_words(src_vectors) @ centred_words(tgt_vectors).T
    literal = literal_matches(src, tgt, src_words, tgt_words)
    pair_min = SAME_LANGUAGE_PAIR_MIN if same_language else PAIR_MIN
    pairs = itermax(np.where(literal, 2.0, sim)) & ((sim >= pair_min) | literal)
    src_ok = pairs.any(axis=1) | literal.any(axis=1)
    tgt_ok = pairs.any(axis=0) | literal.any(axis=0)
    if not same_language:
        src_ok |= sim.max(axis=1) >= COVER_MIN
        tgt_ok |= sim.max(axis=0) >= COVER_MIN
    return WordAlignment(tuple(src_words), tuple(tgt_words), tuple(bool(x) for x in src_ok),
                         tuple(bool(x) for x in tgt_ok), sim)


def literal_matches(src: str, tgt: str, src_words: Sequence[tuple[int, int]], tgt_words: Sequence[tuple[int, int]]) -> np.ndarray:
    """(source words, target words): the same word (case, marks, suffixes after an apostrophe
    aside) or the same number (by value, in any digits)."""
    codes: dict[str, int] = {"": -1}  # each key as a number, so the n x m comparison is one array operation
    src_codes = np.array([codes.setdefault(_match_key(src[a:b]), len(codes)) for a, b in src_words], dtype=np.int64)
    tgt_codes = np.array([codes.setdefault(_match_key(tgt[a:b]), len(codes)) for a, b in tgt_words], dtype=np.int64)
    return (src_codes[:, None] == tgt_codes[None, :]) & (src_codes[:, None] >= 0)


def text_word_vectors(text: str, encoder: TextEncoder) -> WordVectors:
    """Words of `text` that the encoder saw (all: a text over the model's limit is read in windows) and
    the mean state of the pieces overlapping each."""
    return word_vectors(text, *encoder.token_states(text))


def word_vectors(text: str, offsets: Sequence[tuple[int, int]], states: np.ndarray) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Words of `text` (as WORD finds them) that some piece in `offsets` overlaps, and the mean
    of those pieces' `states`: words are what a reviewer reads and marks, pieces are the model's."""
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
    return words, np.array(vectors, dtype=np.float32) if vectors else np.zeros((0, states.shape[1]), dtype=np.float32)


def centred_words(vectors: np.ndarray) -> np.ndarray:
    """A text's word vectors less their mean (see workbench.embed.centre); two words or fewer
    are their own mean, so they are only normalised."""
    return centre(vectors) if len(vectors) > 2 else unit(vectors)


def itermax(sim: np.ndarray, rounds: int = 2) -> np.ndarray:
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


def _match_key(word: str) -> str:
    """What makes two words the same for a literal match: digits by value, case, marks."""
    value = number_value(word)
    if value is not None:
        return f"#{value:g}"
    return fold(word)
