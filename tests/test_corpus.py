"""The batch's logic, without the model: what it is given (sources), the one-to-one
assignment and its notes (matching), output names, the resume ledger and matching's kept
result, the corpus tables (whole and partial), progress in a log, how a failing document is
reported, and `workbench batch` run in this process. Matching quality is measured with the real model in tests/test_batch.py and
benchmarks/matching.py; here a fake encoder only lets the run go end to end."""

from __future__ import annotations

import csv
import json
import re
import tracemalloc
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from fake_encoder import FakeEncoder

from workbench import cli
from workbench.corpus import batch, engines, matching, sources
from workbench.corpus import worker as worker_module
from workbench.corpus.engines import LocalEngine
from workbench.corpus.worker import Failure, Worker
from workbench.errors import InputError
from workbench.model import NO_COUNTERPART, UNREADABLE
from workbench.options import Options
from workbench.output import corpus_files
from workbench.text.numbers import written_values

ENGLISH = ["The council met on Monday to discuss the budget.", "It approved a plan for new schools.",
           "The mayor said the work would start in May."]
FRENCH = ["Le conseil s'est réuni lundi pour discuter du budget.", "Il a approuvé un plan pour de nouvelles écoles.",
          "Le maire a dit que les travaux commenceraient en mai."]


def profile(name: str, lang: str, vector: list[float]) -> matching.Profile:
    return matching.Profile(name, lang, 3, np.array(vector, np.float32))


def test_assign_is_one_to_one_best_first_and_leaves_weak_or_unclear_pairs_alone():
    originals = [profile("a", "en", [1, 0]), profile("b", "en", [0, 1]), profile("c", "en", [1, 1])]
    translations = [profile("x", "fa", [1, 0]), profile("y", "fa", [0, 1]), profile("z", "fa", [1, 1])]
    found = {
        (0, 0): matching.Evidence(0.6, 0.5),  # a-x: clearly best
        (1, 0): matching.Evidence(0.3, 0.1),  # b wants x too, but a has it
        (1, 1): matching.Evidence(0.5, 0.4),  # b-y
        (2, 2): matching.Evidence(0.1, 0.9),  # c-z: sentence evidence under the threshold
    }
    matches = matching.assign(originals, translations, found)
    pairs = {(m.original, m.translation) for m in matches if m.original and m.translation}
    assert pairs == {("a", "x"), ("b", "y")}
    alone = {m.original or m.translation: m.note for m in matches if not (m.original and m.translation)}
    assert set(alone) == {"c", "z"}
    assert "under 0.2" in alone["c"]


def test_assign_refuses_a_pair_no_clearer_than_a_rival():
    """An original whose translation is missing must not take its nearest look-alike."""
    originals = [profile("a", "en", [1, 0]), profile("b", "en", [0, 1])]
    translations = [profile("x", "fa", [1, 0])]
    found = {(0, 0): matching.Evidence(0.45, 0.2), (1, 0): matching.Evidence(0.44, 0.2)}
    matches = matching.assign(originals, translations, found)
    assert all(not (m.original and m.translation) for m in matches)
    assert len(matches) == 3


def test_documents_whose_numbers_differ_need_more_sentence_evidence():
    """The UDHR's Article 13 in English and Article 15 in Chinese, each one's counterpart
    missing from its set, scored 0.24 of sentence evidence (the first pass found a fifth of
    their sentences alike), over the threshold, and no rival came near: they were paired.
    Translations keep their numbers, and these two share none of theirs."""
    english = "Article 13\nEveryone has the right to freedom of movement and residence within the borders of each State."
    chinese = {"Article 15": "第十五条\n人人有权享有国籍。", "Article 13": "第十三条\n人人在各国境内有权自由迁徙和居住。",
               "no number": "人人在各国境内有权自由迁徙和居住。"}

    def matched(translation: str) -> matching.Match:
        original = matching.Profile("en.txt", "en", 2, np.ones(2, np.float32), written_values(english))
        other = matching.Profile("zh.txt", "zh", 2, np.ones(2, np.float32), written_values(translation))
        found = {(0, 0): matching.evidence((0.165, 0.314), 0.31, original, other)}
        return matching.assign([original], [other], found)[0]

    assert matched(chinese["Article 15"]).translation is None
    assert matched(chinese["Article 15"]).note.endswith("under 0.3 (the two share 0% of their numbers)")
    assert matched(chinese["Article 13"]).translation == "zh.txt"
    assert matched(chinese["no number"]).translation == "zh.txt"  # a side that writes none is no evidence


def test_candidates_pair_only_documents_in_different_languages():
    originals = [profile("a", "en", [1, 0]), profile("b", "en", [0, 1])]
    translations = [profile("x", "fa", [1, 0]), profile("rewrite", "en", [1, 0.1])]
    found = matching.candidates(originals, translations)
    assert {pair[1] for pair in found} == {0}
    matches = matching.assign(originals, translations, {})
    note = next(m.note for m in matches if m.translation == "rewrite")
    assert note.startswith("every original is in en") and "a rewrite is not a translation" in note
    assert next(m.note for m in matches if m.translation == "x") == "no original is near it"


