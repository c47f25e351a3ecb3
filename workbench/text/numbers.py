"""Numbers in a text: written in digits in any script (۱۲۵ = 125, ۴٫۵ = 4.5, ９ = 9), spelled
out (up to ten), and ordinals written as words ("eighteenth", "مادهٔ هیجدهم", "on sekizinci",
"第十五"), read by value so that two languages can be compared.

One home for reading numbers: the aligner rewards a link whose sides carry the same numbers
(workbench.align.context), and the fidelity checks compare them (workbench.fidelity.numbers).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from workbench.languages import PROFILES
from workbench.text.scripts import script_of
from workbench.text.words import WORD, fold

# A number: French and others group thousands with a (no-break, narrow) space: "3 500", "99 040".
# At most seven groups (10^21): an unbounded count would rescan a long run of groups from each
# of its groups ("111 111 111 ... 1" took time quadratic in its length).
SPACE_GROUPS = "\u0020\u00a0\u202f"
NUMBER = re.compile(rf"(?<!\d)\d{{1,3}}(?:[{SPACE_GROUPS}]\d{{3}}){{1,6}}(?![{SPACE_GROUPS}]?\d)|\d+(?:[.,٫٬'’]\d+)*")
URL = re.compile(r"\b(?:https?://|www\.)\S+")
# Scripts that write a number against the word it counts, with no space: "第９条", "2019年",
# "３人", "15조", "3명". A number beside one of their letters is a number, not part of a name.
_UNSPACED_SCRIPTS = frozenset({"CJK", "Hangul", "Thai"})
# Chinese and Japanese ordinals: 第 and a number in Chinese numerals ("第十五条", Article 15).
_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
               "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
# A run of numerals is a number up to 16 of them (一千二百三十四万五千六百七十八 is 15); a longer run
# is none (digit by digit, 100,000 of them would be an integer Python refuses to build).
_CJK = f"{''.join(_CJK_DIGITS)}{''.join(_CJK_UNITS)}万萬"
_CJK_NUMBER = re.compile(f"(?<![{_CJK}])[{_CJK}]{{1,16}}(?![{_CJK}])")
_CJK_ORDINAL = re.compile(f"第([{_CJK}]{{1,16}})(?![{_CJK}])")


def numbers(text: str) -> set[float]:
    """Values of the numbers written in digits in `text`, in any script's digits.

    Numbers glued to letters are part of a name ("i24NEWS", "G7") and left out; so are URLs.
    Not beside the letters of a script written without a space before a counter or a particle
    (Chinese, Japanese, Korean, Thai: "第９条", "2019年", "15조"): there they are numbers.
    Separators: Persian ٫ is the decimal mark and ٬ the thousands mark, as is a space between
    groups of three digits (3 500 = 3,500); "," and "." are read
    as thousands marks when followed by exactly three digits, else as the decimal mark, and
    when both occur the last one is the decimal mark. Years in different calendars
    (2019 / ۱۳۹۸) are different numbers: a reviewer should look at them.
    """
    return split_numbers(text)[0]


def split_numbers(text: str) -> tuple[set[float], set[float]]:
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
            (glued if _names_with(before) or _names_with(after) else standalone).add(value)
    return standalone, glued


def _names_with(neighbour: str) -> bool:
    """Whether a number beside this character is part of a name (a letter of a spaced script)."""
    return neighbour.isalpha() and script_of(neighbour) not in _UNSPACED_SCRIPTS


def written_values(text: str) -> frozenset[float]:
    """The numbers in digits and the ordinals as words of `text`: what two sides of a link (the
    aligner) or two documents (matching) are compared on."""
    return frozenset(numbers(text)) | ordinals(text)


def spelled(text: str) -> set[float]:
    """Values of the small numbers written out in `text` ("three", "سه"), in any language the
    workbench has a profile for, and of numbers in Chinese numerals ("三名", "一百二十五"): a
    Persian "نه" is "no" as often as "nine", and a Chinese "一" is as often "a" or part of a word
    ("统一"), so these only ever excuse a number the other side writes in digits
    (`workbench.fidelity.numbers.unmatched`)."""
    return ({_CARDINALS[w] for w in map(fold, WORD.findall(text)) if w in _CARDINALS}
            | {float(_cjk_value(numeral)) for numeral in _CJK_NUMBER.findall(text)})


@functools.lru_cache(maxsize=1 << 14)
def ordinals(text: str) -> frozenset[float]:
    """Values of the ordinals written as words in `text`, compounds included ("بیست و یکم" =
    21, "on sekizinci" = 18, "twenty-first", "الحادي والعشرون", "الثامن عشر" = 18, "第十五" =
    15). Each language reads its own words only, so a Turkish "on" (ten) never joins an English
    "first"."""
    words = [part for word in WORD.findall(text) for part in fold(word).split("-")]  # twenty-first: twenty, first
    found = {float(_cjk_value(numeral)) for numeral in _CJK_ORDINAL.findall(text)}
    for units, tens, ands in _ORDINALS:
        found |= _read_ordinals(words, units, tens, ands)
    return frozenset(found)


def _read_ordinals(words: list[str], units: dict[str, int], tens: dict[str, int], ands: frozenset[str]) -> set[float]:
    found: set[float] = set()
    k = 0
    while k < len(words):
        word = words[k]
        after = k + 2 if k + 2 < len(words) and words[k + 1] in ands else k + 1
        following = words[after] if after < len(words) else ""
        if word in tens and following in units and units[following] < 10:
            found.add(float(tens[word] + units[following]))  # بیست و یکم, on sekizinci, twenty-first
            k = after + 1
        elif word in units and units[word] < 10 and following in tens:
            found.add(float(units[word] + tens[following]))  # الحادي والعشرون, الثامن عشر
            k = after + 1
        else:
            if word in units:
                found.add(float(units[word]))
            k += 1
    return found


def _cjk_value(numeral: str) -> int:
    """The value of a number in Chinese numerals: with units ("二十一" = 21, "一百零五" = 105,
    "十五" = 15) or digit by digit ("二〇一九" = 2019)."""
    if not any(c in _CJK_UNITS or c in "万萬" for c in numeral):
        return int("".join(str(_CJK_DIGITS[c]) for c in numeral))
    total = section = digit = 0
    for char in numeral:
        if char in _CJK_DIGITS:
            digit = _CJK_DIGITS[char]
        elif char in _CJK_UNITS:
            section += (digit or 1) * _CJK_UNITS[char]
            digit = 0
        else:  # 万: ten thousand of what came before it
            total += (section + digit or 1) * 10_000
            section = digit = 0
    return total + section + digit


def _folded(table: dict[str, int]) -> dict[str, int]:
    return {fold(word): value for word, value in table.items()}


_CARDINALS = {word: float(value) for p in PROFILES for word, value in _folded(dict(p.number_words)).items()}
_ORDINALS = [(_folded(dict(p.ordinal_words)), _folded(dict(p.tens_words)), frozenset(map(fold, p.and_words)))
             for p in PROFILES if p.ordinal_words]


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
