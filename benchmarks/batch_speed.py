"""Throughput of `workbench batch` on two folders: documents and segments per second, and the
share of the time that is not encoding.

    python -m benchmarks.batch_speed [--sets quran-en-tr udhr-en-fa] [--engines local ray]

Each run is `python -m workbench batch ORIGINALS TRANSLATIONS --out TMP` in a new process with
an empty vector cache (benchmarks.speed.fresh_env), so every segment is encoded: matching
(profiles, candidate scoring) and then aligning and scoring every matched pair. The sets are
the matching benchmark's (python benchmarks/build_matching_sets.py).

- documents/s and segments/s: every document of both folders and every segment of them
  (sentences, as the batch splits them), over the command's whole wall time (start-up, model
  loading and, for Ray, starting a local instance included);
- not encoding: 1 - (seconds spent encoding texts, summed over workers) / (wall seconds x
  workers). Encoding is what `Encoder.seconds` counts: tokenising, the model, pooling and
  keeping token states of texts not in the cache. With one local worker the model uses both
  cores; with Ray each of the two workers has one.

Timings depend on what else the machine runs: run nothing beside it.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.speed import ROOT, fresh_env
from workbench.corpus import sources
from workbench.text import document
from workbench.text.segment import segment

SETS = ROOT / "data" / "bench" / "matching"
SUMMARY = re.compile(r"in (?P<seconds>[\d.]+) s on (?P<engine>\w+) \((?P<workers>\d+) workers?\b.*"
                     r"time encoding: (?P<model>[\d.]+) s")


def corpus_size(folder: Path) -> tuple[int, int]:
    """Documents and segments of a set's two folders."""
    plan = sources.plan(folder / "originals", folder / "translations")
    segments = 0
    for source in (*plan.originals, *plan.translations):
        side = document.one_language(source.read().text, source.name)
        segments += len(segment(side.paragraphs, side.lang, "sentences"))
    return len(plan.originals) + len(plan.translations), segments


def run(folder: Path, engine: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="workbench-batch-"))
    command = [sys.executable, "-m", "workbench", "batch", str(folder / "originals"), str(folder / "translations"),
               "--out", str(out), "--engine", engine]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=fresh_env(), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{folder.name} on {engine}: {result.stderr.strip()}")
    found = SUMMARY.search(result.stdout)
    workers, model = int(found["workers"]), float(found["model"])
    return {"wall": wall, "workers": workers, "model": model, "not_model": 1 - model / (wall * workers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="*", default=["quran-en-tr", "udhr-en-fa"])
    parser.add_argument("--engines", nargs="*", default=["local", "ray"])
    args = parser.parse_args()
    print("| set | documents | segments | engine | wall s | documents/s | segments/s | encoding s | not encoding |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.sets:
        documents, segments = corpus_size(SETS / name)
        for engine in args.engines:
            figures = run(SETS / name, engine)
            print(f"| {name} | {documents} | {segments} | {engine} ({figures['workers']} workers) | "
                  f"{figures['wall']:.1f} | {documents / figures['wall']:.2f} | {segments / figures['wall']:.1f} | "
                  f"{figures['model']:.1f} | {figures['not_model']:.1%} |", flush=True)


if __name__ == "__main__":
    main()
