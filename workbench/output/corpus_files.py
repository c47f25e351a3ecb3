"""A batch's tables: pairs.csv (the spreadsheet), pairs.parquet (for analysis) and index.html
(the corpus at a glance), all from the same rows, each written atomically at the end of a run;
and, while it runs, pairs.partial.csv and pairs.partial.parquet growing as its pairs finish
(`Stream`).

The growing tables have names of their own, never pairs.csv's: a run killed half-way (or one
that fails) then leaves the complete table of the last run that ended beside the partial one of
its own, and a script that reads pairs.csv never takes half a batch for the whole. At the end
the complete tables replace the partial ones, in the batch's order (the partial ones have the
order pairs finished in).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from pathlib import Path
from types import TracebackType

from workbench.errors import InputError
from workbench.model import CorpusRow
from workbench.output import html
from workbench.output.export import csv_cell
from workbench.output.files import atomic_write

COLUMNS = tuple(field.name for field in dataclasses.fields(CorpusRow))  # the contract's nine first
PARTIAL_CSV, PARTIAL_PARQUET = "pairs.partial.csv", "pairs.partial.parquet"
SNAPSHOT_SECONDS = 30.0  # the partial parquet's rewrites: at most this often...
SNAPSHOT_SHARE = 0.02  # ...and taking at most this share of the run's time, however long the table


def write(rows: list[CorpusRow], out: Path) -> tuple[Path, ...]:
    """Write the three tables into `out`, then remove the partial ones a `Stream` left there;
    returns their paths."""
    files = (out / "pairs.csv", out / "pairs.parquet", out / "index.html")
    atomic_write(files[0], _csv(rows).encode("utf-8-sig"))  # the BOM: Excel reads it as UTF-8
    atomic_write(files[1], _parquet(rows))
    atomic_write(files[2], html.corpus(rows).encode("utf-8"))
    for name in (PARTIAL_CSV, PARTIAL_PARQUET):
        (out / name).unlink(missing_ok=True)
    return files


class Stream:
    """The tables of a run in progress, a row added as each finishes: pairs.partial.csv gets
    the row at once (flushed, so `tail -f` shows it; lines as pairs.csv's, the BOM first), and
    pairs.partial.parquet is rewritten whole, atomically, every SNAPSHOT_SECONDS or so. A
    Parquet file is readable only once its footer is written, so a writer appending row groups
    would leave nothing readable until it closed, and nothing at all after a kill. A rewrite
    takes about 4 s at 100,000 rows (2 cores), so SNAPSHOT_SHARE spaces them out on a large
    table (then one every few minutes). After a crash or a kill the CSV holds every row settled,
    the parquet those of its last rewrite."""

    def __init__(self, out: Path):
        self.out = out
        self.rows: list[CorpusRow] = []
        self._due = time.monotonic() + SNAPSHOT_SECONDS
        try:
            out.mkdir(parents=True, exist_ok=True)
            self._handle = (out / PARTIAL_CSV).open("w", encoding="utf-8-sig", newline="")
        except OSError as error:
            raise InputError(f"Cannot write {out / PARTIAL_CSV}: {error.strerror or error}.") from error
        self._csv = csv.writer(self._handle, lineterminator="\n")
        self._csv.writerow(COLUMNS)
        self._handle.flush()

    def add(self, row: CorpusRow) -> None:
        self.rows.append(row)
        self._csv.writerow(_cells(row))
        self._handle.flush()
        if time.monotonic() >= self._due:
            started = time.monotonic()
            atomic_write(self.out / PARTIAL_PARQUET, _parquet(self.rows))
            took = time.monotonic() - started
            self._due = time.monotonic() + max(SNAPSHOT_SECONDS, took / SNAPSHOT_SHARE)

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._handle.close()


def _csv(rows: list[CorpusRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(map(_cells, rows))
    return buffer.getvalue()


def _cells(row: CorpusRow) -> list:
    """A row as pairs.csv writes it: file names and notes are user text, so no cell may run as
    a formula (numbers stay numbers)."""
    record = row.to_json()
    return ["" if record[c] is None else csv_cell(record[c]) for c in COLUMNS]


def _parquet(rows: list[CorpusRow]) -> bytes:
    try:
        import pandas as pd
    except ImportError as error:
        raise InputError("pairs.parquet needs pandas and pyarrow: pip install pandas pyarrow") from error
    frame = pd.DataFrame([row.to_json() for row in rows], columns=list(COLUMNS))
    for column in ("match_score", "coverage", "fidelity", "mqm_penalty", "mqm_per_1000", "mqm_score"):
        frame[column] = frame[column].astype("float64")
    for column in ("links", "omissions", "additions", "mqm_errors"):
        frame[column] = frame[column].astype("Int64")
    frame["mqm_pass"] = frame["mqm_pass"].astype("boolean")
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, index=False)
    except ImportError as error:
        raise InputError("pairs.parquet needs pyarrow: pip install pyarrow") from error
    return buffer.getvalue()
