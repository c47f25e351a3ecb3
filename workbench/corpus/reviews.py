"""A batch's pairs as the reviewer reviewed them: the scorecards of the review database.

A pair of the batch is a document of the review database when the two have the same texts:
the original and the translation as read from their files (or the one bilingual file), which
is what the app stores of a document it aligns. The texts decide, and neither the stored
`content_key` nor the name, because the content key also holds the options the app aligned
with (its model, split and languages as the reviewer typed them), which a batch need not
share although the review is of the very same translation; and names differ between the app
(an upload is named "original.txt + translation.txt", a seed by its file name) and a batch
(paths relative to a folder or a manifest), where two editions may even share file names.
Texts are compared by digest, so each stored document is read once, however large the batch.
"""

from __future__ import annotations

import dataclasses

from workbench.corpus.sources import digest
from workbench.model import CorpusRow
from workbench.review.scorecard import DEFAULT_THRESHOLD, Scorecard, scorecard
from workbench.review.store import Store

Key = tuple[str, str]  # digests of the original and of the translation ("" for a bilingual file)


def scorecards(db: Store, threshold: float = DEFAULT_THRESHOLD) -> dict[Key, Scorecard]:
    """The scorecard of every reviewed document in `db` (passing at `threshold`), by its texts' digests. The same texts
    stored twice (aligned with other options) give the review with the most reviewed links,
    the newest of those: the fullest sample of the translation's quality."""
    found: dict[Key, Scorecard] = {}
    for info in db.documents():  # newest first
        if not info.confirmed + info.rejected:
            continue
        document = db.load(info.id)
        card = scorecard(document.alignment, document.review, threshold=threshold)
        if card is None:
            continue
        key = (digest(document.source_text), "" if document.translation_text is None else digest(document.translation_text))
        if key not in found or card.reviewed_links > found[key].reviewed_links:
            found[key] = card
    return found


def with_scorecard(row: CorpusRow, card: Scorecard) -> CorpusRow:
    """The row with the scorecard's columns (`scorecards` scores per 1,000 source words)."""
    return dataclasses.replace(row, mqm_errors=card.errors, mqm_penalty=round(card.penalty, 4),
                               mqm_per_1000=round(card.normed_penalty, 4), mqm_score=round(card.score, 4),
                               mqm_pass=card.passed)
