"""Scripts: which writing system a character, a word or a text is in.

Scripts decide a great deal before any model runs: a file's two languages (document), where
names can be told from their capitals and how they are transliterated (fidelity.names),
whether a translation is still in the source's script (fidelity.score). This is their one home.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter

# URLs and e-mail addresses are Latin letters whatever the language of the line around them.
# An address starts where a token starts, so a long run without spaces ("@@@@...", 5 MB of
# letters) is scanned once, not once from each of its characters.
ADDRESSES = re.compile(r"(?<!\S)(?:(?:https?://|www\.)\S+|[^\s@]+@[^\s@]+\.\w+)")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
LATIN_LETTERS = re.compile(r"[A-Za-z\u00c0-\u024f]")

# (first code point, last code point, script) for the scripts whose letters we count.
_SCRIPT_RANGES = sorted(
    [
        (0x0041, 0x005A, "Latin"), (0x0061, 0x007A, "Latin"), (0x00AA, 0x00AA, "Latin"),
        (0x00BA, 0x00BA, "Latin"), (0x00C0, 0x02AF, "Latin"), (0x1E00, 0x1EFF, "Latin"),
        (0x2C60, 0x2C7F, "Latin"), (0xA720, 0xA7FF, "Latin"), (0xFF21, 0xFF3A, "Latin"),
        (0xFF41, 0xFF5A, "Latin"),
        (0x0370, 0x03FF, "Greek"), (0x1F00, 0x1FFF, "Greek"),
        (0x0400, 0x052F, "Cyrillic"), (0x2DE0, 0x2DFF, "Cyrillic"), (0xA640, 0xA69F, "Cyrillic"),
        (0x0530, 0x058F, "Armenian"),
        (0x0590, 0x05FF, "Hebrew"),
        (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x08A0, 0x08FF, "Arabic"),
        (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
        (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"),
        (0x0A80, 0x0AFF, "Gujarati"), (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"),
        (0x0E00, 0x0E7F, "Thai"), (0x10A0, 0x10FF, "Georgian"),
        (0x1100, 0x11FF, "Hangul"), (0x3130, 0x318F, "Hangul"), (0xAC00, 0xD7AF, "Hangul"),
        (0x3040, 0x30FF, "CJK"), (0x3400, 0x4DBF, "CJK"), (0x4E00, 0x9FFF, "CJK"),
        (0xF900, 0xFAFF, "CJK"), (0xFF66, 0xFF9F, "CJK"),
    ]
)
_RANGE_STARTS = [start for start, _, _ in _SCRIPT_RANGES]



@functools.cache
def script_of(char: str) -> str | None:
    code = ord(char)
    index = bisect.bisect_right(_RANGE_STARTS, code) - 1
    if index >= 0 and code <= _SCRIPT_RANGES[index][1]:
        return _SCRIPT_RANGES[index][2]
    return None


def script_letters(text: str) -> Counter[str]:
    """Letters per script, URLs and e-mail addresses left out. (Counting distinct letters
    first keeps the per-character work in C: a 20 MB file takes seconds, not minutes.)"""
    scripts: Counter[str] = Counter()
    for char, count in Counter(_NOT_LETTERS.sub("", ADDRESSES.sub(" ", text))).items():
        script = script_of(char)
        if script is not None:
            scripts[script] += count
    return scripts


def is_arabic(char: str) -> bool:
    """A character of the Arabic blocks (letters, marks, presentation forms)."""
    return "\u0600" <= char <= "\u08ff" or "\ufb50" <= char <= "\ufeff"


def is_latin(text: str) -> bool:
    """More (or as many) Latin letters than Arabic-script ones."""
    return len(LATIN_LETTERS.findall(text)) >= len(ARABIC_LETTERS.findall(text))


def dominant_script(text: str) -> str:
    """"arabic", "latin" or "other": the script of most of the letters."""
    arabic = len(ARABIC_LETTERS.findall(text))
    latin = len(LATIN_LETTERS.findall(text))
    other = sum(1 for c in text if c.isalpha()) - arabic - latin
    return max((arabic, "arabic"), (latin, "latin"), (other, "other"))[1]
