"""The aligner's logic (the DP, 1-0 links, merges, pins, the band) on synthetic documents with
a fake encoder: fast, and independent of any model's quality."""

from __future__ import annotations

import functools
import random

import numpy as np
import pytest
from fake_encoder import FakeEncoder

from workbench.align import Settings, align
from workbench.align.blocks import BlockVectors
from workbench.align.context import Context, joined
from workbench.align.dp import LINK_TYPES, dp, link_gain
from workbench.model import Link
from workbench.text.segment import segment

VOCABULARY = [f"w{k}" for k in range(400)]


def document(n: int, seed: int = 0) -> tuple[list[str], list[str], FakeEncoder]:
    """n source sentences of distinct words, their "translations" (each word w -> w'), and an
    encoder whose lexicon says w and w' mean the same."""
    rng = random.Random(seed)
    source = [" ".join(rng.sample(VOCABULARY, 8)).capitalize() + "." for _ in range(n)]
    target = [" ".join(f"{word.lower().rstrip('.')}x" for word in sentence.split()) + "." for sentence in source]
    lexicon = {f"{word}x": word for word in VOCABULARY}
    return source, target, FakeEncoder(lexicon=lexicon)


def pairs(links: list[Link]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(link.src, link.tgt) for link in links]


def test_a_clean_translation_links_one_to_one() -> None:
    source, target, encoder = document(20)
    links = align(segment(source, "en", "lines"), segment(target, "en", "lines"), encoder)
    assert pairs(links) == [((i,), (i,)) for i in range(20)]
    assert all(link.similarity is not None and link.similarity > 0.17 for link in links)


def test_dropped_sentences_become_links_with_no_counterpart() -> None:
    source, target, encoder = document(20, seed=1)
    kept = [j for j in range(20) if j not in (4, 11)]  # two sentences the "translator" left out
    links = align(segment(source, "en", "lines"), segment([target[j] for j in kept], "en", "lines"), encoder)
    assert ((4,), ()) in pairs(links) and ((11,), ()) in pairs(links)
    assert len([link for link in links if link.src and link.tgt]) == 18


def test_an_added_sentence_is_a_link_with_no_source() -> None:
    source, target, encoder = document(12, seed=2)
    extra = "Completely unrelated words appear here."
    links = align(segment(source, "en", "lines"), segment(target[:6] + [extra] + target[6:], "en", "lines"), encoder)
    assert ((), (6,)) in pairs(links)


def test_a_sentence_translated_as_two_is_one_link() -> None:
    source, target, encoder = document(12, seed=3)
    words = target[5].rstrip(".").split()
    halves = [" ".join(words[:4]) + ".", " ".join(words[4:]) + "."]
    links = align(segment(source, "en", "lines"), segment(target[:5] + halves + target[6:], "en", "lines"), encoder)
    assert ((5,), (5, 6)) in pairs(links)


def test_pinned_links_are_kept_and_the_rest_aligned_around_them() -> None:
    source, target, encoder = document(15, seed=4)
    src, tgt = segment(source, "en", "lines"), segment(target, "en", "lines")
    pin = Link((2,), (3,))  # a reviewer insists, wrongly, on this pair
    links = align(src, tgt, encoder, pinned=[pin])
    assert pin in links
    assert ((0,), (0,)) in pairs(links) and ((14,), (14,)) in pairs(links)
    assert sorted(i for link in links for i in link.src) == list(range(15))
    assert sorted(j for link in links for j in link.tgt) == list(range(15))


def test_crossing_pins_are_refused() -> None:
    source, target, encoder = document(6, seed=5)
    src, tgt = segment(source, "en", "lines"), segment(target, "en", "lines")
    with pytest.raises(ValueError, match="cross"):
        align(src, tgt, encoder, pinned=[Link((3,), (3,)), Link((1,), (4,))])


def test_a_side_with_no_segments_leaves_everything_unlinked() -> None:
    source, _, encoder = document(3, seed=6)
    links = align(segment(source, "en", "lines"), [], encoder)
    assert links == [Link((0,), ()), Link((1,), ()), Link((2,), ())]


def test_banded_alignment_matches_the_full_one() -> None:
    """Long documents are aligned inside a band around anchors; where the full DP is
    affordable the band must find the same links, omissions and merges included."""
    source, target, encoder = document(120, seed=7)
    kept = [j for j in range(120) if j % 17 != 5]
    src, tgt = segment(source, "en", "lines"), segment([target[j] for j in kept], "en", "lines")
    full = align(src, tgt, encoder)
    banded = align(src, tgt, encoder, settings=Settings(full_dp_cells=0, band_margin=4))
    assert banded == full
    assert sum(1 for link in full if not link.tgt) == 120 - len(kept)


def test_settings_with_shorter_runs_align_without_the_longer_link_types() -> None:
    """max_block below 3 builds fewer run vectors; the DP must not ask for the others (the
    batch's matcher scores candidates with 1-1 links only)."""
    source, target, encoder = document(12, seed=3)
    src, tgt = segment(source, "en", "lines"), segment(target, "en", "lines")
    for max_block in (1, 2):
        links = align(src, tgt, encoder, settings=Settings(max_block=max_block))
        assert all(len(link.src) <= max_block and len(link.tgt) <= max_block for link in links)
        assert sorted(i for link in links for i in link.src) == list(range(len(src)))


