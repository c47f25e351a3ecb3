"""Language profiles: every rule that depends on the language, one file per language.

A profile holds what the workbench knows of a language: its writing direction, its function
words, how it negates, its number words, the abbreviations after which a full stop does not
end a sentence, letters to unify for comparison. Adding a language, or a rule to one, is
editing one file of this package (and naming a new one below).

Some checks read a word without knowing its language (a link mixes two, and scraped text
quotes a third), so they take the union of every profile: `STOP_WORDS`, `NEGATION_WORDS`,
`ABBREVIATIONS`, `NUMBER_ABBREVIATIONS` (and workbench.text.numbers reads every profile's
number words). A language the workbench has no
profile for gets the neutral `Profile(code)`: no negation check, left to right, no rules.
"""

from __future__ import annotations

import functools
import re

from workbench.languages import ar, de, en, fa, fr, others, tr
from workbench.languages.profile import Profile

_PROFILES = {p.code: p for module in (en, de, fr, fa, ar, tr, others) for p in module.PROFILES}
PROFILES = tuple(_PROFILES.values())  # every language the workbench has a profile for


@functools.cache
def profile(code: str) -> Profile:
    """The profile of language `code` ("fa", "pt-BR" -> "pt"); a neutral one if unknown
    (memoised: segmentation asks once per sentence end)."""
    base = re.split(r"[-_]", (code or "").strip().lower())[0]
    return _PROFILES.get(base) or Profile(base)


def is_rtl(code: str) -> bool:
    """Whether language `code` is written right to left."""
    return profile(code).rtl


def _union(attribute: str) -> frozenset[str]:
    return frozenset().union(*(getattr(p, attribute) for p in _PROFILES.values()))


STOP_WORDS = _union("stop_words")
NEGATION_WORDS = _union("negation_words")
ABBREVIATIONS = _union("abbreviations")
NUMBER_ABBREVIATIONS = _union("number_abbreviations")
