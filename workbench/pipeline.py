"""The whole job, top to bottom: document -> segments -> vectors -> links -> scores.

The CLI and the UI both call these functions with one `Options`, so a document aligned in
one looks the same in the other, and says how it was made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from workbench import fidelity
from workbench.align import align
from workbench.embed import TextEncoder, load_encoder
from workbench.embed.centre import centre, unit
from workbench.errors import InputError
from workbench.model import MAX_LINK_SEGMENTS, Alignment, Link, ScoredAlignment, Segment, scored
from workbench.options import Options
from workbench.text import document
from workbench.text.document import Bitext
from workbench.text.pairs import PairTable, xliff_pairs
from workbench.text.segment import MAX_SEGMENT_CHARS, cut_note, segment


def run(input: str | Path, translation: str | Path | None = None, options: Options = Options(), *,
        reference: str | Path | None = None, progress: bool = False) -> ScoredAlignment:
    """Align a bilingual file, or an original and its translation, and score every link."""
    bitext = document.load(input, translation, src_lang=options.src_lang, tgt_lang=options.tgt_lang)
    reference_text = document.read_text(reference) if reference else None
    return run_bitext(bitext, options, reference=reference_text, progress=progress)


def run_texts(text: str, translation: str | None = None, options: Options = Options(), *,
              name: str = "input", translation_name: str = "translation", progress: bool = False) -> ScoredAlignment:
    """The same as `run`, for text already in memory (an upload in the UI)."""
    bitext = document.from_texts(text, translation, name=name, translation_name=translation_name,
                                 src_lang=options.src_lang, tgt_lang=options.tgt_lang)
    return run_bitext(bitext, options, progress=progress)


def run_bitext(bitext: Bitext, options: Options = Options(), *, reference: str | None = None,
               progress: bool = False, encoder: TextEncoder | None = None) -> ScoredAlignment:
    """Segment both sides, align them and score the result (`encoder`: default, the options' model)."""
    src = segment(bitext.src.paragraphs, bitext.src.lang, options.split)
    tgt = segment(bitext.tgt.paragraphs, bitext.tgt.lang, options.split)
    encoder = encoder or load_encoder(options.model, options.device)
    links = align(src, tgt, encoder, settings=options.aligner, progress=progress)
    alignment = Alignment(src, tgt, bitext.src.lang, bitext.tgt.lang, links, model=encoder.name,
                          notes=[*bitext.notes, *cut_note(src, "original"), *cut_note(tgt, "translation")],
                          signature=options.signature(encoder.name, bitext.src.lang, bitext.tgt.lang))
    per_segment = None
    if reference is not None:
        per_segment = _reference_per_segment(src, reference, bitext.tgt.lang, options, encoder)
    return fidelity.score(alignment, encoder, reference=per_segment)


def with_reference(alignment: ScoredAlignment, reference: str | Path, options: Options = Options(), *,
                   encoder: TextEncoder | None = None) -> ScoredAlignment:
    """An alignment made earlier (read back from an export) scored against a reference
    translation as `run` scores a new one: the reference aligned to the source, then sacrebleu
    per link and for the corpus. The links and their fidelity stay as they were."""
    encoder = encoder or load_encoder(options.model, options.device)
    per_segment = _reference_per_segment(alignment.src, document.read_text(reference), alignment.tgt_lang,
                                         options, encoder)
    summary = dataclasses.replace(alignment.summary, reference=fidelity.reference_scores(alignment, per_segment))
    return scored(alignment, alignment.scores, summary)


def score_pairs(table: PairTable, options: Options = Options(), *, progress: bool = False,
                encoder: TextEncoder | None = None) -> ScoredAlignment:
    """Score pairs that are already aligned (a translation memory, a test set): pair k is link k.

    A pair with one side empty is an omission or an addition. Nothing is re-aligned."""
    encoder = encoder or load_encoder(options.model, options.device)
    return fidelity.score(pairs_alignment(table, options, encoder, progress=progress), encoder)


def run_xliff(text: str, name: str, options: Options = Options(), *, progress: bool = False,
              encoder: TextEncoder | None = None) -> ScoredAlignment:
    """An XLIFF file's text (an upload in the UI) scored as its author paired it: unit k (2.x:
    segment k) is link k, nothing re-aligned (`score_pairs`); languages as the options give
    them, else the file's. Keep `text` as the document's source text (and its name ending in
    .xlf or .xliff): an XLIFF export then writes the review into a copy of it."""
    table = xliff_pairs(text, name, options.src_lang, options.tgt_lang)
    options = dataclasses.replace(options, src_lang=table.src_lang, tgt_lang=table.tgt_lang)
    return score_pairs(table, options, progress=progress, encoder=encoder)


def pairs_alignment(table: PairTable, options: Options, encoder: TextEncoder, *, progress: bool = False) -> Alignment:
    """The pairs as an alignment, link k on row k, each side one segment as given (a blank side
    is no segment); each link's `similarity` is the centred cosine the aligner would give it."""
    options = dataclasses.replace(options, split="lines")  # each side of a pair is one segment, as given
    src: list[Segment] = []
    tgt: list[Segment] = []
    ids = []
    for row, (src_text, tgt_text) in enumerate(zip(table.src, table.tgt)):
        pair = (_append_segment(src, src_text, table.src_lang, row), _append_segment(tgt, tgt_text, table.tgt_lang, row))
        if max(map(len, pair)) > MAX_LINK_SEGMENTS:
            raise InputError(f"{table.name}: pair {row + 1} is too long to score: its sides ({len(src_text):,} and "
                             f"{len(tgt_text):,} characters) are cut into {len(pair[0])} and {len(pair[1])} "
                             f"segments (a text over {MAX_SEGMENT_CHARS:,} characters is cut at its clauses), "
                             f"and a link holds at most {MAX_LINK_SEGMENTS} a side")
        ids.append(pair)
    src_vectors = centre(encoder.encode([s.text for s in src], progress=progress))
    tgt_vectors = centre(encoder.encode([s.text for s in tgt], progress=progress))
    links = [Link(s, t, _side_similarity(src_vectors, s, tgt_vectors, t) if s and t else None) for s, t in ids]
    return Alignment(src, tgt, table.src_lang, table.tgt_lang, links, model=encoder.name,
                     signature=options.signature(encoder.name, table.src_lang, table.tgt_lang, aligned="given"))


def _side_similarity(src_vectors: np.ndarray, src: tuple[int, ...], tgt_vectors: np.ndarray, tgt: tuple[int, ...]) -> float:
    """Cosine of the two sides' vectors; a side of several segments (a long cell, cut) by
    their mean."""
    def side(vectors: np.ndarray, ids: tuple[int, ...]) -> np.ndarray:
        return vectors[ids[0]] if len(ids) == 1 else unit(vectors[list(ids)].mean(axis=0))
    return float(side(src_vectors, src) @ side(tgt_vectors, tgt))


def _append_segment(segments: list[Segment], text: str, lang: str, row: int) -> tuple[int, ...]:
    """Add `text` (one row's side) as the next segments, numbered on from `segments` and
    placed in paragraph `row`: one, or the pieces of a text over the segment length (none
    for a blank side); their ids."""
    pieces = [dataclasses.replace(piece, id=len(segments) + k, paragraph=row)
              for k, piece in enumerate(segment([text], lang, "lines"))]
    segments.extend(pieces)
    return tuple(piece.id for piece in pieces)


def _reference_per_segment(src: Sequence[Segment], reference: str, lang: str, options: Options,
                           encoder: TextEncoder) -> list[str]:
    """A reference translation, as one string per source segment, found by aligning it to
    the source like any translation ("" where the reference has nothing for a segment)."""
    paragraphs = [line.strip() for line in reference.splitlines() if line.strip()]
    ref = segment(paragraphs, lang, options.split)
    per_segment = [""] * len(src)
    for link in align(src, ref, encoder, settings=options.aligner):
        if link.src and link.tgt:
            per_segment[link.src[0]] = " ".join(ref[j].text for j in link.tgt)
    return per_segment
