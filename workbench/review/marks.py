"""The detector's marks as the errors they suggest, and the words a reviewer can select.

A reviewer does not start from a blank page: the fidelity layer has marked each link (an
issue code such as `meaning_shift` with the words it tags, or a label such as `omission`).
Each mark is offered as the MQM error it suggests (`MARK_CATEGORIES`, a severity from the
link's label, the detector's words), and the reviewer takes it as it is, changes it, or
dismisses it. That choice is kept on the error (`ReviewError.mark`, `.decision`) or on the
link (`LinkState.dismissed`): it is the record that later tells how often the marks are right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from workbench.model import MARK_CATEGORIES, MQM_CATEGORIES, LinkFidelity, LinkState, ReviewError, Span
from workbench.text.words import WORD

# the severity a mark suggests, by the link's label: a link the detector calls faithful may
# still carry a check's warning (a number written differently), which is minor at most
SUGGESTED_SEVERITY = {"faithful": "minor", "minor": "minor", "major": "major", "omission": "major",
                      "addition": "major"}


def marks(score: LinkFidelity | None) -> list[str]:
    """The marks the fidelity layer put on a link: its issue codes, and `omission` /
    `addition` for a sentence with no counterpart."""
    if score is None:
        return []
    found = [issue for issue in score.issues if issue in MARK_CATEGORIES]
    return found + [score.label] if score.label in ("omission", "addition") else found


def suggestion(score: LinkFidelity, mark: str) -> ReviewError:
    """The error `mark` suggests: its MQM category, the label's severity, and, for the
    detector's own mark, the words it tags (the other checks concern the whole link)."""
    spans = (score.src_spans, score.tgt_spans) if mark == "meaning_shift" else ((), ())
    return ReviewError(MARK_CATEGORIES[mark], SUGGESTED_SEVERITY.get(score.label, "major"), *spans,
                       mark=mark, decision="accepted")


def open_marks(score: LinkFidelity | None, state: LinkState) -> list[ReviewError]:
    """The suggestions of the marks on a link that the reviewer has neither taken nor dismissed."""
    decided = set(state.dismissed) | {error.mark for error in state.errors}
    return [suggestion(score, mark) for mark in marks(score) if mark not in decided]


def decision(suggested: ReviewError, category: str, severity: str, src_spans: Sequence[Span],
             tgt_spans: Sequence[Span]) -> str:
    """`accepted` when the reviewer keeps the suggestion as it was, `edited` when they change
    its category, severity or words (a comment added is not a change of the finding)."""
    same = (category, severity, tuple(map(tuple, src_spans)), tuple(map(tuple, tgt_spans))) == \
        (suggested.category, suggested.severity, suggested.src_spans, suggested.tgt_spans)
    return "accepted" if same else "edited"


def word_spans(text: str) -> list[Span]:
    """The words of a link's text a reviewer can select, as character spans into it."""
    return [(m.start(), m.end()) for m in WORD.finditer(text)]


def word_labels(text: str, words: Sequence[Span]) -> list[str]:
    """What a reviewer is shown for each word to pick: the word, and where a word occurs more
    than once, which occurrence ("در (2)"), so two choices never look (or are taken) alike."""
    texts = [text[start:end] for start, end in words]
    totals, seen = Counter(texts), Counter[str]()
    labels = []
    for word in texts:
        seen[word] += 1
        labels.append(f"{word} ({seen[word]})" if totals[word] > 1 else word)
    return labels


def selected_spans(words: Sequence[Span], chosen: Sequence[int]) -> tuple[Span, ...]:
    """The spans of the chosen words (indices into `words`), neighbours joined into one span
    ("experienced division", not "experienced" and "division")."""
    spans: list[Span] = []
    for k in sorted(set(chosen)):
        start, end = words[k]
        if spans and k - 1 in chosen:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return tuple(spans)


def span_words(text: str, spans: Sequence[Sequence[int]]) -> list[str]:
    """The words `spans` cover in `text`, one string a span, clipped to the text and trimmed
    (an error read back from a file may name spans its text no longer has)."""
    pieces = (text[max(0, start):max(0, end)].strip() for start, end in spans)
    return [piece for piece in pieces if piece]


def quoted(text: str, spans: Sequence[Sequence[int]]) -> str:
    """The words an error concerns, as a reviewer reads them: “…” around each span, joined by " … "."""
    return " … ".join(f"“{words}”" for words in span_words(text, spans))


def error_words(error: ReviewError, src_text: str, tgt_text: str) -> str:
    """The words an error concerns on each side of its link, in one line
    (`source “…”; target “…”`), or "" for an error about the whole link."""
    return "; ".join(f"{side} {quoted(text, spans)}" for side, text, spans in
                     (("source", src_text, error.src_spans), ("target", tgt_text, error.tgt_spans)) if spans)


def category_label(category: str) -> str:
    """What the reviewer's app calls an MQM category (a category it does not know: its own name)."""
    return MQM_CATEGORIES.get(category, (category,))[0]
