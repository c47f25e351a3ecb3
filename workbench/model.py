"""The data every layer passes on: segments, links, alignments, fidelity results, review words.

One module, imported by every layer and importing none of them, so that the layers depend on
the data and not on each other. The values are frozen: a stage returns a new value (scoring
an `Alignment` gives a `ScoredAlignment`) instead of filling in the one it was given, so no
consumer ever meets a half-made result.

Each value has one way to become a record (a dict of JSON types) and back: `link_records`
is what every export, the report and the review database start from, and
`alignment_from_records` is what reading an export back ends with.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LABELS = ("faithful", "minor", "major", "omission", "addition")
# The most segments a link holds on one side. The aligner makes links of up to 3
# (align.Settings.max_block); a reviewer's merges, moves and relinks, and a pairs file's long
# cells (cut into segments), stop here, because the word-level checks of a link grow with the
# product of its two lengths: six segments of at most 2,000 characters (text.segment) keep
# that product near 4 million word pairs.
MAX_LINK_SEGMENTS = 6
VERDICTS = ("translation", "partial translation", "not a translation")
# What each issue code means, for the reviewer (the report and the app show it next to the code).
ISSUE_MEANINGS = {
    "meaning_shift": "the marked words do not say what their counterparts say (the divergence detector)",
    "number_mismatch": "a number differs between the two sides, or is written on one side only",
    "name_mismatch": "a name on one side has no counterpart on the other",
    "negation_mismatch": "one side is negated and the other is not",
    "untranslated": "the target is still in the source language",
    "length_ratio": "one side is much longer than the document's usual ratio (a factor 1.7)",
    "low_similarity": "the two sides say little alike (as only 2% of real translations do)",
}
ISSUES = tuple(ISSUE_MEANINGS)
STATUSES = ("unreviewed", "confirmed", "rejected")
# The reviewer's error typology: MQM Core (MQM 2.0, https://themqm.org/error-types-2/typology/),
# its branches and the Accuracy subtypes a bilingual review meets most, each with what the
# app calls it and its ITS 2.0 Localization Quality Issue type (the XLIFF export writes that;
# https://www.w3.org/TR/its20/#lqissue-typevalues).
MQM_CATEGORIES: dict[str, tuple[str, str]] = {
    "accuracy/mistranslation": ("Accuracy: mistranslation", "mistranslation"),
    "accuracy/mistranslation/number": ("Accuracy: mistranslation of a number", "numbers"),
    "accuracy/mistranslation/entity": ("Accuracy: mistranslation of a name", "inconsistent-entities"),
    "accuracy/omission": ("Accuracy: omission", "omission"),
    "accuracy/addition": ("Accuracy: addition", "addition"),
    "accuracy/untranslated": ("Accuracy: untranslated", "untranslated"),
    "terminology": ("Terminology", "terminology"),
    "linguistic-conventions": ("Linguistic conventions (fluency: grammar, spelling, punctuation)", "grammar"),
    "style": ("Style", "style"),
    "locale-conventions": ("Locale conventions (number, date, address formats)", "locale-violation"),
    "audience-appropriateness": ("Audience appropriateness", "register"),
    "design-and-markup": ("Design and markup", "markup"),
    "other": ("Other", "other"),
}
CATEGORIES = tuple(MQM_CATEGORIES)
# The categories of reviews made before MQM paths (schema 1), as the migration maps them.
LEGACY_CATEGORIES = {"mistranslation": "accuracy/mistranslation", "omission": "accuracy/omission",
                     "addition": "accuracy/addition", "number": "accuracy/mistranslation/number",
                     "name": "accuracy/mistranslation/entity", "terminology": "terminology",
                     "fluency": "linguistic-conventions", "other": "other"}
SEVERITIES = ("minor", "major", "critical")
# What the detector's marks suggest to the reviewer: the MQM category of each issue code and
# of the labels that are marks of their own (a sentence with no counterpart).
MARK_CATEGORIES = {
    "meaning_shift": "accuracy/mistranslation",
    "number_mismatch": "accuracy/mistranslation/number",
    "name_mismatch": "accuracy/mistranslation/entity",
    "negation_mismatch": "accuracy/mistranslation",
    "untranslated": "accuracy/untranslated",
    "length_ratio": "accuracy/mistranslation",
    "low_similarity": "accuracy/mistranslation",
    "omission": "accuracy/omission",
    "addition": "accuracy/addition",
}
DECISIONS = ("accepted", "edited")  # what the reviewer did with a detector mark they kept
METRICS = ("bleu", "chrf", "ter")  # the order of ReferenceScores' per-link triples

Span = tuple[int, int]


@dataclass(frozen=True)
class Segment:
    """One unit of alignment: a sentence, or a line with `--split lines`.

    `text` is exactly what the user wrote (it is what every output shows); `norm` is the
    form used for comparison (digits to ASCII, Arabic yeh/kaf to Persian, ZWNJ, NFKC).
    `paragraph` is the 0-based index of the input paragraph (non-empty line) it came from,
    and `start`/`end` its character offsets within that paragraph. `cut`: the segment is a
    piece of a sentence (or line) longer than segmentation allows (workbench.text.segment).
    """

    id: int
    text: str
    norm: str
    paragraph: int
    start: int
    end: int
    cut: bool = False


@dataclass(frozen=True)
class Link:
    """A group of source segments aligned to a group of target segments.

    Either side may be empty: `src=(3,), tgt=()` is a source sentence with no translation
    (a 1-0 link, an omission), `src=(), tgt=(5,)` a target sentence with no source (0-1,
    an addition). Ids are 0-based, consecutive and increasing. `similarity` is the score the
    aligner used for the link, None for 1-0/0-1.
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float | None = None

    @property
    def kind(self) -> str:
        return f"{len(self.src)}-{len(self.tgt)}"


