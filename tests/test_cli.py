"""The command line as a user runs it: real files in, exit codes, messages and files out.

Commands that align run the real model in a subprocess, which the conftest's guard does not
reach, so each such test is marked `model` by hand; `segment`, `evaluate`, bad input that
fails before any model loads, and the `ui` command's checks are fast tier.
"""

import csv
import importlib.util
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from workbench import cli
from workbench.options import Options
from workbench.ui import MAX_UPLOAD_MB

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_e5fe0829ebe86db2.txt"
CONTRACT = ["link", "src_ids", "tgt_ids", "kind", "src_text", "tgt_text", "similarity"]


def workbench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


def english_half(tmp_path: Path) -> Path:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "english.txt"
    path.write_text("\n".join(lines[1:17]) + "\n", encoding="utf-8")
    return path


@pytest.mark.model
def test_align_the_seed_writes_the_contract_csv(tmp_path):
    out = tmp_path / "out" / "000.csv"
    result = workbench("align", SEED, "--split", "lines", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "English (en), 16 paragraphs" in result.stdout
    assert "Persian (fa), 12 paragraphs" in result.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:len(CONTRACT)] == CONTRACT
    by_src = {row["src_ids"]: row for row in rows}
    assert by_src["11 12"]["tgt_ids"] == "7" and by_src["11 12"]["kind"] == "2-1"
    for english in ("2", "6", "7", "8"):
        assert by_src[english]["kind"] == "1-0" and by_src[english]["similarity"] == ""
    assert by_src["14"]["tgt_text"].startswith("در ماه مه")


@pytest.mark.model
def test_align_to_tmx_names_both_languages(tmp_path):
    out = tmp_path / "000.tmx"
    result = workbench("align", SEED, "--out", out)
    assert result.returncode == 0, result.stderr
    tmx = etree.parse(str(out))
    assert tmx.find("header").get("srclang") == "en"
    langs = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in tmx.iter("tuv")}
    assert langs == {"en", "fa"}


def test_segment_prints_the_ids_the_output_refers_to():
    result = workbench("segment", SEED)
    assert result.returncode == 0, result.stderr
    assert "16\tBack in May, Iraqi Prime Minister Adil Abdul-Mahdi" in result.stdout
    assert "\nFrom i24NEWS" not in result.stdout and "2\tFrom i24NEWS" in result.stdout


