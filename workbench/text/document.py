"""From the user's files to a Bitext: two sides, each in one language, as paragraphs.

Real inputs are scraped web pages and word-processor exports, so this module is defensive:
it decodes UTF-8, UTF-16 and the Windows-1256 code page that old Persian and Arabic files
use, rejects binary and empty files with a message naming the file, and finds the two
languages of a bilingual file line by line. Everything it decides that the user did not say
(languages, layout, lines set aside, repeated lines) is written to `Bitext.notes`, so that a
reviewer can check it instead of trusting it.

A paragraph is a non-empty line, stripped of surrounding whitespace: that is how both the
seed articles and copy-pasted web text arrive, and it keeps the file's line numbers usable in
messages.
"""

from __future__ import annotations

import codecs
import csv
import functools
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from workbench.errors import InputError
from workbench.text.scripts import ADDRESSES, script_letters, script_of

MAX_BYTES = 20 * 1024 * 1024
"""Largest file accepted: far above any article, small enough to stay responsive."""

# Formats users upload by mistake that need not contain a NUL byte in their first bytes.
_BINARY_SIGNATURES = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b")
_NEWLINES = re.compile(r"\r\n|\r|\u2028|\u2029")

_RELIABLE_LETTERS = 20
"""A line with fewer letters (a byline, a number, a one-word heading) does not count in
finding a file's languages, and the detector alone does not place it."""
_CONFIDENT = 0.7
"""Confidence the pair-restricted detector needs to place a line of two same-script
languages (English and Turkish) on its own; below it, the file's layout decides."""
_CONFIDENT_SHORT = 0.95
"""The same for a short line: only a distinctive word ("journée", "Glück") places it."""
_MIN_SHARE = 0.15
"""The second language of a bilingual file must have this share of the letters; less is a
monolingual file with a few quoted or misdetected lines."""
_HALVES_SHARE = 0.85
"""Layout "halves": one line splits the file so that each language has this share of its
letters on its side."""
_SAMPLE_CHARS = 50_000
"""Enough text to tell a whole file's language; reading more only costs time."""
_PAIR_SAMPLE_LINES = 400
"""Lines detected to find a bilingual file's two languages: a fixed random sample of a long
file tells them as well as all its lines, and detection is the slow part."""
_STRAY_LINES = 3
"""A run of at most this many lines inside the other language's half is a stray (a headline
repeated above the other half), set aside when it only repeats lines of its own half."""

# The languages each script can be; scripts of one language need no detector.
_SCRIPT_LANGUAGES: dict[str, frozenset[Language]] = {
    "Latin": frozenset(Language.all_with_latin_script()),
    "Arabic": frozenset({Language.ARABIC, Language.PERSIAN, Language.URDU}),
    "Cyrillic": frozenset(Language.all_with_cyrillic_script()),
    "Devanagari": frozenset(Language.all_with_devanagari_script()),
    "CJK": frozenset({Language.CHINESE, Language.JAPANESE}),
    "Greek": frozenset({Language.GREEK}),
    "Armenian": frozenset({Language.ARMENIAN}),
    "Hebrew": frozenset({Language.HEBREW}),
    "Bengali": frozenset({Language.BENGALI}),
    "Gurmukhi": frozenset({Language.PUNJABI}),
    "Gujarati": frozenset({Language.GUJARATI}),
    "Tamil": frozenset({Language.TAMIL}),
    "Telugu": frozenset({Language.TELUGU}),
    "Thai": frozenset({Language.THAI}),
    "Georgian": frozenset({Language.GEORGIAN}),
    "Hangul": frozenset({Language.KOREAN}),
}


@dataclass
class Side:
    """One side of a bitext: its language (ISO 639-1), its paragraphs in order, and the
    name of the file it came from (for messages)."""

    lang: str
    paragraphs: list[str]
    name: str


