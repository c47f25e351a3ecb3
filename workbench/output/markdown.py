"""The Markdown report: the same data as the HTML one, for a ticket, a wiki or a pull request.

Document text is made inert: one line per cell, Markdown's special characters escaped.
"""

from __future__ import annotations

import re

from workbench.model import ISSUE_MEANINGS
from workbench.output.report import (
    error_sides,
    has_review,
    link_lists,
    marks_record,
    metrics_text,
    pass_fail,
    percent,
    scorecard_figures,
    scorecard_of,
    scoring_rule,
)
from workbench.output.text import span_runs
from workbench.review.marks import category_label
from workbench.text.controls import for_display

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~])")


def _md(text: object) -> str:
    """Document text made inert in a Markdown table cell: one line, specials backslash-escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", for_display(str(text))))


def _md_marked(text: str, spans: list[list[int]]) -> str:
    if not text:
        return "—"
    return "".join(f"**{_md(piece)}**" if marked else _md(piece) for piece, marked in span_runs(text, spans))


def _md_review(row: dict) -> str:
    """"rejected: mistranslation — the reviewer's comment", or with MQM errors "rejected:
    major Accuracy: mistranslation, source “words” — comment; minor ...", each part made inert."""
    text = _md(row["review_status"])
    if row.get("errors"):
        return f"{text}: " + "; ".join(_md_error(error) for error in row["errors"])
    if row["review_category"]:
        text += f": {_md(row['review_category'])}"
    if row["review_comment"]:
        text += f" — {_md(row['review_comment'])}"
    return text


def _md_error(error: dict) -> str:
    words = "; ".join(f"{side} " + ", ".join(f"“{_md(word)}”" for word in quotes)
                      for side, quotes in error_sides(error)) or "the whole link"
    comment = f" — {_md(error['comment'])}" if error["comment"] else ""
    return f"{_md(error['severity'])} {_md(error['label'])}, {words}{comment}"


def _md_scorecard(card: dict) -> list[str]:
    """The scorecard section: score and PASS or FAIL, its figures, the table, the rule, the marks."""
    figures = " · ".join(f"{name} {_md(value)}" for name, value in scorecard_figures(card))
    lines = ["## Scorecard", "", f"**MQM score {card['score']:.2f}: {pass_fail(card['passed'])}** · {figures}", ""]
    if card["errors"]:
        severities = list(card["by_severity"])
        lines += [
            "| error category | " + " | ".join(f"{_md(s)} ×{card['weights'][s]:g}" for s in severities) + " | errors |",
            "|---|" + "---:|" * (len(severities) + 1),
            *(f"| {_md(category_label(category))} | " + " | ".join(str(counts[s]) for s in severities)
              + f" | {card['by_category'][category]} |" for category, counts in card["table"].items()),
            "| **all categories** | " + " | ".join(f"**{card['by_severity'][s]}**" for s in severities)
            + f" | **{card['errors']}** |",
            "",
        ]
    else:
        lines += ["No errors recorded on the reviewed links.", ""]
    return lines + [_md(scoring_rule(card)), "", _md(marks_record(card)), ""]


def report(report: dict, title: str) -> str:
    lines = [
        f"# Fidelity report: {_md(title)}",
        "",
        f"**Verdict: {_md(report['verdict'])}** · coverage {percent(report['coverage'])} · "
        f"fidelity {report['fidelity']:.2f} · {_md(report['src_lang'])} → {_md(report['tgt_lang'])} · "
        f"{report['src_segments']} source and {report['tgt_segments']} target segments · "
        f"{len(report['links'])} links" + (f" · model {_md(report['model'])}" if report["model"] else ""),
        "",
        "| label | links |",
        "|---|---:|",
        *(f"| {_md(label)} | {n} |" for label, n in report["label_counts"].items()),
        "",
    ]
    if has_review(report):
        counts = " · ".join(f"{n} {_md(status)}" for status, n in report["review_counts"].items())
        lines += [f"Review: {counts}", ""]
    if report["reference"] is not None:
        lines += [
            f"sacrebleu against the {_md(report['reference']['against'])}: {metrics_text(report['reference'])} "
            f"(`{report['reference']['signature'].replace('`', '')}`)",
            "",
        ]
    if report["issue_counts"]:
        lines += ["| issue | links | meaning |", "|---|---:|---|"]
        lines += [f"| {_md(code)} | {n} | {_md(ISSUE_MEANINGS.get(code, ''))} |"
                  for code, n in report["issue_counts"].items()] + [""]
    if report["notes"]:
        lines += ["Notes:", "", *(f"- {_md(note)}" for note in report["notes"]), ""]
    if report["signature"]:
        lines += [f"Made with `{for_display(report['signature']).replace('`', '')}`", ""]
    card = scorecard_of(report)
    if card is not None:
        lines += _md_scorecard(card)
    src, tgt = _md(report["src_lang"]), _md(report["tgt_lang"])
    reviewed = has_review(report)
    for heading, key in link_lists(report):
        lines += [f"## {heading} ({len(report[key])})", ""]
        if not report[key]:
            lines += ["None.", ""]
            continue
        lines += [
            f"| # | source ({src}) | target ({tgt}) | fidelity | issues |" + (" review |" if reviewed else ""),
            "|---:|---|---|---:|---|" + ("---|" if reviewed else ""),
        ]
        for index in report[key]:
            row = report["links"][index]
            lines.append(
                f"| {index} | {_md_marked(row['src_text'], row['src_spans'])} | "
                f"{_md_marked(row['tgt_text'], row['tgt_spans'])} | {row['fidelity']:.2f} | "
                f"{_md(', '.join(row['issues']))} |" + (f" {_md_review(row)} |" if reviewed else "")
            )
        lines.append("")
    if any(report["links"][i]["src_spans"] or report["links"][i]["tgt_spans"] for i in report["major"]):
        lines += ["Words in **bold** have no counterpart on the other side.", ""]
    return "\n".join(lines)
