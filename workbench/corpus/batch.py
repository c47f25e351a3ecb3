"""A whole archive in one run: match its documents (when the pairs are not given), align and
score every pair, and write the corpus's files.

OUT/aligned/NAME.csv and OUT/reports/NAME.html per pair (NAME: the original's file name
without its extension, told apart from another original's as `_stems` says), its row added to
OUT/pairs.partial.csv (and .parquet) as it finishes; at the end OUT/pairs.csv, OUT/pairs.parquet
and OUT/index.html over all, in the batch's order (corpus_files). Given the review database's
scorecards (workbench.corpus.reviews), a pair that was reviewed gets its LQA columns there.

A long run can be killed and run again with nothing redone: matching's result is saved in
OUT/.batch/matching.json under a key of every document and the options (matched.py), and each
finished pair is written, then recorded in OUT/.batch/done.jsonl under a key of its two
texts, its name and the options; a rerun with the same inputs and options reuses both (a
pair if its files are still there) and aligns only the rest. A run that matches again finds
the vectors in the cache: a segment is encoded once, by whichever run met it first, and
matching and aligning share its vector. The files earlier runs wrote for pairs no longer in
the batch are removed at the end.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import count
from pathlib import Path, PurePosixPath

from workbench import __version__
from workbench.corpus import matched, matching
from workbench.corpus.engines import Engine
from workbench.corpus.progress import progress_bar
from workbench.corpus.reviews import Key, with_scorecard
from workbench.corpus.sources import Plan, Reader, Source, Text
from workbench.corpus.worker import Failure, PairJob, PairResult
from workbench.errors import InputError
from workbench.model import NO_COUNTERPART, UNREADABLE, CorpusRow
from workbench.options import Options
from workbench.output import corpus_files
from workbench.output.files import atomic_write
from workbench.review.scorecard import Scorecard

LEDGER = Path(".batch") / "done.jsonl"
BUG = "internal error (a bug; please report it)"  # how Worker.run's Failure for a bug begins
PAIR_FILES = {"aligned": ".csv", "reports": ".html"}  # the folders a batch writes its pairs' files in, and their kind
# Texts matching keeps once read: its key reads every document, profiling reads it again, and
# scoring hands a translation to the job of every original it is a candidate of. Bounded, so
# memory follows this, not the corpus: an edition of more documents reads some of them again.
READ_KEPT = 1024


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: every row of pairs.csv, how many pairs it aligned now and how many a
    previous run had done, the files it wrote, and where its time went."""

    rows: tuple[CorpusRow, ...]
    aligned: int
    reused: int
    segments: int  # segments of the pairs aligned now
    seconds: float
    encoding_seconds: float  # time spent encoding texts, summed over workers
    files: tuple[Path, ...]
    removed: int = 0  # files of pairs no longer in the batch, removed from aligned/ and reports/
    matched_before: bool = False  # matching's result was an earlier run's, of the same inputs (matched.py)

    @property
    def unreadable(self) -> list[CorpusRow]:
        return [row for row in self.rows if row.verdict == UNREADABLE]


