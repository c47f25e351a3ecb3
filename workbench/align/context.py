"""What the text itself tells the aligner, beside the vectors: whether a segment stands alone
(the price of leaving it unlinked), and which numbers each run of segments carries.

A sentence a translation dropped is a 1-0 link, and the aligner must be free to say so. But a
piece of a sentence (half a line that OCR or a line-based file broke off, a "!" on its own,
a clause after a colon) is almost never dropped on its own: it belongs with its neighbour.
The text says which is which at the boundary between two segments:
- the earlier one ends open (a comma, colon, semicolon or dash: the sentence goes on), or
- the later one starts in lower case (a new sentence would start with a capital) and the
  earlier one does not end with a full stop (after one, a lower-case start is a name such as
  "i24NEWS", or a typo), or
- either holds no letter or digit at all (punctuation only).
A segment at such a boundary is `joined` to its neighbour; leaving it unlinked costs
`Settings.fragment_gap` (workbench.align.dp). A segment with closed boundaries (a whole
sentence, a heading, a byline) keeps today's price, so an omission is still found.
Scripts without case (Arabic, Persian, Chinese...) give only the punctuation signals.

Numbers: a link whose two sides carry the same numbers, in digits or as ordinal words
(workbench.text.numbers: "Article 18" / "مادهٔ هیجدهم"), earns `Settings.number_bonus`. A
short heading gives the encoder little to go on, and the number is what a human reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.text.numbers import written_values

# Punctuation after which the sentence goes on (Arabic and Persian comma and semicolon,
# the ideographic comma, dashes).
_OPEN_ENDS = frozenset(",;:،؛、-–—")
# Punctuation that ends a sentence: after it, a lower-case start is a name ("i24NEWS
# reached out...") or a typo ("ater on Tuesday"), not the rest of the sentence.
_FINAL_STOPS = frozenset(".!?…؟。！？")
# Closing quotes and brackets, looked through at the end of a segment; opening ones and
# dashes at its start.
_CLOSERS = "\"'»”’)]}›"
_OPENERS = "\"'«“‘([{‹-–— \t"


@dataclass(frozen=True)
class Context:
    """Per side: what leaving each segment unlinked costs (`joined` x `Settings.fragment_gap`),
    and, per run of k+1 segments starting at i (as `BlockVectors`), an id of the numbers it
    carries (`src_numbers[k][i]`; 0: none; equal ids: the same numbers)."""

    src_price: np.ndarray
    tgt_price: np.ndarray
    src_numbers: list[np.ndarray]
    tgt_numbers: list[np.ndarray]

    @classmethod
    def read(cls, src_texts: Sequence[str], tgt_texts: Sequence[str], fragment_gap: float,
             max_block: int) -> Context:
        ids: dict[frozenset[float], int] = {frozenset(): 0}
        return cls(fragment_gap * joined(src_texts), fragment_gap * joined(tgt_texts),
                   _run_numbers(src_texts, max_block, ids), _run_numbers(tgt_texts, max_block, ids))


def _run_numbers(texts: Sequence[str], max_block: int, ids: dict[frozenset[float], int]) -> list[np.ndarray]:
    """Number ids of every run of 1..max_block segments (the union of its segments' numbers)."""
    singles = [written_values(text) for text in texts]
    runs = []
    for k in range(1, max_block + 1):
        keys = [frozenset().union(*singles[i:i + k]) for i in range(len(texts) - k + 1)]
        runs.append(np.array([ids.setdefault(key, len(ids)) for key in keys], np.int64))
    return runs


def joined(texts: Sequence[str]) -> np.ndarray:
    """Per segment, whether it sits inside a sentence with a neighbour (see the module)."""
    count = len(texts)
    inside = np.zeros(max(count - 1, 0), bool)  # inside[k]: the boundary between k and k+1
    for k in range(count - 1):
        inside[k] = (_ends_open(texts[k]) or (_starts_lower(texts[k + 1]) and not _ends_closed(texts[k]))
                     or _no_word(texts[k]) or _no_word(texts[k + 1]))
    result = np.zeros(count, bool)
    result[:-1] |= inside
    result[1:] |= inside
    return result


def _ends_open(text: str) -> bool:
    return _last_mark(text) in _OPEN_ENDS


def _ends_closed(text: str) -> bool:
    return _last_mark(text) in _FINAL_STOPS


def _last_mark(text: str) -> str:
    """The segment's last character, looking through closing quotes and brackets ("" if none)."""
    end = text.rstrip().rstrip(_CLOSERS).rstrip()
    return end[-1] if end else ""


def _starts_lower(text: str) -> bool:
    start = text.lstrip(_OPENERS)
    return bool(start) and start[0].islower()


def _no_word(text: str) -> bool:
    return not any(ch.isalnum() for ch in text)
