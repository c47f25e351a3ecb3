"""From evidence to a judgement: the calibrated fidelity of a link, its label and issue codes."""

from __future__ import annotations

import hashlib
import json
import math

from workbench.fidelity.evidence import LinkEvidence
from workbench.model import ISSUES, Link, LinkFidelity

# p(faithful) = 1 / (1 + exp(-(intercept + sum(coef * feature)))), features as in `features()`.
# Fitted by `python benchmarks/fidelity_bench.py --fit` (logistic regression, L2 1e-4, the two
# classes weighted equally) on 572 gold links of real human translations (UDHR en-fa, en-ar,
# en-tr; Text+Berg de-fr, 4 documents) and 573 copies damaged by that script (a clause dropped
# or added, a number or name changed, a negation flipped, the target swapped with a
# neighbour's). Fitted on one corpus and tested on the other the AUC drops by 0.02-0.04 only
# (0.84 on Text+Berg, 0.90 on UDHR). Equal class weights make 0.5 the point where a link is
# as likely a real translation as a damaged one; in a real document, where most links are
# faithful, a link at 0.5 is more often faithful than not.
FIDELITY_MODEL = {
    "intercept": -0.041,
    "similarity": 4.451,
    "length_deviation": -3.521,
    "unaligned": -2.352,
    "number_mismatch": -3.707,
    "name_mismatch": -1.469,
    "negation_mismatch": -2.077,
}
FEATURES = tuple(name for name in FIDELITY_MODEL if name != "intercept")
# Names the fitted model in every output's signature; changes whenever it is refitted.
MODEL_VERSION = "logistic-" + hashlib.sha1(json.dumps(FIDELITY_MODEL, sort_keys=True).encode()).hexdigest()[:8]

FAITHFUL_FROM = 0.5  # fidelity at or above which a link without a factual issue is faithful
MAJOR_BELOW = 0.2  # fidelity below which a link is a major divergence
# Issue thresholds: what 2% of the benchmark's clean links reach (similarity below, length
# deviation above), so an issue marks what real translations rarely do.
LOW_SIMILARITY = 0.24  # centred cosine below which the issue `low_similarity` is raised
LENGTH_DEVIATION = 0.54  # |log length ratio - document's| (a factor 1.7) above which `length_ratio`


def features(evidence: LinkEvidence) -> dict[str, float]:
    """The logistic model's inputs, by the names in FIDELITY_MODEL."""
    return {
        "similarity": evidence.similarity,
        "length_deviation": evidence.length_deviation,
        "unaligned": evidence.unaligned,
        "number_mismatch": float(evidence.numbers_changed),
        "name_mismatch": float(bool(evidence.names_missing)),
        "negation_mismatch": float(evidence.negation_mismatch),
    }


def calibrated(evidence: LinkEvidence, model: dict[str, float] = FIDELITY_MODEL) -> float:
    """p(faithful) under the fitted logistic model."""
    values = features(evidence)
    z = model["intercept"] + sum(model[name] * values[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def link_fidelity(link: Link, evidence: LinkEvidence | None) -> LinkFidelity:
    """A link's fidelity, label and issues from its evidence (None: an omission or addition)."""
    if evidence is None:
        return LinkFidelity(0.0, "omission" if link.src else "addition")
    fidelity = calibrated(evidence)
    issues = issue_codes(evidence)
    return LinkFidelity(round(fidelity, 4), label_for(fidelity, evidence), issues,
                        evidence.src_spans, evidence.tgt_spans)


def issue_codes(evidence: LinkEvidence) -> tuple[str, ...]:
    """The issue codes a link's evidence raises, in ISSUES order."""
    raised = {
        "number_mismatch": evidence.numbers_changed or evidence.numbers_one_sided,
        "name_mismatch": bool(evidence.names_missing),
        "negation_mismatch": evidence.negation_mismatch,
        "untranslated": evidence.untranslated,
        "length_ratio": evidence.length_deviation > LENGTH_DEVIATION,
        "low_similarity": evidence.similarity < LOW_SIMILARITY,
    }
    return tuple(code for code in ISSUES if raised[code])


def label_for(fidelity: float, evidence: LinkEvidence) -> str:
    """major: fidelity < MAJOR_BELOW, a changed number, or untranslated text;
    minor: fidelity < FAITHFUL_FROM, a name missing on one side, or a negation on one side;
    faithful otherwise. Facts override a high similarity because the encoder barely notices
    them. A number on one side only is reported (`number_mismatch`) but does not change the
    label: it is as often a number spelled out in words ("Article 3" / "مادهٔ سوم")."""
    if fidelity < MAJOR_BELOW or evidence.numbers_changed or evidence.untranslated:
        return "major"
    if fidelity < FAITHFUL_FROM or evidence.names_missing or evidence.negation_mismatch:
        return "minor"
    return "faithful"
