"""Candidate search and matching on synthetic editions of 10,000 to 100,000 documents a side:
time, peak memory, how the time grows, and pair precision / recall.

    python -m benchmarks.matching_scale [--sizes 10000 30000 100000] [--seed 0]

What it runs is the batch's matching (workbench.corpus.matching, as workbench.corpus.batch.match
calls it) minus the aligner: `candidates` (the chunked exact search), then `contested` and
`assign` on evidence drawn for each candidate pair. Each size runs in a fresh process, so its
peak memory (ru_maxrss: everything the process held, its inputs included) is its own. Writes
benchmarks/matching_scale.json and benchmarks/matching_scale.svg (time and memory against
size, log-log; drawn here, no plotting library). How to read them: benchmarks/README.md, the
document matching section.

The editions stand in for a news archive, since no real one of this size is at hand (the
constants below say how they were shaped on the real sets):
- every document vector is a topic direction plus its own (TOPIC_SHARE of the variance from
  one of TOPICS topics), plus a language offset that centring must take away; a translation
  is its original's vector plus noise, at a cosine drawn from PAIR_COSINE, in another language;
- a tenth of the originals have no translation, and as many translations have no original
  (drawn the same way, on the same topics); the translations are shuffled;
- the sentence evidence of each candidate pair, which the aligner would compute from the texts,
  is drawn from what the matcher had on the real sets (EVIDENCE), for a true pair or for any
  other candidate, independently of the vectors: every wrong candidate is as likely to look
  like a translation as the articles of one declaration are, however far its vector is.
So "gold among candidates" measures the search: whether each true counterpart stays among a
document's candidates as the edition grows. Pair precision and recall measure what the
assignment makes of real-like evidence on that many documents; matching quality itself is
measured on the real sets (benchmarks/matching.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from workbench.corpus import matching

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "matching_scale.json"
PLOT = HERE / "matching_scale.svg"
DIMENSION = 384  # the default encoder's (multilingual-e5-small)
# Shaped on the real matching sets (centred document vectors, benchmarks/matching.py's 12 sets):
# there a translation's cosine with its original runs from 0.41 to 0.90 (5th percentile to the
# highest; median 0.63), and an original's nearest other translation is at 0.35 (median; 0.75
# at the 95th percentile).
TOPICS = 1000  # fixed: the larger the edition, the more documents a topic has, as in an archive
TOPIC_SHARE = 0.4  # of a document vector's variance
PAIR_COSINE = (0.4, 0.9)  # a translation's cosine with its original, drawn uniformly
ALONE = 0.1  # the share of originals with no translation, and of translations with no original
# Quantiles (0, 5, ..., 100 %) of the sentence evidence the matcher had on the same 12 sets (close
# calls after their second pass): of the 328 gold pairs among the candidates, and of the 3,724
# other candidates. Many of those are articles of one declaration, which start alike: a third
# of them reach the 0.2 threshold.
EVIDENCE = {
    "pair": [0.0, 0.345, 0.383, 0.419, 0.434, 0.458, 0.479, 0.503, 0.521, 0.539, 0.551, 0.565, 0.578,
             0.599, 0.63, 0.655, 0.673, 0.706, 0.739, 0.771, 0.856],
    "other": [0.0, 0.034, 0.054, 0.065, 0.073, 0.082, 0.09, 0.099, 0.109, 0.122, 0.137, 0.156, 0.185,
              0.226, 0.257, 0.285, 0.309, 0.335, 0.367, 0.417, 0.65],
}


def edition(size: int, seed: int) -> tuple[list[matching.Profile], list[matching.Profile], np.ndarray]:
    """`size` originals and `size` translations, and the gold: each original's translation
    index, -1 where it has none."""
    rng = np.random.default_rng(seed)

    def units(rows: int) -> np.ndarray:
        vectors = rng.standard_normal((rows, DIMENSION), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    topics = units(TOPICS)

    def contents(rows: int) -> np.ndarray:
        own = units(rows)
        own *= math.sqrt(1 - TOPIC_SHARE)
        own += math.sqrt(TOPIC_SHARE) * topics[rng.integers(0, TOPICS, rows)]
        return own

    alone = int(size * ALONE)
    originals = contents(size)
    cosine = rng.uniform(*PAIR_COSINE, (size - alone, 1)).astype(np.float32)
    translated = originals[: size - alone] + np.sqrt(1 / cosine**2 - 1) * units(size - alone)
    translations = np.concatenate([translated, contents(alone)])
    order = rng.permutation(size)  # translation k is translations[order[k]]
    translations = translations[order]
    gold = np.full(size, -1)
    gold[order[order < size - alone]] = np.flatnonzero(order < size - alone)
    originals += units(1)[0] * 3  # a language's offset: what every document of it shares
    translations += units(1)[0] * 3
    return ([matching.Profile(f"o{i}", "en", 20, vector) for i, vector in enumerate(originals)],
            [matching.Profile(f"t{j}", "fr", 20, vector) for j, vector in enumerate(translations)], gold)


def evidence(found: dict[tuple[int, int], float], gold: np.ndarray, seed: int) -> dict[tuple[int, int], matching.Evidence]:
    """Each candidate pair's evidence: its cosine, and sentence evidence drawn from the real
    sets' (EVIDENCE) for a gold pair or for another candidate."""
    rng = np.random.default_rng(seed + 1)
    grid = np.linspace(0, 1, len(EVIDENCE["pair"]))
    draws = rng.random(len(found))
    true = np.array([gold[i] == j for i, j in found])
    sentences = np.where(true, np.interp(draws, grid, EVIDENCE["pair"]), np.interp(draws, grid, EVIDENCE["other"]))
    return {pair: matching.Evidence(float(value), cosine)
            for (pair, cosine), value in zip(found.items(), sentences)}


