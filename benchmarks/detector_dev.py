"""Trained divergence networks side by side, on development data only, before calibration.

Run from the repository root, after `python models/divergence_corpus.py` (the unseen verses
are those the corpus lacks; npm fetches `quran-json`), with torch (the `train` extra):

    python -m benchmarks.detector_dev workbench/fidelity/divergence.pt other.pt ...

A network that `models/divergence_train.py --out` wrote is compared with the shipped one by its
raw pair logit, so a reader (small or upper) or a training recipe can be judged before anything
is calibrated or exported for the workbench. Every figure is on data that choices may be made on:

- REFreSD's dev half (even pairs): AUC of the logit, divergent and some-difference pairs
  against equivalent ones; and, at the logit that flags 16% of its equivalent pairs (the shipped
  detector's rate through `score`), the share of divergent pairs caught;
- unseen Quran verses (`unseen_quran.py`'s, the first 150 of ar-en, ar-tr, en-fr and en-tr):
  the share of clean verse pairs over that logit, by pair, and the AUC of clean pairs against
  copies damaged as `fidelity_bench.py` damages (one damage a pair, the kinds in turn);
- seed 000's Basij, "purportedly" and May links (`--split lines`): the logit minus that
  threshold (positive: flagged). The first two should be flagged, the third not.

The inputs are built once (about 3 minutes on 2 cores: encoding) and kept in
data/runs/detector-dev/ for the next comparison.
"""

from __future__ import annotations

import pickle
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

import numpy as np  # noqa: E402

RUNS = ROOT / "data" / "runs" / "detector-dev"
SEED_000 = ROOT / "seeds" / "000_e5fe0829ebe86db2.txt"
SEED_LINKS = {  # name: (English line start, Persian line start)
    "basij": ("Sources suggest that Iran's Revolutionary", "منابع معتقدند که سپاه"),
    "purportedly": ("125 Iranian officials", "گفته شده است که ۱۲۵"),
    "may": ("Back in May", "در ماه مه"),
}
DAMAGES = ("neighbour", "clause_dropped", "clause_added", "number_changed", "name_changed", "negation_flipped")
EQUIVALENTS_FLAGGED = 0.16
VERSES = 150


def cases() -> list[tuple[str, str, str, str, str]]:
    """(set, kind, source, target, group): REFreSD dev, unseen Quran verses clean and damaged,
    and the seed's three links."""
    from benchmarks import divergence, fidelity_bench
    from benchmarks.unseen_quran import PACKAGE, unseen_verses
    from models.divergence_corpus import npm_pack

    found = [("refresd", p.label, p.english, p.french, "refresd") for p in divergence.load("dev")]
    with tempfile.TemporaryDirectory() as folder:
        verses = unseen_verses(npm_pack(PACKAGE, Path(folder)))
    docs = [fidelity_bench.Document("unseen-quran", pair, *pair.split("-"), [s for s, _ in chosen],
                                    [t for _, t in chosen], [((k,), (k,)) for k in range(len(chosen))])
            for pair, chosen in ((pair, pairs[:VERSES]) for pair, pairs in verses.items())]
    pool = fidelity_bench.name_pool(docs)
    rng = random.Random(7)
    for doc in docs:
        for k, (src, tgt) in enumerate(zip(doc.src, doc.tgt)):
            found.append(("quran", "clean", src, tgt, doc.name))
            kind = DAMAGES[k % len(DAMAGES)]
            made = fidelity_bench.damage(kind, src, tgt, doc, doc.tgt[(k + 7) % len(doc.tgt)], pool, rng)
            if made and made[:2] != (src, tgt):
                found.append(("quran", kind, made[0], made[1], doc.name))
    lines = SEED_000.read_text(encoding="utf-8").splitlines()
    for name, starts in SEED_LINKS.items():
        src, tgt = (next(line for line in lines if line.startswith(start)) for start in starts)
        found.append(("seed", name, src, tgt, "seed"))
    return found


