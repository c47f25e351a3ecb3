"""Words as every check reads them: what a word is, and when two written words are the same."""

from __future__ import annotations

import functools
import re
import unicodedata

# A word: letters, digits and combining marks (Arabic harakat too), with the zero-width
# non-joiner inside a Persian word, and hyphens and apostrophes between letters.
WORD = re.compile(r"[\w\u0300-\u036f\u064b-\u065f\u0670](?:[\w\u0300-\u036f\u064b-\u065f\u0670\u200c]|[-'’](?=\w))*")


@functools.lru_cache(maxsize=1 << 16)  # every check folds the same words of a document again and again
def fold(word: str) -> str:
    """The form in which two spellings of one word are equal: case, marks, the ZWNJ and
    suffixes after an apostrophe (Iran's -> iran, Irak'taki -> irak) taken away."""
    word = re.sub(r"['’].*$", "", word)
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\u200c")