def run(plan: Plan, out: str | os.PathLike, options: Options, engine: Engine, *,
        threshold: float = matching.THRESHOLD, progress: bool = False,
        reviews: Mapping[Key, Scorecard] | None = None) -> BatchResult:
    """Match (unless `plan` gives the pairs), align and score, and write everything under `out`.

    `reviews` are the review database's scorecards by the texts' digests
    (`workbench.corpus.reviews.scorecards`): a pair found there gets its `mqm_` columns. They are
    put on the rows as they are settled, never into the ledger, so a rerun shows the review as it
    is now even for the pairs it does not align again.

    Every row goes to pairs.partial.csv as soon as it is settled (corpus_files.Stream): the
    documents matching could not read, then the documents alone and the pairs an earlier run
    finished, then each pair as it is aligned. The pairs done before are found first, so that
    the progress bar counts them as done (`initial`) and its rate and time left are this run's."""
    start = time.perf_counter()
    out = Path(out)
    stems = _stems(plan.originals)
    langs: dict[tuple[int, str], str] = {}  # the languages matching found: aligning need not detect them again
    matched_before = False
    if plan.pairs is None:
        reading = functools.lru_cache(maxsize=READ_KEPT)(lambda source: source.read())
        (matches, unreadable, langs), matched_before = _match_once(plan, out, options, engine, threshold, progress,
                                                                   reading)
    else:
        matches, unreadable = [matching.Match(o and o.name, t and t.name, None) for o, t in plan.pairs], []
    originals = {s.name: s for s in plan.originals}
    translations = {s.name: s for s in plan.translations}
    ledger = _ledger(out)
    done: dict[int, CorpusRow] = {}
    texts: dict[int, Key] = {}  # the digests of each pair's texts, by row
    wanted: list[int] = []  # the rows of the pairs to align now
    keys: dict[int, str] = {}  # their ledger keys, by row
    reused = 0

    def paired(match: matching.Match) -> bool:
        """Whether a row is a pair to align (a bilingual file is one by itself)."""
        return match.original is not None and (match.translation is not None or plan.bilingual)

    def job(match: matching.Match) -> PairJob:
        """A pair's job, its texts read now."""
        original = originals[match.original].read()
        translation = None if plan.bilingual else translations[match.translation].read()
        return PairJob(original, translation, stems[match.original], langs.get((0, match.original)),
                       langs.get((1, match.translation or "")))

    def read(k: int) -> PairJob:
        """Row `k`'s job, noting the digests and key of the texts it holds."""
        pair = job(matches[k])
        texts[k] = (pair.original.digest, "" if pair.translation is None else pair.translation.digest)
        keys[k] = _key(pair, options)
        return pair

    def settle(k: int, row: CorpusRow) -> None:
        if reviews and texts.get(k) in reviews:
            row = with_scorecard(row, reviews[texts[k]])
        done[k] = row
        stream.add(row)

    with corpus_files.Stream(out) as stream:
        for row in unreadable:
            stream.add(row)
        for k, match in enumerate(matches):  # what needs no aligning: read each pair once, to know
            if not paired(match):
                settle(k, _unmatched(match))
                continue
            try:
                read(k)
            except InputError as error:
                settle(k, CorpusRow(match.original, match.translation or "", match.score, UNREADABLE, note=str(error)))
                continue
            previous = ledger.get(keys[k])
            if previous is not None and (out / previous.aligned).is_file() and (out / previous.report).is_file():
                settle(k, dataclasses.replace(previous, match_score=match.score))
                reused += 1
            else:
                wanted.append(k)
        aligned = segments = 0
        total = sum(map(paired, matches))
        documents = len(plan.originals) + len(plan.translations)
        among = "" if plan.pairs is not None else f"{total} pairs matched among {documents} documents"
        with progress_bar(total, "aligning", "pair", progress, initial=total - len(wanted), postfix=among) as bar:
            # read again as the engine takes them: memory follows the workers, not the corpus
            for index, result in engine.map("align", ((read(k),) for k in wanted)):
                k = wanted[index]
                row = _finished(matches[k], result, stems[matches[k].original], out)
                if isinstance(result, PairResult):
                    _record(out, keys[k], row)
                    aligned += 1
                    segments += result.segments
                settle(k, row)
                bar.update(1)
    rows = [done[k] for k in range(len(matches))] + unreadable
    files = corpus_files.write(rows, out)
    removed = _remove_stale(out, ledger.values(), rows)
    return BatchResult(tuple(rows), aligned, reused, segments, time.perf_counter() - start,
                       engine.encoding_seconds(), files, removed, matched_before)


def _match_once(plan: Plan, out: Path, options: Options, engine: Engine, threshold: float,
                progress: bool, read: Reader) -> tuple[matched.Matched, bool]:
    """`match`'s result, and whether it was an earlier run's: one saved for the same documents,
    options and threshold is taken as it is (nothing profiled or scored again). A result in
    which a document failed by a bug is not saved: a rerun tries it again, as for a pair."""
    key = matched.key(plan, _settings(options), threshold, read)
    found = matched.load(out, key)
    if found is not None:
        return found, True
    found = match(plan, options, engine, threshold, progress, read)
    if not any(row.note.startswith(BUG) for row in found[1]):
        matched.save(out, key, found)
    return found, False


