"""Speed, memory and what speed cost in quality, on one long real translation.

    python -m benchmarks.speed [--lines 2000] [--memory-lines 10000] [--skip-quality]

The document: the Quran's verses in Saheeh International's English and Hamidullah's French
(npm `quran-json` 3.1.2, CC BY 4.0, fetched once into data/bench/), the first --lines verses a
side, one verse a line. Each run starts in a new process with an empty vector cache, so
nothing is served from an earlier run:

- **reference**: sentence-transformers loads the float32 model and encodes every line once
  (`encode`, batch 32, the e5 prompt): what the issue measures the workbench against;
- **workbench**: `python -m workbench align EN FR --split lines --out x.csv`, end to end
  (reading, segmenting, encoding, aligning, scoring every link, writing);
- the ratio of the two, segments per second, and each process's peak RSS;
- **memory**: the workbench end to end on --memory-lines lines a side (the verses, then again
  with a numbered suffix so that no line repeats), peak RSS;
- **quality** (unless --skip-quality): strict F1 on the UDHR (en-fa, en-ar, en-tr) and
  Text+Berg gold, and REFreSD test-half ROC AUC, for sentence-transformers encoding every run
  of segments (before), sentence-transformers with runs encoded only around uncertain links,
  and the shipped ONNX graph with the same (after).

Timings depend on what else the machine runs: run nothing beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH = ROOT / "data" / "bench"
PACKAGE = "quran-json@3.1.2"
REFERENCE = """
import sys
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu")
lines = [line.strip() for path in sys.argv[2:] for line in open(path, encoding="utf-8") if line.strip()]
model.encode(lines, prompt="query: ", batch_size=32, normalize_embeddings=True)
"""


def verses(lines: int) -> tuple[Path, Path]:
    """English and French files of `lines` verses (repeated with a numbered suffix past the end)."""
    BENCH.mkdir(parents=True, exist_ok=True)
    books = BENCH / "quran-en-fr.json"
    if not books.exists():
        from benchmarks.build_udhr_gold import npm_files

        files = npm_files(PACKAGE, ["dist/quran_en.json", "dist/quran_fr.json"])
        pairs = {lang: [" ".join(v["translation"].split()) for chapter in json.loads(files[f"dist/quran_{lang}.json"])
                        for v in chapter["verses"]] for lang in ("en", "fr")}
        books.write_text(json.dumps(pairs, ensure_ascii=False), encoding="utf-8")
    pairs = json.loads(books.read_text(encoding="utf-8"))
    paths = []
    for lang in ("en", "fr"):
        book = pairs[lang]
        text = [book[k % len(book)] + (f" ({k // len(book) + 1})" if k >= len(book) else "") for k in range(lines)]
        path = BENCH / f"quran-{lines}.{lang}"
        path.write_text("\n".join(text) + "\n", encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, which must succeed."""
    seconds, peak, code, stderr = timed_any(command, env)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} failed: {stderr[-2000:]}")
    return seconds, peak


def timed_any(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS (MB), exit code and stderr of one child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), stderr


def fresh_env() -> dict[str, str]:
    """The environment with a new, empty vector cache."""
    return {**os.environ, "WORKBENCH_CACHE_DIR": tempfile.mkdtemp(prefix="workbench-speed-")}


def speed(lines: int) -> dict:
    from workbench.embed.build import ensure_default_model
    from workbench.embed.graph import ensure_graph_model

    folder = ensure_default_model()
    ensure_graph_model()  # built before the clock starts: set-up, not a run
    en, fr = verses(lines)
    reference_s, reference_mb = timed([sys.executable, "-c", REFERENCE, str(folder), str(en), str(fr)], fresh_env())
    out = Path(tempfile.mkdtemp(prefix="workbench-speed-")) / "aligned.csv"
    workbench_s, workbench_mb = timed([sys.executable, "-m", "workbench", "align", str(en), str(fr), "--split", "lines",
                                       "--src-lang", "en", "--tgt-lang", "fr", "--out", str(out)], fresh_env())
    return {"lines": lines, "reference_s": reference_s, "reference_mb": reference_mb, "workbench_s": workbench_s,
            "workbench_mb": workbench_mb, "ratio": workbench_s / reference_s, "segments_per_s": 2 * lines / workbench_s}


def memory(lines: int) -> dict:
    en, fr = verses(lines)
    out = Path(tempfile.mkdtemp(prefix="workbench-speed-")) / "aligned.csv"
    seconds, mb = timed([sys.executable, "-m", "workbench", "align", str(en), str(fr), "--split", "lines",
                         "--src-lang", "en", "--tgt-lang", "fr", "--out", str(out)], fresh_env())
    return {"lines": lines, "workbench_s": seconds, "workbench_mb": mb}


