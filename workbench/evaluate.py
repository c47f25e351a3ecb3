"""Score predicted sentence links against gold links, the way published aligners are scored.

Strict and lax precision/recall follow Vecalign's scorer (vecalign/score.py, itself after
Sennrich & Volk 2011) count for count, so figures are comparable with the published
Vecalign/Bertalign/SentAlign results:
- precision judges every distinct predicted link, null links (1-0, 0-1) included: a null
  link is right only if the gold holds exactly that link, and it never counts as lax;
- recall judges every distinct gold link with both sides against the predicted links with
  both sides; null links are left out on both sides of the comparison;
- strict: the link is exactly a link of the other set; lax: it shares at least one source
  and one target sentence with one link of the other set;
- several documents are micro-averaged (counts summed), and 0/0 counts as 0.
Vecalign's figures say little about omissions, which is what a translation reviewer needs
to see, so null links are also scored on their own, per sentence.

Files: the Vecalign/Bertalign line format (`[0]:[0]`, `[1, 2]:[1]`, `[3]:[]`, one link a
line; a third `:`-field such as a cost is ignored), or this project's CSV/JSONL exports.
"""

from __future__ import annotations

import ast
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from workbench.errors import InputError
from workbench.output.export import read_rows
from workbench.output.files import atomic_write

Links = list[tuple[tuple[int, ...], tuple[int, ...]]]

EXPORT_SUFFIXES = (".csv", ".jsonl")
_LINK_LINE = re.compile(r"^\s*\[[\d,\s]*\]\s*:\s*\[[\d,\s]*\]\s*(:.*)?$")