def _dense_candidates(originals: list[matching.Profile], translations: list[matching.Profile],
                      per_document: int) -> set[tuple[int, int]]:
    """The candidates as the whole similarity matrix gives them (what the search replaced),
    with ties to the lower index: each row's and each column's best in another language."""
    similarity = np.stack([p.vector for p in originals]) @ np.stack([p.vector for p in translations]).T
    different = np.array([p.lang for p in originals])[:, None] != np.array([p.lang for p in translations])[None, :]
    similarity = np.where(different, similarity, -np.inf)
    pairs = set()
    for i, row in enumerate(similarity):
        pairs |= {(i, int(j)) for j in np.argsort(-row, kind="stable")[:per_document] if np.isfinite(row[j])}
    for j, column in enumerate(similarity.T):
        pairs |= {(int(i), j) for i in np.argsort(-column, kind="stable")[:per_document] if np.isfinite(column[i])}
    return pairs


def _exact_side(rng: np.random.Generator, langs: list[str], per_lang: int) -> list[matching.Profile]:
    """Documents whose centred unit vectors are exact in float32, so that equal cosines are
    equal to the bit and ties are real: four entries of +-1 (length 2), and each vector's
    negation in its language, so that centring takes away exactly nothing."""
    vectors = []
    for lang in langs:
        for _ in range(per_lang):
            vector = np.zeros(8, np.float32)
            vector[rng.choice(8, 4, replace=False)] = rng.choice([-1.0, 1.0], 4)
            vectors += [(lang, vector), (lang, -vector)]
    order = rng.permutation(len(vectors))
    return [matching.Profile(f"{vectors[k][0]}{n}", vectors[k][0], 3, vectors[k][1]) for n, k in enumerate(order)]


@pytest.mark.parametrize("seed", range(6))
def test_the_chunked_search_gives_the_dense_candidates_ties_and_all(seed):
    """The search that never holds the whole matrix gives every document's nearest as the
    matrix did, ties going to the first in input order, however it is cut into blocks."""
    rng = np.random.default_rng(seed)
    originals = _exact_side(rng, ["en", "de"], 9)
    translations = _exact_side(rng, ["fr", "en"], 11)
    unit = [matching.Profile(p.name, p.lang, 3, p.vector / 2) for p in (*originals, *translations)]
    wanted = _dense_candidates(unit[:len(originals)], unit[len(originals):], matching.CANDIDATES)
    row = 4 * len(translations)
    for block_bytes in (1, 3 * row, 8 * row, matching.BLOCK_BYTES):  # a row a block, three, eight, all
        found = matching.candidates(originals, translations, block_bytes=block_bytes)
        assert set(found) == wanted
        assert all(found[i, j] == float(unit[i].vector @ unit[len(originals) + j].vector) for i, j in found)


def test_top_breaks_every_tie_to_the_lower_column():
    rng = np.random.default_rng(1)
    for _ in range(200):
        similarity = rng.integers(-2, 3, (5, int(rng.integers(1, 12)))).astype(np.float32)
        similarity[rng.random(similarity.shape) < 0.3] = -np.inf  # same-language pairs
        k = int(rng.integers(1, 5))
        rows, columns = matching._top(similarity, k)
        wanted = {(i, int(j)) for i, row in enumerate(similarity)
                  for j in np.argsort(-row, kind="stable")[:k] if np.isfinite(row[j])}
        assert set(zip(rows.tolist(), columns.tolist())) == wanted


