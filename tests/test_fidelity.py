"""Fidelity on the seed articles, with the real encoder and the real pipeline.

Seed 000 is a real English article and its real Persian translation, which drops four
paragraphs and mistranslates the Basij paragraph; seeds 001 and 002 are a same-language
rewrite and an unrelated Arabic article on the same topic. How well fidelity does on many
translations is measured by benchmarks/fidelity_bench.py, not here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from workbench import fidelity
from workbench.embed import load_encoder
from workbench.fidelity.calibration import FAITHFUL_FROM, link_fidelity
from workbench.fidelity.evidence import link_evidence
from workbench.fidelity.names import missing_names, skeleton
from workbench.fidelity.parts import Part, link_readings
from workbench.fidelity.reference import reference_scores
from workbench.model import Alignment, Link, ScoredAlignment, Segment
from workbench.options import Options
from workbench.pipeline import run

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_000 = SEEDS / "000_e5fe0829ebe86db2.txt"
BASIJ_PERSIAN = "نیروهای با تجربه خود را تقسیم کرده اند"


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def seed000() -> ScoredAlignment:
    return run(SEED_000, options=Options(split="lines"))


@pytest.fixture(scope="module")
def english_half(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed 000's English article alone (file lines 2-17), as a user would save it."""
    lines = SEED_000.read_text(encoding="utf-8").splitlines()
    path = tmp_path_factory.mktemp("seed000") / "english.txt"
    path.write_text("\n".join(lines[1:17]) + "\n", encoding="utf-8")
    return path


def link_starting(alignment: Alignment, source_start: str) -> int:
    (index,) = [k for k, link in enumerate(alignment.links) if alignment.src_text(link).startswith(source_start)]
    return index


def marked(text: str, spans: tuple[tuple[int, int], ...], phrase: str) -> float:
    """Share of the characters of `phrase` (found in `text`) inside the spans."""
    start = text.index(phrase)
    end = start + len(phrase)
    return sum(max(0, min(b, end) - max(a, start)) for a, b in spans) / len(phrase)


def rescored(alignment: Alignment, encoder, side: str, segment: int, text: str) -> ScoredAlignment:
    """A copy of `alignment` with one segment's text replaced, scored again."""
    segments = list(getattr(alignment, side))
    segments[segment] = dataclasses.replace(segments[segment], text=text, norm=text, end=len(text))
    return fidelity.score(dataclasses.replace(alignment, **{side: segments}), encoder)


# ----------------------------------------------------------------------------- seed 000


def test_the_four_untranslated_paragraphs_are_omissions(seed000: Alignment) -> None:
    omitted = [seed000.src_text(link) for link, score in zip(seed000.links, seed000.scores) if score.label == "omission"]
    starts = ("From i24NEWS", "i24NEWS reached out", "ater on Tuesday, US Special", '"Iran has rejected diplomacy')
    assert len(omitted) == len(starts)
    assert all(text.startswith(start) for text, start in zip(omitted, starts)), omitted
    added = [seed000.tgt_text(link) for link, score in zip(seed000.links, seed000.scores) if score.label == "addition"]
    assert len(added) == 1 and added[0].startswith("منبع خبر")  # the Persian source line


def test_the_may_and_march_paragraphs_are_faithful_and_unmarked(seed000: Alignment) -> None:
    for start in ("Back in May, Iraqi Prime Minister", "In March, Iran's President Hassan Rouhani"):
        score = seed000.scores[link_starting(seed000, start)]
        assert score.label == "faithful", (start, score)
        assert score.fidelity >= FAITHFUL_FROM
        assert score.src_spans == score.tgt_spans == ()


@pytest.mark.xfail(strict=True, reason=(
    "the divergence detector gives the Basij pair fidelity 0.66 (faithful from 0.5): the "
    "mistranslation keeps the words (experience, divide) and changes only who did what; the "
    "detector's damaged training pairs swap words, not arguments (README, Limits)"))
