"""`workbench batch` with the real model, as a user runs it: two folders of real articles
(seed 000's two halves among seeds 001-004), a manifest, a folder of bilingual files, a run
killed half-way and run again, and the same batch on a local Ray instance."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_cli import ROOT, SEED, workbench

from workbench.text import document

SEEDS = ROOT / "seeds"
UDHR = ROOT / "benchmarks" / "udhr"


def halves(folder: Path) -> tuple[Path, Path]:
    """Seed 000's English and Persian halves as two documents, as two editions would hold them."""
    bitext = document.load(SEED)
    english, persian = folder / "000-en.txt", folder / "000-fa.txt"
    english.write_text("\n".join(bitext.src.paragraphs) + "\n", encoding="utf-8")
    persian.write_text("\n".join(bitext.tgt.paragraphs) + "\n", encoding="utf-8")
    return english, persian


def rows(out: Path) -> list[dict]:
    with (out / "pairs.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_editions(tmp_path: Path, layout: str) -> tuple[Path, Path]:
    """Two folders: seed 000's halves, and seeds 001-004 put with the translations (`apart`),
    shared between the two folders (`mixed`), or apart with both halves named 000.txt, as two
    editions of one site name their pages (`same-names`)."""
    originals, translations = tmp_path / "originals", tmp_path / "translations"
    originals.mkdir()
    translations.mkdir()
    english, persian = halves(tmp_path)
    same = layout == "same-names"
    english.rename(originals / ("000.txt" if same else english.name))
    persian.rename(translations / ("000.txt" if same else persian.name))
    others = sorted(SEEDS.glob("00[1-4]_*.txt"))
    for k, path in enumerate(others):
        folder = translations if layout != "mixed" or k % 2 else originals
        (folder / path.name).write_bytes(path.read_bytes())
    return originals, translations


@pytest.mark.model
@pytest.mark.parametrize("layout", ["apart", "mixed", "same-names"])
def test_batch_pairs_exactly_the_two_halves_of_seed_000(tmp_path, layout):
    originals, translations = seed_editions(tmp_path, layout)
    out = tmp_path / "out"
    result = workbench("batch", originals, translations, "--out", out)
    assert result.returncode == 0, result.stderr
    table = rows(out)
    pairs = [(r["original"], r["translation"]) for r in table if r["original"] and r["translation"]]
    stem = "000" if layout == "same-names" else "000-en"
    assert pairs == [(f"{stem}.txt", "000.txt" if layout == "same-names" else "000-fa.txt")]
    assert len(table) == 5  # the pair, and each of seeds 001-004 alone
    alone = [r for r in table if not (r["original"] and r["translation"])]
    assert {r["verdict"] for r in alone} == {"no counterpart"} and all(r["note"] for r in alone)
    rewrite = next(r for r in alone if (r["original"] or r["translation"]).startswith("001_"))
    if layout != "mixed":
        assert "a rewrite is not a translation" in rewrite["note"]
    pair = table[0]
    assert pair["verdict"] == "partial translation" and int(pair["omissions"]) >= 4
    assert (out / "aligned" / f"{stem}.csv").is_file() and (out / "reports" / f"{stem}.html").is_file()
    with (out / "aligned" / f"{stem}.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == int(pair["links"])
    frame = pd.read_parquet(out / "pairs.parquet")
    assert len(frame) == len(table) and frame["fidelity"].notna().sum() == 1
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="reports/{stem}.html"' in index and "Fidelity across the corpus" in index


@pytest.mark.model
def test_batch_takes_a_manifest_and_a_folder_of_bilingual_files(tmp_path):
    english, persian = halves(tmp_path)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"original,translation\n{english.name},{persian.name}\n", encoding="utf-8")
    result = workbench("batch", manifest, "--out", tmp_path / "from-manifest")
    assert result.returncode == 0, result.stderr
    given = rows(tmp_path / "from-manifest")
    assert [(r["original"], r["translation"], r["match_score"]) for r in given] == [("000-en.txt", "000-fa.txt", "")]

    bilingual = tmp_path / "bilingual"
    bilingual.mkdir()
    (bilingual / SEED.name).write_bytes(SEED.read_bytes())
    result = workbench("batch", bilingual, "--out", tmp_path / "from-folder")
    assert result.returncode == 0, result.stderr
    (row,) = rows(tmp_path / "from-folder")
    assert (row["src_lang"], row["tgt_lang"], row["verdict"]) == ("en", "fa", "partial translation")
    assert row["links"] == "19"  # what `align` gives the seed (test_cli.py)


def udhr_manifest(folder: Path) -> Path:
    """Nine real pairs: the UDHR gold sets that start in English (whole, with lines dropped, cut)."""
    names = [p for p in sorted(UDHR.iterdir()) if p.name.startswith("en-") and (p / "src.txt").is_file()]
    lines = ["original,translation"] + [f"{p / 'src.txt'},{p / 'tgt.txt'}" for p in names]
    manifest = folder / "udhr.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


@pytest.mark.model
def test_a_killed_batch_resumes_where_it_stopped(tmp_path):
    manifest = udhr_manifest(tmp_path)
    out = tmp_path / "out"
    ledger = out / ".batch" / "done.jsonl"
    command = [sys.executable, "-m", "workbench", "batch", str(manifest), "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        if ledger.is_file() and ledger.read_text(encoding="utf-8").count("\n") >= 2:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the batch ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = ledger.read_text(encoding="utf-8").count("\n")
    assert 2 <= finished < 9 and not (out / "pairs.csv").exists()
    # the partial table has every pair finished (the kill may fall between the ledger's line and its row)
    with (out / "pairs.partial.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.DictReader(handle))) in (finished - 1, finished)

    result = workbench("batch", manifest, "--out", out, "--progress")
    assert result.returncode == 0, result.stderr
    assert f"{finished} pairs done by an earlier run were kept" in result.stdout
    aligning = [line for line in result.stderr.splitlines() if line.startswith("aligning:")]
    assert aligning[0].startswith(f"aligning: {100 * finished / 9:3.0f}% {finished}/9 pair [00:00<?, ?pair/s]")
    assert aligning[-1].startswith("aligning: 100% 9/9 pair [") and len(aligning) <= 2 + 600 // 30
    assert not (out / "pairs.partial.csv").exists()
    table = rows(out)
    assert len(table) == 9 and all(r["verdict"] in ("translation", "partial translation") for r in table)
    assert len(list((out / "aligned").rglob("*.csv"))) == 9


@pytest.mark.model
def test_the_ray_engine_gives_what_the_local_one_gives(tmp_path):
    """Ray started locally by the run itself, on this machine's cores (2 in CI)."""
    originals, translations = seed_editions(tmp_path, "apart")
    local = workbench("batch", originals, translations, "--out", tmp_path / "local")
    assert local.returncode == 0, local.stderr
    distributed = workbench("batch", originals, translations, "--out", tmp_path / "ray", "--engine", "ray")
    assert distributed.returncode == 0, distributed.stderr
    assert "on ray (" in distributed.stdout
    assert rows(tmp_path / "ray") == rows(tmp_path / "local")
    assert ((tmp_path / "ray" / "aligned" / "000-en.csv").read_bytes()
            == (tmp_path / "local" / "aligned" / "000-en.csv").read_bytes())


@pytest.mark.model
def test_an_error_in_a_ray_worker_is_one_line(tmp_path):
    """A model that cannot load, met inside the Ray workers: its one line, not Ray's traceback
    around it. (It loads no model, but starts Ray: half a minute, so with the other Ray test.)"""
    originals, translations = seed_editions(tmp_path, "apart")
    (tmp_path / "not-a-model").mkdir()
    result = workbench("batch", originals, translations, "--out", tmp_path / "out", "--engine", "ray",
                       "--model", tmp_path / "not-a-model")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: Model folder {tmp_path / 'not-a-model'} could not be loaded")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.model
def test_batch_errors_are_one_line(tmp_path):
    result = workbench("batch", tmp_path / "nowhere", tmp_path, "--out", tmp_path / "out")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "does not exist" in result.stderr
    result = workbench("batch", SEEDS, SEEDS, "--out", tmp_path / "out", "--ray-address", "auto")
    assert result.returncode == 2 and "--ray-address needs --engine ray" in result.stderr


@pytest.mark.model
def test_an_unreadable_document_is_named_and_the_rest_is_done(tmp_path):
    """The translations' edition in UTF-16 (as Persian files often are), beside an empty file."""
    originals, translations = tmp_path / "originals", tmp_path / "translations"
    originals.mkdir()
    translations.mkdir()
    english, persian = halves(tmp_path)
    english.rename(originals / english.name)
    (translations / persian.name).write_bytes(persian.read_text(encoding="utf-8").encode("utf-16"))
    (translations / "empty.txt").write_bytes(b"")
    result = workbench("batch", originals, translations, "--out", tmp_path / "out")
    assert result.returncode == 3
    assert result.stderr.strip() == "error: could not read or align 1 of the documents: empty.txt"
    table = rows(tmp_path / "out")
    assert [(r["original"], r["translation"], r["verdict"]) for r in table] == [
        ("000-en.txt", "000-fa.txt", "partial translation"), ("", "empty.txt", "unreadable")]
