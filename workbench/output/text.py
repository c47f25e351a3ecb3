"""Document text on its way into HTML, Markdown and the terminal: cleaned, escaped, marked,
given a direction.

Document text is data, and hostile text must not reorder or script the page: bidi control
characters are removed (`workbench.text.controls.for_display`) and every piece is escaped. Right-to-left text gets its direction on its own
element, so the browser's bidi algorithm places embedded Latin names and numbers inside it.
Spans (character ranges of the words the divergence detector marks) become marked runs here, for every
renderer alike.
"""

from __future__ import annotations

import html
import re

from workbench.languages import is_rtl
from workbench.text.controls import for_display

_BCP47 = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def bcp47(lang: str) -> str:
    """The BCP-47 tag for a language code ("fa", "pt_BR" -> "pt-BR"); "und" if unknown."""
    tag = (lang or "").strip().replace("_", "-")
    return tag if _BCP47.match(tag) else "und"


def escape(text: object) -> str:
    """Document text (or anything derived from it) made safe to put in HTML text or attributes."""
    return html.escape(for_display(str(text)), quote=True)


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