def match(plan: Plan, options: Options, engine: Engine, threshold: float, progress: bool,
          read: Reader = Source.read) -> tuple[list[matching.Match], list[CorpusRow], dict[tuple[int, str], str]]:
    """Profile every document, score the candidate pairs, assign one to one (each text taken
    from `read`, which may keep what it read: `READ_KEPT`). Unreadable
    documents become rows of their own. Also gives each document's language (as `options`
    give it for its side, else detected), by side (0 the originals, 1 the translations: two
    editions often use the same file names) and name."""
    sides = [(0, source) for source in plan.originals] + [(1, source) for source in plan.translations]
    by_name = ({s.name: s for s in plan.originals}, {s.name: s for s in plan.translations})
    profiles: dict[tuple[int, str], matching.Profile] = {}  # by side (0 original, 1 translation) and name
    unreadable: list[CorpusRow] = []
    profiled: list[tuple[int, Source]] = []  # what each profile job was given, in the order given

    def profile_jobs() -> Iterator[tuple[Text, str | None]]:
        for side, source in sides:
            try:
                text = read(source)
            except InputError as error:
                unreadable.append(_failure_row(source.name, side == 0, str(error)))
                continue
            profiled.append((side, source))
            yield text, options.src_lang if side == 0 else options.tgt_lang

    with progress_bar(len(sides), "matching: reading", "doc", progress) as bar:
        for index, result in engine.map("profile", profile_jobs()):
            side, source = profiled[index]
            if isinstance(result, Failure):
                unreadable.append(_failure_row(source.name, side == 0, result.message))
            else:
                profiles[(side, source.name)] = result
            bar.update(1)
        bar.update(bar.total - bar.n)  # the files that could not be read
    originals = [profiles[(0, s.name)] for s in plan.originals if (0, s.name) in profiles]
    translations = [profiles[(1, s.name)] for s in plan.translations if (1, s.name) in profiles]
    pairs = matching.candidates(originals, translations)
    src_means, tgt_means = (matching.neighbourhood_means(originals, translations),
                            matching.neighbourhood_means(translations, originals))

    def relate_jobs(groups: dict[int, list[int]], refine: bool) -> Iterator[tuple]:
        for i, js in groups.items():
            yield ((read(by_name[0][originals[i].name]), originals[i].lang, src_means[i]),
                   [(read(by_name[1][translations[j].name]), translations[j].lang, tgt_means[j]) for j in js], refine)

    def scored(wanted: list[tuple[int, int]], refine: bool, desc: str) -> dict[tuple[int, int], matching.Evidence]:
        """The evidence on `wanted` pairs, one job per original and its candidates."""
        groups: dict[int, list[int]] = {}
        for i, j in wanted:
            groups.setdefault(i, []).append(j)
        order = list(groups)
        found = {}
        with progress_bar(len(wanted), desc, "pair", progress) as bar:
            for index, similarities in engine.map("relate", relate_jobs(groups, refine)):
                i = order[index]
                if isinstance(similarities, Failure):
                    failed[i] = similarities.message
                else:
                    found.update(((i, j), matching.evidence(pair, pairs[(i, j)], originals[i], translations[j]))
                                 for j, pair in zip(groups[i], similarities))
                bar.update(len(groups[i]))
        return found

    failed: dict[int, str] = {}  # originals whose scoring a bug stopped (Worker.run), and why: unreadable rows
    found = scored(sorted(pairs), False, "matching: scoring")
    found.update(scored(sorted(matching.contested(found, threshold)), True, "matching: close calls"))
    found = {pair: item for pair, item in found.items() if pair[0] not in failed}  # they take no translation
    unreadable += [_failure_row(originals[i].name, True, why) for i, why in failed.items()]
    dropped = {originals[i].name for i in failed}
    matches = [m for m in matching.assign(originals, translations, found, threshold) if m.original not in dropped]
    return matches, unreadable, {key: profile.lang for key, profile in profiles.items()}


def _failure_row(name: str, original: bool, message: str) -> CorpusRow:
    return CorpusRow(name if original else "", "" if original else name, None, UNREADABLE, note=message)


def _unmatched(match: matching.Match) -> CorpusRow:
    return CorpusRow(match.original or "", match.translation or "", None, NO_COUNTERPART,
                     note=match.note or "listed without a counterpart")


def _finished(match: matching.Match, result: PairResult | Failure, stem: str, out: Path) -> CorpusRow:
    """Write a pair's files and give its row (or the row of a pair that could not be aligned)."""
    translation = match.translation or match.original  # a bilingual file is both
    if isinstance(result, Failure):
        return CorpusRow(match.original, translation, match.score, UNREADABLE, note=result.message)
    aligned, report = (f"{folder}/{stem}{suffix}" for folder, suffix in PAIR_FILES.items())
    atomic_write(out / aligned, result.aligned_csv)
    atomic_write(out / report, result.report_html)
    return CorpusRow(match.original, translation, match.score, result.verdict, round(result.coverage, 4),
                     round(result.fidelity, 4), result.links, result.omissions, result.additions, result.src_lang,
                     result.tgt_lang, aligned, report, signature=result.signature)


