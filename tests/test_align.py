"""The aligner on real translations with the real model: the seed article and the UDHR
development gold. (Its logic on synthetic text, with a fake encoder: test_align_logic.py.)"""

from pathlib import Path

import pytest

from workbench.align import Settings, align
from workbench.embed import load_encoder
from workbench.evaluate import read_links, score
from workbench.model import Link
from workbench.text import document
from workbench.text.segment import segment

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_e5fe0829ebe86db2.txt"
UDHR = ROOT / "benchmarks" / "udhr"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def seed_lines():
    bitext = document.load(SEED)
    return segment(bitext.src.paragraphs, "en", "lines"), segment(bitext.tgt.paragraphs, "fa", "lines")


def udhr(name: str):
    folder = UDHR / name
    src = (folder / "src.txt").read_text(encoding="utf-8").splitlines()
    tgt = (folder / "tgt.txt").read_text(encoding="utf-8").splitlines()
    lang = name.split("-")[1]
    return segment(src, "en", "lines"), segment(tgt, lang, "lines"), read_links(folder / "gold.txt")


def test_seed_paragraphs_link_as_a_human_would(encoder, seed_lines):
    src, tgt = seed_lines
    links = {(link.src, link.tgt) for link in align(src, tgt, encoder)}
    one_to_one = [(0, 0), (1, 1), (3, 2), (4, 3), (5, 4), (9, 5), (10, 6), (13, 8), (14, 9), (15, 10)]
    for e, p in one_to_one:
        assert ((e,), (p,)) in links, f"English paragraph {e} should link to Persian paragraph {p}"
    # the 125 arrests and the officials removed from their posts: one Persian paragraph
    assert ((11, 12), (7,)) in links
    # the byline and the three paragraphs of US denials have no Persian counterpart
    for e in (2, 6, 7, 8):
        assert ((e,), ()) in links, f"English paragraph {e} has no translation"
    # the Persian source line has no English counterpart
    assert ((), (11,)) in links
    assert len(links) == len(one_to_one) + 1 + 4 + 1


def test_seed_sentences_leave_the_denials_untranslated(encoder):
    bitext = document.load(SEED)
    src = segment(bitext.src.paragraphs, "en")
    tgt = segment(bitext.tgt.paragraphs, "fa")
    links = align(src, tgt, encoder)
    unlinked = {" ".join(src[i].text for i in link.src) for link in links if not link.tgt}
    assert "From i24NEWS" in unlinked
    assert any("State Department" in text for text in unlinked)
    assert any("Brian Hook" in text for text in unlinked)
    linked = [(" ".join(src[i].text for i in link.src), " ".join(tgt[j].text for j in link.tgt))
              for link in links if link.src and link.tgt]
    may = [t for s, t in linked if s.startswith("Back in May")]
    assert may and may[0].startswith("در ماه مه")


@pytest.mark.parametrize("pair", [f"en-{lang}{variant}" for variant in ("", "-omissions")
                                  for lang in ("fa", "ar", "tr")])
def test_udhr_real_translations(encoder, pair):
    """Clean human translations, and the same with 10% of target and 5% of source lines
    dropped: every dropped line must come out as a link with no counterpart."""
    src, tgt, gold = udhr(pair)
    predicted = [(link.src, link.tgt) for link in align(src, tgt, encoder)]
    scores = score(predicted, gold)
    assert scores.f1_strict >= 0.95, scores
    assert scores.f1_lax >= 0.95, scores
    if any(not s or not t for s, t in gold):
        assert scores.recall_null >= 0.9, scores
        assert scores.precision_null >= 0.6, scores


def test_banded_alignment_matches_the_full_one(encoder):
    """Long documents are aligned inside a band around anchors; on a document where the
    full DP is affordable the band must find the same links."""
    src, tgt, _ = udhr("en-fa-omissions")
    full = align(src, tgt, encoder)
    banded = align(src, tgt, encoder, settings=Settings(full_dp_cells=0, band_margin=4))
    assert banded == full


def test_pinned_links_are_kept_and_the_rest_aligned_around_them(encoder, seed_lines):
    src, tgt = seed_lines
    pin = Link((2,), (2,))  # a reviewer insists the byline goes with Persian paragraph 2
    links = align(src, tgt, encoder, pinned=[pin])
    assert pin in links
    pairs = {(link.src, link.tgt) for link in links}
    assert ((0,), (0,)) in pairs and ((15,), (10,)) in pairs
    covered_src = sorted(i for link in links for i in link.src)
    covered_tgt = sorted(j for link in links for j in link.tgt)
    assert covered_src == list(range(len(src))) and covered_tgt == list(range(len(tgt)))


def test_a_side_with_no_segments_leaves_everything_unlinked(encoder, seed_lines):
    src, _ = seed_lines
    links = align(src[:3], [], encoder)
    assert links == [Link((0,), ()), Link((1,), ()), Link((2,), ())]


def test_very_short_texts_align_on_raw_similarity(encoder, seed_lines):
    """With fewer than three segments on a side there is no mean to subtract: both sides
    are compared raw, whatever the other side's length."""
    src, tgt = seed_lines
    assert [(l.src, l.tgt) for l in align(src[:2], tgt[:2], encoder)] == [((0,), (0,)), ((1,), (1,))]
    links = align(src[:2], tgt, encoder)
    assert [(l.src, l.tgt) for l in links if l.src] == [((0,), (0,)), ((1,), (1,))]
    assert all(not l.src for l in links[2:])
