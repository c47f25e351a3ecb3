"""Alignment quality on the gold sets, run as a user would: `align --split lines`, then `evaluate`.

    python -m benchmarks.alignment [--model PATH_OR_NAME] [--sets udhr textberg]

Predictions go to data/runs/ (git-ignored); the table printed at the end is what the
README quotes.
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


def _align(src: Path, tgt: Path, src_lang: str, tgt_lang: str, out: Path, model: str | None) -> None:
    argv = ["align", str(src), str(tgt), "--split", "lines", "--src-lang", src_lang,
            "--tgt-lang", tgt_lang, "--out", str(out)]
    with contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(argv + (["--model", model] if model else []))
    if status != 0:
        raise SystemExit(f"align failed on {src}")


def udhr(model: str | None) -> list[tuple[str, object]]:
    results = []
    for name in UDHR:
        folder = HERE / "udhr" / name
        out = RUNS / "udhr" / f"{name}.csv"
        _align(folder / "src.txt", folder / "tgt.txt", "en", name.split("-")[1], out, model)
        total, _ = evaluate(out, folder / "gold.txt")
        results.append((f"UDHR {name}", total))
    return results


def textberg(model: str | None) -> list[tuple[str, object]]:
    folder = HERE / "textberg-defr"
    out_dir = RUNS / "textberg"
    for de in sorted(folder.glob("test*.de")):
        _align(de, de.with_suffix(".fr"), "de", "fr", out_dir / f"{de.stem}.csv", model)
    total, _ = evaluate(out_dir, folder)
    return [("Text+Berg de-fr (7 docs)", total)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model")
    parser.add_argument("--sets", nargs="+", choices=("udhr", "textberg"), default=["udhr", "textberg"])
    args = parser.parse_args()
    started = time.perf_counter()
    rows = []
    for name in args.sets:
        rows += {"udhr": udhr, "textberg": textberg}[name](args.model)
    print("| set | strict P / R / F1 | lax P / R / F1 | null P / R |")
    print("|---|---|---|---|")
    for name, s in rows:
        print(f"| {name} | {s.precision_strict:.3f} / {s.recall_strict:.3f} / {s.f1_strict:.3f} "
              f"| {s.precision_lax:.3f} / {s.recall_lax:.3f} / {s.f1_lax:.3f} "
              f"| {s.precision_null:.3f} / {s.recall_null:.3f} |")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
