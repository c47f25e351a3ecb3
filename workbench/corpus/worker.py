"""One process's share of a batch: the encoder, loaded once, and the three jobs a batch
hands out (profile a document, score a candidate pair, align and score a pair).

The same `Worker` runs in this process (`--engine local`) and as a Ray actor on every worker
of a cluster (`--engine ray`), so both engines give the same results. Jobs take and return
plain values (texts in, profiles, scores and file bytes out): a worker needs no shared
folder, and the files are written by the batch alone.
"""

from __future__ import annotations

import dataclasses
import os
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.align import linked_similarity
from workbench.corpus.matching import Profile
from workbench.corpus.sources import Text
from workbench.embed import TextEncoder, load_encoder
from workbench.embed.centre import unit
from workbench.errors import InputError
from workbench.model import Segment
from workbench.options import Options
from workbench.output import export, report_files
from workbench.pipeline import run_bitext
from workbench.text import document
from workbench.text.numbers import written_values
from workbench.text.segment import segment

# Segmented documents a worker keeps (entries: a document is kept under up to two keys, see
# `Worker._segments`). Matching hands a translation to the scoring job of every original it is
# a candidate of (up to about a dozen), and profiling has segmented it already. A document's
# segments take tens of kilobytes, so this bounds the memo to tens of MB.
SEGMENTED_KEPT = 2048


@dataclass(frozen=True)
class Failure:
    """A job that could not be done for its document: the one-line reason (an InputError on
    its text, or a bug, as `Worker.run` reports it)."""

    message: str


@dataclass(frozen=True)
class PairJob:
    """Align `original` with `translation` (None: `original` is one bilingual file), naming
    the output files `stem` + .csv / .html; the languages come from matching, when it ran."""

    original: Text
    translation: Text | None
    stem: str
    src_lang: str | None = None
    tgt_lang: str | None = None


@dataclass(frozen=True)
class PairResult:
    """A pair aligned and scored: its summary figures and the bytes of its two files."""

    src_lang: str
    tgt_lang: str
    verdict: str
    coverage: float
    fidelity: float
    links: int
    omissions: int
    additions: int
    signature: str
    segments: int
    aligned_csv: bytes = field(repr=False)
    report_html: bytes = field(repr=False)


