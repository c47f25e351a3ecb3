"""A small hand-made document for tests of the review store that need no aligner: 7 source
and 6 target segments in every kind of link (1-1, 1-0, 2-1, 0-1, 1-2), as tests/test_edits.py
has them."""

from __future__ import annotations

from workbench.model import Alignment, Link, Segment
from workbench.review.store import Store, content_key

SOURCE = ["One.", "Two.", "Three.", "Four <b>4</b>.", "Five.", "Six.", "Seven."]
TARGET = ["Un.", "Trois.", "Quatre et cinq.", "Ajouté.", "Sept <i>a</i>.", "Et demi."]
LINKS = [Link((0,), (0,), 0.5), Link((1,), ()), Link((2,), (1,), 0.4), Link((3, 4), (2,), 0.3),
         Link((), (3,)), Link((5,), ()), Link((6,), (4, 5), 0.6)]


def segments(texts: list[str]) -> list[Segment]:
    return [Segment(i, text, text, i, 0, len(text)) for i, text in enumerate(texts)]


ALIGNMENT = Alignment(segments(SOURCE), segments(TARGET), "en", "fr", LINKS, model="hand-made")


def save(db: Store, name: str = "tiny", who: str = "alice") -> int:
    """The document stored under its own key (one per name); returns its id."""
    text = "\n".join(SOURCE)
    return db.save(ALIGNMENT, name=name, key=content_key(text, "\n".join(TARGET), name=name),
                   source_text=text, translation_text="\n".join(TARGET), who=who)
