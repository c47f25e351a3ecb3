"""Build a sentence-level development set from translations of the Quran.

Run from the repository root:  python benchmarks/build_quran_gold.py
It needs npm (to fetch `quran-json` 3.1.2, whose data is CC BY 4.0) and writes, under
benchmarks/quran/, for each pair in CHAPTERS: `src.txt`, `tgt.txt` (one verse a line, or a
piece of one), `gold.txt` (links, `[1, 2]:[3]`) and `removed.tsv`.

Why: the UDHR set (build_udhr_gold.py) is paragraphs of a legal text, long and easy to
match. Verses are sentence-length, and two translations of one verse differ in wording and
length far more (Saheeh International's English, Hamidullah's French, Diyanet's Turkish, the
Arabic original), which is the hard case for an aligner: short units and weak similarity.
Verse numbers give the gold: verse v pairs with verse v, 1-1. Then, as in the UDHR
fragment variants and with the same functions, a seeded ~30% of verses have one side cut into
two or three lines at punctuation (the gold: one n-1 or 1-n link), and ~5% of the others
lose their line on one side and ~5% on the other (1-0 and 0-1 links). Verse numbers and
glosses are left as the package has them: real translations carry their brackets.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from benchmarks.build_udhr_gold import GoldLink, npm_files, save_fragments  # noqa: E402

PACKAGE = "quran-json@3.1.2"
SEED = 20261130
# pair -> chapter: chapters of about a hundred verses, a different one per pair
CHAPTERS = {"en-fr": 12, "en-tr": 18, "en-ar": 19}
OUT = Path(__file__).resolve().parent / "quran"


def chapters() -> dict[str, list[dict]]:
    """Every language's chapters, from the npm package."""
    languages = sorted({lang for name in CHAPTERS for lang in name.split("-")})
    names = {lang: "dist/quran.json" if lang == "ar" else f"dist/quran_{lang}.json" for lang in languages}
    files = npm_files(PACKAGE, list(names.values()))
    return {lang: json.loads(files[name].decode("utf-8")) for lang, name in names.items()}


def verses(book: list[dict], chapter: int, lang: str) -> list[str]:
    key = "text" if lang == "ar" else "translation"
    return [" ".join(verse[key].split()) for verse in book[chapter - 1]["verses"]]


def main() -> None:
    books = chapters()
    for name, chapter in CHAPTERS.items():
        src_lang, tgt_lang = name.split("-")
        src_lines, tgt_lines = verses(books[src_lang], chapter, src_lang), verses(books[tgt_lang], chapter, tgt_lang)
        if len(src_lines) != len(tgt_lines):
            sys.exit(f"chapter {chapter}: {len(src_lines)} {src_lang} verses, {len(tgt_lines)} {tgt_lang}")
        links: list[GoldLink] = [((k,), (k,)) for k in range(len(src_lines))]
        save_fragments(OUT / f"{name}-{chapter}", src_lines, tgt_lines, links, set(), f"{SEED}-{name}")


if __name__ == "__main__":
    main()