def make_empty(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("  \n\n", encoding="utf-8")
    return [path]


def make_binary(tmp_path):
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return [path]


def make_undecodable(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Ça coûte très cher, déjà — naïve façade.\n".encode("cp1252") + bytes([0x81, 0x8d]) * 3)
    return [path]


def make_one_language(tmp_path):
    return [ROOT / "seeds" / "001_462250527ab90e64.txt"]


def make_unrelated(tmp_path):
    return [english_half(tmp_path), ROOT / "seeds" / "002_45ebe1dc7f79ec5f.txt"]


@pytest.mark.parametrize("make, words", [
    (make_empty, "empty"),
    (make_binary, "binary"),
    (make_undecodable, "decode"),
    (make_one_language, "one language"),
    # known only once both sides are aligned: the real model runs
    # the refusal says why in the alignment's own evidence, never "coverage 100%"
    pytest.param(make_unrelated, "not look like translations of each other: the aligner links only",
                 marks=pytest.mark.model),
])
def test_bad_input_is_one_line_exit_2_and_nothing_is_lost(tmp_path, make, words):
    out = tmp_path / "kept.csv"
    out.write_text("an earlier result\n", encoding="utf-8")
    result = workbench("align", *make(tmp_path), "--out", out)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text(encoding="utf-8") == "an earlier result\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or "tmp" in p.name] == []


def test_evaluate_prints_strict_and_lax_scores(tmp_path):
    gold = ROOT / "benchmarks" / "udhr" / "en-fa-omissions" / "gold.txt"
    lines = gold.read_text(encoding="utf-8").splitlines()
    predicted = tmp_path / "predicted.txt"
    predicted.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # the last link missing
    result = workbench("evaluate", predicted, gold)
    assert result.returncode == 0, result.stderr
    assert "strict" in result.stdout and "lax" in result.stdout


@pytest.mark.model
def test_report_scores_against_a_reference_translation(tmp_path):
    lines = SEED.read_text(encoding="utf-8").splitlines()
    persian = tmp_path / "persian.txt"
    persian.write_text("\n".join(lines[17:]) + "\n", encoding="utf-8")
    reference = tmp_path / "reference.txt"  # another "translation": one paragraph's words reordered
    changed = lines[17:]
    changed[9] = " ".join(reversed(changed[9].split()))
    reference.write_text("\n".join(changed) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = workbench("report", english_half(tmp_path), persian, "--split", "lines",
                       "--reference", reference, "--out", out)
    assert result.returncode == 0, result.stderr
    import json
    scores = json.loads(out.read_text(encoding="utf-8"))["reference"]
    assert scores["against"] == "reference"
    assert "BLEU" in scores["signature"] and "chrF" in scores["signature"]
    # identical but for one paragraph: high, not perfect
    assert 80 < scores["chrf"] < 100 and 50 < scores["bleu"] < 100


@pytest.mark.model
def test_a_faithful_translation_in_paragraphs_is_a_translation(tmp_path):
    """Issue #21's repro: Text+Berg test2's gold links joined into paragraphs of 1,200
    characters, the first eight, a heading on each side, aligned `--split lines`. It was
    refused ("not a translation (coverage 100%)"; through `score`, six of eight `major`)."""
    from benchmarks.paragraphs import write_pair

    src, tgt = write_pair(tmp_path, "test2", count=8)
    out = tmp_path / "paragraphs.csv"
    result = workbench("align", src, tgt, "--split", "lines", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "verdict: translation;" in result.stdout
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["src_text"] and row["tgt_text"]]
    assert len(rows) == 9  # the heading and eight paragraphs
    assert sum(row["label"] != "faithful" for row in rows) <= 0.1 * len(rows)


def test_report_on_a_folder_refuses_a_reference_in_one_line(tmp_path):
    """One reference cannot be every document's: refused before anything is aligned or written."""
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "seed000.txt").write_bytes(SEED.read_bytes())
    out = tmp_path / "reports"
    result = workbench("report", folder, "--reference", SEED, "--out", out)
    assert result.returncode == 2 and not out.exists()
    assert result.stderr.count("\n") == 1 and "--reference" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.model
def test_report_from_an_aligned_file_applies_the_reference(tmp_path):
    """`report aligned.csv --reference FILE` scores the file's links against the reference (it
    was ignored): the reference is the translation itself, so chrF is 100 wherever it aligns."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    aligned = tmp_path / "aligned.csv"
    assert workbench("align", SEED, "--split", "lines", "--out", aligned).returncode == 0
    reference = tmp_path / "reference.txt"
    reference.write_text("\n".join(lines[17:]) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = workbench("report", aligned, "--split", "lines", "--reference", reference, "--out", out)
    assert result.returncode == 0, result.stderr
    import json
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["reference"]["against"] == "reference" and report["reference"]["chrf"] > 90
    assert any(row["reference"] and row["reference"]["chrf"] == 100.0 for row in report["links"])


def test_segment_into_a_closed_pipe_ends_quietly(tmp_path):
    """`segment ... | head`: the reader leaves after one line; the command stops with no message
    (it printed "error: Broken pipe" and exit 2)."""
    big = tmp_path / "big.txt"  # far more than a pipe's buffer of segments
    lines = SEED.read_text(encoding="utf-8").splitlines()
    big.write_text("\n".join(lines[1:17] * 40 + lines[17:] * 40) + "\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "workbench", "segment", big], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == cli.EXIT_CLOSED_PIPE
    assert stderr == ""


@pytest.mark.model
def test_export_writes_a_reviewed_document_from_the_database(tmp_path):
    from workbench import pipeline
    from workbench.review.store import Store, content_key

    options = Options(split="lines")
    alignment = pipeline.run(SEED, options=options)
    db = Store(tmp_path / "review.sqlite")
    text = SEED.read_text(encoding="utf-8")
    doc = db.save(alignment, name="seed000", key=content_key(text, None, **options.input_key()),
                  source_text=text, who="tester")
    db.confirm(doc, 0, who="tester")
    db.reject(doc, 1, "number", "say <b>how many</b>", who="tester")
    db.merge(doc, 3, "next", who="tester")
    out = tmp_path / "reviewed.csv"
    result = workbench("export", "seed000", "--db", tmp_path / "review.sqlite", "--out", out)
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(alignment.links) - 1  # two links merged into one
    assert rows[0]["review_status"] == "confirmed"
    assert (rows[1]["review_status"], rows[1]["review_category"], rows[1]["review_comment"]) == \
        ("rejected", "accuracy/mistranslation/number", "say <b>how many</b>")
    assert rows[1]["review_errors"] == "major accuracy/mistranslation/number (the whole link): say <b>how many</b>"
    assert rows[3]["src_ids"] == "3 4" and rows[3]["fidelity"] != ""  # the merged link is rescored
    missing = workbench("export", "nothing-like-this", "--db", tmp_path / "review.sqlite", "--out", out)
    assert missing.returncode == 2 and "no document" in missing.stderr


@pytest.mark.model
def test_report_on_a_folder_writes_one_report_per_document_and_an_index(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "seed000.txt").write_bytes(SEED.read_bytes())
    (folder / "arabic_only.txt").write_bytes((ROOT / "seeds" / "002_45ebe1dc7f79ec5f.txt").read_bytes())
    out = tmp_path / "reports"
    result = workbench("report", folder, "--split", "lines", "--out", out)
    assert result.returncode == 3, result.stderr  # written, but not everything: a script must notice
    assert "skipped:" in result.stderr and "1 documents skipped: arabic_only.txt" in result.stderr
    assert (out / "seed000.html").exists() and (out / "index.html").exists()
    with (out / "summary.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(row["document"], row["verdict"]) for row in rows] == [("seed000", "partial translation")]


def test_export_of_an_unknown_document_is_one_line_exit_2(tmp_path):
    from workbench.review.store import Store

    Store(tmp_path / "review.sqlite")  # an empty database
    out = tmp_path / "reviewed.csv"
    result = workbench("export", "nothing-like-this", "--db", tmp_path / "review.sqlite", "--out", out)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: no document 'nothing-like-this'") and "stored: none" in line
    assert not out.exists()


def test_export_writes_any_format_by_its_suffix_and_refuses_an_unknown_one_before_loading(tmp_path, monkeypatch,
                                                                                          capsys):
    """In this process: the stored document is scored (a review decision needs no rescoring),
    so no model loads; one with an edit to score would load it, so the suffix is checked first."""
    from seed_000 import align_seed

    from workbench.output import formats
    from workbench.review.store import Store

    db = Store(tmp_path / "review.sqlite")
    doc = db.save(align_seed(), name="seed000", key="seed000", source_text="-", who="tester")
    db.reject(doc, 1, "number", "say how many", who="tester")
    for suffix in (".csv", ".md"):
        out = tmp_path / f"reviewed{suffix}"
        assert cli.main(["export", "seed000", "--db", str(db.path), "--out", str(out)]) == 0
        assert out.read_bytes() == formats.encoded(db.load(doc).alignment, out.name, db.load(doc).review)
        assert capsys.readouterr().out == f"wrote {out}\n"
    assert "Review: " in (tmp_path / "reviewed.md").read_text(encoding="utf-8")  # the report has the review
    # the scorecard's passing score is an option: one major error fails at 99 and passes at 0
    for threshold, passed in (("99", False), ("0", True)):
        out = tmp_path / f"reviewed-{threshold}.json"
        assert cli.main(["export", "seed000", "--db", str(db.path), "--out", str(out), "--threshold", threshold]) == 0
        card = json.loads(out.read_text(encoding="utf-8"))["scorecard"]
        assert (card["threshold"], card["passed"]) == (float(threshold), passed)
    capsys.readouterr()
    assert cli.main(["export", "seed000", "--db", str(db.path), "--out", str(out), "--threshold", "150"]) == 2
    assert "--threshold must be an MQM score between 0 and 100, not 150" in capsys.readouterr().err
    db.merge(doc, 2, "next", who="tester")  # now exporting it needs the model: the suffix is refused first
    assert cli.main(["export", "seed000", "--db", str(db.path), "--out", str(tmp_path / "reviewed.pdf")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == ("error: Cannot write reviewed.pdf: unknown extension; use one of "
                    ".csv, .jsonl, .tmx, .xlsx, .xlf, .xliff, .html, .json, .md.")
    assert not (tmp_path / "reviewed.pdf").exists()


def test_a_bad_argument_is_a_usage_error_exit_2(tmp_path):
    result = workbench("align", SEED, "--split", "words", "--out", tmp_path / "out.csv")
    assert result.returncode == 2
    assert "invalid choice: 'words'" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch decides whether a GPU is there")
def test_asking_for_a_gpu_where_there_is_none_is_one_line_exit_2(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    result = workbench("align", SEED, "--device", "cuda", "--out", tmp_path / "out.csv")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: --device cuda was asked for, but torch sees no CUDA GPU."
    assert list(tmp_path.iterdir()) == []


def test_ui_without_streamlit_is_one_line_exit_2(monkeypatch, capsys):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "streamlit" else real_find_spec(name, *args, **kwargs)

    def no_server(*args, **kwargs):
        raise AssertionError("started streamlit although it is not installed")

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(cli.subprocess, "call", no_server)
    assert cli.main(["ui"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("error: ") and "streamlit" in line and "pip install" in line


@pytest.mark.parametrize(("host", "address", "url"), [
    (None, "127.0.0.1", "http://127.0.0.1:8765"),  # this machine only, unless told otherwise
    ("0.0.0.0", "0.0.0.0", "http://0.0.0.0:8765"),
    ("::1", "::1", "http://[::1]:8765"),
])
def test_ui_runs_the_app_file_under_streamlit(tmp_path, monkeypatch, capsys, host, address, url):
    started = []

    def call(command, env):
        started.append((command, env))
        return 0

    monkeypatch.setattr(cli.subprocess, "call", call)
    hosting = ["--host", host] if host else []
    assert cli.main(["ui", "--port", "8765", "--db", str(tmp_path / "review.sqlite"), *hosting]) == 0
    [(command, env)] = started
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]) == ROOT / "workbench" / "ui" / "app.py" and Path(command[4]).is_file()
    options = dict(zip(command[5::2], command[6::2]))
    assert options["--server.port"] == "8765" and options["--server.address"] == address
    assert options["--server.maxUploadSize"] == str(MAX_UPLOAD_MB) == "5"  # the server refuses more
    assert env["WORKBENCH_DB"] == str((tmp_path / "review.sqlite").resolve())
    assert f"review workbench at {url} " in capsys.readouterr().out


def test_ui_takes_the_device_the_app_runs_the_model_on(tmp_path, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command, env: started.append(env) or 0)
    monkeypatch.delenv("WORKBENCH_DEVICE", raising=False)
    for given, device in (([], "auto"), (["--device", "cpu"], "cpu"), (["--device", "cuda"], "cuda")):
        assert cli.main(["ui", "--db", str(tmp_path / "review.sqlite"), *given]) == 0
        assert started.pop()["WORKBENCH_DEVICE"] == device
    monkeypatch.setenv("WORKBENCH_DEVICE", "cpu")  # as WORKBENCH_DB, when no --device is given
    for given, device in (([], "cpu"), (["--device", "cuda"], "cuda")):
        assert cli.main(["ui", "--db", str(tmp_path / "review.sqlite"), *given]) == 0
        assert started.pop()["WORKBENCH_DEVICE"] == device
    with pytest.raises(SystemExit) as exit:
        cli.main(["ui", "--db", str(tmp_path / "review.sqlite"), "--device", "tpu"])
    assert exit.value.code == 2 and "invalid choice: 'tpu'" in capsys.readouterr().err and not started


def test_ui_takes_the_model_the_app_aligns_and_scores_with(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(cli.subprocess, "call", lambda command, env: started.append(env) or 0)
    monkeypatch.delenv("WORKBENCH_MODEL", raising=False)
    assert cli.main(["ui", "--db", str(tmp_path / "review.sqlite")]) == 0
    assert "WORKBENCH_MODEL" not in started.pop()  # the app's default encoder
    assert cli.main(["ui", "--db", str(tmp_path / "review.sqlite"), "--model", str(tmp_path / "my-model")]) == 0
    assert started.pop()["WORKBENCH_MODEL"] == str(tmp_path / "my-model")
    monkeypatch.setenv("WORKBENCH_MODEL", "from-the-environment")
    assert cli.main(["ui", "--db", str(tmp_path / "review.sqlite")]) == 0
    assert started.pop()["WORKBENCH_MODEL"] == "from-the-environment"


def unusable_databases(tmp_path: Path) -> list[tuple[str, Path]]:
    """Files and folders that are no review database this workbench can open: (what the error
    says, path)."""
    noise, notes, newer = tmp_path / "noise.sqlite", tmp_path / "notes.sqlite", tmp_path / "newer.sqlite"
    noise.write_bytes(bytes(range(256)) * 64)
    notes.write_text("my review notes\n" * 100, encoding="utf-8")
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    return [("not a workbench review database, or is damaged", noise),
            ("not a workbench review database, or is damaged", notes),
            ("is a folder, not a file", tmp_path),
            ("was written by a newer workbench (schema 99)", newer)]


def test_export_from_an_unusable_database_is_one_line_exit_2(tmp_path):
    out = tmp_path / "out" / "x.csv"
    for what, path in unusable_databases(tmp_path):
        before = path.read_bytes() if path.is_file() else None
        result = workbench("export", "--db", path, "1", "--out", out)
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"error: The review database {path} ") and what in line
        assert not out.exists() and (path.read_bytes() if path.is_file() else None) == before


def test_ui_with_an_unusable_database_is_one_line_exit_2_and_starts_no_server(tmp_path, monkeypatch, capsys):
    def no_server(*args, **kwargs):
        raise AssertionError("started streamlit on a database it cannot use")

    monkeypatch.setattr(cli.subprocess, "call", no_server)
    for what, path in unusable_databases(tmp_path):
        assert cli.main(["ui", "--db", str(path)]) == 2
        out, err = capsys.readouterr()
        [line] = err.splitlines()
        assert out == "" and line.startswith(f"error: The review database {path} ") and what in line
