"""Names: a name on one side with no counterpart on the other.

Names are found by their writing (capitals that do not start a sentence, acronyms, Latin
words in Arabic-script text, glosses in parentheses) and compared by a consonant skeleton
that reads Latin and Arabic script alike (Christian Malard = کریستین مالارد).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from workbench.fidelity.words import WordAlignment
from workbench.languages import profile
from workbench.text.scripts import ARABIC_LETTERS, LATIN_LETTERS, is_latin
from workbench.text.words import WORD, fold

NAME_ALIGNED_MIN = 0.5  # a name word aligned this well across scripts has a counterpart

# Consonant skeletons: both scripts map to the same few consonant classes; vowels, the
# letters that also write vowels (alef, waw, yeh; y, w, v), and a final h are dropped.
ARABIC_SKELETON = {
    **dict.fromkeys("بپ", "b"), **dict.fromkeys("تط", "t"), **dict.fromkeys("ثسصزذضظشچژ", "s"),
    "ج": "j", **dict.fromkeys("حه", "h"), "خ": "x", "د": "d", "ر": "r", "ف": "f",
    **dict.fromkeys("قکكگغ", "k"), "ل": "l", "م": "m", "ن": "n",
}
LATIN_DIGRAPHS = (("x", "ks"), ("sch", "s"), ("tch", "s"), ("chr", "kr"), ("chl", "kl"), ("ch", "s"), ("sh", "s"),
                  ("zh", "s"), ("kh", "x"), ("gh", "k"), ("th", "t"), ("ph", "f"), ("dj", "j"), ("ck", "k"),
                  ("qu", "k"))
LATIN_SKELETON = {
    "b": "b", "p": "b", "t": "t", "d": "d", "s": "s", "z": "s", "c": "k", "j": "j", "h": "h",
    "f": "f", "k": "k", "q": "k", "g": "k", "l": "l", "m": "m", "n": "n", "r": "r", "x": "x",
}


@functools.lru_cache(maxsize=1 << 16)  # a document's words recur in link after link
def skeleton(word: str) -> str:
    """The consonant skeleton of a word in Latin or Arabic script: Malard and مالارد -> "mlrd"."""
    word = fold(word)
    if ARABIC_LETTERS.search(word):
        letters = [ARABIC_SKELETON.get(c, "") for c in word[:-1]] + (
            [ARABIC_SKELETON.get(word[-1], "")] if word[-1] != "ه" else [])
    else:
        word = unicodedata.normalize("NFKD", word)
        word = "".join(c for c in word if c.isalpha())
        for digraph, sound in LATIN_DIGRAPHS:
            word = word.replace(digraph, sound)
        word = re.sub(r"(?<=[aeiouy])h$", "", word)
        letters = [LATIN_SKELETON.get(c, "") for c in word]
    out = []
    for c in letters:
        if c and (not out or out[-1] != c):
            out.append(c)
    return "".join(out)


@dataclass(frozen=True)
class Name:
    text: str
    words: tuple[tuple[int, int], ...]  # character ranges of its words


def names(text: str, lang: str) -> list[Name]:
    """Names a reader can tell from the writing: runs of capitalised Latin words that do not
    start a sentence (not in languages that capitalise all nouns), short all-capital acronyms,
    Latin words inside Arabic-script text, and Arabic-script words in parentheses inside
    Latin text (a translator's gloss)."""
    arabic_text = len(ARABIC_LETTERS.findall(text)) > len(LATIN_LETTERS.findall(text))
    found: list[list[tuple[int, int]]] = []
    previous_end = -1
    for match in WORD.finditer(text):
        start, end = match.span()
        word = match.group()
        before = _previous_mark(text, start)
        sentence_start = before in ".!?:;\"“«"  # "" at the very start, too
        latin = bool(LATIN_LETTERS.match(word))
        glossed = before == "(" and ")" in text[end:end + 40] and latin == arabic_text
        is_name = (
            (arabic_text and latin)
            or glossed
            or (latin and word[0].isupper() and not profile(lang).capitalised_nouns
                and (not sentence_start or (word.isupper() and 2 <= len(word) <= 5)))
        )
        if not is_name or not any(c.isalpha() for c in word):
            previous_end = -1
            continue
        if found and previous_end >= 0 and re.fullmatch(r"[\s\-]*", text[previous_end:start]):
            found[-1].append((start, end))
        else:
            found.append([(start, end)])
        previous_end = end
    return [Name(" ".join(text[a:b] for a, b in run), tuple(run)) for run in found]


def _previous_mark(text: str, at: int) -> str:
    """The last character before `at` that is not a space ("" if none)."""
    k = at - 1
    while k >= 0 and text[k].isspace():
        k -= 1
    return text[k] if k >= 0 else ""


def missing_names(src: str, tgt: str, src_lang: str, tgt_lang: str,
                  words: WordAlignment | None = None) -> tuple[str, ...]:
    """Names on either side with no counterpart on the other.

    A name has a counterpart when any of its words appears on the other side: the same word
    (case and suffixes after an apostrophe ignored) in the same script, or the same consonant
    skeleton across Latin and Arabic script. Across scripts, a name word the word aligner
    matched with a centred similarity of at least NAME_ALIGNED_MIN also counts (titles are
    translated: "Prime Minister" / "نخست وزیر"); within one script it does not, because a
    substituted name aligns with the name it replaced as well as the right one. Acronyms are
    only compared with text in Latin script (US is "ایالات متحده"). Names in scripts
    other than Latin and Arabic are not checked.
    """
    cross_script = is_latin(src) != is_latin(tgt)
    well_aligned: tuple[dict, dict] = ({}, {})
    if words is not None and cross_script and src_lang != tgt_lang:
        src_best, tgt_best = words.similarity.max(axis=1), words.similarity.max(axis=0)
        well_aligned = (
            {w: ok and best >= NAME_ALIGNED_MIN for w, ok, best in zip(words.src_words, words.src_matched, src_best)},
            {w: ok and best >= NAME_ALIGNED_MIN for w, ok, best in zip(words.tgt_words, words.tgt_matched, tgt_best)},
        )
    missing = []
    for text, lang, other, aligned in ((src, src_lang, tgt, well_aligned[0]), (tgt, tgt_lang, src, well_aligned[1])):
        other_words = [m.group() for m in WORD.finditer(other)]
        other_folded = {fold(w) for w in other_words}
        other_skeletons = _skeletons(other_words)
        for name in names(text, lang):
            if not _has_counterpart(text, name, is_latin(other), other_folded, other_skeletons, aligned):
                missing.append(name.text)
    return tuple(missing)


def _skeletons(words: list[str]) -> set[str]:
    """Skeletons of the words and of adjacent pairs (عبد المهدی / Abdul-Mahdi)."""
    out = {skeleton(w) for w in words}
    out |= {skeleton(a) + skeleton(b) for a, b in zip(words, words[1:])}
    return {s for s in out if s}


def _has_counterpart(text: str, name: Name, other_latin: bool, other_folded: set[str],
                     other_skeletons: set[str], aligned: dict[tuple[int, int], bool]) -> bool:
    for start, end in name.words:
        word = text[start:end]
        if word.isupper() and len(word) <= 5 and not other_latin:
            return True  # an acronym cannot be checked against Arabic script
        folded = fold(word)
        if folded in other_folded or any(_same_stem(folded, w) for w in other_folded):
            return True
        mark = skeleton(word)
        if mark and any(_skeleton_match(mark, s) for s in other_skeletons):
            return True
        if aligned.get((start, end)):
            return True
    return False


def _same_stem(a: str, b: str) -> bool:
    """Inflected forms of one name: Iran / Iranian, Tahran / Tahran'dan (not Iranian / Iraqi)."""
    shorter = min(len(a), len(b))
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return shorter >= 4 and common >= max(4, shorter)


def _skeleton_match(name: str, word: str) -> bool:
    """`word` (of the other side, maybe with a prefix or suffix) carries skeleton `name`:
    exactly for short skeletons, within one edit per four letters for longer ones."""
    if len(name) == 1:
        return word == name
    if len(name) <= 3:
        return word == name or (len(word) <= len(name) + 2 and name in word and word.index(name) <= 1)
    return _infix_distance(name, word) <= len(name) // 4


def _infix_distance(pattern: str, text: str) -> int:
    """Edit distance from `pattern` to the best-matching substring of `text`."""
    previous = [0] * (len(text) + 1)
    for i, p in enumerate(pattern, 1):
        current = [i] + [0] * len(text)
        for j, t in enumerate(text, 1):
            current[j] = min(previous[j - 1] + (p != t), previous[j] + 1, current[j - 1] + 1)
        previous = current
    return min(previous)
