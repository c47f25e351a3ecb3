"""Matching's result, kept for a rerun: OUT/.batch/matching.json holds the matches, the
documents matching could not read and the languages it found, under a key of everything they
depend on (each document's name and digest, the options, the threshold, the matcher's settings,
this version). A rerun of the same inputs (after a kill, say) takes them from there instead of
profiling and scoring every document again; any change to the inputs, options or matcher
matches again, and the file then holds the new result. One file, the latest: an output folder
is one batch's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from workbench import __version__
from workbench.corpus import matching
from workbench.corpus.matching import Match
from workbench.corpus.sources import Plan, Reader, Source
from workbench.errors import InputError
from workbench.model import CorpusRow
from workbench.output.files import atomic_write

FILE = Path(".batch") / "matching.json"

Matched = tuple[list[Match], list[CorpusRow], dict[tuple[int, str], str]]  # what batch.match gives


def key(plan: Plan, settings: str, threshold: float, read: Reader = Source.read) -> str:
    """What matching `plan` depends on: every document's name and digest by side, in order (a
    file that cannot be read by its reason, which names it), the options (`settings`, as the
    ledger's key spells them), the threshold, the matcher's settings and this version. Reads
    every document once (through `read`, which the batch's matching then reads through again):
    a fraction of what profiling it costs."""
    parts = [__version__, matching.settings(), settings, repr(threshold)]
    for side, sources in enumerate((plan.originals, plan.translations)):
        for source in sources:
            try:
                digest = read(source).digest
            except InputError as error:
                digest = f"unreadable: {error}"
            parts += [str(side), source.name, digest]
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def load(out: Path, wanted: str) -> Matched | None:
    """The result saved under `wanted`, or None: none saved, another key's, or a file cut short."""
    try:
        saved = json.loads((out / FILE).read_text(encoding="utf-8"))
        if saved["key"] != wanted:
            return None
        return ([Match(*match) for match in saved["matches"]],
                [CorpusRow.from_json(row) for row in saved["unreadable"]],
                {(side, name): lang for side, name, lang in saved["langs"]})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(out: Path, saved_key: str, result: Matched) -> None:
    matches, unreadable, langs = result
    entry = {"key": saved_key,
             "matches": [[m.original, m.translation, m.score, m.note] for m in matches],
             "unreadable": [row.to_json() for row in unreadable],
             "langs": [[side, name, lang] for (side, name), lang in langs.items()]}
    atomic_write(out / FILE, json.dumps(entry, ensure_ascii=False).encode("utf-8"))