class Worker:
    """Holds the encoder of `options` (loaded at the first job, once per process)."""

    def __init__(self, options: Options, encoder: TextEncoder | None = None):
        self.options = options
        self._encoder = encoder
        self._segmented: OrderedDict[tuple[str, str | None], tuple[str, list[Segment]]] = OrderedDict()
        self.segmentations = 0  # documents this worker has segmented (each once while it is kept)

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.options.model, self.options.device)
        return self._encoder

    def encoding_seconds(self) -> float:
        """Seconds this worker has spent encoding texts (0 before its encoder is loaded, or for
        one that does not count them)."""
        return float(getattr(self._encoder, "seconds", 0.0))

    def run(self, job: str, arguments: tuple) -> Any:
        """Do one job (`profile`, `relate` or `align`). A bug (any exception but an InputError)
        comes back as the job's Failure, in one line, as an unreadable file does: both engines
        call this, so local and Ray treat it alike; one document does not stop an archive, and a
        rerun tries it again. An InputError that escapes a job (a model that cannot load) is the
        user's to fix, and stops the batch."""
        try:
            return getattr(self, job)(*arguments)
        except InputError:
            raise
        except Exception as error:
            where = traceback.extract_tb(error.__traceback__)[-1]
            lines = str(error).strip().splitlines()
            return Failure(f"internal error (a bug; please report it): {type(error).__name__}"
                           f"{f': {lines[0]}' if lines else ''} at {os.path.basename(where.filename)}:{where.lineno}")

    def profile(self, text: Text, lang: str | None = None) -> Profile | Failure:
        """The document's language (`lang`, else detected), and its vector: the mean of its
        segments' unit vectors. Its segments' vectors stay in the encoder's cache, for scoring
        and aligning later."""
        try:
            lang, segments = self._segments(text, lang)
        except InputError as error:
            return Failure(str(error))
        vectors = self.encoder.encode([s.text for s in segments])
        mean = np.mean([unit(v) for v in vectors], axis=0) if len(vectors) else np.zeros(vectors.shape[1:])
        return Profile(text.name, lang, len(segments), mean.astype(np.float32), written_values(text.text))

    def relate(self, original: tuple[Text, str, np.ndarray], candidates: list[tuple[Text, str, np.ndarray]],
               refine: bool = False) -> list[tuple[float, float]]:
        """For each candidate translation, the linked similarity of the original and of it
        (workbench.align.linked_similarity), each document's segments centred on the mean given
        with it (its neighbourhood's: `matching.neighbourhood_means`). First with 1-1 links only
        (a quarter of the DP's work, the same matches on the benchmark's design sets); `refine`,
        for close calls: with every link type and the aligner's second pass."""
        text, lang, mean = original
        src = self._segments(text, lang)[1]
        others = [self._segments(other, other_lang)[1] for other, other_lang, _ in candidates]
        known = _Known(self.encoder, [s.text for s in src] + [s.text for side in others for s in side])
        settings = self.options.aligner if refine else dataclasses.replace(self.options.aligner, max_block=1)
        return [linked_similarity(src, side, known, settings, means=(mean, other_mean), refine=refine)
                for side, (_, _, other_mean) in zip(others, candidates)]

    def _segments(self, text: Text, lang: str | None = None) -> tuple[str, list[Segment]]:
        """The document's language (as given, else detected) and its distinct segments, from
        the memo when this worker has segmented the same text before: profiling detects the
        language and every later job gives it, so a text is kept under both (the split is the
        worker's own, so the key is the text's digest and the language it was asked with)."""
        key = (text.digest, lang)
        if key in self._segmented:
            self._segmented.move_to_end(key)
            return self._segmented[key]
        side = document.one_language(text.text, text.name, lang)
        found = side.lang, _distinct(segment(side.paragraphs, side.lang, self.options.split))
        self.segmentations += 1
        for known in {key, (text.digest, side.lang)}:
            self._segmented[known] = found
        while len(self._segmented) > SEGMENTED_KEPT:
            self._segmented.popitem(last=False)
        return found

    def align(self, job: PairJob) -> PairResult | Failure:
        """Align and score one pair, and make its aligned CSV and HTML report."""
        encoder = self.encoder  # a model that cannot load is no pair's fault: it stops the batch, as in profile
        try:
            bitext = document.from_texts(
                job.original.text, None if job.translation is None else job.translation.text,
                name=job.original.name, translation_name=job.translation.name if job.translation else "translation",
                src_lang=job.src_lang or self.options.src_lang, tgt_lang=job.tgt_lang or self.options.tgt_lang)
            scored = run_bitext(bitext, self.options, encoder=encoder)
        except InputError as error:
            return Failure(str(error))
        summary = scored.summary
        counts = summary.label_counts
        return PairResult(
            src_lang=scored.src_lang, tgt_lang=scored.tgt_lang, verdict=summary.verdict,
            coverage=summary.coverage, fidelity=summary.fidelity, links=len(scored.links),
            omissions=counts.get("omission", 0), additions=counts.get("addition", 0),
            signature=scored.signature, segments=len(scored.src) + len(scored.tgt),
            aligned_csv=export.encoded(scored, f"{job.stem}.csv"),
            report_html=report_files.encoded(scored, f"{job.stem}.html"))


def _distinct(segments: list[Segment]) -> list[Segment]:
    """The segments whose text has not come before, numbered anew: for matching, a sentence a
    page repeats (boilerplate, a scraper's duplicates, a chapter written out again under every
    verse) is evidence once."""
    seen: set[str] = set()
    kept = []
    for piece in segments:
        if piece.norm not in seen:
            seen.add(piece.norm)
            kept.append(dataclasses.replace(piece, id=len(kept)))
    return kept


class _Known:
    """The vectors of a known set of texts, fetched in one call: scoring an original against
    its candidates reads each of their segments once, not once per candidate pair."""

    def __init__(self, encoder: TextEncoder, texts: list[str]):
        self.name = encoder.name
        self._encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        self.encode(texts)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:  # all of them at first; later, runs of segments the aligner wants encoded
            self._vectors.update(zip(missing, self._encoder.encode(missing)))
        return np.stack([self._vectors[text] for text in texts]) if texts else np.zeros((0, 1), np.float32)
