"""Export an alignment as CSV, JSONL, TMX, XLSX or XLIFF, and read CSV/JSONL exports back.

Every format is built from the same `rows()`, so the columns a reviewer sees in Excel, the
fields a script reads from JSONL and the links `evaluate` scores are one and the same; and
`read_alignment` turns a CSV/JSONL export back into a scored alignment, so a report can be
made from a file aligned earlier without aligning again. Every row ends with the languages
and the signature of how the alignment was made. XLIFF, the CAT tools' file, has a shape of
its own (units, states, quality issues): `workbench.output.xliff` writes it from the alignment
and review, into a copy of the XLIFF the links came from when there is one. Files are written
with `atomic_write`.
Document text is untrusted: every CSV text cell goes through `csv_cell`, so a sentence that
starts with "=" is never run as a spreadsheet formula, and `read_rows` undoes it exactly.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from workbench import __version__
from workbench.errors import InputError
from workbench.fidelity import summarise
from workbench.languages import is_rtl
from workbench.model import (
    Alignment,
    RecordError,
    Review,
    ReviewError,
    ScoredAlignment,
    alignment_from_records,
    link_records,
    scored,
)
from workbench.output import xliff
from workbench.output.files import atomic_write
from workbench.output.text import bcp47
from workbench.review.marks import error_words
from workbench.text.controls import for_xml
from workbench.text.document import csv_reader
from workbench.text.segment import normalise
from workbench.text.xliff import XLIFF_SUFFIXES

BASE_COLUMNS = ("link", "src_ids", "tgt_ids", "kind", "src_text", "tgt_text", "similarity")
SCORE_COLUMNS = ("fidelity", "label", "issues", "src_spans", "tgt_spans")
REVIEW_COLUMNS = ("review_status", "review_category", "review_comment", "review_errors")
# last, so the columns before them keep their places; they let `read_alignment` know the
# languages, and the signature says how the alignment was made
LANGUAGE_COLUMNS = ("src_lang", "tgt_lang")
SIGNATURE_COLUMN = "signature"

# the number columns and the values they may hold (NaN fails every comparison, so it is refused)
_FLOAT_COLUMNS = {"similarity": (-1.0, 1.0), "fidelity": (0.0, 1.0)}
# A cell a spreadsheet may run as a formula: OWASP's triggers (= + - @ tab CR), after any run of
# single quotes, so that a text which itself starts with quotes and a trigger is quoted too.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


def columns(scored: bool, reviewed: bool) -> list[str]:
    """The export's columns in order: base, fidelity and review columns, the languages, the signature."""
    return [*BASE_COLUMNS, *(SCORE_COLUMNS if scored else ()), *(REVIEW_COLUMNS if reviewed else ()),
            *LANGUAGE_COLUMNS, SIGNATURE_COLUMN]


def rows(alignment: Alignment, review: Review | None = None) -> list[dict]:
    """One dict per link, in document order, with the columns of `columns()`: the records of
    `workbench.model.link_records` with ids space-separated, issues ";"-joined and spans
    "start-end;start-end", as a spreadsheet shows them."""
    return [_flat(record) for record in link_records(alignment, review)]


def _flat(record: dict) -> dict:
    row = dict(record)
    for key in ("src_ids", "tgt_ids"):
        row[key] = " ".join(str(i) for i in record[key])
    if "issues" in record:
        row["issues"] = ";".join(record["issues"])
        row["src_spans"] = _spans_text(record["src_spans"])
        row["tgt_spans"] = _spans_text(record["tgt_spans"])
    if "review_errors" in record:
        row["review_errors"] = " | ".join(
            error_line(ReviewError.from_json(error), record["src_text"], record["tgt_text"])
            for error in record["review_errors"])
    return row


def error_line(error: ReviewError, src_text: str, tgt_text: str) -> str:
    """A reviewer's error in one line, as a spreadsheet cell or a report shows it:
    `major accuracy/mistranslation (source “…”; target “…”): comment`."""
    return f"{error.severity} {error.category} ({error_words(error, src_text, tgt_text) or 'the whole link'})" + \
        (f": {error.comment}" if error.comment else "")


