"""Development data for the judge: real free translation that is neither held out nor trained on.

Run from the repository root, after `python models/divergence_corpus.py` (it needs the corpus
to know which verses the detector saw, and npm to fetch `quran-json` 3.1.2):

    python -m benchmarks.unseen_quran          # both measures below (about 4 minutes on 2 cores)

The Quran in Arabic with its English, French and Turkish translations (quran-json) is in the
detector's training corpus, 1,500 verses a language pair. The other verses are translations the
detector never saw, and they are not among the held-out sets (REFreSD's test half, Text+Berg,
debian-handbook, LibreOffice help, the UDHR in Persian, Arabic and Turkish), so choices about the
judge may be made on them. For ar-en, en-fr, en-tr and ar-tr, 300 consecutive unseen verses from
a seeded start are written as pairs CSVs (`data/runs/unseen-quran/`, for `workbench score`), and:

- **damage**: the first 150 verse pairs of each, damaged as `fidelity_bench.py` damages its
  documents (a clause dropped or added, a name changed, a negation flipped, the target replaced
  by a neighbour's): clean links flagged and the AUC of fidelity, clean against damaged;
- **paragraphs**: verses 150-269 of en-fr, ar-en and en-tr joined four to a paragraph (90
  paragraphs), each also with one target verse dropped: paragraphs flagged, clean and dropped,
  and the AUC between them.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import numpy as np  # noqa: E402

CORPUS = ROOT / "data" / "divergence" / "pairs.jsonl"
RUNS = ROOT / "data" / "runs" / "unseen-quran"
PACKAGE = "quran-json@3.1.2"
PAIRS = (("ar", "en"), ("en", "fr"), ("en", "tr"), ("ar", "tr"))
VERSES = 300
SEED = 5


def unseen_verses(package: Path) -> dict[str, list[tuple[str, str]]]:
    """Per language pair, VERSES consecutive verse pairs that are not in the training corpus."""
    from models.divergence_corpus import quran_verses

    seen = {(pair["src"], pair["tgt"]) for pair in map(json.loads, CORPUS.read_text(encoding="utf-8").splitlines())}
    texts = {lang: quran_verses(package, lang) for lang in ("ar", "en", "fr", "tr")}
    rng = random.Random(SEED)
    found = {}
    for a, b in PAIRS:
        kept = [k for k, (x, y) in enumerate(zip(texts[a], texts[b]))
                if (x, y) not in seen and 3 <= len(x.split()) <= 70 and len(y.split()) <= 70]
        start = rng.randrange(0, len(kept) - VERSES)
        found[f"{a}-{b}"] = [(texts[a][k], texts[b][k]) for k in kept[start : start + VERSES]]
    return found


def write_csvs(found: dict[str, list[tuple[str, str]]]) -> None:
    RUNS.mkdir(parents=True, exist_ok=True)
    for name, pairs in found.items():
        with (RUNS / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["pair", "src_text", "tgt_text"])
            writer.writerows([k, a, b] for k, (a, b) in enumerate(pairs))


def damage(found: dict[str, list[tuple[str, str]]], encoder) -> None:
    from benchmarks import fidelity_bench

    docs = []
    for name, pairs in found.items():
        a, b = name.split("-")
        chosen = pairs[:150]
        docs.append(fidelity_bench.Document("unseen-quran", name, a, b, [s for s, _ in chosen], [t for _, t in chosen],
                                            [((k,), (k,)) for k in range(len(chosen))]))
    fidelity_bench.report(fidelity_bench.collect(docs, encoder, lambda *_: None))


def paragraphs(found: dict[str, list[tuple[str, str]]], encoder) -> None:
    from benchmarks import fidelity_bench

    rng = random.Random(2)
    scores: dict[str, list[float]] = {"clean": [], "dropped": []}
    for name in ("en-fr", "ar-en", "en-tr"):
        a, b = name.split("-")
        verses = found[name][150:270]
        clean_src, clean_tgt, dropped_tgt = [], [], []
        for at in range(0, len(verses), 4):
            group = verses[at : at + 4]
            clean_src.append(" ".join(s.rstrip(".") + "." for s, _ in group))
            targets = [t.rstrip(".") + "." for _, t in group]
            clean_tgt.append(" ".join(targets))
            drop = rng.randrange(4)
            dropped_tgt.append(" ".join(t for k, t in enumerate(targets) if k != drop))
        for kind, tgt in (("clean", clean_tgt), ("dropped", dropped_tgt)):
            doc = fidelity_bench.Document("unseen-quran", name, a, b, clean_src, tgt, [((k,), (k,)) for k in range(len(tgt))])
            alignment = fidelity_bench.alignment_of(doc, doc.src, doc.tgt, doc.links)
            scores[kind] += [result.fidelity for *_, result in fidelity_bench._scored(alignment, encoder)]
    clean, dropped = scores["clean"], scores["dropped"]
    print(f"\nParagraphs of four verses ({len(clean)}): flagged clean {np.mean(np.array(clean) < 0.5):.2f}, "
          f"one target verse dropped {np.mean(np.array(dropped) < 0.5):.2f}; "
          f"AUC clean vs dropped {fidelity_bench.auc(clean, dropped):.3f}")


def main() -> None:
    from models.divergence_corpus import npm_pack
    from workbench.embed import load_encoder

    if not CORPUS.exists():
        raise SystemExit(f"{CORPUS.relative_to(ROOT)} not found: run python models/divergence_corpus.py first")
    with tempfile.TemporaryDirectory() as folder:
        found = unseen_verses(npm_pack(PACKAGE, Path(folder)))
    write_csvs(found)
    print(f"wrote {', '.join(f'{name}.csv' for name in found)} to {RUNS.relative_to(ROOT)}")
    encoder = load_encoder()
    damage(found, encoder)
    paragraphs(found, encoder)


if __name__ == "__main__":
    main()
