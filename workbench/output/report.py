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

_PER_DOCUMENT = ("src_lang", "tgt_lang", "signature")  # said once for the report, not per link
_REVIEW_KEYS = ("review_status", "review_category", "review_comment")


def build(alignment: ScoredAlignment, review: Review | None = None) -> dict:
    """The report's data, JSON-serialisable; every output format renders this one dict.

    `review` is the reviewer's verdict per link index, {"status", "category", "comment"} as
    `workbench.review.store.ReviewedDocument.review` gives it (links missing from it are unreviewed).
    With it, every link carries `review_status`, `review_category` and `review_comment`, and
    the report counts the statuses (`review_counts`) and lists the rejected links
    (`rejected`), so a report exported after review shows what the reviewer decided.
    """
    if not isinstance(alignment, ScoredAlignment):
        raise ValueError("A fidelity report needs scores: run workbench.fidelity.score(alignment, encoder) first.")
    summary = alignment.summary
    reference = summary.reference
    per_link_reference = reference.links if reference is not None else [None] * len(alignment.links)
    links = []
    for record, metrics in zip(link_records(alignment, review), per_link_reference):
        row = {key: value for key, value in record.items() if key not in _PER_DOCUMENT + _REVIEW_KEYS}
        row["reference"] = None if metrics is None else dict(zip(METRICS, map(float, metrics)))
        if review is not None:
            row.update({key: record[key] for key in _REVIEW_KEYS})
            row["review_status"] = row["review_status"] or "unreviewed"
        links.append(row)
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
        }),
    }


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
