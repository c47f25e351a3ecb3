"""Divergences against human judgement: REFreSD, scored through `workbench score`.

Run from the repository root:

    python -m benchmarks.divergence               # benchmarks/README.md's table, on REFreSD's test half
    python -m benchmarks.divergence --half dev    # the same on the development half
    python -m benchmarks.divergence --calibrate   # fit FIDELITY_MODEL and TAG_MIN on the dev half

REFreSD (Briakou & Carpuat 2020; benchmarks/refresd/, MIT, or $REFRESD) holds 1,039
English-French pairs that three annotators judged (no meaning difference / some meaning
difference / unrelated) and whose differing tokens they highlighted. Its README fixes the
split: dev = even-numbered pairs (tune here only), test = odd-numbered (report here only).
The half is written as a pairs CSV and run through `python -m workbench score`, exactly as a
user would; the output's `fidelity`, `label` and spans are compared with the annotations:

- sentence level: ROC AUC of 1 - fidelity, divergent vs equivalent and some-difference vs
  equivalent; precision, recall and F1 of divergent at the tool's labels (anything but
  `faithful` is divergent); the share of equivalent pairs not labelled faithful; unrelated
  pairs labelled faithful;
- token level (a token is marked when its characters overlap a span; gold: highlighted by at
  least one annotator): F1 of the divergent class, of the equivalent class, their product
  (the paper's F1-DIV, F1-OK, F1-Mul), and the share of equivalent pairs with any mark;
- speed: links scored per second once the encoder has read every text (2 CPU cores here).

The detector never saw a REFreSD pair (models/divergence_corpus.py); --calibrate reads the
development half only.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REFRESD = Path(os.environ.get("REFRESD", ROOT / "benchmarks" / "refresd"))
RUNS = ROOT / "data" / "runs" / "refresd"


@dataclass(frozen=True)
class Judged:
    """One REFreSD pair: the annotators' labels and highlighted characters."""

    number: int
    binary: str  # divergent / no_meaning_difference
    label: str  # no_meaning_difference / some_meaning_difference / unrelated
    english: str
    french: str
    english_tokens: tuple[tuple[int, int, int], ...]  # (start, end, annotators) in `english`
    french_tokens: tuple[tuple[int, int, int], ...]


def load(half: str) -> list[Judged]:
    """The pairs of one half ("dev": even numbers, "test": odd), tokens mapped onto the raw text."""
    labels = _rows(REFRESD / "REFreSD_sentence_labels")
    rationale = _rows(REFRESD / "REFreSD_rationale")
    wanted = 0 if half == "dev" else 1
    pairs = []
    for number, (label_row, tokens_row) in enumerate(zip(labels, rationale)):
        if number % 2 != wanted:
            continue
        binary, label, english, french = label_row[:4]
        counts_en = [int(c) for c in tokens_row[4].split()]
        counts_fr = [int(c) for c in tokens_row[5].split()]
        pairs.append(Judged(number, binary, label, english, french,
                            _token_spans(english, tokens_row[2].split(" "), counts_en),
                            _token_spans(french, tokens_row[3].split(" "), counts_fr)))
    return pairs


def _rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines[1:] if line.strip()]


def _token_spans(raw: str, tokens: list[str], counts: list[int]) -> tuple[tuple[int, int, int], ...]:
    """Each token's character range in the untokenised sentence (the tokeniser only adds spaces,
    except in a few sentences, which are matched character by character)."""
    positions = [k for k, c in enumerate(raw) if not c.isspace()]
    squeezed = "".join(raw[k] for k in positions)
    joined = "".join(tokens)
    if joined == squeezed:
        mapping = list(range(len(joined)))
    else:
        mapping = [-1] * len(joined)
        for block in difflib.SequenceMatcher(None, joined, squeezed, autojunk=False).get_matching_blocks():
            for offset in range(block.size):
                mapping[block.a + offset] = block.b + offset
    spans, at = [], 0
    for token, count in zip(tokens, counts):
        inside = [mapping[k] for k in range(at, at + len(token)) if mapping[k] >= 0]
        at += len(token)
        if inside:
            spans.append((positions[min(inside)], positions[max(inside)] + 1, count))
    return tuple(spans)


