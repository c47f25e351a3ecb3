"""Every file a document is written as, in one table, and the one place a name picks its file.

Two families make them: `export`, the links (.csv .jsonl .tmx .xlsx, and the CAT tools' .xlf /
.xliff; `align` and `score` write these, and `report` and `evaluate` read CSV and JSONL back), and `report_files`,
the fidelity report (.html .json .md; `report` writes these). A reviewed document may be
written as either, with the reviewer's decisions: `python -m workbench export` and the review
app's download buttons both go through `encoded` / `write`, so a suffix means the same file
wherever it is asked for, and the suffixes a user is told about come from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import InputError
from workbench.model import Review, ScoredAlignment
from workbench.output import export, report_files
from workbench.output.files import atomic_write
from workbench.review.scorecard import DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Context:
    """What a reviewed document's file may need besides its links and review: `original`, the
    text of the XLIFF file the document was read from, if it was (the review store keeps it as
    the document's source text; an XLIFF export is then a copy of it with the review written
    in), and `threshold`, the least MQM score that passes (a report's scorecard states it)."""

    original: str | None = None
    threshold: float = DEFAULT_THRESHOLD


def _links(alignment: ScoredAlignment, name: str, review: Review | None, context: Context) -> bytes:
    return export.encoded(alignment, name, review, original=context.original)


def _report(alignment: ScoredAlignment, name: str, review: Review | None, context: Context) -> bytes:
    return report_files.encoded(alignment, name, review, threshold=context.threshold)


@dataclass(frozen=True)
class Format:
    """A file a document is written as: its suffix, what a button calls it, the media type a
    download is sent as, and the family's function that makes its bytes."""

    suffix: str
    label: str
    media_type: str
    encode: Callable[[ScoredAlignment, str, Review | None, Context], bytes]


FORMATS: dict[str, Format] = {f.suffix: f for f in (
    Format(".csv", "CSV", "text/csv", _links),
    Format(".jsonl", "JSONL", "application/jsonl", _links),
    Format(".tmx", "TMX", "application/x-tmx+xml", _links),
    Format(".xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _links),
    Format(".xlf", "XLIFF", "application/xliff+xml", _links),
    Format(".xliff", "XLIFF", "application/xliff+xml", _links),
    Format(".html", "HTML report", "text/html", _report),
    Format(".json", "JSON report", "application/json", _report),
    Format(".md", "Markdown report", "text/markdown", _report),
)}
SUFFIXES = tuple(FORMATS)
LINK_SUFFIXES = tuple(s for s, f in FORMATS.items() if f.encode is _links)  # align, score
REPORT_SUFFIXES = tuple(s for s, f in FORMATS.items() if f.encode is _report)  # report


def format_of(name: str | os.PathLike) -> Format:
    """The format a file name asks for (its suffix, in any case); InputError for one we do not write."""
    found = FORMATS.get(Path(name).suffix.lower())
    if found is None:
        raise InputError(f"Cannot write {Path(name).name}: unknown extension; use one of {', '.join(SUFFIXES)}.")
    return found


def encoded(alignment: ScoredAlignment, name: str, review: Review | None = None,
            context: Context = Context()) -> bytes:
    """The bytes of the file named `name`, in the format its suffix names; with `review`, the
    reviewer's decisions are in it; `context` as `Context` says (each family takes what it needs)."""
    return format_of(name).encode(alignment, name, review, context)


def write(alignment: ScoredAlignment, path: str | os.PathLike, review: Review | None = None,
          context: Context = Context()) -> Path:
    """Write the file `path` names (see `encoded`) with `atomic_write`; return the path."""
    path = Path(path)
    atomic_write(path, encoded(alignment, path.name, review, context))
    return path
