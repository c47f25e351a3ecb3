"""Sentence segmentation and the normalised form used for comparison.

The rules that depend on the language (abbreviations, ordinal dots, letters to unify) come
from its profile in `workbench.languages`."""

from __future__ import annotations

import functools
import re
import unicodedata

from workbench.errors import InputError
from workbench.languages import ABBREVIATIONS, NUMBER_ABBREVIATIONS, profile
from workbench.model import Segment
from workbench.text.scripts import is_arabic

SPLITS = ("sentences", "lines")


# Sentence ends, and what may follow them inside the sentence: closing quotes and brackets,
# those that cannot open a sentence also after a space (French writes « Salut ! »).
_TERMINATORS = ".!?…؟。！？।"
_CLOSERS = "\"'»”’)]}›」』"
_ONLY_CLOSERS = "»”)]}›」』"
# Characters a new sentence may start with besides uppercase letters, digits and letters of
# scripts without case (Arabic, Persian, Chinese, ...); dashes open lines of dialogue.
_OPENERS = "\"'«“‘„‚([{¿¡‹「『-–—"
_CANDIDATE = re.compile(
    f"[{re.escape(_TERMINATORS)}]+(?:[{re.escape(_CLOSERS)}]|\\s+[{re.escape(_ONLY_CLOSERS)}])*"
)
_NON_SPACE = re.compile(r"\S")
# Longer words before a "." are never abbreviations, initials or dotted letters.
_LONGEST_ABBREVIATION = 32
# "U.S", "e.g", "z.B", "i.e": letters with inner dots (the final dot is the candidate).
_DOTTED = re.compile(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}")

# The longest segment: a longer sentence (or line, with split="lines") is cut into pieces
# (see PIECE_CHARS). Real sentences stay far below it (the longest in the benchmarks has 555
# characters); the encoder reads 512 tokens at once, about 2,000 characters; and it bounds
# what a link holds, so the word-level checks, which grow with the product of a link's two
# lengths, stay bounded whatever the input.
MAX_SEGMENT_CHARS = 2_000
# A segment that is cut is cut after every clause mark, and a clause longer than this at a
# space. Both texts of a translation have clauses in about the same places, and the aligner
# joins fragments (1-2, 2-1, 2-2 links), so the pieces pair up; pieces of a fixed length drift
# apart instead (measured on the Quran verses joined into one paragraph a side, pieces of
# 2,000 or 600 characters were judged "not a translation").
PIECE_CHARS = 600
# Where a piece is cut: after a clause mark followed by a space.
_CLAUSE_ENDS = re.compile(r"[,;:،؛]\s")


def segment(paragraphs: list[str], lang: str, split: str = "sentences") -> list[Segment]:
    """The segments of `paragraphs`, numbered from 0 in reading order.

    split="lines" keeps each paragraph whole (for pre-segmented input such as one sentence
    per line); split="sentences" cuts paragraphs at sentence ends (see _sentence_spans).
    Either way a segment longer than MAX_SEGMENT_CHARS is cut into pieces marked `cut`.
    Blank paragraphs give no segment but keep their index.
    """
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; use 'sentences' or 'lines'")
    segments: list[Segment] = []
    for index, paragraph in enumerate(paragraphs):
        spans = _sentence_spans(paragraph, lang) if split == "sentences" else [(0, len(paragraph))]
        for span in spans:
            pieces = _pieces(paragraph, *_strip_span(paragraph, *span))
            for start, end in pieces:
                if len(pieces) > 1:  # a piece may start or end at a space of the sentence
                    start, end = _strip_span(paragraph, start, end)
                if start < end:
                    text = paragraph[start:end]
                    segments.append(Segment(len(segments), text, normalise(text, lang), index, start, end,
                                            cut=len(pieces) > 1))
    return segments


def cut_note(segments: list[Segment], name: str) -> list[str]:
    """The user's note on the segments `segment` had to cut, if any."""
    cut = sum(s.cut for s in segments)
    if not cut:
        return []
    return [f"{name}: {cut} segments are pieces of sentences longer than {MAX_SEGMENT_CHARS:,} characters, "
            "cut at clause or word boundaries"]


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) whole if it is at most MAX_SEGMENT_CHARS long, else cut after every
    clause mark, and each clause longer than PIECE_CHARS cut again at its last space before
    that length (or, in a run with no space, at it). Linear: each cut reads its own piece."""
    if end - start <= MAX_SEGMENT_CHARS:
        return [(start, end)]
    cuts = [mark.start() + 1 for mark in _CLAUSE_ENDS.finditer(text, start, end)]
    pieces = []
    for clause_start, clause_end in zip([start, *cuts], [*cuts, end]):
        while clause_end - clause_start > PIECE_CHARS:
            limit = clause_start + PIECE_CHARS
            space = text.rfind(" ", clause_start + PIECE_CHARS // 2, limit + 1)
            cut = space if space != -1 else limit
            pieces.append((clause_start, cut))
            clause_start = cut
        pieces.append((clause_start, clause_end))
    return pieces


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentence_spans(paragraph: str, lang: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph.

    A rule-based splitter rather than pysbd: pysbd has no Turkish, and on the seeds it cuts
    Persian at colons ("خبر اختصاصی خبرگزاری آی 24:") and inside URLs. A sentence ends
    at . ! ? ؟ … (or a run of them, "..." and "?!" included) plus any closing quotes and
    brackets, where whitespace and then a plausible sentence start follow (see
    _starts_sentence); a paragraph end is always a sentence end, so Persian and Arabic
    sentences without a final stop are kept. A single "." is no end after an abbreviation,
    an initial or, in languages that write them so, an ordinal number.

    Each candidate looks only at its neighbourhood (the next non-space character, the word
    before), never at the rest of the paragraph, so time is linear in the paragraph's length.
    """
    spans = []
    start = 0
    for match in _CANDIDATE.finditer(paragraph):
        end = match.end()
        following = _NON_SPACE.search(paragraph, end)
        if following is None:
            break
        if match.group()[0] in "。！？":
            spans.append((start, end))
            start = end
            continue
        if following.start() == end:
            continue
        first = following.group()
        if not _starts_sentence(first) or _is_abbreviation(paragraph, match, first, lang):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(paragraph)))
    return spans


