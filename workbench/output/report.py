"""Fidelity reports: what a reviewer reads first, as data every renderer shares.

`build` turns a scored alignment (and, after review, the reviewer's decisions) into one
JSON-serialisable dict; the HTML (workbench.output.html) and Markdown
(workbench.output.markdown) renderers and the JSON file all show that one dict, and
`workbench.output.report_files` writes them.
"""

from __future__ import annotations

from workbench.fidelity.summary import refusal
from workbench.model import LABELS, METRICS, Review, ScoredAlignment, link_records, review_counts
from workbench.output.style import METRIC_NAMES
from workbench.review.marks import category_label, span_words
from workbench.review.scorecard import DEFAULT_THRESHOLD, scorecard

_PER_DOCUMENT = ("src_lang", "tgt_lang", "signature")  # said once for the report, not per link
_REVIEW_KEYS = ("review_status", "review_category", "review_comment")
_ERRORS_KEY = "review_errors"  # each link's errors, shown as its `errors` (see `_errors`)


def build(alignment: ScoredAlignment, review: Review | None = None, *, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """The report's data, JSON-serialisable; every output format renders this one dict.

    `review` is the reviewer's verdict per link index, {"status", "category", "comment",
    "errors", "dismissed"} as `workbench.review.store.ReviewedDocument.review` gives it (links
    missing from it are unreviewed). With it, every link carries `review_status`,
    `review_category`, `review_comment` and its MQM `errors` (see `_errors`), and the report
    counts the statuses (`review_counts`), lists the rejected links (`rejected`) and holds the
    LQA `scorecard` (`workbench.review.scorecard`; None while no link is reviewed), so a report
    exported after review shows what the reviewer decided and what it adds up to; `threshold`
    is the least MQM score that passes.
    """
    if not isinstance(alignment, ScoredAlignment):
        raise ValueError("A fidelity report needs scores: run workbench.fidelity.score(alignment, encoder) first.")
    summary = alignment.summary
    reference = summary.reference
    per_link_reference = reference.links if reference is not None else [None] * len(alignment.links)
    links = []
    for record, metrics in zip(link_records(alignment, review), per_link_reference):
        row = {key: value for key, value in record.items()
               if key not in (*_PER_DOCUMENT, *_REVIEW_KEYS, _ERRORS_KEY)}
        row["reference"] = None if metrics is None else dict(zip(METRICS, map(float, metrics)))
        if review is not None:
            row.update({key: record[key] for key in _REVIEW_KEYS})
            row["review_status"] = row["review_status"] or "unreviewed"
            row["errors"] = _errors(record)
        links.append(row)
    card = None if review is None else scorecard(alignment, review, threshold=threshold)
    label_counts = {label: int(summary.label_counts.get(label, 0)) for label in LABELS}
    label_counts.update({k: int(v) for k, v in summary.label_counts.items() if k not in LABELS})
    return {
        "verdict": summary.verdict,
        "coverage": float(summary.coverage),
        "linked": float(summary.linked),
        "fidelity": float(summary.fidelity),
        "label_counts": label_counts,
        "issue_counts": {code: int(n) for code, n in summary.issue_counts.items()},
        # sacrebleu scores against a reference translation, or against the source when both
        # texts are in one language; None otherwise
        "reference": None
        if reference is None
        else {
            "against": reference.against,
            **dict(zip(METRICS, map(float, (reference.bleu, reference.chrf, reference.ter)))),
            "signature": reference.signature,
        },
        "src_lang": alignment.src_lang,
        "tgt_lang": alignment.tgt_lang,
        "model": alignment.model,
        "signature": alignment.signature,
        # a document judged not a translation says why, in the words of the evidence that decided it
        "notes": [*alignment.notes, *([refusal(summary)] if summary.verdict == "not a translation" else [])],
        "src_segments": len(alignment.src),
        "tgt_segments": len(alignment.tgt),
        "links": links,
        "omissions": [row["link"] for row in links if row["label"] == "omission"],
        "additions": [row["link"] for row in links if row["label"] == "addition"],
        "major": [row["link"] for row in links if row["label"] == "major"],
        **({} if review is None else {
            "review_counts": review_counts(row["review_status"] for row in links),
            "rejected": [row["link"] for row in links if row["review_status"] == "rejected"],
            "scorecard": None if card is None else card.to_json(),
        }),
    }


def _errors(record: dict) -> list[dict]:
    """A link's MQM errors as the report shows them: each error's record (category, severity,
    spans, comment, the mark it came from), its category's `label`, and the words its spans
    cover, quoted from the link's text (`src_words`, `tgt_words`; none: the whole link)."""
    return [{**error, "label": category_label(error["category"]),
             "src_words": span_words(record["src_text"], error["src_spans"]),
             "tgt_words": span_words(record["tgt_text"], error["tgt_spans"])}
            for error in record[_ERRORS_KEY]]


def error_sides(error: dict) -> list[tuple[str, list[str]]]:
    """The words an error concerns, by side: ("source", words), ("target", words), a side
    without words left out; an empty list means the error is about the whole link."""
    return [(side, error[f"{key}_words"]) for side, key in (("source", "src"), ("target", "tgt"))
            if error[f"{key}_words"]]


def scorecard_of(report: dict) -> dict | None:
    """The report's LQA scorecard: None before review, or while no link is reviewed."""
    return report.get("scorecard")


def scorecard_figures(card: dict) -> list[tuple[str, str]]:
    """The scorecard's figures after its score, as (name, value), in the order every renderer shows them."""
    return [
        ("penalty points", f"{card['penalty']:g}"),
        (f"per {card['reference_words']:,} source words", f"{card['normed_penalty']:.2f}"),
        ("source words reviewed", f"{card['words']:,} of {card['document_words']:,}"),
        ("links reviewed", f"{card['reviewed_links']} of {card['links']}"),
    ]


def scoring_rule(card: dict) -> str:
    """How the score was made, in one line, for the reader who checks it."""
    weights = " · ".join(f"{severity} {weight:g}" for severity, weight in card["weights"].items())
    return (f"MQM raw scoring model: score = 100 × (1 − penalty points / source words reviewed); "
            f"penalty per error: {weights}, every error type weighing 1; a score of "
            f"{card['threshold']:g} or more passes.")


def marks_record(card: dict) -> str:
    """What the reviewer made of the detector's marks, in one line."""
    marks = card["marks"]
    return (f"Detector marks: {marks['accepted']} taken as suggested · {marks['edited']} taken edited · "
            f"{marks['dismissed']} dismissed")


def pass_fail(passed: bool) -> str:
    """How a scorecard's verdict is written, in a report and in a batch's index alike."""
    return "PASS" if passed else "FAIL"


def percent(value: float) -> str:
    return f"{value:.1%}"


def metrics_text(scores: dict) -> str:
    return " · ".join(f"{METRIC_NAMES[name]} {scores[name]:.1f}" for name in METRICS)


def has_review(report: dict) -> bool:
    return "review_counts" in report


def link_lists(report: dict) -> list[tuple[str, str]]:
    """The lists of links a reviewer reads before the full table: (heading, key in the report)."""
    lists = [
        ("Omissions: source text with no translation", "omissions"),
        ("Additions: translation with no source", "additions"),
        ("Major divergences", "major"),
    ]
    if has_review(report):
        lists.append(("Rejected by the reviewer", "rejected"))
    return lists
