"""Document text on its way into HTML, Markdown and the terminal: cleaned, escaped, marked,
given a direction.

Document text is data, and hostile text must not reorder or script the page: bidi control
characters are removed (an unbalanced override in one sentence would reorder everything
after it) and every piece is escaped. Right-to-left text gets its direction on its own
element, so the browser's bidi algorithm places embedded Latin names and numbers inside it.
Spans (character ranges of the words the divergence detector marks) become marked runs here, for every
renderer alike.
"""

from __future__ import annotations

import html
import re

from workbench.languages import is_rtl

# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: they reorder everything after them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BCP47 = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


# C0 controls but tab and newline, DEL and the C1 controls (0x9b is a one-byte CSI): they
# start the escape sequences with which text can recolour, retitle or rewrite a terminal.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Text safe to print on a terminal: control characters (ESC, CSI, BEL, CR...) and bidi
    overrides removed, so a document's text shows as text and cannot drive the terminal."""
    return _TERMINAL_CONTROLS.sub("", clean(text))


def bcp47(lang: str) -> str:
    """The BCP-47 tag for a language code ("fa", "pt_BR" -> "pt-BR"); "und" if unknown."""
    tag = (lang or "").strip().replace("_", "-")
    return tag if _BCP47.match(tag) else "und"


def clean(text: str) -> str:
    """Text safe to display: bidi overrides and isolates removed (they would reorder the page)."""
    return BIDI_CONTROLS.sub("", text)


def escape(text: object) -> str:
    """Document text (or anything derived from it) made safe to put in HTML text or attributes."""
    return html.escape(clean(str(text)), quote=True)


def span_runs(text: str, spans: list[list[int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, marked) runs by the spans, merged and clipped to the text.

    Whitespace at the edges of a span is left unmarked, so a marker hugs the words.
    """
    ranges = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(len(text), end)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        if ranges and start <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], end)
        else:
            ranges.append([start, end])
    runs, position = [], 0
    for start, end in ranges:
        if start > position:
            runs.append((text[position:start], False))
        runs.append((text[start:end], True))
        position = end
    if position < len(text):
        runs.append((text[position:], False))
    return runs


def direction(lang: str) -> str:
    """The cell's base direction: the language's own, or the first strong character's if unknown."""
    tag = bcp47(lang)
    if tag == "und":
        return "auto"
    return "rtl" if is_rtl(tag) else "ltr"