def inputs(found: list[tuple[str, str, str, str, str]]) -> list:
    """The detector's input for every case, as the training script builds its examples (the
    length deviation against each group's median ratio; the seed's against none)."""
    from models.divergence_train import _input, _log_ratio, encoded

    vectors, states = encoded(list(dict.fromkeys([case[2] for case in found] + [case[3] for case in found])))
    ratios: dict[str, list[float]] = {}
    for _, _, src, tgt, group in found:
        ratios.setdefault(group, []).append(_log_ratio(src, tgt))
    usual = {group: float(np.median(values)) for group, values in ratios.items()} | {"seed": 0.0}
    return [_input(src, tgt, vectors, states, usual[group]) for _, _, src, tgt, group in found]


def logits(path: Path, pair_inputs: list) -> np.ndarray:
    """The pair logits of the network saved at `path` (torch's format), in order."""
    import torch

    from workbench.fidelity.divergence import batch_tensors, build_net

    saved = torch.load(path, map_location="cpu", weights_only=True)
    net = build_net(**saved["config"])
    net.load_state_dict(saved["state"])
    net.eval()
    torch.set_num_threads(2)
    found = np.zeros(len(pair_inputs))
    order = sorted(range(len(pair_inputs)), key=lambda k: len(pair_inputs[k].features))
    with torch.inference_mode():
        for at in range(0, len(order), 64):
            rows = order[at : at + 64]
            found[rows] = net(*batch_tensors([pair_inputs[k] for k in rows]))[0].numpy()
    return found


def report(found: list[tuple[str, str, str, str, str]], z: np.ndarray) -> list[str]:
    from sklearn.metrics import roc_auc_score

    def auc(negative: np.ndarray, positive: np.ndarray) -> float:
        return roc_auc_score(np.r_[np.zeros(negative.sum()), np.ones(positive.sum())], np.r_[z[negative], z[positive]])

    sets, kinds, groups = (np.array([case[k] for case in found]) for k in (0, 1, 4))
    equivalent = (sets == "refresd") & (kinds == "no_meaning_difference")
    some = (sets == "refresd") & (kinds == "some_meaning_difference")
    divergent = (sets == "refresd") & ~equivalent
    threshold = np.quantile(z[equivalent], 1 - EQUIVALENTS_FLAGGED)
    clean = (sets == "quran") & (kinds == "clean")
    damaged = (sets == "quran") & ~clean
    by_pair = " ".join(f"{g} {(z[clean & (groups == g)] > threshold).mean():.2f}" for g in sorted(set(groups[clean])))
    by_kind = " ".join(f"{k} {auc(clean, (sets == 'quran') & (kinds == k)):.3f}" for k in DAMAGES
                       if ((sets == "quran") & (kinds == k)).any())  # verses have no digits: no number changed
    seed = " ".join(f"{case[1]} {z[k] - threshold:+.2f}" for k, case in enumerate(found) if case[0] == "seed")
    return [
        f"REFreSD dev: AUC divergent {auc(equivalent, divergent):.3f}, some difference {auc(equivalent, some):.3f}; "
        f"divergent caught at {EQUIVALENTS_FLAGGED:.0%} of equivalents flagged {(z[divergent] > threshold).mean():.3f}",
        f"unseen Quran verses: clean over that logit {(z[clean] > threshold).mean():.2f} ({by_pair}); "
        f"AUC clean vs damaged {auc(clean, damaged):.3f}",
        f"  by damage: {by_kind}",
        f"seed 000, logit minus that threshold: {seed}",
    ]


def main(argv: list[str] | None = None) -> None:
    from models.divergence_train import DETECTOR_INPUT

    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        raise SystemExit("usage: python -m benchmarks.detector_dev NETWORK.pt [NETWORK.pt ...]")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"no such network: {', '.join(missing)}")
    kept = RUNS / f"inputs-{DETECTOR_INPUT}.pkl"  # the features' name: new features, new inputs
    if kept.is_file():
        found, pair_inputs = pickle.loads(kept.read_bytes())
    else:
        found = cases()
        pair_inputs = inputs(found)
        RUNS.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(pickle.dumps((found, pair_inputs)))
    for path in paths:
        print(f"\n{path}")
        print("\n".join(report(found, logits(path, pair_inputs))))


if __name__ == "__main__":
    main()
