"""The review page's pieces as HTML: pure functions, no Streamlit, so tests call them directly.

Document text is data: every piece is escaped and stripped of bidi controls
(workbench.output.text) before it is put into HTML; spans are marked as the report marks them.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from workbench.fidelity.numbers import unmatched
from workbench.languages import is_rtl
from workbench.model import ISSUE_MEANINGS, SEVERITIES, LinkFidelity, LinkState, ReviewError, Segment
from workbench.output.style import LABEL_COLOURS, OTHER_COLOUR
from workbench.output.text import escape, span_runs
from workbench.review.marks import category_label, error_words
from workbench.text.controls import for_display, for_name

# a run of Latin letters/digits (with the punctuation inside names and numbers) in RTL text
LATIN_RUN = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+(?:[ .,:/&+'’\-][0-9A-Za-z\u00C0-\u024F]+)*")
# what Markdown (and Streamlit's LaTeX) would read as markup in a message that names a file
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~])")
# a document id as a URL may give it: ASCII digits only, and not many of them
DOCUMENT_ID = re.compile(r"[0-9]{1,18}")
# why a link can be faithful and carry an issue chip: the label is the divergence detector's
# reading of the meaning; the checks (numbers, names, length...) are separate warnings
FAITHFUL_WITH_CHECKS = ("faithful: the detector reads the same meaning on both sides; the checks "
                        "beside it flag a detail to look at (they do not change the label)")

STYLE = """<style>
.wb-meta {font-size: .85rem; color: #444; display: flex; flex-wrap: wrap; gap: .35rem; align-items: center}
.wb-chip {color: #fff; border-radius: .7em; padding: .05em .55em; font-size: .8rem; white-space: nowrap}
.wb-issue {background: #eef1f6; color: #333; border-radius: .7em; padding: .05em .55em; font-size: .8rem}
.wb-status-confirmed {color: #2e7d32; font-weight: 600}
.wb-status-rejected {color: #c62828; font-weight: 600}
.wb-focus {outline: 3px solid #f0b400; border-radius: .3em; padding: 0 .3em}
.wb-text {font-size: 1.02rem; line-height: 1.75; padding: .25rem .7rem; border-inline-start: 4px solid #ccc}
.wb-text[dir=rtl] {font-family: Vazirmatn, "Noto Naskh Arabic", Tahoma, sans-serif; text-align: right}
.wb-text mark {background: #ffe08a; padding: 0 .1em; border-radius: .2em}
.wb-text mark.wb-reviewer {background: #f8c4c4}
.wb-id {color: #8a8f98; font-size: .68em; margin-inline-end: .2em}
.wb-empty {color: #8a8f98; font-style: italic; padding: .25rem .7rem}
.wb-comment {font-size: .85rem; color: #5a1d1d; background: #fdecec; padding: .1rem .5rem; border-radius: .3em}
.wb-title {margin: 0}
.wb-notes {font-size: .8rem; color: #6b7280; line-height: 1.4}
.wb-checks {font-size: .75rem; color: #6b7280; font-style: italic}
.wb-error {font-size: .85rem; color: #5a1d1d; margin: .1rem 0}
</style>"""



def markdown_escape(text: str) -> str:
    """Plain text for st.error / st.caption, which read Markdown."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", for_display(text))


def _piece_html(text: str, rtl: bool) -> str:
    """Escaped text; inside right-to-left text each Latin/number run is isolated as LTR,
    so names like "i24NEWS" and numbers keep their order next to neutral punctuation."""
    if not rtl:
        return escape(text)
    out, at = [], 0
    for match in LATIN_RUN.finditer(text):
        out.append(escape(text[at:match.start()]))
        out.append(f'<bdi dir="ltr">{escape(match.group())}</bdi>')
        at = match.end()
    out.append(escape(text[at:]))
    return "".join(out)


def marked_html(text: str, spans: list[tuple[int, int]], rtl: bool, reviewer: bool = False) -> str:
    """The text with `spans` (character ranges into it) highlighted, as the report marks them;
    the reviewer's own words in their colour, the detector's in its."""
    opening = '<mark class="wb-reviewer">' if reviewer else "<mark>"
    return "".join(f"{opening}{_piece_html(piece, rtl)}</mark>" if marked else _piece_html(piece, rtl)
                   for piece, marked in span_runs(text, spans))


def shown_spans(state: LinkState, score: LinkFidelity | None, side: str) -> tuple[tuple[tuple[int, int], ...], bool]:
    """The words to highlight on one side of a link, and whether they are the reviewer's: the
    words of the reviewer's errors once there are any, else the detector's (unless its mark
    was dismissed as wrong)."""
    chosen = tuple(span for error in state.errors for span in getattr(error, f"{side}_spans"))
    if chosen:
        return chosen, True
    if score is None or "meaning_shift" in state.dismissed:
        return (), False
    return getattr(score, f"{side}_spans"), False


def side_html(segments: list[Segment], ids: tuple[int, ...], spans: tuple[tuple[int, int], ...],
              lang: str, colour: str, reviewer: bool = False) -> str:
    """One side of a link: its segments (numbered), spans into the joined text highlighted."""
    rtl = is_rtl(lang)
    if not ids:
        return f'<div class="wb-empty" dir="{"rtl" if rtl else "ltr"}">— no counterpart —</div>'
    parts, offset = [], 0
    for k in ids:
        text = segments[k].text
        local = [(max(s, offset) - offset, min(e, offset + len(text)) - offset)
                 for s, e in spans if s < offset + len(text) and e > offset]
        parts.append(f'<span class="wb-seg"><sup class="wb-id">{k}</sup>'
                     f'{marked_html(text, local, rtl, reviewer)}</span>')
        offset += len(text) + 1
    return (f'<div class="wb-text" dir="{"rtl" if rtl else "ltr"}" lang="{escape(lang)}" '
            f'style="border-color: {colour}">{" ".join(parts)}</div>')


def meta_html(number: int, state: LinkState, score: LinkFidelity | None, focused: bool,
              texts: tuple[str, str] = ("", "")) -> str:
    """The line above a link: number, label, scores, issues, review state. `texts`, the
    link's source and target text, let an issue say what it found (which numbers)."""
    label = score.label if score else "unscored"
    checks_only = score is not None and label == "faithful" and bool(score.issues)
    why = f' title="{escape(FAITHFUL_WITH_CHECKS)}"' if checks_only else ""
    items = [f'<b class="{"wb-focus" if focused else ""}">#{number}</b>',
             f'<span class="wb-chip" style="background: {LABEL_COLOURS.get(label, OTHER_COLOUR)}"{why}>'
             f'{escape(label)}</span>',
             f"<span>{len(state.src)}-{len(state.tgt)}</span>"]
    if score:
        items.append(f"<span>fidelity {score.fidelity:.2f}</span>")
    if state.similarity is not None:
        items.append(f"<span>similarity {state.similarity:.2f}</span>")
    items += [f'<span class="wb-issue" title="{escape(issue_title(issue, *texts))}">{escape(issue)}</span>'
              for issue in (score.issues if score else ())]
    if checks_only:
        items.append(f'<span class="wb-checks">{escape(FAITHFUL_WITH_CHECKS)}</span>')
    if state.pinned:
        items.append("<span>📌 pinned</span>")
    if state.status == "confirmed":
        items.append(f'<span class="wb-status-confirmed">✓ confirmed by {escape(state.reviewed_by)}</span>')
    elif state.status == "rejected":
        worst = max((SEVERITIES.index(e.severity) for e in state.errors), default=0)
        items.append(f'<span class="wb-status-rejected">✗ rejected: {len(state.errors)} '
                     f'error{"s" if len(state.errors) != 1 else ""} (worst {SEVERITIES[worst]}) '
                     f'by {escape(state.reviewed_by)}</span>')
    if state.dismissed:
        items.append(f'<span class="wb-issue">dismissed: {escape(", ".join(state.dismissed))}</span>')
    return f'<div class="wb-meta">{"".join(items)}</div>'


def issue_title(issue: str, src_text: str = "", tgt_text: str = "") -> str:
    """What an issue code means, and for numbers, which ones it found on one side only."""
    meaning = ISSUE_MEANINGS.get(issue, "")
    if issue != "number_mismatch" or not (src_text or tgt_text):
        return meaning
    found = [f"{', '.join(map(_number_text, sorted(values)))} in the {side} only"
             for side, values in zip(("source", "target"), unmatched(src_text, tgt_text)) if values]
    return f"{meaning}: {'; '.join(found)}" if found else meaning


def _number_text(value: float) -> str:
    return f"{value:g}" if value < 1e15 else f"{value:.3g}"


def errors_html(errors: tuple[ReviewError, ...], src_text: str, tgt_text: str) -> str:
    """The reviewer's errors on a link, one a line: severity, MQM category, the words on each
    side, the comment, and the detector mark it was taken from."""
    lines = []
    for number, error in enumerate(errors, 1):
        words = error_words(error, src_text, tgt_text) or "the whole link"
        origin = f" · from the {error.mark} mark ({error.decision})" if error.mark else ""
        lines.append(f'<div class="wb-error"><b>{number}. {escape(error.severity)}</b> '
                     f'{escape(category_label(error.category))} · {escape(words)}'
                     f'{escape(origin)}'
                     f'{f" <span class=wb-comment>{escape(error.comment)}</span>" if error.comment else ""}</div>')
    return "".join(lines)


def link_key(state: LinkState) -> str:
    """A widget key naming the link by its segments, so it stays put when other links change."""
    return f"s{'_'.join(map(str, state.src))}t{'_'.join(map(str, state.tgt))}"


def requested_document(value: str, known: Collection[int]) -> int | None:
    """The stored document a URL's `?doc=` names, or None. Anyone can type a URL: only ASCII
    digits are read (`str.isdigit` takes "²", which `int` refuses, and "٣", which it reads as 3),
    at most 18 of them (`int` refuses a number of thousands of digits), naming a known id."""
    if not DOCUMENT_ID.fullmatch(value):
        return None
    doc_id = int(value)
    return doc_id if doc_id in known else None


def display_name(name: str) -> str:
    """An uploaded file's name as a document name: the last path part, no control characters."""
    base = re.split(r"[\\/]", name)[-1]
    return for_name(base).strip()[:120] or "upload"


def file_stem(name: str) -> str:
    """A download file name stem made only of safe characters."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", display_name(name))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:80] or "document"


def is_flagged(score: LinkFidelity | None) -> bool:
    """What the engine asks a reviewer to look at: anything not a clean faithful link."""
    return score is not None and (score.label != "faithful" or bool(score.issues))