def write_pairs(pairs: list[Judged], path: Path) -> Path:
    """`pairs` as a pairs CSV for `workbench score` (columns pair, src_text, tgt_text)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pair", "src_text", "tgt_text"])
        writer.writerows([p.number, p.english, p.french] for p in pairs)
    return path


def score(pairs: list[Judged], half: str) -> tuple[list[dict], float]:
    """Run `workbench score` on the half; its output rows and the scoring time in seconds."""
    from workbench.cli import main

    RUNS.mkdir(parents=True, exist_ok=True)
    source, output = write_pairs(pairs, RUNS / f"{half}.csv"), RUNS / f"{half}-scored.csv"
    _encode_first(pairs)
    started = time.perf_counter()
    if main(["score", str(source), "--src-lang", "en", "--tgt-lang", "fr", "--out", str(output)]) != 0:
        raise SystemExit("workbench score failed")
    seconds = time.perf_counter() - started
    with output.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle)), seconds


def _encode_first(pairs: list[Judged]) -> None:
    """Let the encoder read every text before the clock starts: the speed asked for is scoring's."""
    from workbench.embed import load_encoder
    from workbench.fidelity.divergence import STATE_LAYER

    encoder = load_encoder()
    texts = [p.english for p in pairs] + [p.french for p in pairs]
    encoder.encode(texts)
    encoder.token_states_many(texts, STATE_LAYER)


def table(pairs: list[Judged], rows: list[dict], seconds: float) -> list[tuple[str, str]]:
    """The measures benchmarks/README.md reports."""
    from sklearn.metrics import roc_auc_score

    fidelity = np.array([float(r["fidelity"]) for r in rows])
    flagged = np.array([r["label"] != "faithful" for r in rows])
    divergent = np.array([p.binary == "divergent" for p in pairs])
    equivalent = ~divergent
    some = np.array([p.label == "some_meaning_difference" for p in pairs])
    unrelated = np.array([p.label == "unrelated" for p in pairs])
    some_or_equal = some | equivalent
    precision = (flagged & divergent).sum() / max(flagged.sum(), 1)
    recall = (flagged & divergent).sum() / divergent.sum()
    marked_equivalent = [bool(r["src_spans"] or r["tgt_spans"]) for r, e in zip(rows, equivalent) if e]
    tokens = _token_scores(pairs, rows)
    return [
        ("pairs", f"{len(pairs)} ({equivalent.sum()} equivalent, {some.sum()} some difference, {unrelated.sum()} unrelated)"),
        ("AUC, divergent vs equivalent", f"{roc_auc_score(divergent, 1 - fidelity):.3f}"),
        ("AUC, some meaning difference vs equivalent", f"{roc_auc_score(some[some_or_equal], 1 - fidelity[some_or_equal]):.3f}"),
        ("equivalent pairs not labelled faithful", f"{flagged[equivalent].mean():.0%}"),
        ("unrelated pairs labelled faithful", f"{(~flagged[unrelated]).sum()} of {unrelated.sum()}"),
        ("divergent at the tool's labels: P / R / F1", f"{precision:.3f} / {recall:.3f} / {2 * precision * recall / max(precision + recall, 1e-9):.3f}"),
        ("F1 of flagging every pair", f"{2 * divergent.mean() / (1 + divergent.mean()):.3f}"),
        ("token F1-DIV / F1-OK / F1-Mul", f"{tokens[0]:.3f} / {tokens[1]:.3f} / {tokens[0] * tokens[1]:.3f}"),
        ("equivalent pairs that carry a mark", f"{np.mean(marked_equivalent):.0%}"),
        ("scoring speed after encoding", f"{len(pairs) / seconds:.1f} links/s ({seconds:.1f} s)"),
    ]