def test_the_candidate_search_holds_a_block_not_the_matrix():
    """Memory follows the block, not originals x translations: 6,000 a side would be a
    144 MB matrix; searched in 4 MB blocks, the whole call (its dict of candidates included)
    stays under a quarter of that, the first blocks too (where every entry is a column's best
    so far)."""
    rng = np.random.default_rng(0)
    side = [matching.Profile(str(k), "en", 3, vector) for k, vector in enumerate(rng.standard_normal((6000, 4)))]
    other = [matching.Profile(str(k), "fr", 3, vector) for k, vector in enumerate(rng.standard_normal((6000, 4)))]
    tracemalloc.start()
    try:
        found = matching.candidates(side, other, block_bytes=4 * 2**20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 6000 * matching.CANDIDATES <= len(found) <= 2 * 6000 * matching.CANDIDATES
    assert peak < 6000 * 6000 * 4 / 4


def test_match_score_is_the_sentence_evidence_between_0_and_1():
    """What pairs.csv shows is on [0, 1] and is the number --min-match applies to; the
    ranking (which adds half the document cosine, up to 1.5) decides, and is not shown."""
    rng = np.random.default_rng(0)
    originals = [profile(f"o{i}", "en", [1, 0]) for i in range(40)]
    translations = [profile(f"t{j}", "fa", [0, 1]) for j in range(40)]
    found = {(i, j): matching.Evidence(float(rng.random()), float(rng.uniform(-1, 1)))
             for i in range(40) for j in rng.choice(40, 3, replace=False)}
    found[(0, 0)] = matching.Evidence(1.0, 1.0)  # the most a pair can have: its ranking is 1.5
    matches = matching.assign(originals, translations, found)
    scored = [m for m in matches if m.score is not None]
    assert len(scored) > 10 and all(0 <= m.score <= 1 for m in scored)
    index = {m.original: m for m in scored}
    assert index["o0"].score == 1.0
    assert all(m.score == round(found[int(m.original[1:]), int(m.translation[1:])].sentences, 4) for m in scored)
    notes = [m.note for m in matches if "no clearer" in m.note]
    assert notes and all("sentence evidence" in note for note in notes)


def test_a_documents_sentences_are_centred_on_its_neighbourhood_weighed_by_segments():
    """Two genres in one edition: each document's mean is its own genre's (its k nearest of its
    language), weighed by segments; the only document of its language borrows the other side's."""
    rng = np.random.default_rng(0)
    genres = np.eye(8)[:2] * 10
    side = [matching.Profile(f"{g}{n}", "en", 1 + n, genres[g] + rng.standard_normal(8)) for g in (0, 1) for n in range(6)]
    side.append(matching.Profile("lone", "fr", 2, np.ones(8)))
    others = [matching.Profile("x", "de", 1, np.full(8, 2.0)), matching.Profile("y", "de", 3, np.zeros(8))]
    means = matching.neighbourhood_means(side, others, k=5)
    for g in (0, 1):
        group = side[6 * g:6 * g + 6]
        weighted = sum(p.vector * p.segments for p in group) / sum(p.segments for p in group)
        assert np.allclose(means[6 * g:6 * g + 6], weighted, atol=1e-5)
    assert np.allclose(means[12], 0.5)  # (2 x 1 + 0 x 3) / 4
    assert np.allclose(matching.neighbourhood_means(side[:1] + side[12:], others[:1])[1], 1.0)  # nothing to borrow


def test_plan_reads_two_folders_a_manifest_and_a_folder_of_bilingual_files(tmp_path):
    (tmp_path / "en" / "sub").mkdir(parents=True)
    (tmp_path / "fa").mkdir()
    (tmp_path / "en" / "a.txt").write_text("A.\n")
    (tmp_path / "en" / "sub" / "b.txt").write_text("B.\n")
    (tmp_path / "en" / ".hidden").write_text("x\n")
    (tmp_path / "fa" / "a.txt").write_text("الف.\n")
    plan = sources.plan(tmp_path / "en", tmp_path / "fa")
    assert [s.name for s in plan.originals] == ["a.txt", "sub/b.txt"] and plan.pairs is None
    manifest = tmp_path / "pairs.csv"
    manifest.write_text("original,translation\nen/a.txt,fa/a.txt\nen/sub/b.txt,\n", encoding="utf-8")
    plan = sources.plan(manifest)
    assert [(o and o.name, t and t.name) for o, t in plan.pairs] == [("en/a.txt", "fa/a.txt"), ("en/sub/b.txt", None)]
    plan = sources.plan(tmp_path / "en")
    assert plan.bilingual and len(plan.pairs) == 2


@pytest.mark.parametrize("manifest, message", [
    ("source,target\na,b\n", "needs the columns original,translation"),
    ("original,translation\nmissing.txt,\n", "missing.txt is not a file"),
    ("original,translation\nen.txt,fa.txt\nen.txt,\n", "a second time"),
    ("original,translation\n,\n", "lists no documents"),
])
def test_a_bad_manifest_is_one_line(tmp_path, manifest, message):
    (tmp_path / "en.txt").write_text("A.\n")
    (tmp_path / "fa.txt").write_text("ب.\n")
    path = tmp_path / "m.csv"
    path.write_text(manifest, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        sources.plan(path)


def test_plan_refuses_what_is_not_a_batch(tmp_path):
    (tmp_path / "one.txt").write_text("A.\n")
    with pytest.raises(InputError, match="two folders"):
        sources.plan(tmp_path / "one.txt")
    with pytest.raises(InputError, match="does not exist"):
        sources.plan(tmp_path / "nowhere", tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no files"):
        sources.plan(tmp_path / "empty", tmp_path)


def test_output_names_are_the_originals_file_names_flat_and_distinct():
    """Short and flat (nothing climbs out of aligned/), whatever the folders: a name shared
    takes its extension, or as many of its folders as set it apart, then a number."""
    names = ["a.txt", "a.md", "b.txt", "../../etc/c.txt", "sub/d.txt", "/data/udhr/en-de/src.txt",
             "/data/udhr/en-fr/src.txt", "News.txt", "x/news.txt", "p/../q/r.txt", "p/q/r.txt"]
    stems = batch._stems(tuple(sources.Source(None, name) for name in names))
    assert stems == {"a.txt": "a.txt", "a.md": "a.md", "b.txt": "b", "../../etc/c.txt": "c", "sub/d.txt": "d",
                     "/data/udhr/en-de/src.txt": "en-de_src", "/data/udhr/en-fr/src.txt": "en-fr_src",
                     "News.txt": "News.txt", "x/news.txt": "x_news", "p/../q/r.txt": "r-1", "p/q/r.txt": "r-2"}
    # as Windows can store them too: its forbidden characters, trailing dots and device names
    awkward = ['what? "now": a|b*<c>.txt', "CON.txt", "notes. .txt", "tab\there.txt"]
    stems = batch._stems(tuple(sources.Source(None, name) for name in awkward))
    assert stems == {'what? "now": a|b*<c>.txt': "what_ _now__ a_b__c_", "CON.txt": "_CON",
                     "notes. .txt": "notes", "tab\there.txt": "tab_here"}


def test_a_manifest_of_absolute_paths_names_its_outputs_after_the_files(tmp_path, fake_encoder):
    """Pairs listed as UDHR's gold sets are (en-fr/src.txt, en-fr/tgt.txt), by absolute paths."""
    lines = ["original,translation"]
    for k in range(2):
        folder = tmp_path / "sets" / f"en-fr-{k}"
        folder.mkdir(parents=True)
        (folder / "src.txt").write_text("\n".join(ENGLISH[k:]) + "\n", encoding="utf-8")
        (folder / "tgt.txt").write_text("\n".join(FRENCH[k:]) + "\n", encoding="utf-8")
        lines.append(f"{folder / 'src.txt'},{folder / 'tgt.txt'}")
    manifest = tmp_path / "pairs.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = Options()
    out = tmp_path / "out"
    result = batch.run(sources.plan(manifest), out, options, LocalEngine(options, Worker(options, fake_encoder)))
    assert [row.aligned for row in result.rows] == ["aligned/en-fr-0_src.csv", "aligned/en-fr-1_src.csv"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".batch" not in p.parts) == [
        "aligned/en-fr-0_src.csv", "aligned/en-fr-1_src.csv", "index.html", "pairs.csv", "pairs.parquet",
        "reports/en-fr-0_src.html", "reports/en-fr-1_src.html"]


def two_editions(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "fr").mkdir()
    for k in range(3):
        (tmp_path / "en" / f"{k}.txt").write_text("\n".join(ENGLISH[k:] + ENGLISH[:k]) + "\n", encoding="utf-8")
        (tmp_path / "fr" / f"{k}.txt").write_text("\n".join(FRENCH[k:] + FRENCH[:k]) + "\n", encoding="utf-8")
    (tmp_path / "en" / "broken.txt").write_bytes(b"\x00\x01\x02" * 50)
    manifest = tmp_path / "pairs.csv"
    manifest.write_text("original,translation\n" + "".join(f"en/{k}.txt,fr/{k}.txt\n" for k in range(3))
                        + "en/broken.txt,\n", encoding="utf-8")
    return manifest


class Interrupted(Worker):
    """A worker whose process is killed after `alive` pairs."""

    def __init__(self, options, encoder, alive):
        super().__init__(options, encoder)
        self.alive = alive

    def align(self, job):
        if self.alive == 0:
            raise KeyboardInterrupt
        self.alive -= 1
        return super().align(job)


def test_a_batch_writes_its_tables_and_a_killed_one_resumes(tmp_path, fake_encoder):
    manifest = two_editions(tmp_path)
    plan = sources.plan(manifest)
    out = tmp_path / "out"
    options = Options()
    with pytest.raises(KeyboardInterrupt):
        batch.run(plan, out, options, LocalEngine(options, Interrupted(options, fake_encoder, alive=2)))
    assert sorted(p.name for p in (out / "aligned").iterdir()) == ["0.csv", "1.csv"]
    assert not (out / "pairs.csv").exists()

    result = batch.run(plan, out, options, LocalEngine(options, Worker(options, fake_encoder)))
    assert (result.aligned, result.reused) == (1, 2)
    with (out / "pairs.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:9] == ["original", "translation", "match_score", "verdict", "coverage", "fidelity",
                                 "links", "omissions", "additions"]
    assert [(r["original"], r["translation"]) for r in rows] == [
        ("en/0.txt", "fr/0.txt"), ("en/1.txt", "fr/1.txt"), ("en/2.txt", "fr/2.txt"), ("en/broken.txt", "")]
    assert rows[3]["verdict"] == NO_COUNTERPART and rows[0]["aligned"] == "aligned/0.csv"
    assert all((out / row["aligned"]).is_file() and (out / row["report"]).is_file() for row in rows[:3])
    frame = pd.read_parquet(out / "pairs.parquet")
    assert list(frame["original"]) == [r["original"] for r in rows] and frame["links"].dtype == "Int64"

    again = batch.run(plan, out, options, LocalEngine(options, Worker(options, fake_encoder)))
    assert (again.aligned, again.reused) == (0, 3)
    changed = tmp_path / "en" / "2.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "One more sentence.\n", encoding="utf-8")
    assert batch.run(plan, out, options, LocalEngine(options, Worker(options, fake_encoder))).aligned == 1


ARTICLES = {  # three articles and their French editions, with the words the fake encoder is to read as one
    "council": (ENGLISH, FRENCH),
    "rain": (["Heavy rain fell across the north on Tuesday.", "Rivers rose and several roads were closed.",
              "Forecasters expect sunshine by the weekend."],
             ["De fortes pluies sont tombées sur le nord mardi.", "Les rivières ont monté et plusieurs routes ont "
              "été fermées.", "Les météorologues prévoient du soleil pour le week-end."]),
    "final": (["The national team won the final in extra time.", "Thousands of fans celebrated in the streets.",
               "The coach praised the young goalkeeper."],
              ["L'équipe nationale a gagné la finale en prolongation.", "Des milliers de supporters ont fêté dans "
               "les rues.", "L'entraîneur a salué le jeune gardien."]),
}
FRENCH_WORDS = {"conseil": "council", "réuni": "met", "lundi": "monday", "approuvé": "approved", "écoles": "schools",
                "nouvelles": "new", "maire": "mayor", "travaux": "work", "mai": "may", "commenceraient": "start",
                "pluies": "rain", "fortes": "heavy", "tombées": "fell", "nord": "north", "mardi": "tuesday",
                "rivières": "rivers", "monté": "rose", "plusieurs": "several", "routes": "roads", "fermées": "closed",
                "météorologues": "forecasters", "prévoient": "expect", "soleil": "sunshine", "week": "weekend",
                "équipe": "team", "nationale": "national", "gagné": "won", "finale": "final",
                "prolongation": "extra", "milliers": "thousands", "supporters": "fans", "fêté": "celebrated",
                "rues": "streets", "entraîneur": "coach", "salué": "praised", "jeune": "young", "gardien": "goalkeeper"}


def three_articles(tmp_path):
    """Two editions to match: three articles in English and in French, an English one alone
    and an unreadable file."""
    for folder in ("en", "fr"):
        (tmp_path / folder).mkdir()
    for name, (english, french) in ARTICLES.items():
        (tmp_path / "en" / f"{name}.txt").write_text("\n".join(english) + "\n", encoding="utf-8")
        (tmp_path / "fr" / f"{name}-fr.txt").write_text("\n".join(french) + "\n", encoding="utf-8")
    (tmp_path / "en" / "alone.txt").write_text("The museum reopened after two years of repairs.\n"
                                               "Visitors queued from early morning.\n", encoding="utf-8")
    (tmp_path / "en" / "broken.txt").write_bytes(b"\x00\x01\x02" * 50)
    return sources.plan(tmp_path / "en", tmp_path / "fr")


class Counting(Worker):
    """A worker that counts the jobs it is given, and is killed (KeyboardInterrupt, as by
    Ctrl-C) when given align job number `killed_at`."""

    def __init__(self, options, encoder, killed_at=None):
        super().__init__(options, encoder)
        self.calls, self.killed_at = Counter(), killed_at

    def run(self, job, arguments):
        if job == "align" and self.calls["align"] == self.killed_at:
            raise KeyboardInterrupt
        self.calls[job] += 1
        return super().run(job, arguments)


def outputs(out):
    """Every file a batch wrote, but its bookkeeping (.batch/), by path: the bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".batch" not in p.parts}


def test_a_killed_batch_resumes_with_nothing_redone(tmp_path, monkeypatch):
    """Two editions matched, the run killed after two of three pairs: the partial tables hold
    the rows settled, in the order they were; the rerun profiles and scores no document again
    and aligns only the third pair, and its files are byte for byte an uninterrupted run's."""
    monkeypatch.setattr(corpus_files, "SNAPSHOT_SECONDS", 0.0)  # the partial parquet rewritten at every row,
    monkeypatch.setattr(corpus_files, "SNAPSHOT_SHARE", float("inf"))  # however long a rewrite takes
    plan, options, encoder = three_articles(tmp_path), Options(), FakeEncoder(FRENCH_WORDS)
    whole = tmp_path / "whole"
    batch.run(plan, whole, options, LocalEngine(options, Worker(options, encoder)))
    out = tmp_path / "out"
    killed = Counting(options, encoder, killed_at=2)
    with pytest.raises(KeyboardInterrupt):
        batch.run(plan, out, options, LocalEngine(options, killed))
    assert killed.calls["profile"] == 7 and killed.calls["relate"] > 0 and killed.calls["align"] == 2
    assert not (out / "pairs.csv").exists() and not (out / "pairs.parquet").exists()
    with (out / "pairs.partial.csv").open(encoding="utf-8-sig", newline="") as handle:
        partial = [(row["original"], row["translation"], row["verdict"]) for row in csv.DictReader(handle)]
    assert partial[:2] == [("broken.txt", "", UNREADABLE), ("alone.txt", "", NO_COUNTERPART)]
    assert [row[:2] for row in partial[2:]] == [("council.txt", "council-fr.txt"), ("final.txt", "final-fr.txt")]
    assert list(pd.read_parquet(out / "pairs.partial.parquet")["original"]) == [row[0] for row in partial]

    again = Counting(options, encoder)
    result = batch.run(plan, out, options, LocalEngine(options, again))
    assert again.calls == {"align": 1} and result.matched_before and (result.aligned, result.reused) == (1, 2)
    assert outputs(out) == outputs(whole)
    assert not (out / "pairs.partial.csv").exists() and not (out / "pairs.partial.parquet").exists()

    stricter = Counting(options, encoder)  # another threshold: matched again (the pairs were kept)
    assert not batch.run(plan, out, options, LocalEngine(options, stricter), threshold=0.3).matched_before
    assert stricter.calls["profile"] == 7 and stricter.calls["align"] == 0
    monkeypatch.setattr(matching, "MARGIN", matching.MARGIN + 0.01)  # the matcher changed: matched again
    revised = Counting(options, encoder)
    assert not batch.run(plan, out, options, LocalEngine(options, revised), threshold=0.3).matched_before
    assert revised.calls["profile"] == 7
    (tmp_path / "fr" / "rain-fr.txt").write_text("Il pleut.\n", encoding="utf-8")  # a document changed: again
    changed = Counting(options, encoder)
    assert not batch.run(plan, out, options, LocalEngine(options, changed), threshold=0.3).matched_before
    assert changed.calls["profile"] == 7

    complete = (out / "pairs.csv").read_bytes()  # a run killed after a complete one leaves its table whole
    lines = Options(split="lines")
    with pytest.raises(KeyboardInterrupt):
        batch.run(plan, out, lines, LocalEngine(lines, Counting(lines, encoder, killed_at=0)))
    assert (out / "pairs.csv").read_bytes() == complete and (out / "pairs.partial.csv").is_file()


def test_matching_reads_and_segments_each_document_once(tmp_path, monkeypatch):
    """Profiling, the candidates' scores and the close calls all need the documents' texts and
    segments: matching reads each file once, and a worker segments each readable document once
    (seven here), whatever number of originals a translation is a candidate of. Aligning reads a
    pair's two files again (twice: to find it in the ledger, and as the engine takes it). Without
    the memos the results are the same. (A file that cannot be read is tried by matching's key and
    by profiling.)"""
    reads = Counter()
    read = sources.Source.read
    monkeypatch.setattr(sources.Source, "read", lambda source: reads.update([source.name]) or read(source))
    plan, options, encoder = three_articles(tmp_path), Options(), FakeEncoder(FRENCH_WORDS)
    worker = Counting(options, encoder)
    result = batch.run(plan, tmp_path / "out", options, LocalEngine(options, worker))
    assert worker.calls["relate"] > 0 and worker.segmentations == 7
    paired = {name for row in result.rows if row.verdict not in (NO_COUNTERPART, UNREADABLE)
              for name in (row.original, row.translation)}
    assert len(paired) == 6 and reads == {name: 3 if name in paired else 1 for name in reads} | {"broken.txt": 2}

    monkeypatch.setattr(worker_module, "SEGMENTED_KEPT", 0)  # nothing kept: read and segmented for every job
    monkeypatch.setattr(batch, "READ_KEPT", 0)
    reads.clear()
    forgetful = Counting(options, encoder)
    again = batch.run(plan, tmp_path / "again", options, LocalEngine(options, forgetful))
    assert forgetful.segmentations > 7 and max(reads.values()) > 3
    assert again.rows == result.rows and outputs(tmp_path / "again") == outputs(tmp_path / "out")


def test_a_matching_that_a_bug_cut_short_is_done_again(tmp_path):
    """A rerun tries a document that a bug stopped again, in matching as in aligning."""
    plan, options, encoder = three_articles(tmp_path), Options(), FakeEncoder(FRENCH_WORDS)
    out = tmp_path / "out"
    batch.run(plan, out, options, LocalEngine(options, Buggy(options, encoder, "relate", "final.txt")))
    again = Counting(options, encoder)
    result = batch.run(plan, out, options, LocalEngine(options, again))
    assert not result.matched_before and again.calls["profile"] == 7 and again.calls["relate"] > 0
    assert [row.original for row in result.unreadable] == ["broken.txt"]


def test_an_unreadable_document_is_a_row_not_a_crash(tmp_path, fake_encoder):
    two_editions(tmp_path)
    plan = sources.plan(tmp_path / "en", tmp_path / "fr")
    options = Options()
    result = batch.run(plan, tmp_path / "out", options, LocalEngine(options, Worker(options, fake_encoder)))
    assert [row.original for row in result.unreadable] == ["broken.txt"]
    assert result.unreadable[0].verdict == UNREADABLE and "binary" in result.unreadable[0].note


def test_the_index_escapes_document_names(tmp_path, fake_encoder):
    (tmp_path / "en").mkdir()
    (tmp_path / "fr").mkdir()
    name = "<script>alert(1)<\\script>.txt"
    (tmp_path / "en" / name).write_text("\n".join(ENGLISH) + "\n", encoding="utf-8")
    (tmp_path / "fr" / "x.txt").write_text("\n".join(FRENCH) + "\n", encoding="utf-8")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f'original,translation\n"en/{name}",fr/x.txt\n', encoding="utf-8")
    options = Options()
    batch.run(sources.plan(manifest), tmp_path / "out", options, LocalEngine(options, Worker(options, fake_encoder)))
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page


def batch_command(monkeypatch, encoder, *args, worker=Worker) -> int:
    """`workbench batch ARGS` in this process, on the local engine with `encoder`."""
    monkeypatch.setattr(engines, "engine", lambda name, options, **_: LocalEngine(options, worker(options, encoder)))
    return cli.main(["batch", *map(str, args)])


# An Amharic edition: a script the language detector does not know, which e5 reads; the fake
# encoder is told which English word each Amharic one translates.
AMHARIC = {"ምክር": "council", "ቤቱ": "the", "ሰኞ": "monday", "ተሰበሰበ": "met", "በጀቱን": "budget", "አጸደቀ": "approved",
           "ከንቲባው": "mayor", "ተናገሩ": "spoke"}


def test_batch_takes_the_languages_it_cannot_detect(tmp_path, monkeypatch, capsys):
    """--tgt-lang pins the translations' language for matching and aligning alike: without it
    an edition in a script the detector does not know is unreadable."""
    (tmp_path / "en").mkdir()
    (tmp_path / "am").mkdir()
    (tmp_path / "en" / "council.txt").write_text("The council met on Monday.\nIt approved the budget.\n"
                                                  "The mayor spoke.\n", encoding="utf-8")
    (tmp_path / "am" / "council.txt").write_text("ምክር ቤቱ ሰኞ ተሰበሰበ።\nበጀቱን አጸደቀ።\nከንቲባው ተናገሩ።\n",
                                                  encoding="utf-8")
    encoder = FakeEncoder(AMHARIC)
    assert batch_command(monkeypatch, encoder, tmp_path / "en", tmp_path / "am", "--out", tmp_path / "guessed") == 3
    assert "cannot tell the language" in pd.read_csv(tmp_path / "guessed" / "pairs.csv")["note"].iloc[-1]

    out = tmp_path / "told"
    assert batch_command(monkeypatch, encoder, tmp_path / "en", tmp_path / "am", "--out", out,
                         "--src-lang", "EN", "--tgt-lang", "am") == 0
    (row,) = pd.read_csv(out / "pairs.csv", keep_default_na=False).to_dict("records")
    assert (row["original"], row["translation"], row["src_lang"], row["tgt_lang"]) == ("council.txt", "council.txt", "en", "am")
    assert row["links"] == 3 and "langs:en-am" in row["signature"]
    capsys.readouterr()
    assert batch_command(monkeypatch, encoder, tmp_path / "en", tmp_path / "am", "--out", out, "--tgt-lang", "amharic") == 2
    assert capsys.readouterr().err == "error: 'amharic' is not a language code; use ISO 639-1 codes such as en, fa, ar, tr\n"


def test_a_rerun_removes_the_files_of_pairs_gone_and_nothing_else(tmp_path, monkeypatch, capsys, fake_encoder):
    """A document dropped from the manifest takes its aligned CSV and report with it; a file
    the batch did not write, or a ledger line naming a path outside aligned/ and reports/
    (a ledger edited by hand), is left alone."""
    manifest = two_editions(tmp_path)
    out = tmp_path / "out"
    assert batch_command(monkeypatch, fake_encoder, manifest, "--out", out) == 0
    assert "removed" not in capsys.readouterr().out
    mine = [out / "aligned" / "notes.csv", out / "reports" / "mine.html", out / "keep.csv"]
    for path in mine:
        path.write_text("the user's\n", encoding="utf-8")
    ledger = out / ".batch" / "done.jsonl"
    entry = json.loads(ledger.read_text(encoding="utf-8").splitlines()[0])
    entry["row"].update(aligned="aligned/../keep.csv", report="/" + str(out / "reports" / "mine.html"))
    with ledger.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"key": "edited by hand", "row": entry["row"]}) + "\n")

    manifest.write_text("original,translation\nen/0.txt,fr/0.txt\nen/1.txt,fr/1.txt\n", encoding="utf-8")
    assert batch_command(monkeypatch, fake_encoder, manifest, "--out", out) == 0
    assert "removed 2 files of pairs no longer in the batch from aligned/ and reports/" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "aligned").iterdir()) == ["0.csv", "1.csv", "notes.csv"]
    assert sorted(p.name for p in (out / "reports").iterdir()) == ["0.html", "1.html", "mine.html"]
    assert all(path.read_text(encoding="utf-8") == "the user's\n" for path in mine)


