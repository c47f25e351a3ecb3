"""The LQA scorecard: a reviewed document's MQM errors turned into one score and a pass or a fail.

What a client or a vendor manager reads first is not the link-by-link review but its sum, in
the terms the translation industry agrees on: MQM 2.0's scoring model, as defined in

- A. Lommel, S. Gladkoff, A. Melby, S. E. Wright, I. Strandvik, K. Gasova, A. Vaasa, A. Benzo,
  R. Marazzato Sparano, M. Foresi, J. Innis, L. Han, G. Nenadic, "The Multi-Range Theory of
  Translation Quality Measurement: MQM Scoring Models and Statistical Quality Control",
  arXiv:2405.16969 (2024), and
- themqm.org, "The MQM Scoring Models" (https://themqm.org/error-types-2/the-mqm-scoring-models/)
  and "Values and Scores" (https://themqm.org/error-types-2/values-and-scores/).

The computation, in their names:

- each error costs its severity's penalty multiplier (minor 1, major 5, critical 25, the
  scale both use; `weights` changes it) times its error type's weight, which is 1 for every
  type here (the reviewer's categories are not weighted against one another);
- Absolute Penalty Total, APT = the sum of those costs (`penalty`);
- Evaluation Word Count, EWC = the words of the text evaluated, counted on the source side
  as the ASTM practice the MQM pages cite does (`words`; see `source_words` for the count).
  MQM scores the sample that was evaluated, so these are the source words of the reviewed
  links, not of the whole document: half a document reviewed is a sample of half its words
  (`document_words` and `reviewed_links` of `links` say how large a sample it was);
- Per-Word Penalty Total, PWPT = APT / EWC, and Normed Penalty Total, NPT = PWPT x RWC, the
  penalty points per Reference Word Count of 1,000 words (`normed_penalty`, `reference_words`);
- the quality score of the raw scoring model, RQS = MSV x (1 - PWPT) with the Maximum Score
  Value 100: the share of the evaluated text without errors, as a percentage, which is also
  100 - NPT / 10 at 1,000 reference words (`score`). It is not clamped at 0 here: a short
  sample with a critical error can score below 0, and is then told apart from a worse one.

The raw model is the one used here because it needs no calibration: the paper's calibrated
model rescales the score around a passing threshold and an acceptable penalty agreed per
project, which this tool has no way to know, and a raw score means the same in every project.
Pass or fail is the raw score against `threshold`, by default 99: at most 10 penalty points
per 1,000 source words, that is one minor error per 100 words, or two major errors per 1,000,
and no critical error in a sample of under 2,500 words. It is a choice, not a constant of MQM
(which leaves the threshold to the parties' specifications): strict enough that one
meaning error in a page fails it, loose enough that a few slips do not. Pass another
`threshold` where a contract says otherwise.

Besides the score, the scorecard keeps the record of the detector's marks: how many the
reviewer took as suggested, took edited, or dismissed as wrong; that is how the marks earn
(or lose) a reviewer's trust.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.model import CATEGORIES, DECISIONS, SEVERITIES, Alignment, Review
from workbench.text.scripts import script_of
from workbench.text.words import WORD

DEFAULT_WEIGHTS: Mapping[str, float] = {"minor": 1, "major": 5, "critical": 25}  # severity penalty multipliers
DEFAULT_THRESHOLD = 99.0  # the least raw score that passes (see the module docstring)
REFERENCE_WORDS = 1000  # RWC: penalties are said per this many source words
MAX_SCORE = 100.0  # MSV: the score of a sample without errors


@dataclass(frozen=True)
class Scorecard:
    """A reviewed document's MQM scorecard (see the module docstring for every figure).

    `by_severity` names every severity (0 when none); `by_category` and `table` (category ->
    severity -> count, every severity named) only the categories that have errors, in
    MQM_CATEGORIES' order. `marks` counts the detector's marks the reviewer "accepted" (took as
    suggested), "edited" and "dismissed".
    """

    errors: int
    by_severity: dict[str, int]
    by_category: dict[str, int]
    table: dict[str, dict[str, int]]
    penalty: float  # APT
    words: int  # EWC: source words of the reviewed links
    document_words: int  # source words of the whole document
    normed_penalty: float  # NPT: penalty points per `reference_words` source words
    score: float  # the raw quality score
    threshold: float
    passed: bool
    weights: dict[str, float]  # severity penalty multipliers
    reference_words: int
    reviewed_links: int
    links: int
    marks: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def scorecard(alignment: Alignment, review: Review | None, *, weights: Mapping[str, float] = DEFAULT_WEIGHTS,
              threshold: float = DEFAULT_THRESHOLD, reference_words: int = REFERENCE_WORDS) -> Scorecard | None:
    """The scorecard of `review` (by link index: {"status", "errors", "dismissed"}, as
    `workbench.model.Review`), or None when no link was reviewed, or the reviewed links hold no
    source word (only additions): there is then no sample to score per word.

    Only reviewed links (confirmed or rejected) are the sample: their errors and source words.
    The dismissed marks are counted on every link, since dismissing a mark does not review a link.
    """
    missing = [severity for severity in SEVERITIES if severity not in weights]
    if missing:
        raise ValueError(f"The severity weights name no {missing[0]!r}: give one for each of {', '.join(SEVERITIES)}.")
    review = review or {}
    entries = [review.get(index) or {} for index in range(len(alignment.links))]
    reviewed = [index for index, entry in enumerate(entries) if entry.get("status") not in (None, "", "unreviewed")]
    words = sum(source_words(alignment.src_text(alignment.links[index])) for index in reviewed)
    if not words:
        return None
    errors = [error for index in reviewed for error in entries[index].get("errors", ())]
    unknown = sorted({error.severity for error in errors} - set(SEVERITIES))
    if unknown:
        raise ValueError(f"An error has the unknown severity {unknown[0]!r}; the severities are {', '.join(SEVERITIES)}.")
    pairs = Counter((error.category, error.severity) for error in errors)
    order = {category: k for k, category in enumerate(CATEGORIES)}
    categories = sorted({category for category, _ in pairs}, key=lambda c: (order.get(c, len(order)), c))
    table = {category: {severity: pairs[(category, severity)] for severity in SEVERITIES} for category in categories}
    penalty = float(sum(weights[error.severity] for error in errors))  # every error type weighs 1
    score = MAX_SCORE * (1 - penalty / words)
    decisions = Counter(error.decision for error in errors if error.mark)
    return Scorecard(
        errors=len(errors),
        by_severity={severity: sum(row[severity] for row in table.values()) for severity in SEVERITIES},
        by_category={category: sum(row.values()) for category, row in table.items()},
        table=table,
        penalty=penalty,
        words=words,
        document_words=sum(source_words(alignment.src_text(link)) for link in alignment.links),
        normed_penalty=penalty / words * reference_words,
        score=score,
        threshold=float(threshold),
        passed=score >= threshold,
        weights={severity: float(weights[severity]) for severity in SEVERITIES},
        reference_words=reference_words,
        reviewed_links=len(reviewed),
        links=len(alignment.links),
        marks={**{decision: decisions[decision] for decision in DECISIONS},
               "dismissed": sum(len(entry.get("dismissed", ())) for entry in entries)},
    )


def source_words(text: str) -> int:
    """The words of `text` as the Evaluation Word Count counts them.

    A word is what every check of the workbench takes for one (`workbench.text.words.WORD`:
    letters and digits, with hyphens and apostrophes inside). Chinese and Japanese are written
    without spaces, so there each Han or kana character counts as one word, as translation
    tools count those languages (ISO 5060, which the MQM pages cite, allows character counts
    for such scripts); a Latin name inside such a run is one word more. Thai, Lao, Khmer and
    Burmese, which space phrases rather than words, are counted by their space-separated runs:
    too few words, so their scores come out stricter, not kinder.
    """
    count = 0
    for match in WORD.finditer(text):
        word = match.group()
        if word.isascii():
            count += 1
            continue
        inside = False  # within a run of characters that are not Han or kana
        for char in word:
            if script_of(char) == "CJK":
                count += 1
                inside = False
            elif not inside:
                count += 1
                inside = True
    return count