def test_basij_link_is_not_faithful_and_marked(seed000: Alignment) -> None:
    k = link_starting(seed000, "Sources suggest that Iran's Revolutionary Guards")
    link, score = seed000.links[k], seed000.scores[k]
    assert score.label != "faithful"
    assert marked(seed000.src_text(link), score.src_spans, "experienced division") == 1.0
    assert marked(seed000.tgt_text(link), score.tgt_spans, BASIJ_PERSIAN) >= 0.7


@pytest.mark.xfail(strict=True, reason=(
    "fidelity 0.70 (faithful from 0.5): the detector moves towards divergence (0.93 before it "
    "was trained on hedges made assertions) but not past the threshold (README, Limits)"))
def test_the_hedge_made_an_assertion_is_marked(seed000: Alignment) -> None:
    """"for purportedly turning their backs on the regime" became "در واقع ..." ("in fact")."""
    k = link_starting(seed000, "125 Iranian officials were said to be arrested recently")
    link, score = seed000.links[k], seed000.scores[k]
    assert score.label != "faithful"
    assert marked(seed000.tgt_text(link), score.tgt_spans, "در واقع") == 1.0


def test_own_halves_are_a_partial_translation(seed000: Alignment) -> None:
    summary = seed000.summary
    assert summary.verdict == "partial translation"  # four of sixteen paragraphs are missing
    assert 0.8 < summary.coverage < 0.9
    assert summary.label_counts["omission"] == 4 and summary.label_counts["addition"] == 1
    assert sum(summary.label_counts.values()) == len(seed000.links)


def test_english_against_another_arabic_article_is_not_a_translation(english_half: Path) -> None:
    alignment = run(english_half, SEEDS / "002_45ebe1dc7f79ec5f.txt")
    assert (alignment.src_lang, alignment.tgt_lang) == ("en", "ar")
    assert alignment.summary.verdict == "not a translation"
    assert alignment.summary.fidelity < 0.2


# ----------------------------------------------------------------------------- issues


def test_a_changed_number_is_a_major_number_mismatch(seed000: Alignment, encoder) -> None:
    k = link_starting(seed000, "125 Iranian officials were said to be arrested, charged")
    assert "number_mismatch" not in seed000.scores[k].issues  # ۱۲۵ is 125
    (segment,) = seed000.links[k].tgt
    persian = seed000.tgt[segment].text
    assert "۱۲۵" in persian
    damaged = rescored(seed000, encoder, "tgt", segment, persian.replace("۱۲۵", "۱۳۵"))
    assert "number_mismatch" in damaged.scores[k].issues
    assert damaged.scores[k].label == "major"


def test_a_negation_on_one_side_is_a_negation_mismatch(seed000: Alignment, encoder) -> None:
    k = link_starting(seed000, "Back in May, Iraqi Prime Minister")
    assert "negation_mismatch" not in seed000.scores[k].issues
    (segment,) = seed000.links[k].src
    english = seed000.src[segment].text
    damaged = rescored(seed000, encoder, "src", segment, english.replace("said he would send", "said he would not send"))
    assert "negation_mismatch" in damaged.scores[k].issues
    # an issue beside the judgement, which does not force the label (calibration.fact_cap says
    # why); the detector itself reads the inserted "not" as a change
    assert damaged.scores[k].fidelity < seed000.scores[k].fidelity - 0.1


def test_names_are_matched_across_scripts(seed000: Alignment) -> None:
    k = link_starting(seed000, "Iran has reportedly been contacting Kurdish opposition parties")
    english, persian = seed000.src_text(seed000.links[k]), seed000.tgt_text(seed000.links[k])
    assert skeleton("Christian") == skeleton("کریستین")
    assert skeleton("Malard") == skeleton("مالارد")
    assert missing_names(english, persian.replace(" (Christian Malard)", ""), "en", "fa") == ()
    swapped = english.replace("Christian Malard", "Jean Dupont")
    assert missing_names(swapped, persian.replace(" (Christian Malard)", ""), "en", "fa") == ("Jean Dupont",)
    assert "name_mismatch" not in seed000.scores[k].issues