def test_progress_in_a_log_is_a_few_plain_lines_and_counts_the_pairs_done_before(tmp_path, monkeypatch, capsys):
    """--progress where stderr is no terminal (here, captured): a line as each bar starts and
    ends (and one every 30 s between), no carriage returns; a rerun's aligning bar starts at
    the pairs an earlier run did, and shows how many pairs matching found among the documents."""
    plan = three_articles(tmp_path)
    encoder = FakeEncoder(FRENCH_WORDS)
    given = (tmp_path / "en", tmp_path / "fr", "--out", tmp_path / "out", "--progress")
    assert batch_command(monkeypatch, encoder, *given, worker=lambda o, e: Counting(o, e, killed_at=2)) == 130
    err = capsys.readouterr().err
    assert "\r" not in err
    assert [line.split(":")[0] for line in err.splitlines()] == ["matching"] * 6 + ["aligning"] * 2 + ["interrupted"]

    assert batch_command(monkeypatch, encoder, *given) == 3  # matching's result kept: aligning only
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["aligning"] * 2 + ["error"]
    documents = len(plan.originals) + len(plan.translations)
    assert lines[0].startswith("aligning:  67% 2/3 pair [00:00<?, ?pair/s, ")  # no rate from the pairs done before
    rate = r"\d+\.\d+(pair/s|s/pair)"
    assert re.fullmatch(rf"aligning: 100% 3/3 pair \[00:0\d<00:00, +{rate}, 3 pairs matched among {documents} documents\]",
                        lines[1])


