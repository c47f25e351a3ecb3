"""From evidence to a judgement: the calibrated fidelity of a link, its label and issue codes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass

from workbench.fidelity.divergence import DETECTOR_VERSION
from workbench.fidelity.evidence import LinkEvidence
from workbench.model import ISSUES, Link, LinkFidelity


@dataclass(frozen=True)
class Calibration:
    """How the detector's logit becomes fidelity, a label and marks.

    p(faithful) = 1 / (1 + exp(-(intercept + slope * divergence))): Platt scaling fitted by
    `python -m benchmarks.divergence --calibrate` on REFreSD's development half only (its even
    pairs; the test half is never seen) against the annotators' "no meaning difference", the
    two classes weighted equally, so 0.5 is where a pair is as likely equivalent as not. The
    thresholds were chosen there too (the same command shows the trade-offs).
    """

    intercept: float
    slope: float
    faithful_from: float  # fidelity at or above which a link without a factual issue is faithful
    major_below: float  # fidelity below which a link is a major divergence
    unrelated_below: float  # fidelity below which the sides say different things throughout: all is marked
    tag_min: float  # a content word the detector tags at least this likely divergent is marked


CALIBRATION = Calibration(intercept=1.2492, slope=-0.8801, faithful_from=0.5, major_below=0.2, unrelated_below=0.1,
                          tag_min=0.3)
FAITHFUL_FROM = CALIBRATION.faithful_from
# Names the detector and its calibration in every output's signature; changes with either.
MODEL_VERSION = "divergence-" + hashlib.sha1(
    (DETECTOR_VERSION + json.dumps(dataclasses.asdict(CALIBRATION), sort_keys=True)).encode()).hexdigest()[:8]
# Issue thresholds: what 2% of the fidelity benchmark's clean links reach (similarity below,
# length deviation above), so an issue marks what real translations rarely do.
LOW_SIMILARITY = 0.24  # centred cosine below which the issue `low_similarity` is raised
LENGTH_DEVIATION = 0.54  # |log length ratio - document's| (a factor 1.7) above which `length_ratio`


def calibrated(divergence: float, calibration: Calibration = CALIBRATION) -> float:
    """p(faithful) of a link whose detector logit is `divergence`."""
    z = calibration.intercept + calibration.slope * divergence
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def detector_fidelity(evidence: LinkEvidence, calibration: Calibration = CALIBRATION) -> float:
    """p(faithful) by the detector: of its logit, or for a link judged through its sentences
    (workbench.fidelity.parts) the mean of its parts' weighted by their characters, a sentence
    with no counterpart in the link counting 0 (its logit is inf)."""
    total = sum(n for _, n in evidence.parts)
    if not total:
        return calibrated(evidence.divergence, calibration)
    return sum(calibrated(logit, calibration) * n for logit, n in evidence.parts) / total


def link_fidelity(link: Link, evidence: LinkEvidence | None, calibration: Calibration = CALIBRATION) -> LinkFidelity:
    """A link's fidelity, label, issues and marks from its evidence (None: an omission or addition)."""
    if evidence is None:
        return LinkFidelity(0.0, "omission" if link.src else "addition")
    fidelity = min(detector_fidelity(evidence, calibration), fact_cap(evidence, calibration))
    label = label_for(fidelity, calibration)
    if label == "faithful":  # a mark on a link that says what its original says is noise to a reviewer
        return LinkFidelity(round(fidelity, 4), label, issue_codes(evidence, fidelity, calibration))
    if fidelity < calibration.unrelated_below:
        src_spans, tgt_spans = whole(evidence.src_tags), whole(evidence.tgt_tags)
    else:  # the detector's words, and the missing names a reviewer must see
        src_spans = united(marked(evidence.src_tags, calibration.tag_min), evidence.src_names)
        tgt_spans = united(marked(evidence.tgt_tags, calibration.tag_min), evidence.tgt_names)
    return LinkFidelity(round(fidelity, 4), label, issue_codes(evidence, fidelity, calibration, bool(src_spans or tgt_spans)),
                        src_spans, tgt_spans)


def whole(tags: tuple[tuple[int, int, float], ...]) -> tuple[tuple[int, int], ...]:
    """One span from the first content word to the last."""
    return ((tags[0][0], tags[-1][1]),) if tags else ()


def united(*spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """The spans of all arguments, overlapping ones merged, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(span for group in spans for span in group):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def marked(tags: tuple[tuple[int, int, float], ...], tag_min: float) -> tuple[tuple[int, int], ...]:
    """Spans of the content words tagged at least `tag_min`; tagged words with only function
    words or punctuation between them make one span."""
    spans: list[tuple[int, int]] = []
    previous = False
    for start, end, p in tags:
        if p >= tag_min:
            spans = [*spans[:-1], (spans[-1][0], end)] if previous else [*spans, (start, end)]
        previous = p >= tag_min
    return tuple(spans)


def issue_codes(evidence: LinkEvidence, fidelity: float, calibration: Calibration = CALIBRATION,
                marked: bool = False) -> tuple[str, ...]:
    """The issue codes a link's evidence raises, in ISSUES order (`marked`: words are marked)."""
    raised = {
        "meaning_shift": fidelity < calibration.faithful_from and marked,
        "number_mismatch": evidence.numbers_changed or evidence.numbers_one_sided,
        "name_mismatch": bool(evidence.names_missing),
        "negation_mismatch": evidence.negation_mismatch,
        "untranslated": evidence.untranslated,
        "length_ratio": evidence.length_deviation > LENGTH_DEVIATION,
        "low_similarity": evidence.similarity < LOW_SIMILARITY,
    }
    return tuple(code for code in ISSUES if raised[code])


def fact_cap(evidence: LinkEvidence, calibration: Calibration = CALIBRATION) -> float:
    """The most fidelity a link can have given the facts a reviewer must see whatever the
    detector thinks (the middle of the label's band): a number that differs on the two sides,
    or a target left in the source language, makes it major; in a rewrite (one language: names
    compare letter for letter) a name missing on one side makes it minor. Other findings are issues beside the judgement:
    measured on REFreSD's development half, a one-sided negation word (raised on 6% of the
    equivalent pairs and 6% of those with a difference) and a name missing across languages
    (34% against 55%) added nothing to the detector's judgement (logistic weights near zero)."""
    if evidence.numbers_changed or evidence.untranslated:
        return (calibration.unrelated_below + calibration.major_below) / 2
    if evidence.same_language and evidence.names_missing:
        return (calibration.major_below + calibration.faithful_from) / 2
    return 1.0


def label_for(fidelity: float, calibration: Calibration = CALIBRATION) -> str:
    """major below `major_below`, minor below `faithful_from`, faithful from there. A number
    on one side only is reported (`number_mismatch`) but does not count as a changed one: it is
    as often a number spelled out in words ("Article 3" / "مادهٔ سوم")."""
    if fidelity < calibration.major_below:
        return "major"
    if fidelity < calibration.faithful_from:
        return "minor"
    return "faithful"
