"""Control characters in document text: the one home of what is removed, where.

Document text is data, and some characters in it are instructions to whatever shows it: bidi
overrides reorder a page, escape sequences drive a terminal, C0 controls break XML and file
names. Each place text leaves the workbench takes one named policy from here:

- `for_display` (HTML, Markdown, the app): bidi overrides and isolates removed; an
  unbalanced one in a sentence would reorder everything after it;
- `for_terminal` (everything the CLI prints): that, and the C0 controls but tab and newline,
  DEL and the C1 controls (0x9b is a one-byte CSI), which start the escape sequences that
  recolour, retitle or rewrite a terminal;
- `for_name` (a document or file name from an upload): that, and tab and newline too, since
  a name is one line;
- `for_xml` (TMX, XLSX): what XML 1.0 forbids (C0 controls but tab, newline and CR, lone
  surrogates, U+FFFE and U+FFFF), which scraped pages carry and openpyxl refuses; bidi
  controls are kept, since an exported segment must stay the text that was aligned.
"""

from __future__ import annotations

import re

# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: they reorder everything after them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAME_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def for_display(text: str) -> str:
    """Text to put on a page: bidi overrides and isolates removed."""
    return BIDI_CONTROLS.sub("", text)


def for_terminal(text: str) -> str:
    """Text to print: no bidi controls and no control character but tab and newline."""
    return _TERMINAL_CONTROLS.sub("", text)


def for_name(text: str) -> str:
    """A name to show and store: no bidi controls and no control character at all."""
    return _NAME_CONTROLS.sub("", text)


def for_xml(text: str) -> str:
    """Text an XML 1.0 file can hold: the characters it forbids removed."""
    return _XML_FORBIDDEN.sub("", text)