_FORBIDDEN_IN_NAMES = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
_DEVICE_NAMES = re.compile(r"(?i)(con|prn|aux|nul|com[0-9]|lpt[0-9])")


def _stems(originals: tuple[Source, ...]) -> dict[str, str]:
    """Each original's output name, short and flat (no folders: nothing climbs out of
    aligned/ or reports/, wherever the original lies): its file name without the extension.
    Names two originals would share (case aside: macOS and Windows ignore it) take as many of
    their folders as set them apart (en-de/src.txt: en-de_src), then their extension; two names
    alike even so (once `..` and `.` are dropped) are numbered. One rule for every kind of input."""
    choices = {source.name: _names(source.name) for source in originals}
    stems: dict[str, str] = {}
    left = list(choices)
    for depth in range(max(map(len, choices.values()), default=0)):
        proposed = {name: choices[name][min(depth, len(choices[name]) - 1)] for name in left}
        counts = Counter(stem.casefold() for stem in proposed.values())
        taken = {stem.casefold() for stem in stems.values()}
        stems.update((name, stem) for name, stem in proposed.items()
                     if counts[stem.casefold()] == 1 and stem.casefold() not in taken)
        left = [name for name in left if name not in stems]
    for name in left:
        taken = {stem.casefold() for stem in stems.values()}
        stems[name] = next(stem for n in count(1) if (stem := f"{choices[name][0]}-{n}").casefold() not in taken)
    return stems


def _names(name: str) -> list[str]:
    """An original's output names, shortest first: its file name without the extension, then
    with one more of its folders at a time, then whole with the extension; each written as
    every system can store it (`_portable`)."""
    *folders, file = [part for part in PurePosixPath(name.replace("\\", "/")).parts
                      if part not in ("", ".", "..", "/")] or ["document"]
    stem = PurePosixPath(file).stem
    names = ["_".join([*folders[len(folders) - k:], stem]) for k in range(len(folders) + 1)] + ["_".join([*folders, file])]
    return [_portable(name) for name in names]


def _portable(name: str) -> str:
    """`name` as a file name Windows accepts too (an output folder is often copied there): the
    characters it forbids (< > : " | ? * and controls) become "_", trailing dots and spaces
    go, and a device name (CON, NUL, COM1...) gets a "_" in front."""
    name = _FORBIDDEN_IN_NAMES.sub("_", name).rstrip(". ") or "document"
    return f"_{name}" if _DEVICE_NAMES.fullmatch(name.split(".")[0]) else name


def _key(job: PairJob, options: Options) -> str:
    """What a finished pair depends on: both texts, its name, the options and this version."""
    parts = [__version__, _settings(options), job.original.digest, job.translation.digest if job.translation else "",
             job.stem, job.src_lang or "", job.tgt_lang or ""]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def _settings(options: Options) -> str:
    """The options a result depends on (all but where the model runs), spelled for a key."""
    return repr({field.name: getattr(options, field.name) for field in dataclasses.fields(options)
                 if field.name != "device"})


def _ledger(out: Path) -> dict[str, CorpusRow]:
    """The pairs earlier runs finished, by key. A line cut short by a kill is skipped."""
    path = out / LEDGER
    found: dict[str, CorpusRow] = {}
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
            found[entry["key"]] = CorpusRow.from_json(entry["row"])
        except (ValueError, KeyError, TypeError):
            continue
    return found


def _remove_stale(out: Path, recorded: Iterable[CorpusRow], rows: list[CorpusRow]) -> int:
    """Remove the files of pairs that earlier runs wrote (as the ledger records) and no row of
    this run owns: a document dropped, renamed, changed or no longer matched; returns how many.
    Only such files are touched, and only in aligned/ and reports/, of the kind the batch writes
    there: never a file the user put there, nor one a ledger edited by hand names elsewhere."""
    owned = {name for row in rows for name in (row.aligned, row.report) if name}
    removed = 0
    for name in sorted({name for row in recorded for name in (row.aligned, row.report) if name} - owned):
        parts = PurePosixPath(name).parts
        path = out.joinpath(*parts)
        if (parts[0] in PAIR_FILES and path.suffix == PAIR_FILES[parts[0]] and path.is_file()
                and path.resolve().is_relative_to((out / parts[0]).resolve())):
            path.unlink()
            removed += 1
    return removed


def _record(out: Path, key: str, row: CorpusRow) -> None:
    """Append a finished pair to the ledger, on disk before the next pair starts."""
    path = out / LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"key": key, "row": row.to_json()}, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
