"""The HTML report: one self-contained file that opens anywhere, offline, and stays safe.

Inline CSS, charts drawn here as inline SVG, no JavaScript, a Content-Security-Policy that
forbids loading anything, and every piece of document text escaped on its way in
(workbench.output.text).
"""

from __future__ import annotations

import math
from collections import Counter
from urllib.parse import quote

from workbench.model import ISSUE_MEANINGS, CorpusRow
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
from workbench.output.style import (
    LABEL_COLOURS,
    OTHER_COLOUR,
    PASS_COLOURS,
    SEVERITY_COLOURS,
    STATUS_COLOURS,
    VERDICT_COLOURS,
)
from workbench.output.text import bcp47, direction, escape, span_runs
from workbench.review.marks import category_label

UNALIGNED = ("omission", "addition")


CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1f2328;
  font: 15px/1.55 system-ui, "Segoe UI", "Noto Sans", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 1.35rem; margin: 0 0 4px; }
h2 { font-size: 1.1rem; margin: 36px 0 10px; }
.sub { color: #57606a; margin: 0 0 16px; }
.card { background: #fff; border: 1px solid #d8dee4; border-radius: 10px; padding: 18px 22px; }
.headline { display: flex; flex-wrap: wrap; align-items: center; gap: 18px 40px; }
.verdict { display: inline-block; color: #fff; font-size: 1.55rem; font-weight: 700;
  padding: 6px 20px; border-radius: 8px; letter-spacing: .01em; }
.figure .value { font-size: 1.55rem; font-weight: 650; }
.figure .name { color: #57606a; font-size: .78rem; text-transform: uppercase; letter-spacing: .05em; }
.counts { margin-top: 14px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.counts .what { color: #57606a; font-size: .85rem; min-width: 4.5em; }
.chip { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: .8rem;
  font-weight: 600; color: #fff; white-space: nowrap; }
.chip.issue { background: #eaeef2; color: #1f2328; font-weight: 500; }
.chip.none { background: #eaeef2; color: #8c959f; }
.notes { margin: 12px 0 0; padding-left: 20px; color: #57606a; font-size: .9rem; }
.signature { margin: 8px 0 0; color: #57606a; font-size: .8rem; overflow-wrap: anywhere; }
.legend { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0 0; font-size: .85rem; }
figure { margin: 0; }
figcaption { color: #57606a; font-size: .85rem; margin-top: 4px; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 11px system-ui, "DejaVu Sans", Arial, sans-serif; fill: #57606a; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #d8dee4;
  border-radius: 10px; overflow: hidden; }
th { background: #f6f8fa; color: #57606a; font-size: .78rem; text-transform: uppercase;
  letter-spacing: .04em; text-align: start; padding: 8px 10px; border-bottom: 1px solid #d8dee4; }
td { padding: 8px 10px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
tr:last-child td { border-bottom: 0; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; color: #57606a; }
td.num a { color: inherit; }
table.links { table-layout: fixed; }
td.text { unicode-bidi: isolate; overflow-wrap: anywhere; }
td.text.empty { color: #8c959f; font-style: italic; }
[dir="rtl"] { font-family: "Vazirmatn", "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans",
  Tahoma, sans-serif; font-size: 1.04em; line-height: 1.8; }
mark { background: #ffd86b; color: inherit; border-radius: 3px; padding: 0 2px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
tr.row.faithful mark { background: #fff0c4; }  /* words without counterpart matter less here */
tr.row td:first-child { border-inline-start: 4px solid var(--label); }
tr.row.major td, tr.row.omission td, tr.row.addition td { background: var(--tint); }
.bar { width: 64px; height: 6px; background: #eaeef2; border-radius: 3px; margin-top: 4px; }
.bar span { display: block; height: 100%; border-radius: 3px; }
.issues { font-size: .82rem; color: #57606a; }
td.review .category { font-size: .82rem; margin-top: 4px; }
td.review .comment { font-size: .82rem; color: #57606a; margin-top: 2px; overflow-wrap: anywhere; }
ul.errors { margin: 4px 0 0; padding-inline-start: 16px; font-size: .82rem; }
ul.errors li { margin-top: 2px; overflow-wrap: anywhere; }
.severity { font-weight: 650; }
table.scores { width: auto; min-width: 50%; margin-top: 14px; }
table.scores td.num, table.scores th.num { text-align: end; }
table.scores tr.total td { font-weight: 650; border-top: 1px solid #d8dee4; }
.rule { margin: 10px 0 0; color: #57606a; font-size: .85rem; }
.metrics { font-size: .78rem; color: #57606a; font-variant-numeric: tabular-nums; }
.nothing { color: #8c959f; font-style: italic; margin: 0; }
a { color: #0b5cad; }
"""


def _page(title: str, body: str) -> str:
    """A complete HTML document around `body`; the CSP forbids every fetch and all scripts."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _colour(label: str) -> str:
    return LABEL_COLOURS.get(label, OTHER_COLOUR)


def _chip(text: str, colour: str) -> str:
    return f'<span class="chip" style="background:{colour}">{escape(text)}</span>'


def _marked_html(text: str, spans: list[list[int]]) -> str:
    """Escape each piece on its own, so the only markup in the result is our <mark>."""
    return "".join(f"<mark>{escape(piece)}</mark>" if marked else escape(piece) for piece, marked in span_runs(text, spans))


def _text_cell(text: str, spans: list[list[int]], lang: str) -> str:
    if not text:
        return '<td class="text empty">no counterpart</td>'
    return f'<td class="text" lang="{bcp47(lang)}" dir="{direction(lang)}">{_marked_html(text, spans)}</td>'


# fixed widths, so every table of links lines up with the others
LINK_COLUMNS = (
    '<col style="width:3.5em"><col style="width:3.5em"><col><col>'
    '<col style="width:6.5em"><col style="width:6em"><col style="width:7em"><col style="width:9em">'
)
REVIEW_COLUMN = '<col style="width:13em">'


def _link_table(report: dict, indices: list[int], anchors: bool) -> str:
    """Links side by side; the full table carries the anchors the lists and charts point to."""
    if not indices:
        return '<p class="nothing">None.</p>'
    src_lang, tgt_lang = report["src_lang"], report["tgt_lang"]
    reviewed = has_review(report)
    colgroup = f"<colgroup>{LINK_COLUMNS}{REVIEW_COLUMN if reviewed else ''}</colgroup>"
    head = (
        "<tr><th>#</th><th>kind</th>"
        f"<th>source ({escape(src_lang)})</th><th>target ({escape(tgt_lang)})</th>"
        "<th>similarity</th><th>fidelity</th><th>label</th><th>issues</th>"
        + ("<th>review</th>" if reviewed else "")
        + "</tr>"
    )
    rows = []
    for index in indices:
        row = report["links"][index]
        colour = _colour(row["label"])
        number = str(index) if anchors else f'<a href="#link-{index}">{index}</a>'
        row_id = f' id="link-{index}"' if anchors else ""
        similarity = "—" if row["similarity"] is None else f"{row['similarity']:.3f}"
        fidelity = row["fidelity"]
        reference = "" if row["reference"] is None else f'<div class="metrics">{metrics_text(row["reference"])}</div>'
        rows.append(
            f'<tr class="row {escape(row["label"])}"{row_id} style="--label:{colour};--tint:{colour}12">'
            f'<td class="num">{number}</td><td class="num">{escape(row["kind"])}</td>'
            f"{_text_cell(row['src_text'], row['src_spans'], src_lang)}"
            f"{_text_cell(row['tgt_text'], row['tgt_spans'], tgt_lang)}"
            f'<td class="num">{similarity}</td>'
            f'<td class="num">{fidelity:.2f}<div class="bar"><span style="width:{fidelity:.0%};'
            f'background:{colour}"></span></div></td>'
            f"<td>{_chip(row['label'], colour)}</td>"
            f'<td class="issues" title="{escape("; ".join(ISSUE_MEANINGS.get(code, code) for code in row["issues"]))}">'
            f'{escape(", ".join(row["issues"]))}{reference}</td>'
            + (_review_cell(row) if reviewed else "")
            + "</tr>"
        )
    return (
        f'<table class="links">{colgroup}\n<thead>{head}</thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )


def _status_chip(status: str, count: int | None = None) -> str:
    text = status if count is None else f"{status} {count}"
    if status in STATUS_COLOURS and count != 0:
        return _chip(text, STATUS_COLOURS[status])
    return f'<span class="chip none">{escape(text)}</span>'


def _review_cell(row: dict) -> str:
    """The reviewer's status and the link's MQM errors (or, for a review that has none but a
    category and comment, those); comments and quoted words are text in any language and
    possibly hostile, so they are escaped and get their own direction."""
    if row.get("errors"):
        errors = "".join(_error_item(error) for error in row["errors"])
        return f'<td class="review">{_status_chip(row["review_status"])}<ul class="errors">{errors}</ul></td>'
    category = f'<div class="category">{escape(row["review_category"])}</div>' if row["review_category"] else ""
    comment = f'<div class="comment" dir="auto">{escape(row["review_comment"])}</div>' if row["review_comment"] else ""
    return f'<td class="review">{_status_chip(row["review_status"])}{category}{comment}</td>'


def _error_item(error: dict) -> str:
    """One error: its severity, its category, the words it concerns (quoted from the link, each
    isolated so its direction cannot reorder the line) and the reviewer's comment."""
    sides = error_sides(error)
    words = "; ".join(f"{side} " + ", ".join(f"“<bdi>{escape(word)}</bdi>”" for word in quotes)
                      for side, quotes in sides) or "the whole link"
    comment = f'<div class="comment" dir="auto">{escape(error["comment"])}</div>' if error["comment"] else ""
    colour = SEVERITY_COLOURS.get(error["severity"], OTHER_COLOUR)
    return (f'<li><span class="severity" style="color:{colour}">{escape(error["severity"])}</span> '
            f'<span class="category">{escape(error["label"])}</span>: <span class="words">{words}</span>{comment}</li>')


def _scorecard_html(report: dict) -> str:
    """The LQA scorecard: the score and PASS or FAIL first, then what it is made of."""
    card = scorecard_of(report)
    if card is None:
        return ""
    verdict = pass_fail(card["passed"])
    figures = [("MQM score", f"{card['score']:.2f}"), *scorecard_figures(card)]
    figure_html = "".join(
        f'<div class="figure"><div class="value">{escape(value)}</div><div class="name">{escape(name)}</div></div>'
        for name, value in figures
    )
    if card["errors"]:
        severities = list(card["by_severity"])
        rows = [
            f"<tr><td>{escape(category_label(category))}</td>"
            + "".join(f'<td class="num">{counts[severity]}</td>' for severity in severities)
            + f'<td class="num">{card["by_category"][category]}</td></tr>'
            for category, counts in card["table"].items()
        ]
        rows.append('<tr class="total"><td>all categories</td>'
                    + "".join(f'<td class="num">{card["by_severity"][severity]}</td>' for severity in severities)
                    + f'<td class="num">{card["errors"]}</td></tr>')
        table = (
            '<table class="scores"><thead><tr><th>error category</th>'
            + "".join(f'<th class="num">{escape(severity)} ×{card["weights"][severity]:g}</th>' for severity in severities)
            + '<th class="num">errors</th></tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody></table>"
        )
    else:
        table = '<p class="nothing">No errors recorded on the reviewed links.</p>'
    return (
        '<h2>Scorecard</h2>\n<section class="card scorecard" id="scorecard">'
        f'<div class="headline"><span class="verdict passfail" style="background:{PASS_COLOURS[card["passed"]]}">'
        f"{verdict}</span>{figure_html}</div>{table}"
        f'<p class="rule">{escape(scoring_rule(card))}</p>'
        f'<p class="rule">{escape(marks_record(card))}</p></section>'
    )


def _tick_step(maximum: float, ticks: int = 5) -> int:
    """A round step (1, 2, 5, 10, 20, ...) giving about `ticks` ticks up to `maximum`."""
    raw = max(1.0, maximum / ticks)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _fidelity_axis(y, left: float, right: float) -> list[str]:
    """Grid lines and labels of a fidelity axis (0 to 1) from x = left to right; `y` maps a value."""
    return [
        f'<line x1="{left}" x2="{right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
        f'stroke="{"#8c959f" if value == 0 else "#eaeef2"}"/>'
        f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        for value in (0, 0.25, 0.5, 0.75, 1)
    ]


def _along_svg(report: dict) -> str:
    """Fidelity of every link in document order; omissions and additions are shaded bands."""
    links = report["links"]
    width, height = 1200, 260
    left, right, top, bottom = 44, 14, 12, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(links)

    def x(i: float) -> float:
        return left + (i + 0.5) * step

    def y(value: float) -> float:
        return top + (1 - value) * plot_h

    parts = _fidelity_axis(y, left, width - right)
    tick = _tick_step(len(links) - 1, 12)
    for i in range(0, len(links), tick):
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 28}" text-anchor="middle">{i}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 3}" text-anchor="middle">link</text>')
    dot = max(2.0, min(5.0, step / 2.5))
    for row in links:
        i, label, colour = row["link"], row["label"], _colour(row["label"])
        tip = f"link {i} · {label} · fidelity {row['fidelity']:.2f}"
        if row["issues"]:
            tip += " · " + ", ".join(row["issues"])
        if label in UNALIGNED:
            # below the axis: ▼ for source text the translation dropped, ▲ for text it added
            near, far = y(0) + 4, y(0) + 13
            flat, tip_y = (near, far) if label == "omission" else (far, near)
            shape = (
                f'<rect x="{x(i) - step / 2:.1f}" y="{top}" width="{step:.1f}" height="{plot_h}" '
                f'fill="{colour}" fill-opacity="0.13"/>'
                f'<path d="M{x(i) - 5:.1f},{flat:.1f} H{x(i) + 5:.1f} L{x(i):.1f},{tip_y:.1f} Z" fill="{colour}"/>'
            )
        else:
            shape = (
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(0):.1f}" y2="{y(row["fidelity"]):.1f}" '
                f'stroke="{colour}" stroke-opacity="0.35" stroke-width="{min(3.0, step / 3):.1f}"/>'
                f'<circle cx="{x(i):.1f}" cy="{y(row["fidelity"]):.1f}" r="{dot:.1f}" fill="{colour}"/>'
            )
        parts.append(f'<a href="#link-{i}"><title>{escape(tip)}</title>{shape}</a>')
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="fidelity along the document">'
        + "".join(parts)
        + "</svg>"
    )


def _histogram_svg(report: dict) -> str:
    """How the fidelity of the aligned links is distributed, stacked by label, in tenths."""
    aligned = [row for row in report["links"] if row["label"] not in UNALIGNED]
    labels = [label for label in report["label_counts"] if label not in UNALIGNED]
    bins = [Counter() for _ in range(10)]
    for row in aligned:
        bins[min(9, int(row["fidelity"] * 10))][row["label"]] += 1
    tallest = max(sum(b.values()) for b in bins)
    width, height = 560, 230
    left, right, top, bottom = 36, 10, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    step = _tick_step(tallest, 4)
    ceiling = step * math.ceil(tallest / step)

    def y(count: float) -> float:
        return top + (1 - count / ceiling) * plot_h

    parts = []
    for count in range(0, ceiling + 1, step):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(count):.1f}" y2="{y(count):.1f}" '
            f'stroke="{"#8c959f" if count == 0 else "#eaeef2"}"/>'
            f'<text x="{left - 6}" y="{y(count) + 4:.1f}" text-anchor="end">{count}</text>'
        )
    bar_w = plot_w / 10
    for b, counts in enumerate(bins):
        x0 = left + b * bar_w
        stacked = 0
        for label in labels:
            n = counts[label]
            if not n:
                continue
            tip = f"fidelity {b / 10:.1f}–{(b + 1) / 10:.1f}: {n} {label}"
            parts.append(
                f'<rect x="{x0 + 2:.1f}" y="{y(stacked + n):.1f}" width="{bar_w - 4:.1f}" '
                f'height="{y(stacked) - y(stacked + n):.1f}" fill="{_colour(label)}">'
                f"<title>{escape(tip)}</title></rect>"
            )
            stacked += n
    for b in range(11):
        parts.append(
            f'<text x="{left + b * bar_w:.1f}" y="{height - bottom + 16}" text-anchor="middle">{b / 10:g}</text>'
        )
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 3}" text-anchor="middle">fidelity</text>')
    return (
        f'<svg viewBox="0 0 {width} {height}" style="max-width:{width}px" role="img" '
        'aria-label="distribution of fidelity">' + "".join(parts) + "</svg>"
    )


def _counts_html(report: dict) -> str:
    labels = " ".join(
        _chip(f"{label} {n}", _colour(label)) if n else f'<span class="chip none">{escape(label)} 0</span>'
        for label, n in report["label_counts"].items()
    )
    issues = " ".join(
        f'<span class="chip {"issue" if n else "none"}" title="{escape(ISSUE_MEANINGS.get(code, ""))}">'
        f"{escape(code)} {n}</span>"
        for code, n in report["issue_counts"].items()
    ) or '<span class="chip none">none</span>'
    return (
        f'<div class="counts"><span class="what">labels</span>{labels}</div>'
        f'<div class="counts"><span class="what">issues</span>{issues}</div>'
    )


def _review_counts_html(report: dict) -> str:
    if not has_review(report):
        return ""
    chips = " ".join(_status_chip(status, n) for status, n in report["review_counts"].items())
    return f'<div class="counts"><span class="what">review</span>{chips}</div>'


def _reference_html(reference: dict | None) -> str:
    if reference is None:
        return ""
    return (
        f'<div class="counts"><span class="what">sacrebleu</span>'
        f"<span>{metrics_text(reference)} against the {escape(reference['against'])}</span></div>"
        f'<div class="metrics">{escape(reference["signature"])}</div>'
    )


def report(report: dict, title: str) -> str:
    links = report["links"]
    verdict = report["verdict"]
    figures = [
        ("coverage", percent(report["coverage"])),
        ("fidelity", f"{report['fidelity']:.2f}"),
        ("links", str(len(links))),
        ("segments", f"{report['src_segments']} → {report['tgt_segments']}"),
    ]
    figure_html = "".join(
        f'<div class="figure"><div class="value">{escape(value)}</div><div class="name">{name}</div></div>'
        for name, value in figures
    )
    notes = "".join(f'<li dir="auto">{escape(note)}</li>' for note in report["notes"])
    model = f" · model <bdi>{escape(report['model'])}</bdi>" if report["model"] else ""
    legend = " ".join(_chip(label, _colour(label)) for label in report["label_counts"])
    aligned = sum(1 for row in links if row["label"] not in UNALIGNED)
    body = [
        f"<h1>Fidelity report: <bdi>{escape(title)}</bdi></h1>",
        f'<p class="sub">{escape(report["src_lang"])} → {escape(report["tgt_lang"])}{model}</p>',
        '<section class="card">',
        f'<div class="headline"><span class="verdict" style="background:{VERDICT_COLOURS.get(verdict, OTHER_COLOUR)}">'
        f"{escape(verdict)}</span>{figure_html}</div>",
        _counts_html(report),
        _review_counts_html(report),
        _reference_html(report["reference"]),
        f'<ul class="notes">{notes}</ul>' if notes else "",
        f'<p class="signature">made with <code>{escape(report["signature"])}</code></p>' if report["signature"] else "",
        "</section>",
        _scorecard_html(report),
    ]
    if links:
        body += [
            "<h2>Fidelity along the document</h2>",
            f'<figure class="card">{_along_svg(report)}<div class="legend">{legend}</div>'
            "<figcaption>One mark per link in document order (hover for details, click to jump to it); "
            "shaded bands with ▼ are omissions, with ▲ additions.</figcaption></figure>",
        ]
    if aligned:
        body += [
            "<h2>Distribution of fidelity</h2>",
            f'<figure class="card">{_histogram_svg(report)}'
            f"<figcaption>The {aligned} aligned links, by fidelity in tenths; omissions and additions "
            "(fidelity 0 by definition) are left out.</figcaption></figure>",
        ]
    for heading, key in link_lists(report):
        body += [f"<h2>{heading} ({len(report[key])})</h2>", _link_table(report, report[key], anchors=False)]
    body += [f"<h2>All links ({len(links)})</h2>", _link_table(report, list(range(len(links))), anchors=True)]
    return _page(f"Fidelity report: {title}", "\n".join(body))


def index(reports: list[tuple[str, dict]]) -> str:
    verdicts = Counter(report["verdict"] for _, report in reports)
    tally = ", ".join(f"{n} {escape(verdict)}" for verdict, n in verdicts.items())
    labels = list(dict.fromkeys(label for _, report in reports for label in report["label_counts"]))
    head = (
        "<tr><th>document</th><th>languages</th><th>verdict</th><th>coverage</th><th>fidelity</th>"
        + "".join(f"<th>{escape(label)}</th>" for label in labels)
        + "<th>data</th></tr>"
    )
    rows = []
    for name, report in reports:
        verdict = report["verdict"]
        rows.append(
            f'<tr><td><a href="{escape(quote(name + ".html"))}"><bdi>{escape(name)}</bdi></a></td>'
            f'<td class="num">{escape(report["src_lang"])} → {escape(report["tgt_lang"])}</td>'
            f"<td>{_chip(verdict, VERDICT_COLOURS.get(verdict, OTHER_COLOUR))}</td>"
            f'<td class="num">{percent(report["coverage"])}</td>'
            f'<td class="num">{report["fidelity"]:.2f}</td>'
            + "".join(f'<td class="num">{report["label_counts"].get(label, 0)}</td>' for label in labels)
            + f'<td class="num"><a href="{escape(quote(name + ".json"))}">json</a></td></tr>'
        )
    body = (
        f"<h1>Fidelity reports</h1>\n<p class=\"sub\">{len(reports)} documents: {tally}</p>\n"
        f"<table>\n<thead>{head}</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )
    return _page("Fidelity reports", body)


def corpus(rows: list[CorpusRow]) -> str:
    """A batch's index: the corpus at a glance, the worst pairs first, then the documents left
    without a counterpart; every pair links to its report and aligned CSV. When some pair was
    reviewed (the batch's --db), a column gives each reviewed pair's MQM score and PASS or FAIL."""
    pairs = sorted((row for row in rows if row.fidelity is not None), key=lambda row: (row.fidelity, row.original))
    alone = [row for row in rows if row.fidelity is None]
    verdicts = Counter(row.verdict for row in rows)
    tally = ", ".join(f"{n} {escape(verdict)}" for verdict, n in verdicts.most_common())
    reviewed = any(row.mqm_score is not None for row in pairs)
    head = ("<tr><th>original</th><th>translation</th><th>languages</th><th>verdict</th><th>fidelity</th>"
            "<th>coverage</th><th>links</th><th>omissions</th><th>additions</th><th>match</th>"
            + ("<th>MQM score</th>" if reviewed else "") + "<th>files</th></tr>")
    body_rows = []
    for rank, row in enumerate(pairs):
        colour = VERDICT_COLOURS.get(row.verdict, OTHER_COLOUR)
        body_rows.append(
            f'<tr id="pair-{rank}"><td><a href="{escape(quote(row.report))}"><bdi>{escape(row.original)}</bdi></a></td>'
            f"<td><bdi>{escape(row.translation)}</bdi></td>"
            f'<td class="num">{escape(row.src_lang)} → {escape(row.tgt_lang)}</td>'
            f"<td>{_chip(row.verdict, colour)}</td>"
            f'<td class="num">{row.fidelity:.2f}</td><td class="num">{percent(row.coverage or 0.0)}</td>'
            f'<td class="num">{row.links}</td><td class="num">{row.omissions}</td><td class="num">{row.additions}</td>'
            f'<td class="num">{"given" if row.match_score is None else f"{row.match_score:.2f}"}</td>'
            + (_mqm_cell(row) if reviewed else "")
            + f'<td class="num"><a href="{escape(quote(row.report))}">report</a> · '
            f'<a href="{escape(quote(row.aligned))}">csv</a></td></tr>'
        )
    alone_rows = [
        f"<tr><td><bdi>{escape(row.original)}</bdi></td><td><bdi>{escape(row.translation)}</bdi></td>"
        f"<td>{_chip(row.verdict, OTHER_COLOUR)}</td><td>{escape(row.note)}</td></tr>"
        for row in alone
    ]
    parts = [f'<h1>Corpus</h1>\n<p class="sub">{len(pairs)} pairs aligned, {len(alone)} documents alone: {tally}</p>']
    if pairs:
        parts.append('<h2>Fidelity across the corpus</h2>\n<figure class="card">' + _corpus_svg(pairs)
                     + "<figcaption>Every pair's document fidelity, worst first; a dot links to its row."
                     "</figcaption></figure>")
        parts.append(f"<h2>Pairs, worst first</h2>\n<table>\n<thead>{head}</thead>\n<tbody>\n"
                     + "\n".join(body_rows) + "\n</tbody>\n</table>")
    if alone:
        parts.append("<h2>Documents without a counterpart</h2>\n<table>\n<thead><tr><th>original</th>"
                     "<th>translation</th><th>verdict</th><th>why</th></tr></thead>\n<tbody>\n"
                     + "\n".join(alone_rows) + "\n</tbody>\n</table>")
    return _page("Corpus", "\n".join(parts))


def _mqm_cell(row: CorpusRow) -> str:
    """A pair's MQM score and PASS or FAIL, or a dash for a pair nobody reviewed."""
    if row.mqm_score is None:
        return '<td class="num">—</td>'
    passed = bool(row.mqm_pass)
    return f'<td class="num">{row.mqm_score:.2f} {_chip(pass_fail(passed), PASS_COLOURS[passed])}</td>'


def _corpus_svg(pairs: list[CorpusRow]) -> str:
    """The pairs' fidelity in rising order, coloured by verdict: how much of the corpus is weak."""
    width, height = 1200, 240
    left, right, top, bottom = 44, 14, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / len(pairs)

    def y(value: float) -> float:
        return top + (1 - value) * plot_h

    parts = _fidelity_axis(y, left, width - right)
    dot = max(1.5, min(5.0, step / 2.5))
    for rank, row in enumerate(pairs):
        x = left + (rank + 0.5) * step
        tip = f"{row.original} · {row.verdict} · fidelity {row.fidelity:.2f}"
        parts.append(f'<a href="#pair-{rank}"><title>{escape(tip)}</title><circle cx="{x:.1f}" '
                     f'cy="{y(row.fidelity or 0.0):.1f}" r="{dot:.1f}" '
                     f'fill="{VERDICT_COLOURS.get(row.verdict, OTHER_COLOUR)}"/></a>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                 f"{len(pairs)} pairs, worst first</text>")
    return f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="fidelity across the corpus">{"".join(parts)}</svg>'