@dataclass
class Bitext:
    """An original and its translation as read from the user's file(s).

    `layout` says how they were found: "two files", "halves" (one bilingual file, one
    language after the other) or "interleaved" (paragraph, translation, paragraph, ...).
    `notes` are one-line findings for the user: languages, paragraph counts, lines set aside.
    """

    src: Side
    tgt: Side
    layout: str
    notes: list[str]


# ---------------------------------------------------------------------------------------
# Bytes to text


def decode(data: bytes, name: str) -> str:
    """The text of a file's bytes, with newlines normalised to "\\n".

    Tries, in order: a byte-order mark (UTF-8 or UTF-16), UTF-16 without a mark (recognised
    by NUL bytes at every other position, as ASCII characters leave them), UTF-8, and
    Windows-1256, accepted only when the result looks like text, because every byte has a
    meaning in that code page and a wrong guess would silently turn the file into nonsense.
    """
    if len(data) > MAX_BYTES:
        raise _too_large(name, len(data))
    if data.startswith(codecs.BOM_UTF8):
        text = _decode_or_none(data[len(codecs.BOM_UTF8):], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_or_none(data, "utf-16")
    elif data.startswith(_BINARY_SIGNATURES):
        raise InputError(f"{name}: this is a binary file, not text")
    elif b"\x00" in data:
        text = _decode_utf16_without_bom(data)
        if text is None:
            raise InputError(f"{name}: this is a binary file, not text")
    else:
        text = _decode_or_none(data, "utf-8")
        if text is None:
            text = _decode_or_none(data, "cp1256")
            if text is not None and not _looks_like_cp1256_text(text):
                text = None
    if text is None:
        raise InputError(f"{name}: cannot decode the text (not UTF-8, UTF-16 or Windows-1256)")
    if "\x00" in text:
        raise InputError(f"{name}: this is a binary file, not text")
    text = _NEWLINES.sub("\n", text)
    if not text.strip():
        raise InputError(f"{name}: the file is empty")
    return text


def read_text(path: str | Path) -> str:
    """The decoded text of the file at `path`; any problem is an InputError naming it."""
    name = str(path)
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(f"{name}: this is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_large(name, size)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read the file ({error.strerror})") from None
    return decode(data, name)


def csv_reader(handle) -> csv.DictReader:
    """A CSV reader whose cells may be as long as a file may be (the csv module stops at
    131,072 characters, and a merged link or a long translation-memory cell is longer)."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))
    return csv.DictReader(handle)


def _too_large(name: str, size: int) -> InputError:
    return InputError(f"{name}: the file is larger than {MAX_BYTES // 2**20} MB ({size:,} bytes)")


def _decode_or_none(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _decode_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text has NUL bytes on one parity only (the high byte of ASCII characters);
    a binary file has them everywhere."""
    if len(data) % 2:
        return None
    nul_even, nul_odd = data[0::2].count(0), data[1::2].count(0)
    if nul_even and not nul_odd:
        encoding = "utf-16-be"
    elif nul_odd and not nul_even:
        encoding = "utf-16-le"
    else:
        return None
    text = _decode_or_none(data, encoding)
    return text if text is not None and _has_no_control_characters(text) else None


def _has_no_control_characters(text: str) -> bool:
    """No C0/C1 control characters (except line breaks and tabs), no unassigned or
    private code points: what a wrong decoding of binary data produces."""
    return not any(
        unicodedata.category(char) in ("Cc", "Cn", "Co", "Cs") and char not in "\t\n\r\f\v"
        for char in text
    )


def _looks_like_cp1256_text(text: str) -> bool:
    """Windows-1256 maps its upper half to Arabic letters interleaved with French accented
    ones, so a file in another 8-bit code page (Windows-1251 Russian, Latin-1 German) decodes
    to words mixing Arabic and Latin letters; real Persian or Arabic text almost never has
    them."""
    if not _has_no_control_characters(text):
        return False
    words = re.findall(r"[^\W\d_]+", text)
    mixed = sum(1 for word in words if len({script_of(char) for char in word}) > 1)
    return mixed * 100 < max(len(words), 1)


# ---------------------------------------------------------------------------------------
# Languages


@functools.cache
def _detector(languages: frozenset[Language]) -> LanguageDetector:
    """One lingua detector per set of candidate languages, built on first use. Low-accuracy
    mode (trigrams only) takes ~80 MB instead of ~1 GB for all Latin-script languages and is
    right on paragraph-length text; short lines are never decided by it alone."""
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def _detect_among(texts: list[str], languages: frozenset[Language]) -> list[str | None]:
    """The language of each text, chosen among `languages` (None: undecided)."""
    if len(languages) == 1:
        found = list(languages) * len(texts)
    else:
        found = _detector(languages).detect_languages_in_parallel_of([ADDRESSES.sub(" ", t) for t in texts])
    return [None if language is None else _code(language) for language in found]


def _code(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


def _language(code: str) -> Language:
    """The lingua language of an ISO 639-1 code; ValueError if lingua has none."""
    return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language of `text`, or None when it has no letters or is
    in a script or language we cannot tell.

    The script decides first (it is never wrong and rules out most languages); the lingua
    detector then chooses among that script's languages only (Persian, Arabic or Urdu for
    the Arabic script), which is what makes it reliable.
    """
    sample = text[:_SAMPLE_CHARS]
    letters = script_letters(sample)
    if not letters:
        return None
    script = letters.most_common(1)[0][0]
    return _detect_among([sample], _SCRIPT_LANGUAGES[script])[0]


def language_name(code: str) -> str:
    """English name of a language code ("fa" -> "Persian"), or the code itself if unknown."""
    try:
        return _language(code).name.title()
    except ValueError:
        return code


def language_code(code: str | None) -> str | None:
    """A user-given language code (None: none given), checked for shape only: the encoder
    knows languages that the detector does not, and the user may name any of them."""
    if code is None:
        return None
    clean = code.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", clean):
        raise InputError(f"{code!r} is not a language code; use ISO 639-1 codes such as en, fa, ar, tr")
    return clean


# ---------------------------------------------------------------------------------------
# Text to bitext


@dataclass
class _Line:
    number: int  # 1-based line number in the file
    text: str
    script: str | None  # script of most of its letters
    letters: int
    lang: str | None = None


def _lines(text: str) -> list[_Line]:
    """The non-empty lines of `text`, numbered as in the file."""
    lines = []
    for number, raw in enumerate(_NEWLINES.sub("\n", text).split("\n"), start=1):
        stripped = raw.strip()
        if stripped:
            letters = script_letters(stripped)
            script = letters.most_common(1)[0][0] if letters else None
            lines.append(_Line(number, stripped, script, sum(letters.values())))
    return lines


def load(
    input: str | Path,
    translation: str | Path | None = None,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
) -> Bitext:
    """Read one bilingual file, or an original and its translation, into a Bitext. The
    notes and messages name each file by its name, not its path: they travel with the
    alignment into reports, exports and the review page, which need not show where on the
    server a file was read."""
    return from_texts(
        read_text(input),
        None if translation is None else read_text(translation),
        name=Path(input).name,
        translation_name="translation" if translation is None else Path(translation).name,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
    )


def from_texts(
    text: str,
    translation: str | None = None,
    *,
    name: str = "input",
    translation_name: str = "translation",
    src_lang: str | None = None,
    tgt_lang: str | None = None,
) -> Bitext:
    """A Bitext from already decoded text: an original and its translation, or, when
    `translation` is None, one bilingual text whose two languages are separated here.

    Given languages override detection; in a bilingual text they must be among the two
    found there.
    """
    src_lang, tgt_lang = language_code(src_lang), language_code(tgt_lang)
    if translation is None:
        return _split_bilingual(text, name, src_lang, tgt_lang)
    src_lines = _nonempty_lines(text, name)
    tgt_lines = _nonempty_lines(translation, translation_name)
    src = Side(src_lang or _file_language(src_lines, name), [line.text for line in src_lines], name)
    tgt = Side(
        tgt_lang or _file_language(tgt_lines, translation_name),
        [line.text for line in tgt_lines],
        translation_name,
    )
    notes = [
        f"source: {_describe(src)} from {name}",
        f"translation: {_describe(tgt)} from {translation_name}",
    ]
    if src.lang == tgt.lang:
        notes.append(f"both texts are in {language_name(src.lang)} ({src.lang})")
    notes += [f"{name}: {note}" for note in _repeat_notes(src_lines)]
    notes += [f"{translation_name}: {note}" for note in _repeat_notes(tgt_lines)]
    return Bitext(src, tgt, "two files", notes)


def one_language(text: str, name: str, lang: str | None = None) -> Side:
    """One document in one language (an article of a corpus edition): its paragraphs, and its
    language as given or detected over the whole text."""
    lines = _nonempty_lines(text, name)
    return Side(language_code(lang) if lang else _file_language(lines, name), [line.text for line in lines], name)


def _nonempty_lines(text: str, name: str) -> list[_Line]:
    lines = _lines(text)
    if not lines:
        raise InputError(f"{name}: the file is empty")
    return lines


def _file_language(lines: list[_Line], name: str) -> str:
    lang = detect_language("\n".join(line.text for line in lines))
    if lang is None:
        raise InputError(f"{name}: cannot tell the language of the text; give it explicitly")
    return lang


def _describe(side: Side) -> str:
    return f"{language_name(side.lang)} ({side.lang}), {len(side.paragraphs)} paragraphs"


def _repeat_notes(lines: list[_Line]) -> list[str]:
    """One note per text that occurs on more than one line: scraped pages repeat headings
    and boilerplate, and a repeated paragraph can attract a wrong alignment."""
    first_seen: dict[str, int] = {}
    repeats: dict[int, list[int]] = {}
    for line in lines:
        if line.text in first_seen:
            repeats.setdefault(first_seen[line.text], []).append(line.number)
        else:
            first_seen[line.text] = line.number
    return [
        f"line {later[0]} repeats line {first}; kept"
        if len(later) == 1
        else f"lines {_listed(later)} repeat line {first}; kept"
        for first, later in repeats.items()
    ]


def _listed(numbers: list[int], most: int = 5) -> str:
    """"3, 5, 7" or, for a long list, "3, 5, 7, 9, 11 and 40 more": a note stays one line."""
    shown = ", ".join(map(str, numbers[:most]))
    return shown if len(numbers) <= most else f"{shown} and {len(numbers) - most} more"


def _split_bilingual(text: str, name: str, src_lang: str | None, tgt_lang: str | None) -> Bitext:
    """Separate the two languages of one file, line by line.

    Each line long enough is detected among its script's languages; the two languages with
    the most letters are the pair. Then every line is given one of the two (see _assign),
    the layout is found (see _halves), and stray repeats are set aside.
    """
    lines = _nonempty_lines(text, name)
    first, second = _language_pair(lines, name)
    _assign(lines, first, second)
    halves = _halves(lines)
    kept, notes = _set_aside_strays(lines, halves) if halves else (lines, [])

    src, tgt = _source_and_target(first[0], second[0], kept, name, src_lang, tgt_lang)
    sides = {lang: Side(lang, [line.text for line in kept if line.lang == lang], name) for lang in (src, tgt)}
    if halves:
        layout = "halves"
        where = {}
        kept_numbers = {line.number for line in kept}
        for lang, half in halves.items():
            numbers = [line.number for line in half if line.lang == lang and line.number in kept_numbers]
            where[lang] = f" (lines {numbers[0]}-{numbers[-1]})"
    else:
        layout = "interleaved"
        where = {src: "", tgt: ""}
    summary = [
        f"{name}: one file with two languages, "
        + ("one after the other" if halves else "interleaved paragraph by paragraph"),
        f"source: {_describe(sides[src])}{where[src]}",
        f"translation: {_describe(sides[tgt])}{where[tgt]}",
    ]
    for lang in (src, tgt):
        notes += [
            f"{note} ({language_name(lang)})"
            for note in _repeat_notes([line for line in kept if line.lang == lang])
        ]
    return Bitext(sides[src], sides[tgt], layout, summary + notes)


def _language_pair(lines: list[_Line], name: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """The two main languages, each as (code, script), by the letters of their lines."""
    reliable = [line for line in lines if line.letters >= _RELIABLE_LETTERS] or [
        line for line in lines if line.script is not None
    ]
    if not reliable:
        raise InputError(f"{name}: no text found, only numbers and symbols")
    if len(reliable) > _PAIR_SAMPLE_LINES:
        reliable = random.Random(0).sample(reliable, _PAIR_SAMPLE_LINES)
    letters: Counter[str] = Counter()
    scripts: dict[str, Counter[str]] = {}
    for script in {line.script for line in reliable}:
        group = [line for line in reliable if line.script == script]
        for line, lang in zip(group, _detect_among([line.text for line in group], _SCRIPT_LANGUAGES[script])):
            if lang is not None:
                letters[lang] += line.letters
                scripts.setdefault(lang, Counter())[script] += line.letters
    ranked = [lang for lang, _ in letters.most_common(2)]
    if len(ranked) < 2 or letters[ranked[1]] < _MIN_SHARE * sum(letters.values()):
        only = ranked[0] if ranked else "unknown"
        raise InputError(f"{name}: only one language ({only}) found; give the translation as a second file")
    first, second = ((lang, scripts[lang].most_common(1)[0][0]) for lang in ranked)
    return first, second


def _assign(lines: list[_Line], first: tuple[str, str], second: tuple[str, str]) -> None:
    """Set `lang` of every line to one of the pair.

    A line is placed by its script when the two languages are written differently (so
    "From i24NEWS" is English beside Persian), else by a detector restricted to the pair
    when it is confident. The rest (short lines, numbers, dates) follow the layout of the
    placed lines: in halves, the half they are in; in an interleaved file, where neighbours
    are the other language, the detector's weak guess or else the line before.
    """
    by_script = {first[1]: first[0], second[1]: second[0]} if first[1] != second[1] else None
    pair = frozenset({_language(first[0]), _language(second[0])})
    guesses: dict[int, str] = {}
    if by_script is not None:
        for line in lines:
            line.lang = by_script.get(line.script)
    else:
        with_letters = [line for line in lines if line.letters]
        confidences = _detector(pair).compute_language_confidence_values_in_parallel(
            [line.text for line in with_letters]
        )
        for line, values in zip(with_letters, confidences):
            best = values[0]
            guesses[line.number] = _code(best.language)
            if best.value >= (_CONFIDENT if line.letters >= _RELIABLE_LETTERS else _CONFIDENT_SHORT):
                line.lang = guesses[line.number]
    halves = _halves(lines)
    half_of = {line.number: lang for lang, half in (halves or {}).items() for line in half}
    if halves:
        # lines not placed between the halves' last and first placed lines could belong to
        # either: there the detector's weak guess decides, not the (arbitrary) split point
        placed = [line.number for line in lines if line.lang is not None]
        lead = next(iter(halves))
        last_lead = max((n for n in placed if half_of[n] == lead), default=-1)
        first_rest = min((n for n in placed if half_of[n] != lead), default=lines[-1].number + 1)
        for number in range(last_lead + 1, first_rest):
            if number in guesses:
                half_of[number] = guesses[number]
    before = first[0]
    for line in lines:
        if line.lang is None:
            line.lang = half_of.get(line.number) or guesses.get(line.number) or before
        before = line.lang
    if by_script is None and halves:
        _smooth(lines)


def _smooth(lines: list[_Line]) -> None:
    """Give a line the language of its two lines before and two after when all four agree.

    Two languages in one script are told apart by the detector alone, which is misled by
    lines full of names ("Vu de Tierfed, le Selbsanft ..." looks German); inside a block of
    the other language such a line is far more likely misdetected than a lone translation.
    Only done when the file is in halves: interleaved neighbours alternate.
    """
    context = 2
    langs = [line.lang for line in lines]
    for index in range(context, len(lines) - context):
        around = set(langs[index - context:index] + langs[index + 1:index + 1 + context])
        if len(around) == 1 and langs[index] not in around:
            lines[index].lang = around.pop()


def _halves(lines: list[_Line]) -> dict[str, list[_Line]] | None:
    """The two halves, by language, when the file is one language then the other.

    That is when one line splits it so that each language has most of its letters on its
    own side; a few lines of the other language inside a half (a repeated headline, an
    advertisement) do not change it. Lines not yet placed are ignored. None: interleaved.
    """
    weight = [max(line.letters, 1) if line.lang is not None else 0 for line in lines]
    totals: Counter[str] = Counter()
    for line, letters in zip(lines, weight):
        if line.lang is not None:
            totals[line.lang] += letters
    if len(totals) < 2:
        return None
    best_score, best = (0.0, 0.0), (0, "", "")
    for lead, rest in (tuple(totals), tuple(reversed(totals))):
        lead_before, rest_after = 0, totals[rest]
        for split in range(len(lines) + 1):
            shares = (lead_before / totals[lead], rest_after / totals[rest])
            if (min(shares), sum(shares)) > best_score:
                best_score, best = (min(shares), sum(shares)), (split, lead, rest)
            if split < len(lines):
                lead_before += weight[split] if lines[split].lang == lead else 0
                rest_after -= weight[split] if lines[split].lang == rest else 0
    if best_score[0] < _HALVES_SHARE:
        return None
    split, lead, rest = best
    return {lead: lines[:split], rest: lines[split:]}


def _runs(lines: list[_Line]) -> list[list[_Line]]:
    """Maximal stretches of consecutive lines in one language."""
    runs: list[list[_Line]] = []
    for line in lines:
        if runs and runs[-1][0].lang == line.lang:
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs


def _set_aside_strays(lines: list[_Line], halves: dict[str, list[_Line]]) -> tuple[list[_Line], list[str]]:
    """Drop short runs inside the other language's half that only repeat lines of their own.

    A web page often shows the translated headline above the original too (seed 000: the
    Persian headline on line 1 is line 18 again); left in, it would be an extra paragraph
    at the start of the translation with nothing to align to.
    """
    own = {
        lang: {line.text: line.number for line in half if line.lang == lang} for lang, half in halves.items()
    }
    in_half = {line.number: lang for lang, half in halves.items() for line in half}
    aside: set[int] = set()
    notes = []
    for run in _runs(lines):
        lang = run[0].lang
        stray = in_half[run[0].number] != lang and len(run) <= _STRAY_LINES
        if stray and all(line.text in own[lang] for line in run):
            for line in run:
                aside.add(line.number)
                notes.append(f"line {line.number} repeats line {own[lang][line.text]}; set aside")
    return [line for line in lines if line.number not in aside], notes


def _source_and_target(
    first: str, second: str, lines: list[_Line], name: str, src_lang: str | None, tgt_lang: str | None
) -> tuple[str, str]:
    """Which of the two languages is the original: the one the user names; else English,
    the usual original of translated news; else the language the file starts with (its
    first line long enough to be more than a heading fragment)."""
    found = (first, second)
    for given in (src_lang, tgt_lang):
        if given is not None and given not in found:
            raise InputError(
                f"{name}: no {language_name(given)} ({given}) found; the file is in "
                f"{language_name(first)} ({first}) and {language_name(second)} ({second})"
            )
    if src_lang is not None and tgt_lang is not None and src_lang == tgt_lang:
        raise InputError(f"{name}: the source and translation languages are both {src_lang}")
    if src_lang is not None:
        src = src_lang
    elif tgt_lang is not None:
        src = second if tgt_lang == first else first
    elif "en" in found:
        src = "en"
    else:
        src = next((line.lang for line in lines if line.letters >= _RELIABLE_LETTERS), lines[0].lang)
    return src, second if src == first else first