def test_a_target_left_in_the_source_language_is_untranslated(seed000: Alignment, encoder) -> None:
    k = link_starting(seed000, "Back in May, Iraqi Prime Minister")
    (segment,) = seed000.links[k].tgt
    damaged = rescored(seed000, encoder, "tgt", segment, seed000.src_text(seed000.links[k]))
    assert "untranslated" in damaged.scores[k].issues
    assert damaged.scores[k].label == "major"


# ----------------------------------------------------------------------------- same language, reference


def test_same_language_rewrite_shows_the_changed_fact(english_half: Path) -> None:
    alignment = run(SEEDS / "001_462250527ab90e64.txt", english_half)
    assert alignment.src_lang == alignment.tgt_lang == "en"
    assert alignment.summary.verdict == "partial translation"
    (k,) = [k for k, link in enumerate(alignment.links)
            if "125 Iraqi government officials" in alignment.src_text(link) and link.tgt]
    link, score = alignment.links[k], alignment.scores[k]
    assert "125 Iranian officials" in alignment.tgt_text(link)
    assert "name_mismatch" in score.issues and score.label != "faithful"
    # the name with no counterpart is marked (its replacement, "Iraqi", has one: "Iraq" is in the rewrite)
    assert marked(alignment.tgt_text(link), score.tgt_spans, "Iranian") == 1.0
    assert alignment.summary.label_counts["omission"] > 0 and alignment.summary.label_counts["addition"] > 0
    assert alignment.summary.reference.against == "source"  # sacrebleu against the original


def test_reference_scores(seed000: Alignment) -> None:
    exact = [""] * len(seed000.src)
    shifted = [""] * len(seed000.src)
    pairs = [(link.src[0], seed000.tgt_text(link)) for link in seed000.links if link.src and link.tgt]
    for (i, text), (_, next_text) in zip(pairs, pairs[1:] + pairs[:1]):
        exact[i], shifted[i] = text, next_text
    same = reference_scores(seed000, exact)
    assert same.bleu == 100.0 and same.chrf == 100.0 and same.ter == 0.0
    assert same.signature.startswith("BLEU nrefs:1|") and "version:2.6.0" in same.signature
    assert len(same.links) == len(seed000.links)
    assert all(scores is None for link, scores in zip(seed000.links, same.links) if not (link.src and link.tgt))
    wrong = reference_scores(seed000, shifted)
    assert wrong.chrf < 40 and wrong.bleu < 10


# ----------------------------------------------------------------------------- links of several sentences


def test_a_sentence_cut_in_three_on_the_other_side_is_judged_with_its_neighbours(encoder) -> None:
    """UDHR article 18 is one English sentence and three Persian ones. The inner alignment
    leaves the first Persian sentence alone; read with it joined to the rest, the link is a
    faithful translation, and that reading is kept (counted as untranslated, it was major)."""
    udhr = ROOT / "benchmarks" / "udhr" / "en-fa"
    src = (udhr / "src.txt").read_text(encoding="utf-8").splitlines()[55]
    tgt = (udhr / "tgt.txt").read_text(encoding="utf-8").splitlines()[53]
    assert src.startswith("Everyone has the right to freedom of thought") and tgt.count(".") == 3
    (readings,) = link_readings([(src, tgt, 1, 1)], "en", "fa", encoder)
    inner, joined = readings
    assert any(part.src is None for part in inner)
    assert joined == (Part((0, len(src)), (0, len(tgt))),)
    segments = [Segment(0, src, src, 0, 0, len(src))], [Segment(0, tgt, tgt, 0, 0, len(tgt))]
    link = Link((0,), (0,))
    (evidence,) = link_evidence(Alignment(*segments, "en", "fa", [link]), encoder)
    assert evidence.parts == ()  # judged as the one part the joined reading is
    assert link_fidelity(link, evidence).label == "faithful"