def write(alignment: Alignment, path: str | os.PathLike, review: Review | None = None,
          extra: Sequence[Mapping[str, str]] = (), original: str | None = None) -> Path:
    """Write the alignment to `path` in the format its extension names (see `encoded`); return
    the path. The whole file is built in memory first, then written with `atomic_write`: it
    appears complete or not at all."""
    path = Path(path)
    atomic_write(path, encoded(alignment, path.name, review, extra, original))
    return path


def encoded(alignment: Alignment, name: str, review: Review | None = None,
            extra: Sequence[Mapping[str, str]] = (), original: str | None = None) -> bytes:
    """The bytes of the export named `name` (.csv .jsonl .tmx .xlsx .xlf .xliff), made where the
    alignment was (a batch's worker) and written where the files are.

    `extra`: one mapping per link of columns to keep beside ours (the other columns of scored
    pairs, `workbench score`), written first; a column named like one of ours is left out.
    TMX and XLIFF have no place for them. `original`: the text of the XLIFF file the links were
    read from (pair k = unit k), if they were; an XLIFF export is then a copy of that file with
    the scores and review written in (`workbench.output.xliff`). Other formats ignore it.
    """
    suffix = Path(name).suffix.lower()
    if suffix in XLIFF_SUFFIXES:
        return xliff.encoded(alignment, review, original)
    writer = _WRITERS.get(suffix)
    if writer is None:
        supported = ", ".join([*_WRITERS, *XLIFF_SUFFIXES])
        raise InputError(f"Cannot export to {name}: unknown extension; use one of {supported}.")
    table = rows(alignment, review)
    header = columns(isinstance(alignment, ScoredAlignment), review is not None)
    if extra:
        kept = [column for column in extra[0] if column not in header]
        table = [{**{column: more.get(column, "") for column in kept}, **row} for more, row in zip(extra, table)]
        header = kept + header
    return writer(alignment, header, table)


def csv_cell(value: object) -> object:
    """`value` made safe for a CSV cell: a text a spreadsheet would run as a formula gets a `'`.

    Excel and LibreOffice evaluate a CSV cell that starts with =, +, -, @, tab or carriage
    return (CSV/formula injection, OWASP), and document text is untrusted, so such a text is
    prefixed with a single quote, which makes the cell plain text. Only text is touched: the
    numbers the program writes (link, similarity, fidelity) stay numbers, negative ones too.
    The one ambiguity is a text that itself begins with quotes and a trigger ("'=x"): read
    back, it could not be told from a quoted "=x". So the quote is added whenever the text
    starts with any number of quotes and then a trigger ("'=x" -> "''=x"), and `csv_text`
    removes one quote from exactly those cells; the round trip is exact for every string.
    XLSX needs none of this: its cells are typed, and `_xlsx_bytes` stores such text as text.
    """
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


def csv_text(cell: str) -> str:
    """The text `csv_cell` was given: the one quote it added to a CSV cell taken away."""
    return cell[1:] if cell.startswith("'") and _FORMULA_START.match(cell) else cell


