"""Scoring only the links an edit made (`fidelity.rescore`, `link_evidence(only=...)`) gives
them the scores that scoring the whole document gives them.

Fast tier: the fake encoder on seed 000 (tests/seed_000.py). This claims equality, not
quality: a link's evidence is measured against the whole alignment (the median length ratio
over its links, each side's mean segment vector, the dominant scripts), and that context
must be the same whether one link or every link is measured.
"""

from __future__ import annotations

import dataclasses

import pytest
from seed_000 import align_seed, seed_encoder

from workbench import fidelity
from workbench.fidelity import evidence
from workbench.fidelity.evidence import link_evidence
from workbench.model import Alignment, Link, ScoredAlignment


@pytest.fixture(scope="module")
def encoder():
    return seed_encoder()


@pytest.fixture(scope="module")
def aligned(encoder) -> ScoredAlignment:
    # the detector reads the fake's states, as conftest has it for each test (a module's
    # fixture comes before that, and would load the real model to read)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evidence, "detector_encoder", lambda given: given)
        return align_seed(encoder=encoder)


@pytest.fixture(scope="module")
def edited(aligned: ScoredAlignment) -> Alignment:
    """Seed 000 as a reviewer left it: two links merged, and a 1-2 link split in two."""
    links = list(aligned.links)
    both = [k for k, link in enumerate(links) if link.src and link.tgt]
    first = next(k for k in both if k + 1 in both)
    merged = Link(links[first].src + links[first + 1].src, links[first].tgt + links[first + 1].tgt)
    links[first:first + 2] = [merged]
    wide = next(k for k, link in enumerate(links) if len(link.tgt) > 1 and link.src and k != first)
    links[wide:wide + 1] = [Link(links[wide].src, links[wide].tgt[:1]), Link((), links[wide].tgt[1:])]
    return dataclasses.replace(aligned.unscored(), links=links)


@pytest.fixture(scope="module")
def stale(aligned: ScoredAlignment, edited: Alignment) -> list[int]:
    """The links the edits made (not in the aligner's output), and one more with both sides."""
    alignment = edited
    original = {(link.src, link.tgt) for link in aligned.links}
    made = [k for k, link in enumerate(alignment.links) if (link.src, link.tgt) not in original]
    other = next(k for k, link in enumerate(alignment.links) if link.src and link.tgt and k not in made)
    return sorted(made + [other])


def test_measuring_some_links_gives_them_what_measuring_all_gives(edited: Alignment, stale: list[int],
                                                                 encoder) -> None:
    assert len(stale) == 4
    every = link_evidence(edited, encoder)
    some = link_evidence(edited, encoder, only=stale)
    for k, found in enumerate(some):
        if k in stale and every[k] is None:  # an addition the split made: nothing to measure
            assert found is None, k
        elif k in stale:
            assert _numbers(found) == pytest.approx(_numbers(every[k]), rel=1e-5, abs=1e-6), k
            assert _texts(found) == _texts(every[k]), k
        else:
            assert found is None  # not measured


def _numbers(found) -> list[float]:
    """Every number of a link's evidence, flattened. The detector judges its links in float32
    batches, and which other links share a batch moves a logit in its seventh digit on some
    processors (6.5791998 against 6.5791988): the same judgement, which the rounded scores of
    the next test show, not a different one."""
    def flat(value):
        if isinstance(value, (tuple, list)):
            return [n for item in value for n in flat(item)]
        return [float(value)] if isinstance(value, (int, float)) else []
    return flat(dataclasses.astuple(found))


def _texts(found) -> list:
    return [value for value in dataclasses.astuple(found) if isinstance(value, str)] + [found.names_missing]


def test_rescoring_the_stale_links_gives_the_scores_of_scoring_everything(edited: Alignment, stale: list[int],
                                                                          encoder) -> None:
    whole = fidelity.score(edited, encoder)
    known = [None if k in stale else score for k, score in enumerate(whole.scores)]
    rescored = fidelity.rescore(edited, encoder, known)
    assert isinstance(rescored, ScoredAlignment)
    assert rescored.scores == whole.scores
    assert rescored.summary == whole.summary
    # and the stale links' scores are not the ones they would get measured on their own
    alone = fidelity.score(dataclasses.replace(edited, links=[edited.links[k] for k in stale]), encoder)
    assert alone.scores != [whole.scores[k] for k in stale]


def test_known_scores_are_kept_and_nothing_is_measured_without_a_stale_link(aligned: ScoredAlignment) -> None:
    class NoEncoder:
        name = "none"

        def __getattr__(self, name):
            raise AssertionError("nothing was to be measured")

    # every link known: the summary is recomputed, nothing measured, no encoder needed
    again = fidelity.rescore(aligned.unscored(), NoEncoder(), list(aligned.scores))
    assert again.scores == aligned.scores and again.summary == aligned.summary
    # an omission's score needs no measuring either
    omission = next(k for k, link in enumerate(aligned.links) if not link.tgt)
    known = [None if k == omission else score for k, score in enumerate(aligned.scores)]
    assert fidelity.rescore(aligned.unscored(), None, known).scores == aligned.scores
    with pytest.raises(ValueError, match="known scores"):
        fidelity.rescore(aligned.unscored(), None, known[:-1])
    both = next(k for k, link in enumerate(aligned.links) if link.src and link.tgt)
    with pytest.raises(ValueError, match="no encoder"):
        fidelity.rescore(aligned.unscored(), None, [None if k == both else s for k, s in enumerate(aligned.scores)])