def _starts_sentence(char: str) -> bool:
    """An uppercase letter, a digit, an opening quote or bracket, or a letter of a script
    without case. A lowercase letter means the stop was not a sentence end ("the U.S. and",
    "Why? he asked")."""
    return char.isupper() or char.isdigit() or char in _OPENERS or (char.isalpha() and not char.islower())


def _is_abbreviation(paragraph: str, match: re.Match[str], following: str, lang: str) -> bool:
    """Whether the single "." of `match` belongs to the word before it, not to the sentence
    (`following` is the first character after the spaces)."""
    if match.group() != ".":
        return False
    word = _word_before(paragraph, match.start()).lstrip(_OPENERS)
    return bool(word) and (
        word in ABBREVIATIONS
        or (word in NUMBER_ABBREVIATIONS and following.isdigit())
        or (len(word) == 1 and word.isupper())  # an initial: "J. R. R. Tolkien"
        or ("." in word and _DOTTED.fullmatch(word) is not None)
        or (len(word) <= 2 and word.isdigit() and profile(lang).ordinal_dot)
    )


def _word_before(text: str, end: int) -> str:
    """The run of non-space characters that ends at `end`, or "" when it is longer than any
    abbreviation can be (reading further back would make splitting quadratic)."""
    window_start = max(0, end - _LONGEST_ABBREVIATION)
    window = text[window_start:end]
    word = window.split()[-1] if window and not window[-1].isspace() else ""
    touches_window_start = len(word) == len(window) and window_start > 0 and not text[window_start - 1].isspace()
    return "" if touches_window_start else word


_TATWEEL = "\u0640"
_SEPARATORS = {"٫": ".", "٬": ","}


@functools.cache
def _digits_and_separators() -> dict[int, str]:
    """Every decimal digit of the Basic Multilingual Plane (Persian ۰-۹, Arabic-Indic ٠-٩,
    Devanagari, ...) to its ASCII digit, and the Arabic decimal and thousands separators to
    "." and ","."""
    table = {
        code: str(unicodedata.decimal(chr(code)))
        for code in range(0x80, 0x10000)
        if unicodedata.category(chr(code)) == "Nd"
    }
    table.update({ord(char): ascii_char for char, ascii_char in _SEPARATORS.items()})
    return table


@functools.cache
def _dropped() -> re.Pattern[str]:
    """What `normalise` removes: format characters (ZWNJ, bidi marks, ...), tatweel and the
    marks of the Arabic blocks, as one character class (a regex pass, not a Python loop per
    character)."""
    # format characters lie in the BMP and planes 1 and 14 (tags); Arabic marks in the BMP
    planes = (*range(0x20000), *range(0xE0000, 0xE1000))
    codes = [code for code in planes
             if unicodedata.category(chr(code)) == "Cf"
             or (unicodedata.category(chr(code)) == "Mn" and is_arabic(chr(code)))]
    codes.append(ord(_TATWEEL))
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(set(codes))) + "]+")


@functools.cache
def _letters(lang: str) -> dict[int, str]:
    """The language's letters to unify, as a translation table."""
    return str.maketrans(profile(lang).letters) if profile(lang).letters else {}


def normalise(text: str, lang: str) -> str:
    """The form of `text` used for comparison; what is shown is always the text itself.

    NFKC (presentation forms, full-width characters, ligatures); all decimal digits to ASCII
    and the Arabic decimal/thousands separators to "." and "," (۴٫۵ -> 4.5), so numbers match
    across scripts; invisible format characters removed, the zero-width non-joiner (ZWNJ)
    included: Persian writes "می‌شود" with a ZWNJ, but copied and scraped text often loses
    it ("میشود", as in seed 000), and removing it makes both one and the same word, whereas
    turning it into a space would split the word and still not match the ZWNJ-less form;
    Arabic tatweel and diacritics (harakat) removed; for Persian (and Urdu) the Arabic yeh
    and kaf (ي ى ك) become the Persian ones (ی ک), as Arabic keyboards and old encodings
    type them; Arabic keeps its own letters; whitespace collapsed to single spaces.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _dropped().sub("", text)
    text = text.translate(_digits_and_separators())
    letters = _letters(lang)
    if letters:
        text = text.translate(letters)
    return " ".join(text.split())