class Buggy(Worker):
    """A worker with a bug that one document sets off in one of the three jobs."""

    def __init__(self, options, encoder, job="align", document="en/1.txt"):
        super().__init__(options, encoder)
        self.bug = (job, document)

    def profile(self, text, lang=None):
        self._fail("profile", text.name)
        return super().profile(text, lang)

    def relate(self, original, candidates, refine=False):
        self._fail("relate", original[0].name)
        return super().relate(original, candidates, refine)

    def align(self, job):
        self._fail("align", job.original.name)
        return super().align(job)

    def _fail(self, job, name):
        if (job, name) == self.bug:
            {}["a key no document has"]


@pytest.mark.parametrize("job, document", [("profile", "1.txt"), ("relate", "1.txt"), ("align", "en/1.txt")])
def test_a_bug_on_one_document_is_its_row_and_the_rest_is_done(tmp_path, monkeypatch, capsys, fake_encoder, job,
                                                                document):
    """As an unreadable file is: one line on stderr naming it, exit 3, the reason in its row."""
    two_editions(tmp_path)
    (tmp_path / "en" / "broken.txt").unlink()
    manifest = tmp_path / "pairs.csv"
    for k in range(3):  # the bug is set off by a name: the translations' must differ from the originals'
        (tmp_path / "fr" / f"{k}.txt").rename(tmp_path / "fr" / f"{k}-fr.txt")
    manifest.write_text("original,translation\n" + "".join(f"en/{k}.txt,fr/{k}-fr.txt\n" for k in range(3)))
    given = [manifest] if job == "align" else [tmp_path / "en", tmp_path / "fr"]
    out = tmp_path / "out"
    code = batch_command(monkeypatch, fake_encoder, *given, "--out", out,
                         worker=lambda options, encoder: Buggy(options, encoder, job, document))
    assert code == 3
    assert capsys.readouterr().err == f"error: could not read or align 1 of the documents: {document}\n"
    rows = pd.read_csv(out / "pairs.csv", keep_default_na=False).to_dict("records")
    failed = [row for row in rows if row["verdict"] == UNREADABLE]
    assert [row["original"] for row in failed] == [document]
    assert failed[0]["note"].startswith("internal error (a bug; please report it): KeyError: 'a key no document has' at ")
    folders = ("en/", "fr/") if job == "align" else ("", "")
    for column, folder, suffix in (("original", folders[0], ""), ("translation", folders[1], "-fr")):  # all, once
        assert sorted(row[column] for row in rows if row[column]) == [f"{folder}{k}{suffix}.txt" for k in range(3)]


