"""Faithful translations cut into paragraphs: are they judged translations, and how many of
their links are flagged?

Run from the repository root (the real model; about a minute a document on 2 cores):

    python -m benchmarks.paragraphs            # every Text+Berg document
    python -m benchmarks.paragraphs test2      # one

Text+Berg's gold links (benchmarks/textberg-defr/) are joined in order into paragraphs of at
least 1,200 characters a side, with a one-line heading on top of each side, and the two
sides are aligned `--split lines` as a user with paragraph input would. Every paragraph pair
is a human translation, so every link should be `faithful` and the document a `translation`
(issue #21's repro: before the judge read long links through their sentences, test2's first
eight paragraphs were refused as "not a translation"). Text+Berg is never trained or tuned on.
"""

from __future__ import annotations

import ast
import sys
import tempfile
from pathlib import Path

TEXTBERG = Path(__file__).resolve().parent / "textberg-defr"
HEADINGS = ("Jahrbuch des Schweizer Alpen-Clubs", "Annuaire du Club Alpin Suisse")


def paragraphs(name: str, least: int = 1200, count: int | None = None) -> tuple[list[str], list[str]]:
    """The German and French paragraphs of Text+Berg document `name`: its gold links joined
    in order until both sides hold at least `least` characters (the first `count`, or all)."""
    de = (TEXTBERG / f"{name}.de").read_text(encoding="utf-8").splitlines()
    fr = (TEXTBERG / f"{name}.fr").read_text(encoding="utf-8").splitlines()
    found: list[tuple[str, str]] = []
    src: list[str] = []
    tgt: list[str] = []
    for line in (TEXTBERG / f"{name}.defr").read_text(encoding="utf-8").splitlines():
        left, right = line.split(":")
        src += [de[i].strip() for i in ast.literal_eval(left)]
        tgt += [fr[j].strip() for j in ast.literal_eval(right)]
        if len(" ".join(src)) >= least and len(" ".join(tgt)) >= least:
            found.append((" ".join(src), " ".join(tgt)))
            src, tgt = [], []
        if count is not None and len(found) == count:
            break
    return [a for a, _ in found], [b for _, b in found]


def write_pair(folder: Path, name: str, count: int | None = None) -> tuple[Path, Path]:
    """The document as two files, a heading on top of each side, one paragraph a line."""
    de, fr = paragraphs(name, count=count)
    paths = folder / f"{name}.de.txt", folder / f"{name}.fr.txt"
    for path, heading, side in zip(paths, HEADINGS, (de, fr)):
        path.write_text("\n".join([heading, *side]) + "\n", encoding="utf-8")
    return paths


def main(names: list[str]) -> None:
    from workbench import pipeline
    from workbench.options import Options

    print(f"{'document':10s}{'paragraphs':>11s}{'links':>7s}{'flagged':>9s}  verdict")
    total = flagged_total = 0
    with tempfile.TemporaryDirectory() as temp:
        for name in names:
            src, tgt = write_pair(Path(temp), name)
            result = pipeline.run(src, tgt, Options(split="lines"))
            both = [score for link, score in zip(result.links, result.scores) if link.src and link.tgt]
            flagged = sum(score.label != "faithful" for score in both)
            total += len(both)
            flagged_total += flagged
            print(f"{name:10s}{len(paragraphs(name)[0]):11d}{len(both):7d}{flagged / len(both):9.2f}  {result.summary.verdict}")
    print(f"{'all':10s}{'':11s}{total:7d}{flagged_total / total:9.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(path.stem for path in TEXTBERG.glob("*.defr")))
