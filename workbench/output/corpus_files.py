"""A batch's tables: pairs.csv (the spreadsheet), pairs.parquet (for analysis) and index.html
(the corpus at a glance), all from the same rows, each written atomically."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from workbench.errors import InputError
from workbench.model import CorpusRow
from workbench.output import html
from workbench.output.export import csv_cell
from workbench.output.files import atomic_write

COLUMNS = tuple(field.name for field in dataclasses.fields(CorpusRow))  # the contract's nine first


def write(rows: list[CorpusRow], out: Path) -> tuple[Path, ...]:
    """Write the three tables into `out`; returns their paths."""
    files = (out / "pairs.csv", out / "pairs.parquet", out / "index.html")
    atomic_write(files[0], _csv(rows).encode("utf-8-sig"))  # the BOM: Excel reads it as UTF-8
    atomic_write(files[1], _parquet(rows))
    atomic_write(files[2], html.corpus(rows).encode("utf-8"))
    return files


def _csv(rows: list[CorpusRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        record = row.to_json()
        # file names and notes are user text: no cell may run as a formula (numbers stay numbers)
        writer.writerow(["" if record[c] is None else csv_cell(record[c]) for c in COLUMNS])
    return buffer.getvalue()


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