@dataclass(frozen=True)
class Alignment:
    """Both texts, segmented, and the links between them, in document order.

    `model` names the encoder; `signature` says how the whole result was made (see
    `workbench.options.Options.signature`); `notes` are the one-line findings for the user.
    """

    src: Sequence[Segment]
    tgt: Sequence[Segment]
    src_lang: str
    tgt_lang: str
    links: Sequence[Link]
    model: str = ""
    notes: Sequence[str] = ()
    signature: str = ""

    def src_text(self, link: Link) -> str:
        """The link's source segments joined by one space; empty texts are skipped, so an
        alignment read back from an export (the joined text on the first id, "" on the
        others: `alignment_from_records`) gives back the exported text exactly."""
        return " ".join(text for i in link.src if (text := self.src[i].text))

    def tgt_text(self, link: Link) -> str:
        """The link's target segments joined like `src_text`."""
        return " ".join(text for i in link.tgt if (text := self.tgt[i].text))


@dataclass(frozen=True)
class LinkFidelity:
    """The fidelity of one link.

    `fidelity` is in [0, 1] and calibrated (the share of links with this score that are
    faithful translations); 0.0 for omissions and additions. `issues` are codes of ISSUES.
    `src_spans`/`tgt_spans` are (start, end) character ranges, end exclusive, into the
    link's joined source / target text (segments joined by one space), of the words the
    divergence detector tags; only on links not labelled faithful.
    """

    fidelity: float
    label: str
    issues: tuple[str, ...] = ()
    src_spans: tuple[Span, ...] = ()
    tgt_spans: tuple[Span, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinkFidelity:
        return cls(fidelity=data["fidelity"], label=data["label"], issues=tuple(data["issues"]),
                   src_spans=_spans(data["src_spans"]), tgt_spans=_spans(data["tgt_spans"]))


@dataclass(frozen=True)
class ReferenceScores:
    """sacrebleu scores of the translation against a reference translation of the source.

    `links` has one entry per link, in link order: (BLEU, chrF, TER) of that link's target
    against the reference text of its source segments, or None where either is empty.
    In same-language mode (no reference given) the reference is the source itself.
    """

    bleu: float
    chrf: float
    ter: float
    signature: str  # "BLEU <signature>; chrF <signature>; TER <signature>", as sacrebleu prints them
    links: tuple[tuple[float, float, float] | None, ...]
    against: str  # "reference" or "source"


@dataclass(frozen=True)
class DocumentFidelity:
    """Document-level scores: what a reviewer reads first."""

    coverage: float  # share of source characters inside links that have a target
    fidelity: float  # in [0, 1]
    verdict: str  # one of VERDICTS
    label_counts: dict[str, int] = field(default_factory=dict)
    issue_counts: dict[str, int] = field(default_factory=dict)
    reference: ReferenceScores | None = None  # sacrebleu scores, when a reference (or same language)
    # share of the characters of either text (the larger) in links the aligner made with
    # confidence: the alignment's own evidence that one text translates the other
    linked: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DocumentFidelity:
        data = dict(data)
        reference = data.get("reference")
        if reference is not None:
            data["reference"] = ReferenceScores(**{
                **reference, "links": tuple(tuple(s) if s is not None else None for s in reference["links"])})
        return cls(**data)


@dataclass(frozen=True, kw_only=True)
class ScoredAlignment(Alignment):
    """An alignment with the fidelity of every link (in link order) and of the whole document."""

    scores: Sequence[LinkFidelity]
    summary: DocumentFidelity

    def __post_init__(self) -> None:
        if len(self.scores) != len(self.links):
            raise ValueError(f"{len(self.links)} links but {len(self.scores)} scores")

    def unscored(self) -> Alignment:
        """The alignment alone, as it was before scoring."""
        return Alignment(**_alignment_fields(self))


# A batch's verdict for a document left without a counterpart (workbench.corpus), beside VERDICTS.
NO_COUNTERPART = "no counterpart"
UNREADABLE = "unreadable"  # a batch's verdict for an input file it could not read or align


@dataclass(frozen=True)
class CorpusRow:
    """One row of a batch's table (pairs.csv): a pair of documents found to translate each
    other (or given as such), or one document with no counterpart (the other side empty).

    `verdict` is the pair's document verdict (VERDICTS), NO_COUNTERPART or UNREADABLE;
    `match_score` is the matcher's score, 0 to 1: the pair's sentence evidence (how much of the
    two texts the aligner links, weighted by how close the links are; `--min-match` applies to
    it), None for pairs given by the user; `aligned` and `report` are the pair's files,
    relative to the batch's folder; `note` says why a document was left alone. The `mqm_`
    fields are the LQA scorecard of the pair's review in the review database
    (workbench.review.scorecard: errors, penalty points, penalty per 1,000 source words, the raw
    MQM score and whether it passes), None where it has none."""

    original: str
    translation: str
    match_score: float | None
    verdict: str
    coverage: float | None = None
    fidelity: float | None = None
    links: int | None = None
    omissions: int | None = None
    additions: int | None = None
    src_lang: str = ""
    tgt_lang: str = ""
    aligned: str = ""
    report: str = ""
    note: str = ""
    signature: str = ""
    mqm_errors: int | None = None
    mqm_penalty: float | None = None
    mqm_per_1000: float | None = None
    mqm_score: float | None = None
    mqm_pass: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CorpusRow:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


@dataclass(frozen=True)
class ReviewError:
    """One error a reviewer recorded on a link, MQM-style: where, what, how bad, and why.

    `category` is a key of MQM_CATEGORIES and `severity` one of SEVERITIES. `src_spans` /
    `tgt_spans` are (start, end) character ranges, end exclusive, into the link's joined
    source / target text (as LinkFidelity's); none on either side means the whole link.
    `mark` names the detector's mark the error came from (an issue code, or "omission" /
    "addition"), with `decision` saying whether the reviewer took it as suggested
    ("accepted") or changed it ("edited"); both are empty for an error the reviewer found.
    """

    category: str
    severity: str
    src_spans: tuple[Span, ...] = ()
    tgt_spans: tuple[Span, ...] = ()
    comment: str = ""
    mark: str = ""
    decision: str = ""
    who: str = ""
    when: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "src_spans": [list(s) for s in self.src_spans],
                "tgt_spans": [list(s) for s in self.tgt_spans]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReviewError:
        return cls(**{**data, "src_spans": _spans(data.get("src_spans", ())),
                      "tgt_spans": _spans(data.get("tgt_spans", ()))})


@dataclass(frozen=True)
class LinkState:
    """One link as the reviewer sees it: its segments, the aligner's similarity, pin and review.

    `status` is "confirmed" (a correct translation, no errors), "rejected" (one or more
    `errors`) or "unreviewed". `dismissed` names the detector's marks the reviewer judged
    wrong (issue codes, or "omission" / "addition"): with the errors' `mark` and `decision`
    it is the record of how often the marks are right.
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    similarity: float | None = None
    pinned: bool = False
    status: str = "unreviewed"
    errors: tuple[ReviewError, ...] = ()
    dismissed: tuple[str, ...] = ()
    reviewed_by: str = ""
    reviewed_at: str = ""

    @property
    def link(self) -> Link:
        return Link(self.src, self.tgt, self.similarity)

    @property
    def reviewed(self) -> bool:
        return self.status != "unreviewed"

    def same_segments(self, other: LinkState | Link) -> bool:
        return self.src == tuple(other.src) and self.tgt == tuple(other.tgt)

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "src": list(self.src), "tgt": list(self.tgt),
                "errors": [e.to_json() for e in self.errors], "dismissed": list(self.dismissed)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinkState:
        """A state from `to_json`, or from a record of schema 1 (an action written before
        errors existed: its rejection's category and comment become one major error)."""
        data = dict(data)
        category, comment = data.pop("category", ""), data.pop("comment", "")
        errors = tuple(ReviewError.from_json(e) for e in data.pop("errors", ()))
        if not errors and data.get("status") == "rejected" and (category or comment):
            errors = (legacy_error(category, comment, data.get("reviewed_by", ""), data.get("reviewed_at", "")),)
        return cls(**{**data, "src": tuple(data["src"]), "tgt": tuple(data["tgt"]), "errors": errors,
                      "dismissed": tuple(data.get("dismissed", ()))})


def legacy_error(category: str, comment: str, who: str, when: str) -> ReviewError:
    """The error a rejection made before severities existed stands for: its category mapped
    onto MQM (LEGACY_CATEGORIES) and "major", the severity that means "this link is wrong"."""
    return ReviewError(LEGACY_CATEGORIES.get(category, category if category in MQM_CATEGORIES else "other"),
                       "major", comment=comment, who=who, when=when)


def scored(alignment: Alignment, scores: Sequence[LinkFidelity], summary: DocumentFidelity) -> ScoredAlignment:
    """`alignment` with its scores: a new value, the input untouched."""
    return ScoredAlignment(**_alignment_fields(alignment), scores=list(scores), summary=summary)


def _alignment_fields(alignment: Alignment) -> dict[str, Any]:
    """The fields an Alignment has, by name (a ScoredAlignment's scores left out)."""
    return {f.name: getattr(alignment, f.name) for f in dataclasses.fields(Alignment)}


def review_counts(statuses: Iterable[str]) -> dict[str, int]:
    """How many links have each review status, every status named (0 when none)."""
    counts = {status: 0 for status in STATUSES}
    counts.update(Counter(statuses))
    return counts


# ----------------------------------------------------------------------------- records

Review = Mapping[int, Mapping[str, Any]]
"""A review by link index: {"status", "category", "comment", "errors", "dismissed"} (any may be
missing); "errors" is a sequence of ReviewError, "category" and "comment" say them in one line
each, "dismissed" names the detector's marks dismissed on the link (the LQA scorecard counts them)."""


def link_records(alignment: Alignment, review: Review | None = None) -> list[dict[str, Any]]:
    """One record per link, in document order: the data every export and the report show.

    Keys: link, src_ids, tgt_ids (lists of 0-based ids), kind, src_text, tgt_text,
    similarity (None for a link with an empty side); when scored, fidelity, label, issues
    (a list) and src_spans, tgt_spans (lists of [start, end]); with `review`, review_status,
    review_category, review_comment ("" where a link has none) and review_errors (a list of
    ReviewError records, MQM: category, severity, spans, comment); then src_lang, tgt_lang and
    signature, so a record read on its own still says what it is and how it was made.
    """
    scores = alignment.scores if isinstance(alignment, ScoredAlignment) else None
    records = []
    for index, link in enumerate(alignment.links):
        record: dict[str, Any] = {
            "link": index,
            "src_ids": list(link.src),
            "tgt_ids": list(link.tgt),
            "kind": link.kind,
            "src_text": alignment.src_text(link),
            "tgt_text": alignment.tgt_text(link),
            "similarity": _round(link.similarity) if link.src and link.tgt else None,
        }
        if scores is not None:
            score = scores[index]
            record["fidelity"] = _round(score.fidelity)
            record["label"] = score.label
            record["issues"] = list(score.issues)
            record["src_spans"] = [[int(start), int(end)] for start, end in score.src_spans]
            record["tgt_spans"] = [[int(start), int(end)] for start, end in score.tgt_spans]
        if review is not None:
            entry = review.get(index) or {}
            for key in ("status", "category", "comment"):
                value = entry.get(key)
                record[f"review_{key}"] = "" if value is None else str(value)
            record["review_errors"] = [error.to_json() for error in entry.get("errors", ())]
        record["src_lang"], record["tgt_lang"] = alignment.src_lang, alignment.tgt_lang
        record["signature"] = alignment.signature
        records.append(record)
    return records


class RecordError(ValueError):
    """Records that cannot be an alignment; the message says which link and why."""


def alignment_from_records(records: Sequence[Mapping[str, Any]], normalise, note: str) -> tuple[Alignment, list[LinkFidelity]]:
    """The alignment and link scores that `link_records` made `records` from (in `link` order).

    What the records cannot hold is rebuilt as closely as it can be: a link that joins several
    segments has one text for them all, so the first segment gets that text and the others an
    empty one (`Alignment.src_text`/`tgt_text` skip empty texts, so the link's text comes back
    exactly); paragraphs and offsets are unknown, so each segment is its own paragraph.
    `normalise(text, lang)` gives a segment's comparison form; `note` is the alignment's note.
    """
    table = sorted(records, key=lambda record: record["link"])
    if [record["link"] for record in table] != list(range(len(table))):
        raise RecordError(f"does not number its links 0 to {len(table) - 1}, each once")
    src_lang, tgt_lang = (str(table[0].get(name) or "und") for name in ("src_lang", "tgt_lang"))
    links, scores, src_texts, tgt_texts = [], [], {}, {}
    for record in table:
        number = record["link"]
        try:
            src, tgt = tuple(int(i) for i in record["src_ids"]), tuple(int(i) for i in record["tgt_ids"])
            score = LinkFidelity(fidelity=float(record["fidelity"]), label=str(record["label"]),
                                 issues=tuple(str(code) for code in record["issues"] if code),
                                 src_spans=_spans(record["src_spans"]), tgt_spans=_spans(record["tgt_spans"]))
        except (TypeError, ValueError) as error:
            raise RecordError(f"link {number} has malformed ids, scores or spans") from error
        if score.label not in LABELS:
            raise RecordError(f"link {number} has the unknown label {score.label!r}")
        unknown = [code for code in score.issues if code not in ISSUES]
        if unknown:
            raise RecordError(f"link {number} has the unknown issue {unknown[0]!r}")
        for ids, texts, text in ((src, src_texts, record["src_text"]), (tgt, tgt_texts, record["tgt_text"])):
            if len(set(ids)) < len(ids) or any(i in texts for i in ids):
                raise RecordError(f"link {number} repeats a segment of an earlier link")
            texts.update((i, str(text or "") if n == 0 else "") for n, i in enumerate(ids))
        links.append(Link(src, tgt, record["similarity"] if src and tgt else None))
        scores.append(score)
    alignment = Alignment(
        src=_segments(src_texts, src_lang, "source", normalise),
        tgt=_segments(tgt_texts, tgt_lang, "target", normalise),
        src_lang=src_lang, tgt_lang=tgt_lang, links=links,
        notes=[note], signature=str(table[0].get("signature") or ""))
    return alignment, scores


def _segments(texts: dict[int, str], lang: str, side: str, normalise) -> list[Segment]:
    """One side's segments from their texts by id; the ids must be exactly 0..n-1."""
    if sorted(texts) != list(range(len(texts))):
        raise RecordError(f"lacks some {side} segments: its {side} ids are not 0 to {len(texts) - 1}")
    return [Segment(i, texts[i], normalise(texts[i], lang), i, 0, len(texts[i])) for i in range(len(texts))]


def _spans(values: Iterable[Sequence[int]]) -> tuple[Span, ...]:
    return tuple((int(start), int(end)) for start, end in values)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
