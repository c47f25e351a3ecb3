"""Alignment scoring: Vecalign's strict/lax definitions, null links, and the gold readers.

The expected figures of the hand-made cases are derived by hand in the comments; the gold
readers run on the real gold sets (UDHR built from the Declaration's structure, Text+Berg
aligned by hand).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.evaluate import (
    Scores,
    evaluate,
    format_scores,
    pair_files,
    read_links,
    score,
    score_many,
    write_links,
)
from workbench.model import Alignment, Link, Segment
from workbench.output import export

ROOT = Path(__file__).resolve().parents[1]
UDHR = ROOT / "benchmarks" / "udhr"
TEXTBERG = next(
    (p for p in (ROOT / "benchmarks" / "textberg-defr", Path("/work/shared/benchmarks/textberg-defr")) if p.is_dir()),
    None,
)
needs_textberg = pytest.mark.skipif(TEXTBERG is None, reason="Text+Berg test set not present")

GOLD = [
    ((0,), (0,)),  # g1
    ((1, 2), (1,)),  # g2, a 2-1 link
    ((3,), ()),  # g3, source 3 untranslated
    ((4,), (2,)),  # g4
    ((), (3,)),  # g5, target 3 added
    ((5,), (4, 5)),  # g6, a 1-2 link
]
PREDICTED = [
    ((0,), (0,)),  # p1 = g1: strict and lax
    ((1,), (1,)),  # p2: shares source 1 and target 1 with g2: lax only
    ((2,), ()),  # p3: null link the gold does not have: wrong, strict and lax
    ((3,), (2,)),  # p4: source 3 is in no two-sided gold link: wrong, strict and lax
    ((4,), ()),  # p5: null link the gold does not have: wrong
    ((), (3,)),  # p6 = g5: a null link the gold has: strict and lax (Vecalign counts it)
    ((5,), (4, 5)),  # p7 = g6: strict and lax
]


def test_strict_and_lax_follow_vecalign():
    s = score(PREDICTED, GOLD)
    # precision: 7 predicted links; strict hits p1 p6 p7 = 3, lax hits p1 p2 p6 p7 = 4
    assert (s.predicted, s.predicted_strict, s.predicted_lax) == (7, 3, 4)
    assert s.precision_strict == pytest.approx(3 / 7) and s.precision_lax == pytest.approx(4 / 7)
    # recall: two-sided gold links g1 g2 g4 g6 against two-sided predictions p1 p2 p4 p7;
    # g1, g6 exact; g2 overlaps p2 on both sides (lax); g4's source 4 is only in p5, a null link
    assert (s.gold, s.gold_strict, s.gold_lax) == (4, 2, 3)
    assert s.recall_strict == pytest.approx(2 / 4) and s.recall_lax == pytest.approx(3 / 4)
    # F1 strict = 2 * 3/7 * 1/2 / (3/7 + 1/2) = 6/13; lax = 2 * 4/7 * 3/4 / (4/7 + 3/4) = 24/37
    assert s.f1_strict == pytest.approx(6 / 13) and s.f1_lax == pytest.approx(24 / 37)


def test_null_links_are_scored_per_sentence():
    s = score(PREDICTED, GOLD)
    # predicted null sentences: src 2, src 4, tgt 3; gold: src 3, tgt 3; both: tgt 3
    assert (s.predicted_null, s.gold_null, s.null_hits) == (3, 2, 1)
    assert s.precision_null == pytest.approx(1 / 3) and s.recall_null == pytest.approx(1 / 2)
    assert s.f1_null == pytest.approx(0.4)  # 2 * 1/3 * 1/2 / (1/3 + 1/2)


def test_lax_needs_one_gold_link_sharing_both_sides():
    gold = [((0,), (0,)), ((1,), (1,))]
    # [0]:[1] shares its source with one gold link and its target with the other: not lax
    assert score([((0,), (1,)), ((1,), (0,))], gold).predicted_lax == 0
    # [0, 1]:[0, 1] shares source 0 and target 0 with [0]:[0]: lax but not strict, and
    # both gold links are lax-recalled by it
    s = score([((0, 1), (0, 1))], gold)
    assert (s.predicted_strict, s.predicted_lax, s.gold_strict, s.gold_lax) == (0, 1, 0, 2)


def test_duplicates_and_empty_links_are_not_counted():
    gold = [((0,), (0,)), ((1,), (1,))]
    s = score([((0,), (0,)), ((0,), (0,)), ((), ()), ((1,), (1,))], gold)
    assert (s.predicted, s.predicted_strict, s.gold, s.gold_strict) == (2, 2, 2, 2)


def test_documents_are_micro_averaged():
    # document A: 1 predicted link, right; document B: the 7 above, 3 strictly right
    total = score_many([([((0,), (0,))], [((0,), (0,))]), (PREDICTED, GOLD)])
    assert total.documents == 2
    assert total.precision_strict == pytest.approx(4 / 8)  # not the mean of 1 and 3/7
    assert total.recall_strict == pytest.approx(3 / 5)


def test_nothing_to_count_gives_zero_and_na():
    s = score([((0,), (0,))], [((0,), (0,))])
    assert s.precision_null == 0.0 and s.recall_null == 0.0  # Vecalign's 0/0 convention
    table = format_scores(s)
    assert "n/a" in table.splitlines()[1] and "1.000" in table.splitlines()[1]


def test_format_scores_shows_the_figures():
    table = format_scores(score(PREDICTED, GOLD))
    lines = table.splitlines()
    assert lines[0].split() == ["strict", "lax", "null"]
    assert lines[1].split() == ["precision", "0.429", "0.571", "0.333"]
    assert lines[2].split() == ["recall", "0.500", "0.750", "0.500"]
    assert lines[3].split() == ["F1", "0.462", "0.649", "0.400"]


def test_line_format_round_trips(tmp_path):
    path = write_links(GOLD, tmp_path / "gold.txt")
    assert path.read_text(encoding="utf-8").splitlines()[:3] == ["[0]:[0]", "[1, 2]:[1]", "[3]:[]"]
    assert read_links(path) == GOLD


def test_bad_link_lines_are_input_errors(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("[0]:[0]\n[1]-[1]\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        read_links(path)
    path.write_text("[0]:[0]\n[1,,2]:[1]\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        read_links(path)
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no links"):
        read_links(path)


def test_a_third_field_such_as_a_cost_is_ignored(tmp_path):
    path = tmp_path / "vecalign_output.txt"
    path.write_text("[0]:[0]:0.1234\n[1, 2]:[1]:0.5\n", encoding="utf-8")
    assert read_links(path) == [((0,), (0,)), ((1, 2), (1,))]


@pytest.mark.parametrize("pair", ["en-fa", "en-ar", "en-tr", "en-fa-omissions", "en-ar-omissions", "en-tr-omissions"])
def test_udhr_gold_covers_every_line_once_in_order(pair):
    links = read_links(UDHR / pair / "gold.txt")
    src_lines = (UDHR / pair / "src.txt").read_text(encoding="utf-8").splitlines()
    tgt_lines = (UDHR / pair / "tgt.txt").read_text(encoding="utf-8").splitlines()
    assert len(links) == {"en-fa": 90}.get(pair.removesuffix("-omissions"), 91)  # the preamble's links
    assert [i for s, _ in links for i in s] == list(range(len(src_lines)))
    assert [j for _, t in links for j in t] == list(range(len(tgt_lines)))
    assert src_lines[0] == "Universal Declaration of Human Rights"
    s = score(links, links)
    assert s.f1_strict == 1.0 and s.f1_lax == 1.0
    # the Arabic has no counterpart of one "Whereas" clause; the omission variants delete 9
    # target and 5 source lines
    expected_null = (1 if pair.startswith("en-ar") else 0) + (14 if pair.endswith("omissions") else 0)
    assert s.gold_null == expected_null
    if expected_null:
        assert s.f1_null == 1.0


def test_udhr_omission_gold_matches_what_was_removed():
    intact = (UDHR / "en-fa" / "tgt.txt").read_text(encoding="utf-8").splitlines()
    damaged = UDHR / "en-fa-omissions"
    links = read_links(damaged / "gold.txt")
    src_lines = (damaged / "src.txt").read_text(encoding="utf-8").splitlines()
    removed = [line.split("\t") for line in (damaged / "removed.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    for side, original, link, text in removed:
        src, tgt = links[int(link)]
        if side == "tgt":
            assert tgt == () and text == intact[int(original)]
        else:
            assert src == () and text not in src_lines


@needs_textberg
def test_textberg_gold_reads():
    links = read_links(TEXTBERG / "test0.defr")
    assert len(links) == 128
    assert links[:2] == [((0,), (0, 1)), ((1,), (2,))]
    assert ((6, 7), (9, 10)) in links
    assert any(not tgt for _, tgt in links)  # it has untranslated sentences too


@needs_textberg
def test_folders_pair_by_stem_and_exports_count_as_predictions(tmp_path):
    segment = Segment(0, "x", "x", 0, 0, 1)
    for n in range(7):
        gold = read_links(TEXTBERG / f"test{n}.defr")
        if n == 0:  # one prediction as our CSV export: converted back to links
            src = [segment] * (1 + max(i for s, _ in gold for i in s))
            tgt = [segment] * (1 + max(j for _, t in gold for j in t))
            alignment = Alignment(src, tgt, "de", "fr", [Link(s, t, 0.5 if s and t else None) for s, t in gold])
            export.write(alignment, tmp_path / "test0.csv")
        else:
            write_links(gold, tmp_path / f"test{n}.txt")
    pairs = pair_files(tmp_path, TEXTBERG)
    assert [name for name, _, _ in pairs] == [f"test{n}" for n in range(7)]
    assert all(g.suffix == ".defr" for _, _, g in pairs)
    total, per_document = evaluate(tmp_path, TEXTBERG)
    assert total.documents == 7 and len(per_document) == 7
    assert total.f1_strict == 1.0 and total.f1_lax == 1.0

    (tmp_path / "test6.txt").unlink()
    with pytest.raises(InputError, match="test6"):
        pair_files(tmp_path, TEXTBERG)


def test_a_file_and_a_folder_cannot_be_compared(tmp_path):
    write_links(GOLD, tmp_path / "gold.txt")
    with pytest.raises(InputError):
        pair_files(tmp_path / "gold.txt", tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        pair_files(tmp_path / "missing.txt", tmp_path / "gold.txt")


def test_scores_add_up():
    a, b = score(PREDICTED, GOLD), score(GOLD, GOLD)
    assert (a + b).predicted == a.predicted + b.predicted and (a + b).documents == 2
    assert Scores(documents=0) + a == a
