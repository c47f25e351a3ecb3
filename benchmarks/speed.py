"""Speed and memory of alignment on long documents: 250, 1,000 and 5,000 segments per side.

    python -m benchmarks.speed [--sizes 250 1000 5000] [--model PATH_OR_NAME]

The documents are the Text+Berg German-French sentences (benchmarks/textberg-defr), read
in order and repeated as needed; each repeat gets a numbered suffix so that no text is
served from the embedding cache (which starts empty, in a temporary folder). For each size:
encode time (every run of 1-3 segments, both sides, as the aligner needs), alignment time
(everything in `align` but encoding), the alignment's peak Python/numpy memory (tracemalloc,
a second run with the vectors cached), the process's peak RSS (model included), and the
ratio of total time to encoding alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent


class TimedEncoder:
    """Passes calls to an encoder, adding up the seconds spent encoding."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.seconds = 0.0

    def encode(self, texts, progress=False):
        started = time.perf_counter()
        try:
            return self.encoder.encode(texts, progress=progress)
        finally:
            self.seconds += time.perf_counter() - started


def sentences(lang: str, count: int) -> list[str]:
    lines = [line.strip() for path in sorted((HERE / "textberg-defr").glob(f"test*.{lang}"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line if k < len(lines) else f"{line} ({k // len(lines)})"
            for k, line in ((k, lines[k % len(lines)]) for k in range(count))]


def measure(size: int, encoder) -> dict:
    from workbench.align import align
    from workbench.text.segment import segment

    src = segment(sentences("de", size), "de", "lines")
    tgt = segment(sentences("fr", size), "fr", "lines")
    timed = TimedEncoder(encoder)
    started = time.perf_counter()
    links = align(src, tgt, timed)
    total = time.perf_counter() - started
    tracemalloc.start()
    align(src, tgt, encoder)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"size": size, "links": len(links), "encode_s": timed.seconds,
            "align_s": total - timed.seconds, "align_peak_mb": peak / 2**20,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "ratio": total / timed.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[250, 1000, 5000])
    parser.add_argument("--model")
    args = parser.parse_args()
    os.environ["WORKBENCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="workbench-speed-")
    from workbench.embed import load_encoder

    encoder = load_encoder(args.model)
    print("| segments per side | links | encode (s) | align, without encoding (s) "
          "| align peak memory (MB) | process peak RSS (MB) | total / encode |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        r = measure(size, encoder)
        print(f"| {r['size']:,} | {r['links']:,} | {r['encode_s']:.1f} | {r['align_s']:.2f} "
              f"| {r['align_peak_mb']:.0f} | {r['rss_mb']:.0f} | {r['ratio']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