def read_rows(path: str | os.PathLike) -> list[dict]:
    """Read a .csv or .jsonl file written by `write` back into the dicts `rows()` made.

    CSV cells are given back as they were before `csv_cell` guarded them against spreadsheets.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise InputError(f"Cannot read {path.name}: only .csv and .jsonl exports can be read back.")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            table = _read_csv(handle, path) if suffix == ".csv" else _read_jsonl(handle, path)
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from error
    except UnicodeDecodeError as error:
        raise InputError(f"Cannot read {path}: it is not UTF-8 text.") from error
    except csv.Error as error:
        raise InputError(f"Cannot read {path.name}: it is not a well-formed CSV file ({error}).") from error
    return table


def read_alignment(path: str | os.PathLike) -> ScoredAlignment:
    """The scored alignment a .csv or .jsonl export of `write` was made from, summary recomputed.

    What the file cannot hold is rebuilt as `workbench.model.alignment_from_records` says; the
    summary is `fidelity.summarise` over the stored link scores, which were rounded to 4
    decimals, and has no sacrebleu scores (they need the reference text). Rows are taken in
    the order of their `link` number, so a table re-sorted in a spreadsheet still reads in
    document order.
    """
    path = Path(path)
    table = read_rows(path)
    if not table:
        raise InputError(f"{path.name} holds no links.")
    if any(name not in table[0] for name in SCORE_COLUMNS):
        raise InputError(f"{path.name} was aligned without fidelity scores; run report on the original texts.")
    try:
        records = [_record(row) for row in table]
        alignment, scores = alignment_from_records(
            records, normalise, f"read back from {path.name}: document scores recomputed from its link scores")
    except (RecordError, TypeError, ValueError, KeyError, IndexError, OverflowError) as error:
        detail = str(error) if isinstance(error, RecordError) else "has malformed ids, scores or spans"
        raise InputError(f"{path.name} {detail}.") from error
    return scored(alignment, scores, summarise(alignment, scores))


def _record(row: dict) -> dict:
    """A row as `rows()` flattened it, back in the shape of `link_records`."""
    record = dict(row)
    for key in ("src_ids", "tgt_ids"):
        record[key] = _ids_tuple(str(row[key] or ""))
    record["issues"] = [code for code in str(row["issues"] or "").split(";") if code]
    for key in ("src_spans", "tgt_spans"):
        record[key] = _spans_list(str(row[key] or ""))
    return record


def _spans_text(spans: tuple[tuple[int, int], ...]) -> str:
    return ";".join(f"{start}-{end}" for start, end in spans)


def _spans_list(text: str) -> list[list[int]]:
    return [[int(n) for n in span.split("-")] for span in text.split(";") if span]


def _ids_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(i) for i in text.split())


def _csv_bytes(alignment: Alignment, header: list[str], table: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows({name: csv_cell(value) for name, value in row.items()} for row in table)
    # utf-8-sig: the BOM is what makes Excel read the file as UTF-8 instead of a code page
    return buffer.getvalue().encode("utf-8-sig")


def _jsonl_bytes(alignment: Alignment, header: list[str], table: list[dict]) -> bytes:
    lines = []
    for row in table:
        record = dict(row)
        for key in ("src_spans", "tgt_spans"):
            if key in record:
                record[key] = _spans_list(record[key])
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def _tmx_bytes(alignment: Alignment, header: list[str], table: list[dict]) -> bytes:
    from lxml import etree

    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    src_lang, tgt_lang = bcp47(alignment.src_lang), bcp47(alignment.tgt_lang)
    tmx = etree.Element("tmx", version="1.4")
    head = etree.SubElement(
        tmx,
        "header",
        creationtool="alignment-workbench",
        creationtoolversion=__version__,
        datatype="plaintext",
        segtype="sentence",
        adminlang="en",
        srclang=src_lang,
        **{"o-tmf": "alignment-workbench"},
    )
    if alignment.model:
        etree.SubElement(head, "prop", type="x-model").text = for_xml(alignment.model)
    if alignment.signature:
        etree.SubElement(head, "prop", type="x-signature").text = for_xml(alignment.signature)
    for note in alignment.notes:
        etree.SubElement(head, "note").text = for_xml(note)
    body = etree.SubElement(tmx, "body")
    for row in table:
        if not (row["src_ids"] and row["tgt_ids"]):
            continue  # a translation unit needs both sides; omissions/additions have one
        unit = etree.SubElement(body, "tu")
        props = [("x-link", row["link"]), ("x-kind", row["kind"]), ("x-similarity", row["similarity"])]
        if "fidelity" in row:
            props += [("x-fidelity", row["fidelity"]), ("x-label", row["label"])]
        for name, value in props:
            if value is not None:
                etree.SubElement(unit, "prop", type=name).text = for_xml(str(value))
        for lang, text in ((src_lang, row["src_text"]), (tgt_lang, row["tgt_text"])):
            variant = etree.SubElement(unit, "tuv", {xml_lang: lang})
            etree.SubElement(variant, "seg").text = for_xml(text)
    return etree.tostring(tmx, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _xlsx_bytes(alignment: Alignment, header: list[str], table: list[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment as CellAlignment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    text_width = {"src_text": 60, "tgt_text": 60, "review_comment": 40}
    text_lang = {"src_text": alignment.src_lang, "tgt_text": alignment.tgt_lang}
    book = Workbook()
    sheet = book.active
    sheet.title = "alignment"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in table:
        sheet.append([_xlsx_value(row[name]) for name in header])
    for position, name in enumerate(header, start=1):
        letter = get_column_letter(position)
        if name not in text_width:
            sheet.column_dimensions[letter].width = max(8, len(name) + 2)
            continue
        sheet.column_dimensions[letter].width = text_width[name]
        rtl = is_rtl(bcp47(text_lang.get(name, "")))
        style = CellAlignment(wrap_text=True, vertical="top", horizontal="right" if rtl else None,
                              readingOrder=2 if rtl else 0)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
            cell.alignment = style

    about = book.create_sheet("about")
    about.append(["source language", alignment.src_lang])
    about.append(["target language", alignment.tgt_lang])
    about.append(["model", alignment.model])
    about.append(["signature", alignment.signature])
    about.append(["links", len(alignment.links)])
    for note in alignment.notes:
        about.append(["note", _xlsx_value(note)])
    if isinstance(alignment, ScoredAlignment):
        summary = alignment.summary
        about.append(["coverage", round(summary.coverage, 4)])
        about.append(["fidelity", round(summary.fidelity, 4)])
        about.append(["verdict", summary.verdict])
        for label, count in summary.label_counts.items():
            about.append([f"links labelled {label}", count])
        for issue, count in summary.issue_counts.items():
            about.append([f"issue {issue}", count])
    for cell in about["A"]:
        cell.font = Font(bold=True)
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 80
    # a text that starts with "=" is data, never a formula Excel would run
    for worksheet in (sheet, about):
        for line in worksheet.iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: object) -> object:
    return for_xml(value) if isinstance(value, str) else value


def _read_csv(handle, path: Path) -> list[dict]:
    reader = csv_reader(handle)
    _check_columns(reader.fieldnames or [], path)
    return [
        _typed({name: csv_text(cell) if isinstance(cell, str) else cell for name, cell in row.items()}, path, number)
        for number, row in enumerate(reader, start=2)
    ]


def _read_jsonl(handle, path: Path) -> list[dict]:
    table = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path.name} line {number} is not JSON: {error.msg}.") from error
        except RecursionError as error:
            raise InputError(f"{path.name} line {number} nests too deeply to be an export.") from error
        if not isinstance(record, dict):
            raise InputError(f"{path.name} line {number} is not a JSON object.")
        if not _encodable(record):
            raise InputError(f"{path.name} line {number} holds a lone surrogate (\\udXXX), which is no character.")
        _check_columns(list(record), path)
        for key in ("src_spans", "tgt_spans"):
            if isinstance(record.get(key), list):
                if not all(isinstance(span, list) and len(span) == 2 and all(type(n) is int for n in span)
                           for span in record[key]):
                    raise InputError(f"{path.name} line {number}: {key} is not a list of [start, end] pairs.")
                record[key] = _spans_text(tuple(tuple(span) for span in record[key]))
        table.append(_typed(record, path, number))
    return table


def _check_columns(names: list[str], path: Path) -> None:
    missing = [name for name in BASE_COLUMNS if name not in names]
    if missing:
        raise InputError(f"{path.name} is not an alignment export: it lacks the column(s) {', '.join(missing)}.")


def _encodable(record: dict) -> bool:
    """Whether every text of a JSON record is UTF-8 (JSON may spell lone surrogates)."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _typed(row: dict, path: Path, number: int) -> dict:
    """CSV cells are all text: give `link`, `similarity` and `fidelity` their types back,
    refusing values no export holds (NaN, infinities, a fidelity outside 0..1)."""
    try:
        typed = dict(row)
        typed["link"] = int(row["link"])
        for name, (low, high) in _FLOAT_COLUMNS.items():
            if name in row:
                typed[name] = None if row[name] in ("", None) else float(row[name])
                if typed[name] is not None and not low <= typed[name] <= high:
                    raise ValueError(f"{name} {typed[name]} is outside {low}..{high}")
        for name in ("src_ids", "tgt_ids"):
            typed[name] = " ".join(str(row[name] or "").split())
    except (TypeError, ValueError, OverflowError) as error:
        raise InputError(f"{path.name} line {number} has a malformed link, similarity or fidelity value.") from error
    return typed


# each builds the whole file in memory: the alignment, the columns and the rows -> the bytes
_WRITERS: dict[str, Callable[[Alignment, list[str], list[dict]], bytes]] = {
    ".csv": _csv_bytes,
    ".jsonl": _jsonl_bytes,
    ".tmx": _tmx_bytes,
    ".xlsx": _xlsx_bytes,
}