def one(size: int, seed: int) -> dict:
    """Time and memory of one size, in this process (run by `main` in a fresh one per size)."""
    originals, translations, gold = edition(size, seed)
    inputs_mb = _rss_mb()
    start = time.perf_counter()
    found = matching.candidates(originals, translations)
    search = time.perf_counter() - start
    start = time.perf_counter()
    matching.neighbourhood_means(originals, translations), matching.neighbourhood_means(translations, originals)
    neighbourhoods = time.perf_counter() - start
    scored = evidence(found, gold, seed)
    start = time.perf_counter()
    matching.contested(scored)
    matches = matching.assign(originals, translations, scored)
    matching_s = time.perf_counter() - start
    index = {p.name: k for k, p in enumerate(translations)}
    predicted = {(int(m.original[1:]), index[m.translation]) for m in matches if m.original and m.translation}
    truth = {(i, int(j)) for i, j in enumerate(gold) if j >= 0}
    among = sum((i, int(j)) in found for i, j in truth)
    alone_predicted = {m.original or m.translation for m in matches if not (m.original and m.translation)}
    alone_truth = {f"o{i}" for i in np.flatnonzero(gold < 0)} | {f"t{j}" for j in set(range(size)) - set(gold.tolist())}
    return {
        "size": size,
        "candidates": len(found),
        "search_s": round(search, 2),
        "neighbourhoods_s": round(neighbourhoods, 2),
        "matching_s": round(matching_s, 2),
        "seconds": round(search + neighbourhoods + matching_s, 2),
        "inputs_mb": round(inputs_mb),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "gold_among_candidates": round(among / len(truth), 4),
        "pairs_precision": round(len(predicted & truth) / max(len(predicted), 1), 4),
        "pairs_recall": round(len(predicted & truth) / len(truth), 4),
        "alone_precision": round(len(alone_predicted & alone_truth) / max(len(alone_predicted), 1), 4),
        "alone_recall": round(len(alone_predicted & alone_truth) / len(alone_truth), 4),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def _rss_mb() -> float:
    """This process's resident memory now, in MB."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def exponent(rows: list[dict], key: str = "seconds") -> float:
    """The slope of log(key) against log(size): 1 for linear growth, about 1.1 for N log N over
    10,000-100,000, 2 for N^2."""
    sizes, values = np.log([r["size"] for r in rows]), np.log([max(r[key], 1e-3) for r in rows])
    return float(np.polyfit(sizes, values, 1)[0])


def plot(rows: list[dict], path: Path) -> None:
    """Time and peak memory against size, log-log, with N log N and N^2 drawn through the
    smallest size's time: an SVG written by hand (no plotting library is a dependency)."""
    width, height, pad = 360, 260, 48
    sizes = [r["size"] for r in rows]
    x_range = (math.log10(min(sizes)) - 0.05, math.log10(max(sizes)) + 0.05)

    def panel(left: int, values: list[float], lines: dict[str, list[float]], label: str) -> list[str]:
        every = values + [v for line in lines.values() for v in line]
        low, high = math.log10(min(every)) - 0.1, math.log10(max(every)) + 0.1

        def point(size: float, value: float) -> tuple[float, float]:
            return (left + pad + (math.log10(size) - x_range[0]) / (x_range[1] - x_range[0]) * (width - 1.5 * pad),
                    height - pad - (math.log10(value) - low) / (high - low) * (height - 1.5 * pad))

        out = [f'<rect x="{left + pad}" y="{pad / 2}" width="{width - 1.5 * pad}" height="{height - 1.5 * pad}" '
               'fill="none" stroke="#888"/>',
               f'<text x="{left + width / 2}" y="{pad / 2 - 6}" text-anchor="middle">{label}</text>']
        for size in sizes:
            x, _ = point(size, 10 ** low)
            out.append(f'<text x="{x:.1f}" y="{height - pad + 16}" text-anchor="middle">{size:,}</text>')
        for tick in (m * 10 ** e for e in range(math.floor(low), math.ceil(high) + 1) for m in (1, 2, 5)):
            if low <= math.log10(tick) <= high:
                _, y = point(sizes[0], tick)
                out.append(f'<text x="{left + pad - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
        for (name, line), colour in zip(lines.items(), ("#bbb", "#d88", "#c00")):
            coords = " ".join("{:.1f},{:.1f}".format(*point(s, v)) for s, v in zip(sizes, line))
            out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-dasharray="4 3"/>')
            x, y = point(sizes[-1], line[-1])
            out.append(f'<text x="{x - 6:.1f}" y="{y + 14:.1f}" text-anchor="end" fill="{colour}">{name}</text>')
        coords = " ".join("{:.1f},{:.1f}".format(*point(s, v)) for s, v in zip(sizes, values))
        out.append(f'<polyline points="{coords}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1f5fbf"/>'
                for x, y in (point(s, v) for s, v in zip(sizes, values))]
        return out

    base, small = rows[0]["seconds"], sizes[0]
    times = panel(0, [r["seconds"] for r in rows], {
        "N log N": [base * s * math.log(s) / (small * math.log(small)) for s in sizes],
        "N²": [base * (s / small) ** 2 for s in sizes]}, "candidate search + matching (s)")
    memory = panel(width, [r["peak_mb"] for r in rows], {"2 GB": [2048] * len(sizes)}, "peak memory (MB)")
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width}" height="{height}" '
           'font-family="sans-serif" font-size="11">', '<rect width="100%" height="100%" fill="white"/>',
           *times, *memory,
           f'<text x="{width}" y="{height - 6}" text-anchor="middle">documents a side</text>', "</svg>"]
    path.write_text("\n".join(svg) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", type=int, default=[10_000, 30_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a size, in this process: what main runs
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed)))
        return
    rows = []
    print("| documents a side | candidates | search s | neighbourhoods s | matching s | peak MB (inputs) "
          "| gold among candidates "
          "| pairs P / R | no counterpart P / R | load |\n|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        done = subprocess.run([sys.executable, "-m", "benchmarks.matching_scale", "--one", str(size),
                               "--seed", str(args.seed)], capture_output=True, text=True, cwd=HERE.parent)
        if done.returncode:
            raise SystemExit(done.stderr)
        row = json.loads(done.stdout)
        rows.append(row)
        print(f"| {size:,} | {row['candidates']:,} | {row['search_s']} | {row['neighbourhoods_s']} | {row['matching_s']} "
              f"| {row['peak_mb']} "
              f"({row['inputs_mb']}) | {row['gold_among_candidates']} | {row['pairs_precision']} / "
              f"{row['pairs_recall']} | {row['alone_precision']} / {row['alone_recall']} | {row['load'][0]} |", flush=True)
    growth = {key: exponent(rows, key) for key in ("seconds", "search_s", "neighbourhoods_s", "peak_mb")} if len(set(args.sizes)) > 1 else {}
    print("growth exponents (log-log slope):", {key: round(value, 2) for key, value in growth.items()})
    RESULTS.write_text(json.dumps({"rows": rows, "growth": growth, "block_bytes": matching.BLOCK_BYTES,
                                   "candidates_per_document": matching.CANDIDATES}, indent=1) + "\n", encoding="utf-8")
    plot(rows, PLOT)


if __name__ == "__main__":
    main()
