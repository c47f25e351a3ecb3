"""A deterministic stand-in for the sentence encoder, for the fast test tier.

Tests of pure logic (the alignment dynamic programme, pinned links, review edits, the SQLite
store, export, report rendering) need vectors, not a real multilingual model: building or
loading one takes minutes. FakeEncoder has the encoder's duck-typed interface (`name`,
`dimension`, `encode`, `token_states`) and behaves like a crude multilingual encoder:

- each word maps to a concept: `lexicon` (a small translation dictionary, e.g.
  {"maison": "house", "خانه": "house"}) or else the word itself, after case-folding, dropping
  accents, ZWNJ and tatweel, and folding digits of any script (۱۲, ١٢) to ASCII;
- a concept's vector is a pseudo-random unit vector seeded from sha1 of the concept, so it is
  the same in every process;
- a sentence vector is its normalised bag of concept vectors plus a component shared by every
  text and a smaller one shared by texts of one script, so raw cosines are all fairly high (as
  with e5) while, after subtracting each side's mean, translations stand out.

It imports nothing from `workbench` (so it survives the package moving) and nothing heavier
than numpy. Never use it for anything that claims alignment quality.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np

ZWNJ = "\u200c"
SHARED_WEIGHT = 1.0  # component common to every text: raw cosines of unrelated texts ~0.45-0.55
SCRIPT_WEIGHT = 0.5  # component common to texts of one script (LATIN, ARABIC, CYRILLIC, ...)
WORD_WEIGHT, CONTEXT_WEIGHT = 0.8, 0.2  # token state = word concept mixed with its sentence

# Arabic-keyboard forms of Persian letters, so "كتاب" and "کتاب" are one word.
_LETTER_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ـ": None, ZWNJ: None, "\u200d": None})


def fold(word: str) -> str:
    """Lookup form of a word: case-folded, accents and other marks dropped, digits in ASCII."""
    chars = []
    for char in unicodedata.normalize("NFKD", word.translate(_LETTER_FOLD)).casefold():
        if unicodedata.category(char).startswith("M"):
            continue
        digit = unicodedata.decimal(char, None)
        chars.append(str(digit) if digit is not None else char)
    return unicodedata.normalize("NFC", "".join(chars))


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word in `text`: runs of letters, digits, `_` and combining marks,
    with a ZWNJ joining two such runs into one word (Persian "می‌خواهم")."""
    def is_word(char: str) -> bool:
        return char.isalnum() or char == "_" or unicodedata.category(char).startswith("M")

    spans, start = [], None
    for i, char in enumerate(text):
        inside = is_word(char) or (
            char == ZWNJ and start is not None and i + 1 < len(text) and is_word(text[i + 1]))
        if inside and start is None:
            start = i
        elif not inside and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _script(text: str) -> str:
    """Majority script of the letters in `text` (first word of their Unicode names), or NONE."""
    scripts = Counter(unicodedata.name(c, "OTHER").split()[0] for c in text if c.isalpha())
    return scripts.most_common(1)[0][0] if scripts else "NONE"


def _unit(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), 1e-12)


class FakeEncoder:
    """Deterministic crude multilingual encoder; see the module docstring."""

    def __init__(self, lexicon: dict[str, str] | None = None, dimension: int = 384,
                 name: str = "fake-encoder-v1"):
        self.name = name
        self.dimension = dimension
        self.lexicon = {fold(word): fold(concept) for word, concept in (lexicon or {}).items()}
        self.calls = 0  # encode calls given at least one text
        self._vectors: dict[str, np.ndarray] = {}

    def concept(self, word: str) -> str:
        key = fold(word)
        return self.lexicon.get(key, key)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """float32 (len(texts), dimension), rows L2-normalised; texts with one bag of concepts
        get one vector."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.calls += 1
        return np.stack([self._sentence(text) for text in texts]).astype(np.float32)

    def token_states_many(self, texts, layer: int | None = None) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
        """`token_states` of each text."""
        return [self.token_states(text, layer) for text in texts]

    def token_states(self, text: str, layer: int | None = None) -> tuple[list[tuple[int, int]], np.ndarray]:
        """One piece per word: its span in `text` as given, and a read-only float32 state, the
        word's concept vector with a little of the sentence vector. `layer` is ignored."""
        spans = word_spans(text)
        if not spans:
            return [], np.zeros((0, self.dimension), dtype=np.float32)
        sentence = self._sentence(text)
        states = np.stack([
            _unit(WORD_WEIGHT * self._vector(self.concept(text[s:e])) + CONTEXT_WEIGHT * sentence)
            for s, e in spans
        ]).astype(np.float32)
        states.flags.writeable = False  # as the real encoder's, which are shared through a cache
        return spans, states

    def _sentence(self, text: str) -> np.ndarray:
        concepts = [self.concept(text[s:e]) for s, e in word_spans(text)]
        bag = sum((self._vector(c) for c in sorted(concepts)), np.zeros(self.dimension))
        if concepts:
            bag = _unit(bag)
        return _unit(bag + SHARED_WEIGHT * self._vector("\0shared")
                     + SCRIPT_WEIGHT * self._vector("\0script:" + _script(text)))

    def _vector(self, key: str) -> np.ndarray:
        """Unit vector seeded from sha1 of `key`: the same in every process."""
        if key not in self._vectors:
            seed = int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "little")
            self._vectors[key] = _unit(np.random.default_rng(seed).standard_normal(self.dimension))
        return self._vectors[key]
