"""Hostile and broken input, measured: time, peak memory and outcome of each case, beside a
normal document of the same size through the same command.

    python -m benchmarks.hostile [--size-mb 5] [--align-size-mb 5] [--only NAME ...] [--out FILE.json]

Each case is one workbench command in a new process with an empty vector cache (`timed`,
shared with benchmarks.speed, gives wall seconds and the child's peak RSS). Its outcome is
"ok" (exit 0), "refused" (exit 2 with one line on stderr, no traceback) or "FAILED" (anything
else). Sizes are of the input's bytes on disk. Cases that stop before the model (segment,
report, score on refused input) run at --size-mb; the cases that reach the encoder (align) at --align-size-mb, beside a normal
document of that size (the Quran's verses in English and French, npm quran-json), since
encoding is what a normal document of that size spends its time on. The goal (issue #12):
every case within 3x the normal document's time through the same command, under 2 GB.

Timings depend on what else the machine runs: run nothing beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.speed import ROOT, fresh_env, timed_any, verses

MB = 1 << 20
PERSIAN = "این یک جمله عادی است که برای آزمایش نوشته شده است."
ARABIC = "هذه جملة عادية مكتوبة للاختبار."


@dataclass(frozen=True)
class Case:
    """One hostile input: what it is, the command it goes through, how to make its files."""

    name: str
    what: str
    command: str  # segment, report, score or align
    make: Callable[[Path, int], list[str]]  # (folder, bytes) -> the command's arguments


@dataclass(frozen=True)
class Result:
    name: str
    what: str
    command: str
    megabytes: float  # of input
    seconds: float
    peak_mb: float
    outcome: str
    message: str  # the last line of stderr (the error, if refused)


def _write(folder: Path, name: str, data: str | bytes, encoding: str = "utf-8") -> str:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return str(path)


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit.encode("utf-8")))


def _two_files(text: str, lang: str = "en", translation: str = PERSIAN, tgt: str = "fa") -> Callable[[Path, int], list[str]]:
    """A hostile original beside a short normal translation, languages given."""
    def make(folder: Path, size: int) -> list[str]:
        return [_write(folder, "original.txt", text), _write(folder, "translation.txt", translation),
                "--src-lang", lang, "--tgt-lang", tgt]
    return make


def _segment_case(name: str, what: str, unit: str, lang: str = "en") -> Case:
    def make(folder: Path, size: int) -> list[str]:
        return _two_files(_repeat(unit, size), lang)(folder, size)
    return Case(name, what, "segment", make)


def _file_case(name: str, what: str, data: Callable[[int], bytes]) -> Case:
    """One bilingual file of raw bytes through `segment` (decoding and language detection)."""
    return Case(name, what, "segment", lambda folder, size: [_write(folder, "input.txt", data(size))])


def _export(folder: Path, rows: int, text: Callable[[int], tuple[str, str]], suffix: str,
            edit: Callable[[str], str] = lambda t: t) -> list[str]:
    """A scored export of `rows` links (texts from `text(k)`), then edited by hand."""
    from workbench.model import Alignment, DocumentFidelity, Link, LinkFidelity, Segment, scored
    from workbench.output import export

    pairs = [text(k) for k in range(rows)]
    src = [Segment(k, s, s, k, 0, len(s)) for k, (s, _) in enumerate(pairs)]
    tgt = [Segment(k, t, t, k, 0, len(t)) for k, (_, t) in enumerate(pairs)]
    alignment = Alignment(src, tgt, "en", "fr", [Link((k,), (k,), 0.5) for k in range(rows)], model="m", signature="s")
    result = scored(alignment, [LinkFidelity(0.9, "faithful")] * rows, DocumentFidelity(0.9, 1.0, "translation", {}, {}))
    path = export.write(result, folder / f"aligned{suffix}")
    path.write_text(edit(path.read_text(encoding="utf-8-sig")), encoding="utf-8")
    return [str(path), "--out", str(folder / "report.html")]


def _quran_export(suffix: str, edit: Callable[[str], str] = lambda t: t) -> Callable[[Path, int], list[str]]:
    """A scored export of the Quran's verses, edited by `edit`, of `size` bytes on disk: written
    once at a guess of rows, then again at the rows that make `size` (a row's bytes depend on
    the format: a JSONL row repeats every key)."""
    def make(folder: Path, size: int) -> list[str]:
        en, fr = verses(6236)
        src, tgt = en.read_text(encoding="utf-8").splitlines(), fr.read_text(encoding="utf-8").splitlines()

        def text(k: int) -> tuple[str, str]:
            return src[k % len(src)] + f" ({k})", tgt[k % len(tgt)] + f" ({k})"

        guess = max(1, size // 260)
        written = Path(_export(folder, guess, text, suffix, edit)[0]).stat().st_size
        return _export(folder, max(1, round(guess * size / written)), text, suffix, edit)
    return make


def _huge_cell(folder: Path, size: int) -> list[str]:
    return _export(folder, 2, lambda k: ("x" * size if k == 0 else "One.", "Un."), ".csv")


def _first_fidelity(value: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.split("\n")
        lines[1] = lines[1].replace(",0.9,", f",{value},", 1)
        return "\n".join(lines)
    return edit


def _jsonl_edit(text: str) -> str:
    return text.replace('"src_text": "', '"src_text": "\\ud800', 1)


def _nested_jsonl(folder: Path, size: int) -> list[str]:
    return [_write(folder, "aligned.jsonl", "[" * size + "\n"), "--out", str(folder / "report.html")]


def _pairs(folder: Path, size: int) -> list[str]:
    rows = [("src_text", "tgt_text"), ("A short one.", "Un court."), ("word " * (size // 10), "mot " * (size // 8))]
    return [_write(folder, "pairs.csv", "\n".join(",".join(r) for r in rows) + "\n"), "--src-lang", "en",
            "--tgt-lang", "fr", "--out", str(folder / "scored.csv")]


def _normal_document(folder: Path, size: int) -> list[str]:
    en, fr = verses(max(1, size // 310))
    return [str(en), str(fr), "--split", "lines", "--src-lang", "en", "--tgt-lang", "fr"]


def _unrelated(folder: Path, size: int) -> list[str]:
    """Two files of different texts: English verses against French verses in another order."""
    lines = max(1, size // 310)
    en, fr = verses(lines)
    shuffled = fr.read_text(encoding="utf-8").splitlines()
    random.Random(0).shuffle(shuffled)
    return [str(en), _write(folder, "shuffled.fr", "\n".join(shuffled) + "\n"), "--split", "lines",
            "--src-lang", "en", "--tgt-lang", "fr"]


def _one_paragraph_a_side(folder: Path, size: int) -> list[str]:
    en, fr = verses(max(1, size // 310))
    return [_write(folder, "en.txt", " ".join(en.read_text(encoding="utf-8").replace(".", "").split("\n"))),
            _write(folder, "fr.txt", " ".join(fr.read_text(encoding="utf-8").replace(".", "").split("\n"))),
            "--split", "lines", "--src-lang", "en", "--tgt-lang", "fr"]


def _long_turkish_word(folder: Path, size: int) -> list[str]:
    en, _ = verses(20)
    lines = en.read_text(encoding="utf-8").splitlines()
    turkish = ["Bu bir cümledir."] * 19 + ["a" * (size // 2)]
    return [_write(folder, "en.txt", "\n".join(lines[:19] + ["x" * (size // 2)])),
            _write(folder, "tr.txt", "\n".join(turkish)), "--split", "lines", "--src-lang", "en", "--tgt-lang", "tr"]


CASES = [
    Case("normal-segment", "a normal document (Quran verses, en + a short fa)", "segment",
         lambda folder, size: _two_files(verses(max(1, size // 150))[0].read_text(encoding="utf-8"))(folder, size)),
    _segment_case("at-signs", '"@" repeated (cubic e-mail regex)', "@"),
    _segment_case("stops", '"x. X. " repeated in one paragraph (quadratic splitting)', "x. X. "),
    _segment_case("persian-stops", '"ب. " repeated in one paragraph', "ب. ", "fa"),
    _segment_case("abbreviations", '"Dr. " repeated (an abbreviation at every stop)', "Dr. "),
    _segment_case("dots-no-space", '"a." repeated with no space', "a."),
    _segment_case("no-space", "one word of letters, no space at all", "x"),
    _segment_case("no-stops", "one paragraph of words with no full stop", "word "),
    _segment_case("digit-groups", '"111 " repeated (number grouping)', "111 "),
    _segment_case("escapes", "ESC/OSC/CSI terminal sequences", "Text.\x1b]0;owned\x07 \x1b[2J\x9b1m "),
    _segment_case("bidi", "bidi overrides and isolates", "\u202eabc\u2066 def.\u202c "),
    _segment_case("zero-width", "zero-width joiners and non-joiners", "\u200c\u200d"),
    _segment_case("combining", "a letter with a pile of combining marks", "a" + "\u0301" * 50 + " "),
    _file_case("binary", "random bytes", lambda size: random.Random(0).randbytes(size)),
    _file_case("nul-utf16", "UTF-16 text without a BOM, then NUL bytes", lambda size: ("text " * (size // 20)).encode("utf-16-le") + b"\0" * 1000),
    _file_case("cp1256", "Arabic in Windows-1256, one language", lambda size: _repeat(ARABIC + "\n", size).encode("cp1256")),
    _file_case("empty-lines", "nothing but newlines", lambda size: b"\n" * size),
    _file_case("one-line", "one 5 MB line of English, one language", lambda size: _repeat("The state shall not fall. ", size).encode()),
    Case("normal-report", "a normal scored export (Quran verses)", "report", _quran_export(".csv")),
    Case("huge-cell", "a CSV cell of the whole size", "report", _huge_cell),
    Case("nan-fidelity", "a CSV with fidelity = nan", "report", _quran_export(".csv", _first_fidelity("nan"))),
    Case("inf-fidelity", "a CSV with fidelity = inf", "report", _quran_export(".csv", _first_fidelity("inf"))),
    Case("negative-fidelity", "a CSV with fidelity = -3", "report", _quran_export(".csv", _first_fidelity("-3"))),
    Case("surrogate", "a JSONL row with a lone surrogate", "report", _quran_export(".jsonl", _jsonl_edit)),
    Case("nested-json", "a JSONL line of nested brackets", "report", _nested_jsonl),
    Case("long-pair", "a pairs CSV with one cell of the whole size", "score", _pairs),
    Case("normal-align", "a normal document (Quran verses, one a line)", "align", _normal_document),
    Case("unrelated", "two texts that do not translate each other", "align", _unrelated),
    Case("one-paragraph", "one paragraph a side, no full stops (--split lines)", "align", _one_paragraph_a_side),
    Case("long-word", "a link of one word of letters a side (en/tr)", "align", _long_turkish_word),
]


def run(case: Case, size: int) -> Result:
    folder = Path(tempfile.mkdtemp(prefix=f"hostile-{case.name}-"))
    arguments = case.make(folder, size)
    megabytes = sum(Path(a).stat().st_size for a in arguments if Path(a).is_file() and Path(a).parent in (folder, ROOT / "data" / "bench")) / MB
    out = [] if case.command in ("segment", "report", "score") else ["--out", str(folder / "aligned.csv")]
    command = [sys.executable, "-m", "workbench", case.command, *arguments, *out]
    seconds, peak, code, stderr = timed_any(command, fresh_env())
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("\r")]
    last = (lines[-1] if lines else "").replace(f"{folder}/", "").replace(f"{ROOT}/", "")  # names, not this machine's paths
    one_line_error = code == 2 and "Traceback" not in stderr and last.startswith("error:")
    outcome = "ok" if code == 0 else "refused" if one_line_error else f"FAILED (exit {code})"
    return Result(case.name, case.what, case.command, round(megabytes, 2), round(seconds, 2), round(peak), outcome, last[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=5)
    parser.add_argument("--align-size-mb", type=float, default=5)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = []
    for case in CASES:
        if args.only and case.name not in args.only:
            continue
        size = int((args.align_size_mb if case.command == "align" else args.size_mb) * MB)
        result = run(case, size)
        results.append(result)
        print(f"{result.name:18s} {result.command:8s} {result.megabytes:6.2f} MB {result.seconds:8.1f} s "
              f"{result.peak_mb:6.0f} MB  {result.outcome:10s} {result.message[:90]}", flush=True)
    if args.out:
        args.out.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1), encoding="utf-8")
    failed = [r.name for r in results if r.outcome.startswith("FAILED") or r.peak_mb > 2048]
    if failed:
        raise SystemExit(f"failed or over 2 GB: {', '.join(failed)}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
