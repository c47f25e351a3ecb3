"""Numbers: compared by value across scripts (۱۲۵ = 125, ۴٫۵ = 4.5) and spelled-out words."""

from __future__ import annotations

import re
import unicodedata

from workbench.languages import NUMBER_WORDS
from workbench.text.words import WORD, fold

# A number: French and others group thousands with a (no-break, narrow) space: "3 500", "99 040".
# At most seven groups (10^21): an unbounded count would rescan a long run of groups from each
# of its groups ("111 111 111 ... 1" took time quadratic in its length).
SPACE_GROUPS = "\u0020\u00a0\u202f"
NUMBER = re.compile(rf"(?<!\d)\d{{1,3}}(?:[{SPACE_GROUPS}]\d{{3}}){{1,6}}(?![{SPACE_GROUPS}]?\d)|\d+(?:[.,٫٬'’]\d+)*")
URL = re.compile(r"\b(?:https?://|www\.)\S+")
def numbers(text: str) -> set[float]:
    """Values of the numbers written in digits in `text`, in any script's digits.

    Numbers glued to letters are part of a name ("i24NEWS", "G7") and left out; so are URLs.
    Separators: Persian ٫ is the decimal mark and ٬ the thousands mark, as is a space between
    groups of three digits (3 500 = 3,500); "," and "." are read
    as thousands marks when followed by exactly three digits, else as the decimal mark, and
    when both occur the last one is the decimal mark. Years in different calendars
    (2019 / ۱۳۹۸) are different numbers: a reviewer should look at them.
    """
    return _numbers(text)[0]


def _numbers(text: str) -> tuple[set[float], set[float]]:
    """(standalone numbers, numbers glued to letters) of `text`."""
    text = URL.sub(" ", text)
    standalone, glued = set(), set()
    for match in NUMBER.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        if before == "-" and start > 1:
            before = text[start - 2]
        after = text[end] if end < len(text) else " "
        value = number_value(match.group())
        if value is not None:
            (glued if before.isalpha() or after.isalpha() else standalone).add(value)
    return standalone, glued


def number_mismatch(src: str, tgt: str) -> tuple[bool, bool]:
    """(changed, one_sided): whether both sides have numbers that disagree, or whether
    numbers appear on one side only (see `unmatched`)."""
    src_only, tgt_only = unmatched(src, tgt)
    changed = bool(src_only) and bool(tgt_only)
    return changed, not changed and bool(src_only or tgt_only)


def unmatched(src: str, tgt: str) -> tuple[set[float], set[float]]:
    """The numbers of each side that the other side does not have: what `number_mismatch`
    flags, and what the reviewer is told it flagged. A number matches the same value on the
    other side, written in digits, spelled out (up to ten), or inside a name there
    (آی ۲۴ / i24NEWS)."""
    src_values, src_glued = _numbers(src)
    tgt_values, tgt_glued = _numbers(tgt)
    src_written = {NUMBER_WORDS[w] for w in map(fold, WORD.findall(src)) if w in NUMBER_WORDS}
    tgt_written = {NUMBER_WORDS[w] for w in map(fold, WORD.findall(tgt)) if w in NUMBER_WORDS}
    return src_values - tgt_values - tgt_glued - tgt_written, tgt_values - src_values - src_glued - src_written


def number_value(token: str) -> float | None:
    if not token or not any(c.isdigit() for c in token):
        return None
    digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in token)
    digits = digits.replace("٬", "").replace("'", "").replace("’", "").replace("٫", ".")
    digits = "".join(c for c in digits if c not in SPACE_GROUPS)
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", digits):
        return None
    marks = [c for c in digits if c in ".,"]
    if marks:
        groups = re.split(r"[.,]", digits)
        if len(set(marks)) == 2:
            decimal = marks[-1]
            digits = digits.replace("," if decimal == "." else ".", "").replace(decimal, ".")
        elif len(marks) > 1 or len(groups[-1]) == 3:
            digits = digits.replace(marks[0], "")
        else:
            digits = digits.replace(marks[0], ".")
    try:
        return float(digits)
    except ValueError:
        return None
