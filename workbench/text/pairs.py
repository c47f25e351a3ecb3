"""Pairs that are already aligned: a translation memory, a CAT tool's export, a test set.

`read_pairs` reads a CSV with `src_text` and `tgt_text` columns (its other columns are kept
and written back beside the scores), a TSV of two columns (source, target; no header), a
TMX (the first two languages of each translation unit), or an XLIFF file (each unit, or 2.x
segment, one pair; its id kept as the column `id`; see `workbench.text.xliff`). Scoring such
pairs re-aligns nothing: pair k is link k, in input order.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import InputError
from workbench.text import xliff
from workbench.text.document import csv_reader, detect_language, read_text

SRC_COLUMN, TGT_COLUMN = "src_text", "tgt_text"


@dataclass(frozen=True)
class PairTable:
    """Source and target texts, one pair per row, with the row's other columns."""

    name: str
    src: tuple[str, ...]
    tgt: tuple[str, ...]
    src_lang: str
    tgt_lang: str
    extra_columns: tuple[str, ...] = ()
    extra: tuple[dict[str, str], ...] = field(default=())  # one per pair: the input's other columns
    # the text of the XLIFF file the pairs came from: a scored XLIFF is written into a copy of it
    xliff: str | None = None


def read_pairs(path: str | Path, src_lang: str | None = None, tgt_lang: str | None = None) -> PairTable:
    """The pairs in `path` (.csv, .tsv/.txt, .tmx, .xlf/.xliff); languages as given, from the
    TMX or XLIFF, or detected."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in xliff.XLIFF_SUFFIXES:
        return xliff_pairs(read_text(path), path.name, src_lang, tgt_lang)
    if suffix == ".tmx":
        src, tgt, langs = _read_tmx(path)
        extra_columns, extra = (), ()
        src_lang, tgt_lang = src_lang or langs[0], tgt_lang or langs[1]
    elif suffix == ".csv":
        src, tgt, extra_columns, extra = _read_csv(read_text(path), path.name)
    elif suffix in (".tsv", ".txt", ".tab"):
        src, tgt = _read_tsv(read_text(path), path.name)
        extra_columns, extra = (), ()
    else:
        raise InputError(f"{path.name}: pairs must be a .csv (src_text, tgt_text columns), a two-column .tsv, "
                         "a .tmx or an XLIFF file (.xlf, .xliff)")
    return _table(path.name, src, tgt, src_lang, tgt_lang, extra_columns, extra)


def xliff_pairs(text: str, name: str, src_lang: str | None = None, tgt_lang: str | None = None) -> PairTable:
    """The pairs of an XLIFF file's text (a file on disk, or an upload): one per unit (2.x:
    per segment), in document order, each with its id; languages as given, else the file's,
    else detected. The table keeps the text, for writing the scores back into a copy of it."""
    document = xliff.parse(text, name)
    return _table(name, [unit.source for unit in document.units], [unit.target for unit in document.units],
                  src_lang or document.src_lang, tgt_lang or document.tgt_lang, ("id",),
                  [{"id": unit.id} for unit in document.units], text)


def _table(name: str, src: list[str], tgt: list[str], src_lang: str | None, tgt_lang: str | None,
           extra_columns: tuple[str, ...], extra, original: str | None = None) -> PairTable:
    """The pairs as a table, once some pair has text on both sides; missing languages detected."""
    if not any(s.strip() and t.strip() for s, t in zip(src, tgt)):
        raise InputError(f"{name}: no pair has text on both sides")
    src_lang = src_lang or _detected(src, name, "source")
    tgt_lang = tgt_lang or _detected(tgt, name, "target")
    return PairTable(name, tuple(src), tuple(tgt), src_lang, tgt_lang, extra_columns, tuple(extra), original)


def _detected(texts: list[str], name: str, role: str) -> str:
    lang = detect_language(" ".join(texts[:200]))
    if lang is None:
        raise InputError(f"{name}: cannot tell the {role} language; give --{role[:3]}-lang")
    return lang


def _read_csv(text: str, name: str) -> tuple[list[str], list[str], tuple[str, ...], list[dict[str, str]]]:
    reader = csv_reader(io.StringIO(text))
    try:
        columns = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as error:
        raise InputError(f"{name}: not a well-formed CSV file ({error})") from None
    if SRC_COLUMN not in columns or TGT_COLUMN not in columns:
        raise InputError(f"{name}: a pairs CSV needs the columns {SRC_COLUMN} and {TGT_COLUMN} (found: {', '.join(columns) or 'none'})")
    extra_columns = tuple(c for c in columns if c not in (SRC_COLUMN, TGT_COLUMN) and c)
    src, tgt, extra = [], [], []
    for row in rows:
        src.append(row.get(SRC_COLUMN) or "")
        tgt.append(row.get(TGT_COLUMN) or "")
        extra.append({c: row.get(c) or "" for c in extra_columns})
    return src, tgt, extra_columns, extra


def _read_tsv(text: str, name: str) -> tuple[list[str], list[str]]:
    src, tgt = [], []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 2:
            raise InputError(f"{name}: line {number} has {len(cells)} tab-separated columns, not 2 (source, target)")
        src.append(cells[0].strip())
        tgt.append(cells[1].strip())
    return src, tgt


def _read_tmx(path: Path) -> tuple[list[str], list[str], tuple[str, str]]:
    from lxml import etree

    text = read_text(path)
    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise InputError(f"{path.name}: not a valid TMX file ({error.msg})") from None
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    header = root.find("header")
    first = (header.get("srclang") or "").lower() if header is not None else ""
    src, tgt, langs = [], [], ["", ""]
    for unit in root.iter("tu"):
        variants = [(v.get(xml_lang) or v.get("lang") or "", "".join(v.findtext("seg") or "")) for v in unit.iter("tuv")]
        if len(variants) < 2:
            continue
        variants.sort(key=lambda v: v[0].lower().split("-")[0] != first.split("-")[0])  # the header's source first
        src.append(variants[0][1])
        tgt.append(variants[1][1])
        langs = [variants[0][0].split("-")[0].lower(), variants[1][0].split("-")[0].lower()]
    if not src:
        raise InputError(f"{path.name}: the TMX has no translation unit with two languages")
    return src, tgt, (langs[0] or None, langs[1] or None)

