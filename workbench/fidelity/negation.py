"""Negation: whether one side of a link is negated and the other is not.

The encoder barely tells "shall" from "shall not", so negation is read from each language's
word lists and verb morphology (its profile in workbench.languages). "without" counts in
every language, because translators often turn "no X" into "without X" and back.
Morphological negation ("inalienable", "ناپذیر", "haksız") does not: it is a word's meaning,
and the encoder sees it. Measured on real translations (benchmarks/fidelity_bench.py): one
side negated and the other not on 1-2% of UDHR links (one of them a real omission in the
Arabic text: "may in no case" / "يصح", "may"), 8% of Text+Berg's literary German-French,
where one side often words with a negation what the other words without ("gar nicht so
leicht" / "quelque difficulté").
"""

from __future__ import annotations

import re
from functools import cache

from workbench.languages import profile
from workbench.text.segment import normalise


@cache
def _patterns(lang: str) -> tuple[re.Pattern[str], re.Pattern[str] | None] | None:
    """The language's compiled (markers, idioms), or None when it has no negation rules."""
    rules = profile(lang)
    if rules.negation is None:
        return None
    idioms = re.compile(rules.negation_idioms, re.IGNORECASE) if rules.negation_idioms else None
    return re.compile(rules.negation, re.IGNORECASE), idioms


def negated(text: str, lang: str) -> bool | None:
    """Whether `text` holds a sentential negation; None for a language without rules. Read in
    its compared form (workbench.text.segment.normalise): a mark inside a word, such as the
    shadda of لمّا ("whereas"), is no word break after لم ("did not")."""
    patterns = _patterns(lang)
    if patterns is None:
        return None
    markers, idioms = patterns
    text = normalise(text, lang)
    if idioms is not None:
        text = idioms.sub(" ", text)
    return markers.search(text) is not None


def negation_mismatch(src: str, tgt: str, src_lang: str, tgt_lang: str) -> bool:
    """One side is negated and the other is not (only where both languages have rules).

    Presence, not count: a translation says "No one ... arbitrarily" as "هیچ‌کس را نمی‌توان"
    (two markers for one negation), so counts differ on a quarter of real links."""
    src_negated, tgt_negated = negated(src, src_lang), negated(tgt, tgt_lang)
    return src_negated is not None and tgt_negated is not None and src_negated != tgt_negated