def _token_scores(pairs: list[Judged], rows: list[dict]) -> tuple[float, float]:
    """F1 of the divergent and of the equivalent token class, over all tokens of all pairs."""
    gold, marked = [], []
    for pair, row in zip(pairs, rows):
        for tokens, spans in ((pair.english_tokens, row["src_spans"]), (pair.french_tokens, row["tgt_spans"])):
            ranges = [tuple(int(x) for x in part.split("-")) for part in spans.split(";") if part]
            for start, end, count in tokens:
                gold.append(count >= 1)
                marked.append(any(start < b and a < end for a, b in ranges))
    gold_array, marked_array = np.array(gold), np.array(marked)

    def f1(g: np.ndarray, m: np.ndarray) -> float:
        return 2 * (g & m).sum() / max(g.sum() + m.sum(), 1)

    return f1(gold_array, marked_array), f1(~gold_array, ~marked_array)


def calibrate() -> None:
    """Fit the calibration's intercept and slope (Platt scaling of the detector's logit, classes
    weighted equally) on the dev half, and show there how the thresholds trade off."""
    import dataclasses

    from sklearn.linear_model import LogisticRegression

    from workbench.embed import load_encoder
    from workbench.fidelity.calibration import CALIBRATION, link_fidelity
    from workbench.fidelity.evidence import link_evidence
    from workbench.options import Options
    from workbench.pipeline import pairs_alignment
    from workbench.text.pairs import PairTable

    pairs = load("dev")
    encoder = load_encoder()
    table = PairTable("dev", tuple(p.english for p in pairs), tuple(p.french for p in pairs), "en", "fr")
    alignment = pairs_alignment(table, Options(), encoder)
    links = alignment.links
    evidence = link_evidence(alignment, encoder)
    equivalent = np.array([p.binary != "divergent" for p in pairs])
    fitted = LogisticRegression(class_weight="balanced").fit(np.array([[e.divergence] for e in evidence]), equivalent)
    base = dataclasses.replace(CALIBRATION, intercept=round(float(fitted.intercept_[0]), 4),
                               slope=round(float(fitted.coef_[0][0]), 4))
    print(f"intercept={base.intercept}, slope={base.slope}")
    print("| faithful_from | unrelated_below | tag_min | equivalent flagged | P / R / F1 | token F1-DIV / F1-OK / F1-Mul |")
    for faithful_from in (0.3, 0.4, 0.5):
        for unrelated_below in (0.05, 0.1, 0.2):
            for tag_min in (0.2, 0.3, 0.5):
                calibration = dataclasses.replace(base, faithful_from=faithful_from, unrelated_below=unrelated_below,
                                                  tag_min=tag_min)
                scores = [link_fidelity(link, e, calibration) for link, e in zip(links, evidence)]
                flagged = np.array([s.label != "faithful" for s in scores])
                precision = (flagged & ~equivalent).sum() / max(flagged.sum(), 1)
                recall = (flagged & ~equivalent).sum() / (~equivalent).sum()
                rows = [{"src_spans": ";".join(f"{a}-{b}" for a, b in s.src_spans),
                         "tgt_spans": ";".join(f"{a}-{b}" for a, b in s.tgt_spans)} for s in scores]
                div, ok = _token_scores(pairs, rows)
                print(f"| {faithful_from} | {unrelated_below} | {tag_min} | {flagged[equivalent].mean():.0%} | "
                      f"{precision:.3f} / {recall:.3f} / {2 * precision * recall / max(precision + recall, 1e-9):.3f} | "
                      f"{div:.3f} / {ok:.3f} / {div * ok:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("dev", "test"), default="test")
    parser.add_argument("--calibrate", action="store_true", help="fit FIDELITY_MODEL on the dev half and print it")
    args = parser.parse_args()
    if not REFRESD.exists():
        raise SystemExit(f"REFreSD not found at {REFRESD}; set REFRESD to its folder")
    if args.calibrate:
        calibrate()
        return
    pairs = load(args.half)
    rows, seconds = score(pairs, args.half)
    print(f"\nREFreSD {args.half} half, {rows[0]['signature']}")
    for name, value in table(pairs, rows, seconds):
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
