"""Whether a segment stands alone, read from the text around it: the price of leaving it
unlinked.

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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
    end = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(end) and end[-1] in _OPEN_ENDS


def _ends_closed(text: str) -> bool:
    end = text.rstrip().rstrip(_CLOSERS).rstrip()
    return bool(end) and end[-1] in _FINAL_STOPS


def _starts_lower(text: str) -> bool:
    start = text.lstrip(_OPENERS)
    return bool(start) and start[0].islower()


def _no_word(text: str) -> bool:
    return not any(ch.isalnum() for ch in text)