def quality() -> list[tuple[str, dict[str, float]]]:
    """Strict F1 and REFreSD AUC for the three ways of encoding (see the module docstring)."""
    from workbench.align.settings import DEFAULT
    from workbench.embed import load_encoder

    every_run = dataclasses.replace(DEFAULT, confident=math.inf)  # every link uncertain: every run encoded
    # each runtime's vectors are cached apart (Runtime.cache_tag); an empty cache, so that each
    # computes its own vectors whatever an earlier run left
    os.environ["WORKBENCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="workbench-speed-")
    torch_runtime = load_encoder(torch_runtime=True)
    graph = load_encoder()
    ways = [("sentence-transformers, every run encoded (before)", torch_runtime, every_run),
            ("sentence-transformers, runs around uncertain links", torch_runtime, DEFAULT),
            ("ONNX graph, runs around uncertain links (shipped)", graph, DEFAULT)]
    auc = {id(encoder): refresd_auc(encoder) for encoder in (torch_runtime, graph)}
    return [(name, {**alignment_f1(encoder, settings), "REFreSD AUC": auc[id(encoder)]}) for name, encoder, settings in ways]


def alignment_f1(encoder, settings) -> dict[str, float]:
    from workbench.align import align
    from workbench.evaluate import read_links, score, score_many
    from workbench.text.segment import segment

    def f1(src_path: Path, tgt_path: Path, gold: Path, src_lang: str, tgt_lang: str):
        src = segment([line for line in src_path.read_text(encoding="utf-8").splitlines() if line.strip()], src_lang, "lines")
        tgt = segment([line for line in tgt_path.read_text(encoding="utf-8").splitlines() if line.strip()], tgt_lang, "lines")
        links = align(src, tgt, encoder, settings=settings)
        return [(link.src, link.tgt) for link in links], read_links(gold)

    found = {}
    for name in ("en-fa", "en-ar", "en-tr"):
        folder = HERE / "udhr" / name
        found[f"UDHR {name}"] = score(*f1(folder / "src.txt", folder / "tgt.txt", folder / "gold.txt", "en", name[3:])).f1_strict
    textberg = HERE / "textberg-defr"
    found["Text+Berg"] = score_many(f1(de, de.with_suffix(".fr"), de.with_suffix(".defr"), "de", "fr")
                                    for de in sorted(textberg.glob("test*.de"))).f1_strict
    return found


def refresd_auc(encoder) -> float:
    """ROC AUC of 1 - fidelity, divergent vs equivalent, on REFreSD's test half."""
    from sklearn.metrics import roc_auc_score

    from benchmarks.divergence import load
    from workbench.options import Options
    from workbench.pipeline import score_pairs
    from workbench.text.pairs import PairTable

    pairs = load("test")
    table = PairTable("refresd-test", tuple(p.english for p in pairs), tuple(p.french for p in pairs), "en", "fr")
    scored = score_pairs(table, Options(split="lines"), encoder=encoder)
    fidelity = [score.fidelity for score in scored.scores]
    return float(roc_auc_score([p.binary == "divergent" for p in pairs], [1 - f for f in fidelity]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000, help="verses a side for the timing (default 2000)")
    parser.add_argument("--memory-lines", type=int, default=10000, help="lines a side for the memory run (0: skip)")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    r = speed(args.lines)
    print("| lines a side | sentence-transformers float32, load + encode each line once | workbench end to end "
          "| workbench / reference | segments per second | peak RSS, reference / workbench |")
    print("|---|---|---|---|---|---|")
    print(f"| {r['lines']:,} | {r['reference_s']:.1f} s | {r['workbench_s']:.1f} s | {r['ratio']:.2f} "
          f"| {r['segments_per_s']:.0f} | {r['reference_mb']:.0f} MB / {r['workbench_mb']:.0f} MB |", flush=True)
    if args.memory_lines:
        m = memory(args.memory_lines)
        print(f"\nworkbench end to end on {m['lines']:,} lines a side: {m['workbench_s']:.0f} s, "
              f"peak RSS {m['workbench_mb']:.0f} MB", flush=True)
    if not args.skip_quality:
        rows = quality()
        names = list(rows[0][1])
        print("\n| encoding | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for name, values in rows:
            print(f"| {name} | " + " | ".join(f"{values[k]:.3f}" for k in names) + " |")


if __name__ == "__main__":
    main()
