"""The whole job, top to bottom: document -> segments -> vectors -> links -> scores.

The CLI and the UI both call these functions, so a document aligned in one looks the same
in the other.
"""

from __future__ import annotations

from pathlib import Path

from workbench import document, embed, fidelity
from workbench.align import Alignment, align
from workbench.document import Bitext
from workbench.segment import Segment, segment

SPLITS = ("sentences", "lines")


def run(
    input: str | Path,
    translation: str | Path | None = None,
    *,
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    split: str = "sentences",
    model: str | None = None,
    reference: str | Path | None = None,
    progress: bool = False,
) -> Alignment:
    """Align a bilingual file, or an original and its translation, and score every link."""
    bitext = document.load(input, translation, src_lang=src_lang, tgt_lang=tgt_lang)
    reference_text = document.read_text(reference) if reference else None
    return run_bitext(bitext, split=split, model=model, reference=reference_text, progress=progress)


def run_texts(
    text: str,
    translation: str | None = None,
    *,
    name: str = "input",
    translation_name: str = "translation",
    src_lang: str | None = None,
    tgt_lang: str | None = None,
    split: str = "sentences",
    model: str | None = None,
    progress: bool = False,
) -> Alignment:
    """The same as `run`, for text already in memory (an upload in the UI)."""
    bitext = document.from_texts(text, translation, name=name, translation_name=translation_name,
                                 src_lang=src_lang, tgt_lang=tgt_lang)
    return run_bitext(bitext, split=split, model=model, progress=progress)


def run_bitext(bitext: Bitext, *, split: str = "sentences", model: str | None = None,
               reference: str | None = None, progress: bool = False) -> Alignment:
    """Segment both sides, align them and score the result."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    src = segment(bitext.src.paragraphs, bitext.src.lang, split)
    tgt = segment(bitext.tgt.paragraphs, bitext.tgt.lang, split)
    encoder = embed.load_encoder(model)
    links = align(src, tgt, encoder, progress=progress)
    alignment = Alignment(src, tgt, bitext.src.lang, bitext.tgt.lang, links,
                          model=encoder.name, notes=list(bitext.notes))
    per_segment = None
    if reference is not None:
        per_segment = _reference_per_segment(src, reference, bitext.tgt.lang, split, encoder)
    return fidelity.score(alignment, encoder, reference=per_segment)


def _reference_per_segment(src: list[Segment], reference: str, lang: str, split: str,
                           encoder: embed.Encoder) -> list[str]:
    """A reference translation, as one string per source segment, found by aligning it to
    the source like any translation ("" where the reference has nothing for a segment)."""
    paragraphs = [line.strip() for line in reference.splitlines() if line.strip()]
    ref = segment(paragraphs, lang, split)
    per_segment = [""] * len(src)
    for link in align(src, ref, encoder):
        if link.src and link.tgt:
            per_segment[link.src[0]] = " ".join(ref[j].text for j in link.tgt)
    return per_segment
