"""What a batch is asked to do: its input files, and either the pairs the user gave or two
editions whose pairs are to be found.

Three shapes of input, one `Plan`:
- two folders, originals and translations: every file a document in one language, pairs
  unknown (the matcher finds them);
- a manifest CSV with columns `original,translation` (paths relative to the manifest): pairs
  known; a row with one side empty is a document the user knows has no counterpart;
- one folder of bilingual files (each like seed 000): every file is a pair by itself.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import InputError
from workbench.text import document


@dataclass(frozen=True)
class Source:
    """One input file: where it is and its name in the outputs (its path relative to the
    folder or manifest it was listed in, so two editions may use the same file names)."""

    path: Path
    name: str

    def read(self) -> Text:
        """The file's text (any encoding `workbench align` reads) with a digest of it."""
        text = document.read_text(self.path)
        return Text(self.name, text, digest(text))


def digest(text: str) -> str:
    """A text's fingerprint: what a rerun compares to skip finished pairs, and what tells a
    pair's texts in the review database (workbench.corpus.reviews)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Text:
    """A source's decoded text, named, with the digest a rerun compares to skip finished pairs."""

    name: str
    text: str
    digest: str


Reader = Callable[[Source], Text]  # how a batch takes a source's text: `Source.read`, or a memo of it


@dataclass(frozen=True)
class Plan:
    """A batch's inputs. `pairs`: the pairs the user gave (original, translation or None: a
    bilingual file, or an original known to have no counterpart; original None: a translation
    known to have none); None when `originals` and `translations` are to be matched."""

    originals: tuple[Source, ...]
    translations: tuple[Source, ...]
    pairs: tuple[tuple[Source | None, Source | None], ...] | None
    bilingual: bool = False  # each pair's original is one bilingual file (translation None)


def plan(input: str | Path, translations: str | Path | None = None) -> Plan:
    """The plan for `workbench batch INPUT [TRANSLATIONS]`: two folders, a manifest or one folder."""
    input = Path(input)
    if translations is not None:
        originals, others = _files(input, "originals"), _files(Path(translations), "translations")
        return Plan(originals, others, None)
    if input.is_dir():
        files = _files(input, "folder")
        return Plan(files, (), tuple((source, None) for source in files), bilingual=True)
    if input.suffix.lower() == ".csv":
        return _manifest(input)
    raise InputError(f"{input}: give two folders (originals, translations), a manifest .csv with columns "
                     "original,translation, or a folder of bilingual files")


def _files(folder: Path, role: str) -> tuple[Source, ...]:
    """The documents of a folder and its subfolders, in name order; hidden files are skipped."""
    if not folder.is_dir():
        raise InputError(f"{folder}: the {role} folder does not exist or is not a folder")
    files = tuple(Source(path, path.relative_to(folder).as_posix()) for path in sorted(folder.rglob("*"))
                  if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts))
    if not files:
        raise InputError(f"{folder}: the {role} folder holds no files")
    return files


def _manifest(path: Path) -> Plan:
    """Pairs from a manifest: a CSV with `original` and `translation` columns."""
    reader = document.csv_reader(io.StringIO(document.read_text(path), newline=""))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    if "original" not in columns or "translation" not in columns:
        raise InputError(f"{path}: a manifest needs the columns original,translation "
                         f"(found: {', '.join(map(str, reader.fieldnames or ())) or 'none'})")
    pairs, seen = [], set()
    for number, row in enumerate(reader, start=2):
        sides = tuple(_listed(path, (row[columns[column]] or "").strip(), number)
                      for column in ("original", "translation"))
        if sides == (None, None):
            continue
        for side in sides:
            if side is not None and side.path in seen:
                raise InputError(f"{path}: line {number} lists {side.name} a second time; a document has one counterpart")
            if side is not None:
                seen.add(side.path)
        pairs.append(sides)
    if not pairs:
        raise InputError(f"{path}: the manifest lists no documents")
    originals = tuple(o for o, _ in pairs if o is not None)
    translations = tuple(t for _, t in pairs if t is not None)
    return Plan(originals, translations, tuple(pairs))


def _listed(manifest: Path, cell: str, line: int) -> Source | None:
    if not cell:
        return None
    path = (manifest.parent / cell).resolve()
    if not path.is_file():
        raise InputError(f"{manifest}: line {line}: {cell} is not a file")
    return Source(path, cell)
