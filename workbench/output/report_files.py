"""Reports as files: one document's report (.html, .json, .md), or a batch with an index.

Every file goes through `atomic_write`: it appears complete or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from workbench.errors import InputError
from workbench.model import Review, ScoredAlignment
from workbench.output import html, markdown
from workbench.output.export import csv_cell
from workbench.output.files import atomic_write
from workbench.output.report import build
from workbench.review.scorecard import DEFAULT_THRESHOLD


def write(alignment: ScoredAlignment, path: str | os.PathLike, review: Review | None = None, *,
          threshold: float = DEFAULT_THRESHOLD) -> Path:
    """Write the report as .html, .json or .md (chosen by the extension), atomically;
    with `review`, it shows the reviewer's decisions too, and their scorecard against
    `threshold` (see `build`)."""
    path = Path(path)
    atomic_write(path, encoded(alignment, path.name, review, threshold=threshold))
    return path


def encoded(alignment: ScoredAlignment, name: str, review: Review | None = None, *,
            threshold: float = DEFAULT_THRESHOLD) -> bytes:
    """The bytes of the report file named `name` (.html, .json or .md); its stem is the title."""
    render = _RENDERERS.get(Path(name).suffix.lower())
    if render is None:
        *most, last = _RENDERERS
        raise InputError(f"Cannot write a report to {name}: the name must end in {', '.join(most)} or {last}.")
    return render(build(alignment, review, threshold=threshold), Path(name).stem).encode("utf-8")


def write_batch(alignments: list[tuple[str, ScoredAlignment]], out_dir: str | os.PathLike) -> Path:
    """One HTML and one JSON report per document, plus index.html and summary.csv; returns the index.

    Every report is built before anything is written, so a bad document leaves the folder as it was.
    """
    if not alignments:
        raise InputError("No documents to report on: the batch is empty.")
    names = [name for name, _ in alignments]
    for name in names:
        if not name or name in (".", "..") or any(c in name for c in "/\\\0"):
            raise InputError(f"Cannot name a report {name!r}: a document name must be a plain file name.")
        if name.lower() == "index":
            raise InputError("Cannot name a report 'index': index.html is the batch's own summary page.")
    repeated = sorted(name for name, n in Counter(names).items() if n > 1)
    if repeated:
        raise InputError(f"Two documents in the batch share the name {repeated[0]!r}; names must be unique.")
    reports = [(name, build(alignment)) for name, alignment in alignments]
    out = Path(out_dir)
    for name, report in reports:
        atomic_write(out / f"{name}.html", html.report(report, name).encode("utf-8"))
        atomic_write(out / f"{name}.json", _json(report).encode("utf-8"))
    # utf-8-sig: the BOM makes Excel read the table as UTF-8, as in workbench.output.export
    atomic_write(out / "summary.csv", _summary_csv(reports).encode("utf-8-sig"))
    index = out / "index.html"
    atomic_write(index, html.index(reports).encode("utf-8"))
    return index


def _json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


# each renders the report's data as the text of one kind of file, titled with the file's stem (JSON has no title)
_RENDERERS: dict[str, Callable[[dict, str], str]] = {
    ".html": html.report,
    ".json": lambda report, title: _json(report),
    ".md": markdown.report,
}


def _summary_csv(reports: list[tuple[str, dict]]) -> str:
    labels = list(dict.fromkeys(label for _, report in reports for label in report["label_counts"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["document", "src_lang", "tgt_lang", "verdict", "coverage", "fidelity", "links", *labels, "report"])
    for name, report in reports:
        # the document names (file names) and languages are user text: no cell may run as a formula
        writer.writerow(
            [
                csv_cell(name),
                csv_cell(report["src_lang"]),
                csv_cell(report["tgt_lang"]),
                report["verdict"],
                f"{report['coverage']:.4f}",
                f"{report['fidelity']:.4f}",
                len(report["links"]),
                *(report["label_counts"].get(label, 0) for label in labels),
                csv_cell(f"{name}.html"),
            ]
        )
    return buffer.getvalue()
