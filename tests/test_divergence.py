"""The divergence detector: what it reads (fast tier, fake encoder) and how it judges real
human-annotated pairs (model tier, REFreSD's development half through `workbench score`;
the test half is only reported, by benchmarks/divergence.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from benchmarks.divergence import load, write_pairs
from workbench import cli
from workbench.fidelity.divergence import PAIR_FEATURES, WORD_FEATURES, load_detector, pair_input

ROOT = Path(__file__).resolve().parent.parent


def feature(x, word: int, name: str) -> float:
    return float(x.features[word, WORD_FEATURES.index(name)])


def test_the_detector_reads_numbers_and_literal_matches(fake_encoder) -> None:
    src, tgt = "The army sent 125 soldiers to Basra.", "ارتش ۱۳۵ سرباز به Basra فرستاد."
    x = pair_input(src, tgt, fake_encoder.token_states(src), fake_encoder.token_states(tgt), 0.8, 0.0)
    words = [src[a:b] for a, b in x.src_words] + [tgt[a:b] for a, b in x.tgt_words]
    assert x.features.shape == (len(words), len(WORD_FEATURES)) and x.pair.shape == (len(PAIR_FEATURES),)
    assert feature(x, words.index("125"), "number_unmatched") == 1.0  # 135 on the other side
    assert feature(x, words.index("۱۳۵"), "number_unmatched") == 1.0
    assert feature(x, words.index("Basra"), "literal") == 1.0
    assert feature(x, words.index("to"), "content") == 0.0
    same = pair_input(src, src.replace("125", "۱۲۵"), fake_encoder.token_states(src),
                      fake_encoder.token_states(src.replace("125", "۱۲۵")), 0.9, 0.0)
    assert feature(same, 3, "literal") == 1.0 and feature(same, 3, "number_unmatched") == 0.0


@pytest.mark.model
def test_the_shipped_detector_is_small_and_names_its_encoder() -> None:
    detector = load_detector()
    assert detector.encoder_name.startswith("multilingual-e5-small")
    assert (ROOT / "workbench" / "fidelity" / "divergence.pt").stat().st_size < 25 * 2**20
    assert sum(w.size for w in detector.weights.values()) < 2_000_000


@pytest.mark.model
def test_refresd_dev_half_through_score(tmp_path: Path) -> None:
    """Human judgements the detector never saw: divergent pairs score below equivalent ones,
    and unrelated pairs are not called faithful."""
    from sklearn.metrics import roc_auc_score

    pairs = load("dev")
    source, output = write_pairs(pairs, tmp_path / "dev.csv"), tmp_path / "dev-scored.csv"
    assert cli.main(["score", str(source), "--src-lang", "en", "--tgt-lang", "fr", "--out", str(output)]) == 0
    with output.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["pair"]) for r in rows] == [p.number for p in pairs]
    fidelity = np.array([float(r["fidelity"]) for r in rows])
    divergent = np.array([p.binary == "divergent" for p in pairs])
    assert roc_auc_score(divergent, 1 - fidelity) >= 0.90
    unrelated = [r["label"] for r, p in zip(rows, pairs) if p.label == "unrelated"]
    assert sum(label == "faithful" for label in unrelated) <= 0.04 * len(unrelated)  # 4 of 126 measured
    equivalent = [r for r, p in zip(rows, pairs) if p.label == "no_meaning_difference"]
    assert sum(r["label"] != "faithful" for r in equivalent) <= 0.2 * len(equivalent)
    assert all(not (r["src_spans"] or r["tgt_spans"]) for r in equivalent if r["label"] == "faithful")
