"""Alignment quality on the gold sets, run as a user would: `align --split lines`, then `evaluate`.

    python -m benchmarks.alignment [--model PATH_OR_NAME] [--sets udhr fragments quran textberg]

udhr, fragments and quran are the development sets the aligner's settings were chosen on;
textberg is the test set, never tuned on.

Predictions go to data/runs/ (git-ignored); the table printed at the end is what
benchmarks/README.md quotes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from pathlib import Path

from workbench import cli
from workbench.evaluate import evaluate

HERE = Path(__file__).resolve().parent
RUNS = HERE.parent / "data" / "runs"
UDHR = [f"en-{lang}{variant}" for variant in ("", "-omissions") for lang in ("fa", "ar", "tr")]
FRAGMENTS = ["de-fr", "en-fr", "en-de", "en-es"]


def _align(src: Path, tgt: Path, src_lang: str, tgt_lang: str, out: Path, model: str | None) -> None:
    argv = ["align", str(src), str(tgt), "--split", "lines", "--src-lang", src_lang,
            "--tgt-lang", tgt_lang, "--out", str(out)]
    with contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(argv + (["--model", model] if model else []))
    if status != 0:
        raise SystemExit(f"align failed on {src}")


def _one(folder: Path, out: Path, model: str | None) -> object:
    """Align one pair of a development set (its folder is named for its languages) and score it."""
    src_lang, tgt_lang = folder.name.split("-")[:2]
    _align(folder / "src.txt", folder / "tgt.txt", src_lang, tgt_lang, out, model)
    return evaluate(out, folder / "gold.txt")[0]


def udhr(model: str | None) -> list[tuple[str, object]]:
    return [(f"UDHR {name}", _one(HERE / "udhr" / name, RUNS / "udhr" / f"{name}.csv", model)) for name in UDHR]


def fragments(model: str | None) -> list[tuple[str, object]]:
    scores = [_one(HERE / "udhr" / f"{name}-fragments", RUNS / "udhr" / f"{name}-fragments.csv", model)
              for name in FRAGMENTS]
    return [(f"UDHR fragments ({', '.join(FRAGMENTS)})", sum(scores[1:], scores[0]))]


def quran(model: str | None) -> list[tuple[str, object]]:
    folders = sorted((HERE / "quran").iterdir())
    scores = [_one(folder, RUNS / "quran" / f"{folder.name}.csv", model) for folder in folders if folder.is_dir()]
    return [(f"Quran verses ({', '.join(f.name for f in folders if f.is_dir())})", sum(scores[1:], scores[0]))]


def textberg(model: str | None) -> list[tuple[str, object]]:
    folder = HERE / "textberg-defr"
    out_dir = RUNS / "textberg"
    for de in sorted(folder.glob("test*.de")):
        _align(de, de.with_suffix(".fr"), "de", "fr", out_dir / f"{de.stem}.csv", model)
    total, _ = evaluate(out_dir, folder)
    return [("Text+Berg de-fr (7 docs)", total)]


SETS = {"udhr": udhr, "fragments": fragments, "quran": quran, "textberg": textberg}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model")
    parser.add_argument("--sets", nargs="+", choices=tuple(SETS), default=list(SETS))
    args = parser.parse_args()
    started = time.perf_counter()
    rows = []
    for name in args.sets:
        rows += SETS[name](args.model)
    print("| set | strict P / R / F1 | lax P / R / F1 | null P / R |")
    print("|---|---|---|---|")
    for name, s in rows:
        print(f"| {name} | {s.precision_strict:.3f} / {s.recall_strict:.3f} / {s.f1_strict:.3f} "
              f"| {s.precision_lax:.3f} / {s.recall_lax:.3f} / {s.f1_lax:.3f} "
              f"| {s.precision_null:.3f} / {s.recall_null:.3f} |")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