def test_a_segment_inside_a_sentence_is_joined_to_its_neighbours() -> None:
    """What the text says at a boundary: an open end (comma, colon, semicolon, dash), a
    lower-case start after no full stop, or punctuation alone. Whole sentences, headings and
    a lower-case name after a full stop ("i24NEWS reached out") stand alone."""
    texts = ["The report says:", "the talks were secret", "!", "They met twice.",
             "i24NEWS reached out to the State Department.", "From i24NEWS", "A heading",
             "Next, in Persian،", "ادامهٔ جمله", "«Quoted,»", "—and then this."]
    assert joined(texts).tolist() == [True, True, True, True, False, False, False, True, True, True, True]
    assert joined(["One sentence."]).tolist() == [False] and joined([]).tolist() == []


def _random_sides(rng: np.random.Generator, n: int, m: int) -> BlockVectors:
    """Random unit run vectors and lengths for a DP with n source and m target segments."""
    def runs(count: int) -> list[np.ndarray]:
        singles = rng.normal(size=(count, 6))
        return [np.array([np.sum(singles[i:i + k], axis=0) for i in range(count - k + 1)]).reshape(-1, 6)
                for k in (1, 2, 3)]

    def unit_runs(count: int) -> list[np.ndarray]:
        return [v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9) for v in runs(count)]

    def lengths(count: int) -> list[np.ndarray]:
        return [rng.integers(5, 60, size=max(count - k + 1, 0)).astype(float) for k in (1, 2, 3)]
    return BlockVectors(src=unit_runs(n), tgt=unit_runs(m), src_len=lengths(n), tgt_len=lengths(m), ratio=1.0,
                        offset=0.0, src_texts=("",) * n, tgt_texts=("",) * m, src_mean=None, tgt_mean=None,
                        src_exact=[], tgt_exact=[])


def _best_score(sides: BlockVectors, settings: Settings, context: Context) -> float:
    """The best total gain by trying every monotone path (memoised): what the DP must find."""
    n, m = len(sides.src[0]), len(sides.tgt[0])
    src_price, tgt_price = context.src_price, context.tgt_price

    @functools.lru_cache(maxsize=None)
    def best(i: int, j: int, in_gap: bool) -> float:
        if i == n and j == m:
            return 0.0
        found = -np.inf
        for a, b in LINK_TYPES:
            if i + a <= n and j + b <= m:
                found = max(found, link_gain(sides, context, a, b, i, np.array([j]), settings)[0][0] + best(i + a, j + b, False))
        opening = 0.0 if in_gap else settings.gap_open
        if i < n:
            found = max(found, best(i + 1, j, True) - opening - src_price[i])
        if j < m:
            found = max(found, best(i, j + 1, True) - opening - tgt_price[j])
        return found
    return best(0, 0, False)


def _path_score(links: list[Link], sides: BlockVectors, settings: Settings, context: Context) -> float:
    total, in_gap = 0.0, False
    for link in links:
        if link.src and link.tgt:
            total += link_gain(sides, context, len(link.src), len(link.tgt), link.src[0], np.array([link.tgt[0]]), settings)[0][0]
            in_gap = False
        else:
            price = context.src_price[link.src[0]] if link.src else context.tgt_price[link.tgt[0]]
            total -= (0.0 if in_gap else settings.gap_open) + price
            in_gap = True
    return total


def test_the_dp_finds_the_best_path_with_per_segment_gap_prices() -> None:
    """The DP's running maximum over gap prices (workbench.align.dp) gives the best path that
    exhaustive search finds, on random grids with random prices, gap openings and number
    bonuses."""
    rng = np.random.default_rng(5)
    for _ in range(150):
        n, m = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        sides = _random_sides(rng, n, m)
        settings = Settings(gap_open=float(rng.choice([0.0, 0.05, 0.2])), threshold=float(rng.uniform(-0.2, 0.4)),
                            number_bonus=float(rng.choice([0.0, 0.3])))
        context = Context(rng.choice([0.0, 0.1, 0.5], size=n), rng.choice([0.0, 0.1, 0.5], size=m),
                          [rng.integers(0, 3, size=max(n - k, 0)) for k in range(3)],
                          [rng.integers(0, 3, size=max(m - k, 0)) for k in range(3)])
        links = dp(sides, context, 0, 0, [(0, m)] * (n + 1), settings)
        assert _path_score(links, sides, settings, context) == pytest.approx(_best_score(sides, settings, context), abs=1e-9)


def test_a_link_whose_sides_carry_the_same_numbers_earns_the_bonus() -> None:
    """Runs carry the numbers of their segments, digits and ordinal words alike, and equal
    numbers on both sides raise a link's gain by `number_bonus`."""
    context = Context.read(["Article 18", "Everyone has the right to freedom of thought."],
                           ["مادهٔ هیجدهم", "هر کس حق دارد که از آزادی فکر بهره‌مند شود."], 0.05, 2)
    assert context.src_numbers[0][0] == context.tgt_numbers[0][0] != 0
    assert context.src_numbers[0][1] == context.tgt_numbers[0][1] == 0
    assert context.src_numbers[1][0] == context.src_numbers[0][0]  # the run of both holds 18 too
    sides = _random_sides(np.random.default_rng(0), 2, 2)
    plain, _ = link_gain(sides, context, 1, 1, 0, np.array([0, 1]), Settings(number_bonus=0.0))
    rewarded, _ = link_gain(sides, context, 1, 1, 0, np.array([0, 1]), Settings(number_bonus=0.1))
    assert rewarded - plain == pytest.approx([0.1, 0.0])
