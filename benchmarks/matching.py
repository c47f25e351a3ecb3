"""Document matching on real translations: which translation is which original's, and which
documents have none.

    python benchmarks/build_matching_sets.py           # once: the sets, under data/bench/matching/
    python -m benchmarks.matching [--sets udhr-en-fa ...] [--min-match 0.3] [--model PATH_OR_NAME]

Runs the batch's matching (workbench.corpus.batch.match, the same code `workbench batch`
runs on two folders) on each set and scores it against gold.csv:
- pairs: precision and recall of the matched pairs;
- no counterpart: precision and recall of the documents left unmatched (both sides).
Prints one row a set, then the totals of the sets the matcher's settings were chosen on, of
the held-out sets (`heldout-*`) and of all.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

from workbench.corpus import batch, matching, sources
from workbench.corpus.engines import LocalEngine
from workbench.options import Options

SETS = Path(__file__).resolve().parent.parent / "data" / "bench" / "matching"
HELD_OUT = "heldout-"  # sets run only once the matcher's settings were fixed


@dataclass
class Tally:
    pairs_found: int = 0  # matched pairs predicted
    pairs_right: int = 0  # of those, in gold
    pairs_gold: int = 0
    alone_found: int = 0  # documents predicted to have no counterpart
    alone_right: int = 0
    alone_gold: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(vars(self).values(), vars(other).values())))

    def row(self) -> str:
        def ratio(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "-"
        return (f"{ratio(self.pairs_right, self.pairs_found)} / {ratio(self.pairs_right, self.pairs_gold)} | "
                f"{ratio(self.alone_right, self.alone_found)} / {ratio(self.alone_right, self.alone_gold)} | "
                f"{self.pairs_gold} pairs, {self.alone_gold} alone")


def gold(folder: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """The gold pairs, and the documents with no counterpart (as `o:NAME` / `t:NAME`)."""
    pairs, alone = set(), set()
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["original"] and row["translation"]:
                pairs.add((row["original"], row["translation"]))
            elif row["original"]:
                alone.add(f"o:{row['original']}")
            else:
                alone.add(f"t:{row['translation']}")
    return pairs, alone


def score(folder: Path, options: Options, engine: LocalEngine, threshold: float) -> Tally:
    plan = sources.plan(folder / "originals", folder / "translations")
    matches, unreadable, _ = batch.match(plan, options, engine, threshold, progress=False)
    if unreadable:
        raise SystemExit(f"{folder.name}: unreadable documents: {[row.note for row in unreadable]}")
    found_pairs = {(m.original, m.translation) for m in matches if m.original and m.translation}
    found_alone = {f"o:{m.original}" if m.original else f"t:{m.translation}"
                   for m in matches if not (m.original and m.translation)}
    gold_pairs, gold_alone = gold(folder)
    return Tally(len(found_pairs), len(found_pairs & gold_pairs), len(gold_pairs),
                 len(found_alone), len(found_alone & gold_alone), len(gold_alone))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="*", help="set names under data/bench/matching (default: all)")
    parser.add_argument("--min-match", type=float, default=matching.THRESHOLD)
    parser.add_argument("--model")
    args = parser.parse_args()
    if not SETS.is_dir():
        raise SystemExit(f"no sets in {SETS}: run python benchmarks/build_matching_sets.py first")
    options = Options(model=args.model)
    engine = LocalEngine(options)
    totals = {"the sets the settings were chosen on": Tally(), "held out": Tally()}
    print("| set | pairs P / R | no counterpart P / R | gold |\n|---|---|---|---|")
    folders = sorted(p for p in SETS.iterdir() if p.is_dir() and (not args.sets or p.name in args.sets))
    for folder in sorted(folders, key=lambda p: (p.name.startswith(HELD_OUT), p.name)):
        tally = score(folder, options, engine, args.min_match)
        group = "held out" if folder.name.startswith(HELD_OUT) else "the sets the settings were chosen on"
        totals[group] += tally
        print(f"| {folder.name} | {tally.row()} |", flush=True)
    for group, tally in totals.items():
        if tally.pairs_gold:
            print(f"| **{group}** | {tally.row()} |")
    print(f"| **all** | {sum(totals.values(), Tally()).row()} |")


if __name__ == "__main__":
    main()