def test_the_ray_actor_and_the_local_engine_give_a_bug_alike(monkeypatch, fake_encoder):
    monkeypatch.setenv("WORKBENCH_THREADS", "1")  # what the actor sets for its model's threads
    options = Options()
    text = sources.Text("en/1.txt", "\n".join(ENGLISH), "digest")
    buggy = Buggy(options, fake_encoder, "profile", "en/1.txt")
    actor = engines._Actor(options, 1)
    actor.worker = buggy
    index, failure = actor.run("profile", 7, (text, None))
    assert index == 7 and isinstance(failure, Failure) and "KeyError" in failure.message
    assert list(LocalEngine(options, buggy).map("profile", [(text, None)])) == [(0, failure)]


class NoModel(Worker):
    """A worker whose model cannot load: the user's to fix, for every document alike."""

    @property
    def encoder(self):
        raise InputError("Model folder m could not be loaded as a sentence-transformers model: no config")


def test_a_model_that_cannot_load_stops_the_batch_whatever_its_input(tmp_path):
    """Not one unreadable row per document: the pairs of a manifest reach the model first in
    the align job, those of two folders in profile; both stop with the model's one line."""
    manifest = two_editions(tmp_path)
    options = Options()
    for plan in (sources.plan(manifest), sources.plan(tmp_path / "en", tmp_path / "fr")):
        with pytest.raises(InputError, match="could not be loaded"):
            batch.run(plan, tmp_path / "out", options, LocalEngine(options, NoModel(options)))
