"""The whole document: coverage, character-weighted fidelity, counts and the verdict."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.align.settings import DEFAULT
from workbench.fidelity.calibration import FAITHFUL_FROM
from workbench.model import ISSUES, LABELS, Alignment, DocumentFidelity, LinkFidelity

# Document verdict. "not a translation" needs two witnesses: the aligner links under
# `Settings.related` of either text with confidence (links at or above `Settings.confident`
# similarity), and the judge finds the links that read as translations (fidelity at least
# FAITHFUL_FROM) hold under NOT_TRANSLATION_BELOW of the characters of either text (the
# larger share of the two, so that a translated excerpt of a long text still counts). The
# judge alone cannot refuse a document: it reads some real translations (OCR'd paragraphs,
# free renderings) as divergent throughout, and a refused translation loses the user's run.
# Measured with the pipeline on the seeds (sentences, larger share): unrelated articles on
# the same topic reach 0.00 (000's English against 002, 003, 004), a same-language rewrite
# 0.22 (001 against 000's English), the real translation 0.90. "translation": coverage at
# least TRANSLATION_COVERAGE and a source share of at least TRANSLATION_SHARE (000 has
# coverage 0.85: four of its sixteen paragraphs are not translated); else "partial translation".
# Complete human translations reach a source share of 0.76-0.94 (UDHR en-tr 0.76, en-fa
# 0.91, en-ar 0.94, --split lines; an excerpt of en-tr, 30 lines, 0.70), a rewrite 0.22:
# 0.6 keeps real translations clear of the line.
NOT_TRANSLATION_BELOW = 0.1
TRANSLATION_COVERAGE = 0.9
TRANSLATION_SHARE = 0.6


def summarise(alignment: Alignment, scores: Sequence[LinkFidelity]) -> DocumentFidelity:
    """Coverage, character-weighted fidelity, counts, the aligner's confident share and the
    verdict (see the comment on NOT_TRANSLATION_BELOW).

    fidelity: mean link fidelity weighted by each link's characters (both sides), omissions
    and additions counting 0.
    """
    src_chars = tgt_chars = covered = 0
    translated = [0, 0]  # characters of source, target in links that read as translations
    confident = [0, 0]  # characters of source, target in links the aligner made with confidence
    weighted = 0.0
    label_counts = {label: 0 for label in LABELS}
    issue_counts = {code: 0 for code in ISSUES}
    for link, result in zip(alignment.links, scores):
        n_src, n_tgt = len(alignment.src_text(link)), len(alignment.tgt_text(link))
        src_chars += n_src
        tgt_chars += n_tgt
        if link.src and link.tgt:
            covered += n_src
            if result.fidelity >= FAITHFUL_FROM:
                translated[0] += n_src
                translated[1] += n_tgt
            if link.similarity is not None and link.similarity >= DEFAULT.confident:
                confident[0] += n_src
                confident[1] += n_tgt
        weighted += result.fidelity * (n_src + n_tgt)
        label_counts[result.label] += 1
        for code in result.issues:
            issue_counts[code] += 1
    coverage = covered / src_chars if src_chars else 0.0
    src_share = translated[0] / src_chars if src_chars else 0.0
    tgt_share = translated[1] / tgt_chars if tgt_chars else 0.0
    linked = max(confident[0] / src_chars if src_chars else 0.0, confident[1] / tgt_chars if tgt_chars else 0.0)
    if linked < DEFAULT.related and max(src_share, tgt_share) < NOT_TRANSLATION_BELOW:
        verdict = "not a translation"
    elif coverage >= TRANSLATION_COVERAGE and src_share >= TRANSLATION_SHARE:
        verdict = "translation"
    else:
        verdict = "partial translation"
    total = src_chars + tgt_chars
    return DocumentFidelity(round(coverage, 4), round(weighted / total if total else 0.0, 4), verdict,
                            label_counts, issue_counts, linked=round(linked, 4))


def refusal(summary: DocumentFidelity) -> str:
    """Why a document is "not a translation", in words, from the evidence that decided it."""
    return (f"the two texts do not look like translations of each other: the aligner links only "
            f"{summary.linked:.0%} of either text with confidence (a translation links most of both: "
            f"{DEFAULT.related:.0%} is the least), and the judge reads under {NOT_TRANSLATION_BELOW:.0%} "
            f"of either as translated")