@dataclass(frozen=True)
class Scores:
    """Counts behind strict, lax and null-link precision/recall; the rates are derived.

    `predicted` and `gold` count distinct links judged for precision and for recall (see
    the module docstring for which); `*_null` count sentences that are null links.
    """

    predicted: int = 0
    predicted_strict: int = 0  # predicted links that are exactly a gold link
    predicted_lax: int = 0  # predicted links sharing a source and a target sentence with a gold link
    gold: int = 0
    gold_strict: int = 0  # gold links with both sides that were predicted exactly
    gold_lax: int = 0  # gold links with both sides overlapping a predicted link on both sides
    predicted_null: int = 0  # sentences the prediction leaves without counterpart
    gold_null: int = 0  # sentences the gold leaves without counterpart
    null_hits: int = 0  # sentences both leave without counterpart
    documents: int = 1

    def __add__(self, other: Scores) -> Scores:
        return Scores(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def precision_strict(self) -> float:
        return _ratio(self.predicted_strict, self.predicted)

    @property
    def recall_strict(self) -> float:
        return _ratio(self.gold_strict, self.gold)

    @property
    def f1_strict(self) -> float:
        return _f1(self.precision_strict, self.recall_strict)

    @property
    def precision_lax(self) -> float:
        return _ratio(self.predicted_lax, self.predicted)

    @property
    def recall_lax(self) -> float:
        return _ratio(self.gold_lax, self.gold)

    @property
    def f1_lax(self) -> float:
        return _f1(self.precision_lax, self.recall_lax)

    @property
    def precision_null(self) -> float:
        return _ratio(self.null_hits, self.predicted_null)

    @property
    def recall_null(self) -> float:
        return _ratio(self.null_hits, self.gold_null)

    @property
    def f1_null(self) -> float:
        return _f1(self.precision_null, self.recall_null)


def read_links(path: str | os.PathLike) -> Links:
    """The links of a gold or predicted file: line format, or a CSV/JSONL export of ours."""
    path = Path(path)
    if path.suffix.lower() in EXPORT_SUFFIXES:
        return [(_ids(row["src_ids"], path), _ids(row["tgt_ids"], path)) for row in read_rows(path)]
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from error
    except UnicodeDecodeError as error:
        raise InputError(f"Cannot read {path}: it is not UTF-8 text.") from error
    links = [_parse_line(line, path, number) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not links:
        raise InputError(f"{path} holds no links.")
    return links


def write_links(links: Iterable[tuple[Sequence[int], Sequence[int]]], path: str | os.PathLike) -> Path:
    """Write links in the line format (`[1, 2]:[3]`), which Vecalign's own scorer reads too."""
    path = Path(path)
    text = "".join(f"{[int(i) for i in src]}:{[int(j) for j in tgt]}\n" for src, tgt in links)
    atomic_write(path, text.encode("utf-8"))
    return path


def score(predicted: Links, gold: Links) -> Scores:
    """Strict, lax and null-link counts of one document's predicted links against its gold."""
    predicted_set = _distinct(predicted)
    gold_set = _distinct(gold)
    predicted_strict, predicted_lax = _matches(predicted_set, gold_set)
    predicted_full = {link for link in predicted_set if link[0] and link[1]}
    gold_full = {link for link in gold_set if link[0] and link[1]}
    gold_strict, gold_lax = _matches(gold_full, predicted_full)
    predicted_null, gold_null = _null_sentences(predicted_set), _null_sentences(gold_set)
    return Scores(
        predicted=len(predicted_set),
        predicted_strict=predicted_strict,
        predicted_lax=predicted_lax,
        gold=len(gold_full),
        gold_strict=gold_strict,
        gold_lax=gold_lax,
        predicted_null=len(predicted_null),
        gold_null=len(gold_null),
        null_hits=len(predicted_null & gold_null),
    )


def score_many(pairs: Iterable[tuple[Links, Links]]) -> Scores:
    """Micro-average over documents: (predicted, gold) pairs, counts summed as Vecalign does."""
    total = Scores(documents=0)
    for predicted, gold in pairs:
        total = total + score(predicted, gold)
    return total


def pair_files(predicted: str | os.PathLike, gold: str | os.PathLike) -> list[tuple[str, Path, Path]]:
    """(document name, predicted file, gold file) for two files, or two folders paired by stem.

    In a folder, a link file is a CSV/JSONL export or a file whose first line is a link
    (so `test0.de` and `test0.fr` beside `test0.defr` are not taken for gold). Every gold
    document needs a prediction and every prediction a gold: a missing one is an error,
    not a silently better score.
    """
    predicted, gold = Path(predicted), Path(gold)
    for path in (predicted, gold):
        if not path.exists():
            raise InputError(f"{path} does not exist.")
    if predicted.is_file() and gold.is_file():
        return [(gold.stem, predicted, gold)]
    if not (predicted.is_dir() and gold.is_dir()):
        raise InputError(f"Give two files or two folders to compare, not {predicted} and {gold}.")
    predicted_files = _link_files(predicted)
    gold_files = _link_files(gold)
    if not gold_files:
        raise InputError(f"{gold} holds no gold link files.")
    unmatched = sorted(set(gold_files) ^ set(predicted_files))
    if unmatched:
        missing = ", ".join(unmatched)
        raise InputError(f"Documents without both a prediction in {predicted} and a gold in {gold}: {missing}.")
    return [(stem, predicted_files[stem], gold_files[stem]) for stem in sorted(gold_files)]


def evaluate(predicted: str | os.PathLike, gold: str | os.PathLike) -> tuple[Scores, dict[str, Scores]]:
    """Scores of a predicted file or folder against its gold: the total and per document."""
    per_document = {name: score(read_links(p), read_links(g)) for name, p, g in pair_files(predicted, gold)}
    return sum(per_document.values(), Scores(documents=0)), per_document


def format_scores(scores: Scores) -> str:
    """A small table for the terminal; n/a where nothing was there to count."""

    def cell(value: float, denominator: int) -> str:
        return f"{value:.3f}" if denominator else "  n/a"

    def f1_cell(value: float, *denominators: int) -> str:
        return f"{value:.3f}" if all(denominators) else "  n/a"

    s = scores
    lines = [
        f"{'':<10} {'strict':>7} {'lax':>7} {'null':>7}",
        f"{'precision':<10} {cell(s.precision_strict, s.predicted):>7} {cell(s.precision_lax, s.predicted):>7}"
        f" {cell(s.precision_null, s.predicted_null):>7}",
        f"{'recall':<10} {cell(s.recall_strict, s.gold):>7} {cell(s.recall_lax, s.gold):>7}"
        f" {cell(s.recall_null, s.gold_null):>7}",
        f"{'F1':<10} {f1_cell(s.f1_strict, s.predicted, s.gold):>7} {f1_cell(s.f1_lax, s.predicted, s.gold):>7}"
        f" {f1_cell(s.f1_null, s.predicted_null, s.gold_null):>7}",
        f"{s.documents} document(s); {s.predicted} predicted links, {s.gold} gold links with both sides;"
        f" null-link sentences: {s.predicted_null} predicted, {s.gold_null} in gold, {s.null_hits} both",
    ]
    return "\n".join(lines)


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _distinct(links: Links) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    # Vecalign scores sets: a link listed twice counts once, a link empty on both sides never
    return {(tuple(src), tuple(tgt)) for src, tgt in links if src or tgt}


def _matches(judged: set, reference: set) -> tuple[int, int]:
    """How many `judged` links are exactly in `reference` (strict), and overlap one on both sides (lax)."""
    targets_of_source: dict[int, set[int]] = defaultdict(set)
    for src, tgt in reference:
        for i in src:
            targets_of_source[i].update(tgt)
    strict = lax = 0
    for src, tgt in judged:
        if (src, tgt) in reference:
            strict += 1
            lax += 1
        elif any(not targets_of_source[i].isdisjoint(tgt) for i in src):
            lax += 1
    return strict, lax


def _null_sentences(links: set) -> set[tuple[str, int]]:
    """("src", i) for each source sentence in a 1-0 link, ("tgt", j) for each target one in a 0-1 link."""
    nulls = set()
    for src, tgt in links:
        if not tgt:
            nulls.update(("src", i) for i in src)
        if not src:
            nulls.update(("tgt", j) for j in tgt)
    return nulls


def _parse_line(line: str, path: Path, number: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    try:
        if not _LINK_LINE.match(line):
            raise ValueError(line)
        src_text, tgt_text = line.split(":")[:2]
        return tuple(ast.literal_eval(src_text.strip())), tuple(ast.literal_eval(tgt_text.strip()))
    except (ValueError, SyntaxError) as error:
        raise InputError(f"{path.name} line {number} is not a link such as [0, 1]:[2]: {line.strip()[:60]!r}.") from error


def _ids(text: str, path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(i) for i in str(text).split())
    except ValueError as error:
        raise InputError(f"{path.name} has sentence ids that are not numbers: {text!r}.") from error


def _link_files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        if not (path.suffix.lower() in EXPORT_SUFFIXES or _looks_like_links(path)):
            continue
        if path.stem in found:
            raise InputError(f"{folder} has two link files for {path.stem}: {found[path.stem].name} and {path.name}.")
        found[path.stem] = path
    return found


def _looks_like_links(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            first = next((line for line in handle if line.strip()), "")
    except (OSError, UnicodeDecodeError):
        return False
    return bool(_LINK_LINE.match(first))
