"""Document matching with the real model on real translations: articles of the Universal
Declaration (benchmarks/udhr), English originals against their Persian and Arabic translations,
cut into one article a document as an archive would hold them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.corpus import batch, matching, sources
from workbench.corpus.engines import LocalEngine
from workbench.options import Options

UDHR = Path(__file__).resolve().parents[1] / "benchmarks" / "udhr"
ARTICLE = re.compile(r"Article \d+")


def articles(pair: str) -> dict[str, tuple[str, str]]:
    """The Declaration's articles in `pair` (en-fa, en-ar), by English heading: (English text,
    translated text), each a heading line and its paragraphs, cut where the English headings
    are and carried to the translation through the gold links."""
    folder = UDHR / pair
    src = (folder / "src.txt").read_text(encoding="utf-8").splitlines()
    tgt = (folder / "tgt.txt").read_text(encoding="utf-8").splitlines()
    links = [[[int(k) for k in side.strip("[]").split(",") if k.strip()] for side in line.split(":")]
             for line in (folder / "gold.txt").read_text(encoding="utf-8").splitlines()]
    starts = [k for k, line in enumerate(src) if ARTICLE.fullmatch(line.strip())] + [len(src)]
    found = {}
    for start, end in zip(starts, starts[1:]):
        targets = sorted({j for s, t in links for j in t if s and start <= s[0] < end})
        found[src[start].strip()] = ("\n".join(src[start:end]) + "\n", "\n".join(tgt[j] for j in targets) + "\n")
    return found


@pytest.mark.model
def test_the_only_document_of_its_language_finds_its_original(tmp_path):
    """An edition of twenty English articles and their translations, nineteen in Persian and
    one in Arabic: the Arabic article, alone in its language, is matched with its original
    like the others (centred on its own mean it was a zero vector, near nothing)."""
    persian, arabic = articles("en-fa"), articles("en-ar")
    headings = [f"Article {n}" for n in range(1, 21)]
    lone = "Article 17"
    for folder in ("originals", "translations"):
        (tmp_path / folder).mkdir()
    for n, heading in enumerate(headings):
        (tmp_path / "originals" / f"en-{n:02}.txt").write_text(persian[heading][0], encoding="utf-8")
        translated = (arabic if heading == lone else persian)[heading][1]
        (tmp_path / "translations" / f"tr-{n:02}.txt").write_text(translated, encoding="utf-8")
    plan = sources.plan(tmp_path / "originals", tmp_path / "translations")
    matches, unreadable, langs = batch.match(plan, Options(), LocalEngine(Options()), matching.THRESHOLD, False)
    assert not unreadable
    assert [langs[(1, f"tr-{n:02}.txt")] for n in range(20)].count("ar") == 1
    assert {(m.original, m.translation) for m in matches} == {(f"en-{n:02}.txt", f"tr-{n:02}.txt") for n in range(20)}
