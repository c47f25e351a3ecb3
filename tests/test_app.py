"""The Streamlit app driven through streamlit.testing.v1.AppTest, and its HTML pieces.

Tests that align a seed or an upload run the real pipeline and model (marked `model`); the
start page, uploads refused before anything is aligned, and the pure HTML helpers of
workbench.ui.components are fast tier.
"""

from __future__ import annotations

import csv
import io
import re
import runpy
import threading
import time
from pathlib import Path

import pytest
import streamlit
from seed_000 import SEED, seed_encoder
from seed_000 import align_seed as align_seed_fast
from streamlit.testing.v1 import AppTest

from workbench import fidelity
from workbench.model import LinkFidelity, LinkState, ReviewError, ScoredAlignment, Segment
from workbench.output import formats
from workbench.review import marks
from workbench.review.scorecard import source_words
from workbench.review.store import DocumentInfo, Store, content_key
from workbench.ui import scorer
from workbench.ui.components import (
    display_name,
    errors_html,
    file_stem,
    is_flagged,
    issue_title,
    markdown_escape,
    marked_html,
    meta_html,
    requested_document,
    shown_spans,
    side_html,
)
from workbench.ui.components import link_key as key

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "workbench" / "ui" / "app.py"
SEED_BUTTON = "seed-000_e5fe0829ebe86db2"
TIMEOUT = 900  # aligning loads the model and embeds the article on a small CPU


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "data" / "review.sqlite"
    monkeypatch.setenv("WORKBENCH_DB", str(path))
    monkeypatch.setenv("WORKBENCH_SEEDS", str(ROOT / "seeds"))
    monkeypatch.setenv("WORKBENCH_REVIEWER", "tester")
    return path


def start() -> AppTest:
    """A fresh browser session on the app (what a new tab or a restarted server sees)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def align_seed(db_path: Path) -> tuple[AppTest, Store, DocumentInfo]:
    """A new session that aligns seed 000 with its button: the app, the store, the document."""
    at = start()
    at.button(key=SEED_BUTTON).click().run()
    assert not at.exception and not at.error
    db = Store(db_path)
    [info] = db.documents()
    return at, db, info


def until_scored(at: AppTest, db: Store, doc: int) -> None:
    """Rerun the page, as its poll does, until the model's process has scored the edit (it
    may still be loading the model, which the page shows first)."""
    deadline = time.monotonic() + TIMEOUT
    while not db.load(doc).scored:
        assert any("model is still loading" in info.value for info in at.info)
        assert time.monotonic() < deadline, "the edit was never scored"
        time.sleep(0.5)
        at.run()
        assert not at.exception and not at.error


def page_html(at: AppTest) -> str:
    return "\n".join(element.value for element in at.html)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_importing_the_app_runs_nothing(monkeypatch) -> None:
    """Only `streamlit run` and AppTest (which run the file as __main__) start the page."""
    def refuse(*args, **kwargs):
        raise AssertionError("importing the app ran main()")

    monkeypatch.setattr(streamlit, "set_page_config", refuse)
    namespace = runpy.run_path(str(APP), run_name="workbench.ui.app")
    assert callable(namespace["main"])


def test_the_app_starts_on_the_document_list(db_path: Path) -> None:
    """AppTest runs the file as __main__, so main() runs: the start page, no model needed."""
    at = start()
    assert [t.value for t in at.title] == ["Alignment workbench"]
    assert at.button(key=SEED_BUTTON).label == "Align"
    assert any("Nothing aligned yet" in caption.value for caption in at.caption)
    assert at.sidebar.text_input(key="reviewer").value == "tester"
    assert Store(db_path).documents() == []


@pytest.mark.model
def test_load_a_seed_review_it_and_find_the_review_again(db_path: Path) -> None:
    at = start()
    assert at.button(key=SEED_BUTTON).label == "Align"
    at.button(key=SEED_BUTTON).click().run()
    assert not at.exception and not at.error
    db = Store(db_path)
    [info] = db.documents()
    states = db.load(info.id).states
    assert metric(at, "Reviewed") == f"0 / {len(states)}"
    assert not at.button(key="realign").disabled  # two texts aligned: re-aligning is offered
    assert metric(at, "Verdict") == db.load(info.id).alignment.summary.verdict
    html = page_html(at)
    assert 'dir="rtl" lang="fa"' in html and 'dir="ltr" lang="en"' in html
    # a Latin number inside Persian text is isolated so it keeps its place
    assert '<bdi dir="ltr">24</bdi>' in html
    # an issue code says what it means when the reviewer points at it
    assert '<span class="wb-issue" title="one side is much longer than the document&#x27;s usual ratio' in html

    at.button(key=f"confirm-{key(states[0])}").click().run()
    form = f"error-{key(states[1])}"
    target = db.load(info.id).alignment.tgt_text(states[1].link)
    words = [k for k, (start, end) in enumerate(marks.word_spans(target)) if target[start:end] == "۱۲۵"]
    at.button_group(key=f"{form}-tgt-words").set_value(words)
    at.selectbox(key=f"{form}-category").set_value("accuracy/mistranslation/number")
    at.button_group(key=f"{form}-severity").set_value("critical")
    at.text_area(key=f"{form}-comment").input("125 <officials> & not 125 people")
    at.button(key=f"{form}-submit").click().run()
    assert not at.exception and not at.error

    reviewed = db.load(info.id).states
    assert (reviewed[0].status, reviewed[0].reviewed_by) == ("confirmed", "tester")
    [error] = reviewed[1].errors
    assert (reviewed[1].status, error.category, error.severity, error.comment, error.src_spans) == \
        ("rejected", "accuracy/mistranslation/number", "critical", "125 <officials> & not 125 people", ())
    assert [target[start:end] for start, end in error.tgt_spans] == ["۱۲۵"] * len(words) and words
    assert metric(at, "Reviewed") == f"2 / {len(states)}"
    # the scorecard of the two reviewed links: one critical error, 25 points on their source words
    alignment = db.load(info.id).alignment
    words = sum(source_words(alignment.src_text(state.link)) for state in states[:2])
    assert metric(at, "MQM score") == f"{100 * (1 - 25 / words):.2f}"
    assert ">FAIL</span>" in page_html(at)
    at.number_input(key="mqm-threshold").set_value(0.0).run()  # the passing score is the reviewer's to set
    assert ">PASS</span>" in page_html(at) and ">FAIL</span>" not in page_html(at)
    assert at.table[0].value.loc["Accuracy: mistranslation of a number", "critical"] == 1
    assert metric(at, "source words reviewed") == f"{words} of {sum(source_words(s) for s in [alignment.src_text(st.link) for st in states])}"
    assert "125 &lt;officials&gt; &amp; not 125 people" in page_html(at)
    assert [a.type for a in db.history(info.id)] == ["create", "confirm", "reject"]

    # next unreviewed: the first undecided link after the one just reviewed
    at.button(key="next-unreviewed").click().run()
    assert '<b class="wb-focus">#3</b>' in page_html(at)

    # a new session (a second tab, or the app restarted) opens on the document list and
    # finds the document, aligned already, with its review
    again = start()
    assert again.button(key=SEED_BUTTON).label == "Open"
    assert any("1 confirmed · 1 rejected" in caption.value for caption in again.caption)
    again.button(key=f"open-{info.id}").click().run()
    assert "confirmed by tester" in page_html(again) and "rejected: 1 error (worst critical)" in page_html(again)


@pytest.mark.model
def test_fix_the_alignment_then_undo_and_redo(db_path: Path) -> None:
    at, db, info = align_seed(db_path)
    states = db.load(info.id).states
    at.button(key=f"confirm-{key(states[3])}").click().run()
    at.button(key=f"merge-next-{key(states[1])}").click().run()  # rescored on the way
    assert not at.exception and not at.error
    until_scored(at, db, info.id)
    merged = db.load(info.id)
    assert merged.states[1].src == states[1].src + states[2].src
    assert merged.states[2].status == "confirmed"
    assert merged.scored  # a ScoredAlignment: every link and the summary current
    assert merged.alignment.summary is not None and len(merged.alignment.scores) == len(states) - 1
    at.button(key=f"confirm-{key(merged.states[1])}")  # the page shows the merged link

    at.button(key="undo").click().run()
    assert not at.exception
    assert [s.src for s in db.load(info.id).states] == [s.src for s in states]
    assert any("Undid merge of link 2" in s.value for s in at.success)
    at.button(key="redo").click().run()
    assert not at.exception and not at.error
    assert db.load(info.id).states == merged.states
    assert any("Redid merge of link 2 (tester" in s.value for s in at.success)
    history = [c.value.replace("\\", "") for c in at.sidebar.caption]  # Markdown escapes
    assert "tester · redo (merge)" in history[0] and "tester · undo (merge)" in history[1]

    # a manual merge the aligner disagrees with goes away on re-aligning; a pinned link stays
    at.button(key=f"pin-{key(states[0])}").click().run()
    at.button(key="realign").click().run()
    assert not at.exception and not at.error
    realigned = db.load(info.id).states
    assert [(s.src, s.tgt) for s in realigned] == [(s.src, s.tgt) for s in states]
    assert realigned[0].pinned and realigned[3].status == "confirmed"
    assert any("Re-aligned" in s.value for s in at.success)
    history = [c.value.replace("\\", "") for c in at.sidebar.caption]  # Markdown escapes
    assert "tester · realign" in history[0] and "tester · pin #1" in history[1]


@pytest.mark.model
def test_delete_the_document_after_saying_so(db_path: Path) -> None:
    at, db, info = align_seed(db_path)
    states = db.load(info.id).states
    other_tab = start()
    other_tab.button(key=f"open-{info.id}").click().run()
    at.button(key="redo").click().run()
    assert [m.value for m in at.info] == ["Nothing to redo."]

    # one click deletes nothing: the button works only once the reviewer says they are sure
    assert at.button(key="delete").disabled
    at.checkbox(key=f"delete-sure-{info.id}").check().run()
    assert not at.button(key="delete").disabled and db.documents() == [info]
    at.button(key="delete").click().run()
    assert not at.exception and not at.error
    assert db.documents() == [] and db.history(info.id) == []
    assert any(f"Deleted {info.name} with its review and history." in s.value.replace("\\", "")
               for s in at.success)
    # back on the start page: the document is gone from the list, the seed can be aligned again
    assert at.button(key=SEED_BUTTON).label == "Align"
    assert not [b for b in at.button if b.key == f"open-{info.id}"]

    # a tab still showing the document is told it is gone, and shown the start page
    other_tab.button(key=f"confirm-{key(states[0])}").click().run()
    assert not other_tab.exception
    assert [e.value.replace("\\", "") for e in other_tab.error] == [f"No document {info.id} in {db_path}."]
    assert other_tab.button(key=SEED_BUTTON).label == "Align"


@pytest.mark.model
def test_filter_by_label(db_path: Path) -> None:
    at, db, info = align_seed(db_path)
    scores = db.load(info.id).alignment.scores
    omissions = [i for i, score in enumerate(scores) if score.label == "omission"]
    at.multiselect(key="f-labels").set_value(["omission"]).run()
    assert f"{len(omissions)} of {len(scores)} links shown" in [c.value for c in at.caption]
    numbers = [re.search(r'<div class="wb-meta"><b class="[^"]*">#(\d+)</b>', h.value) for h in at.html]
    assert [int(n.group(1)) - 1 for n in numbers if n] == omissions
    at.selectbox(key="f-status").set_value("confirmed").run()
    assert f"0 of {len(scores)} links shown" in [c.value for c in at.caption]
    at.multiselect(key="f-labels").set_value([]).run()
    at.selectbox(key="f-status").set_value("all").run()
    at.selectbox(key="f-order").set_value("least faithful first").run()
    numbers = [re.search(r'<div class="wb-meta"><b class="[^"]*">#(\d+)</b>', h.value) for h in at.html]
    shown = [scores[int(n.group(1)) - 1].fidelity for n in numbers if n]
    assert shown and shown == sorted(shown) and shown[-1] > shown[0]


@pytest.mark.model
def test_uploaded_text_is_shown_as_text(db_path: Path) -> None:
    original = ("The minister said <script>alert('x')</script> nothing new.\n"
                "Prices rose by 40 percent in March, the bank said.\n").encode()
    translation = ("وزیر گفت <b>هیچ</b> \u202eخبر تازه‌ای نیست.\n"
                   "بانک گفت قیمت‌ها در ماه مارس ۴۰ درصد افزایش یافت.\n").encode()
    at = start()
    at.radio(key="upload-layout").set_value("An original and its translation").run()
    at.file_uploader(key="upload-first").set_value(("../../etc/minister<i>.txt", original, "text/plain"))
    at.file_uploader(key="upload-second").set_value(("vazir.txt", translation, "text/plain"))
    at.text_input(key="upload-src-lang").input("en")
    at.text_input(key="upload-tgt-lang").input("fa")
    at.button(key="FormSubmitter:upload-Align upload").click().run()
    assert not at.exception and not at.error
    html = page_html(at)
    assert "<script>alert" not in html and "<b>" not in html and "\u202e" not in html
    # highlights and the isolation of Latin runs in Persian add tags of their own
    unmarked = re.sub(r"</?(mark|bdi)[^>]*>", "", html)
    assert "said &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; nothing" in unmarked
    assert "&lt;b&gt;هیچ&lt;/b&gt;" in unmarked
    [info] = Store(db_path).documents()
    assert info.name == "minister<i>.txt + vazir.txt"  # the path is gone from the name
    assert "minister&lt;i&gt;.txt" in html
    assert not (db_path.parent.parent / "etc").exists()


@pytest.fixture(scope="module")
def fake_aligned() -> ScoredAlignment:
    """Seed 000 aligned and scored with the fake encoder."""
    return align_seed_fast()


@pytest.fixture
def model_gate(monkeypatch) -> threading.Event:
    """The model's process stood in for by the fake encoder in this process, "loading" until
    the event is set; the app starts it afresh (it is cached per server)."""
    gate, fake = threading.Event(), seed_encoder()

    class GatedModel:
        def __init__(self, model, device="auto"):
            self.model = model

        def ready(self) -> bool:
            return gate.is_set()

        def rescore(self, alignment, known):
            assert gate.wait(60), "the test never let the model load"
            return fidelity.rescore(alignment, fake, known)

    monkeypatch.setattr(scorer, "ModelProcess", GatedModel)
    streamlit.cache_resource.clear()
    yield gate
    streamlit.cache_resource.clear()


def open_stored(db_path: Path, aligned: ScoredAlignment) -> tuple[AppTest, Store, int]:
    db = Store(db_path)
    text = SEED.read_text(encoding="utf-8")
    doc = db.save(aligned, name=SEED.name, key=content_key(text), source_text=text, who="tester")
    at = start()
    at.button(key=f"open-{doc}").click().run()
    assert not at.exception and not at.error
    return at, db, doc


def test_the_pages_do_not_wait_for_the_model_nor_does_an_edit_it_shows(db_path: Path, fake_aligned,
                                                                        model_gate) -> None:
    # the model loads in the background from the first page on; the stored document opens
    # scored, and an edit is shown at once, its new link scored once the model is there
    at, db, doc = open_stored(db_path, fake_aligned)
    assert metric(at, "Verdict") == fake_aligned.summary.verdict
    states = db.load(doc).states
    merged = LinkState(states[0].src + states[1].src, states[0].tgt + states[1].tgt)
    at.button(key=f"merge-next-{key(states[0])}").click().run()
    assert not at.exception and not at.error
    assert at.button(key=f"confirm-{key(merged)}")  # the merged link is on the page
    assert page_html(at).count("unscored") == 1  # it alone, until the model is there
    assert any("model is still loading" in info.value for info in at.info)
    assert not db.load(doc).scored
    # undo needs no model: the links it brings back have their scores
    at.button(key="undo").click().run()
    assert not at.exception and db.load(doc).scored
    assert not at.info
    at.button(key="redo").click().run()
    assert any("model is still loading" in info.value for info in at.info)
    model_gate.set()
    at.run()  # what the page's poll does once the model is there
    assert not at.exception and not at.info
    rescored = db.load(doc)
    assert rescored.scored and rescored.alignment.scores[1:] == fake_aligned.scores[2:]
    assert "unscored" not in page_html(at)


def test_an_edit_is_scored_at_once_when_the_model_is_ready(db_path: Path, fake_aligned, model_gate) -> None:
    model_gate.set()
    at, db, doc = open_stored(db_path, fake_aligned)
    states = db.load(doc).states
    at.button(key=f"merge-next-{key(states[0])}").click().run()
    assert not at.exception and not at.error and not at.info
    merged = db.load(doc)
    assert merged.scored and merged.alignment.scores[1:] == fake_aligned.scores[2:]
    assert "unscored" not in page_html(at)


def test_an_export_scores_what_an_edit_left_unscored(db_path: Path, fake_aligned) -> None:
    # an edit made while the model was loading has no score yet; the file has it
    import workbench.ui.app as app

    db = Store(db_path)
    text = SEED.read_text(encoding="utf-8")
    doc = db.save(fake_aligned, name=SEED.name, key=content_key(text), source_text=text, who="tester")
    db.merge(doc, 0, "next", who="tester")
    assert not db.load(doc).scored
    fake = seed_encoder()
    exports = app.Exports()
    data = app.export_bytes(db, doc, "seed.csv", lambda alignment, known: fidelity.rescore(alignment, fake, known),
                            exports)
    assert (exports.ended, exports.failures) == (1, [])
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["src_ids"] == " ".join(map(str, fake_aligned.links[0].src + fake_aligned.links[1].src))
    assert rows[0]["label"] and all(row["label"] for row in rows)
    assert db.load(doc).scored


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """The download buttons' deferred callables by file name, as the page last registered them
    (Streamlit runs one when its button is clicked, in a thread of its own)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    registered = {}
    add_deferred = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        registered[file_name] = (data_callable, mimetype)
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return registered


def test_the_sidebar_offers_the_files_of_the_output_layers_table(db_path: Path, fake_aligned, downloads) -> None:
    at, db, doc = open_stored(db_path, fake_aligned)
    db.reject(doc, 1, "number", "say how many", who="tester")
    stem = SEED.stem
    assert [b.label for b in at.sidebar.get("download_button")] == ["CSV", "TMX", "XLSX", "XLIFF", "HTML report"]
    assert sorted(downloads) == sorted(f"{stem}{suffix}" for suffix in (".csv", ".tmx", ".xlsx", ".xlf", ".html"))
    reviewed = db.load(doc)
    for name, (make, media_type) in downloads.items():
        assert media_type == formats.format_of(name).media_type
        if not name.endswith(".xlsx"):  # a workbook stamps the time it was made
            assert make() == formats.encoded(reviewed.alignment, name, reviewed.review)
    assert f"<h1>Fidelity report: <bdi>{stem}</bdi></h1>" in downloads[f"{stem}.html"][0]().decode("utf-8")


def test_the_device_comes_from_the_arguments_or_the_environment(monkeypatch) -> None:
    import workbench.ui.app as app

    monkeypatch.delenv("WORKBENCH_DEVICE", raising=False)
    assert app.settings([]).device == "auto"
    monkeypatch.setenv("WORKBENCH_DEVICE", "cpu")
    assert app.settings([]).device == "cpu"
    assert app.settings(["--device", "cuda"]).device == "cuda"  # the command line wins


def test_the_model_the_app_loads_runs_on_the_device_it_was_given(db_path: Path, fake_aligned,
                                                                 monkeypatch) -> None:
    """To score edits (the model's process), to align a seed or an upload (the pipeline) and to
    re-align around pinned links (the encoder the app loads)."""
    from workbench import embed, pipeline

    monkeypatch.setenv("WORKBENCH_DEVICE", "cpu")
    processes, runs, encoders = [], [], []

    class RecordedModel:
        def __init__(self, model, device="auto"):
            processes.append((model, device))

        def ready(self) -> bool:
            return True

    def run(path, translation=None, options=None, **kwargs):
        runs.append(options)
        return fake_aligned

    def load_encoder(model=None, device="auto"):
        encoders.append((model, device))
        return seed_encoder()

    monkeypatch.setattr(scorer, "ModelProcess", RecordedModel)
    monkeypatch.setattr(pipeline, "run", run)
    monkeypatch.setattr(embed, "load_encoder", load_encoder)
    at = start()
    assert processes == [(None, "cpu")]
    at.button(key=SEED_BUTTON).click().run()
    assert not at.exception and not at.error
    assert [(options.model, options.device) for options in runs] == [(None, "cpu")]
    at.button(key="realign").click().run()
    assert not at.exception and not at.error and any("Re-aligned" in s.value for s in at.success)
    assert encoders == [(None, "cpu")]


@pytest.mark.parametrize("first", ["click", "export"], ids=["page rerun first", "export ends first"])
def test_an_export_that_fails_is_a_one_line_message_on_the_page(db_path: Path, fake_aligned, downloads,
                                                                 monkeypatch, first: str) -> None:
    """The click reruns the page while the export runs in a thread of its own, which no
    Streamlit command reaches: the page says why it failed, in whichever order the two end.
    Here the model fails to load after the page was drawn (it was still loading), so the
    edit the export must score cannot be."""
    import workbench.ui.app as app
    from workbench.errors import InputError

    missing = "Model 'nope' was not found locally and could not be downloaded."

    class ModelThatFails:
        def __init__(self, model, device="auto"):
            pass

        def ready(self) -> bool:
            return False  # still loading when the page is drawn ...

        def rescore(self, alignment, known):
            raise InputError(missing)  # ... and failed by the time the export needs it

    monkeypatch.setattr(scorer, "ModelProcess", ModelThatFails)
    streamlit.cache_resource.clear()
    at, db, doc = open_stored(db_path, fake_aligned)
    at.button(key=f"merge-next-{key(db.load(doc).states[0])}").click().run()
    assert not at.exception and not at.error and not db.load(doc).scored
    make, _ = downloads[f"{SEED.stem}.csv"]

    def export() -> None:
        with pytest.raises(InputError):  # Streamlit's own handler: "Failed to generate file for download"
            make()

    if first == "export":
        export()
        at.download_button(key="export-csv").click().run()
    else:
        at.download_button(key="export-csv").click().run()
        assert not at.exception and not at.error  # the export has not ended: the page watches for its end
        assert app.exporting(at.session_state["exports"])
        export()
        at.run()  # what the page's watch does once the export has ended
    assert not at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [f"Could not make {SEED.stem}.csv: {missing}"]
    assert not app.exporting(at.session_state["exports"])
    at.run()
    assert not at.error  # said once


def test_bad_uploads_are_reported_not_raised(db_path: Path) -> None:
    # refused before anything is aligned: fast tier (the conftest fails it if a model loads)
    at = start()
    at.file_uploader(key="upload-first").set_value(("noise.txt", bytes(range(256)) * 8, "text/plain"))
    at.button(key="FormSubmitter:upload-Align upload").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "noise.txt" in at.error[0].value
    at.file_uploader(key="upload-first").set_value(("huge.txt", b"a" * (6 * 1024 * 1024), "text/plain"))
    at.button(key="FormSubmitter:upload-Align upload").click().run()
    assert not at.exception and "larger than" in at.error[0].value
    assert Store(db_path).documents() == []


@pytest.mark.parametrize("wanted", ["²", "١", "1²", " 1", "+1", "1.0", "0x1", "9" * 5000, "1" * 19, "2", ""],
                         ids=["superscript two", "arabic-indic one", "1 and superscript two", "space 1", "+1",
                              "1.0", "0x1", "5000 digits", "19 digits", "no such document", "empty"])
def test_a_document_id_from_the_url_is_ascii_digits_naming_a_stored_document(db_path: Path, fake_aligned,
                                                                               wanted: str) -> None:
    db = Store(db_path)
    text = SEED.read_text(encoding="utf-8")
    doc = db.save(fake_aligned, name=SEED.name, key=content_key(text), source_text=text, who="tester")
    assert doc == 1
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["doc"] = wanted  # what anyone can type into the address bar
    at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Alignment workbench"]  # the document list, not document 1
    assert "doc" not in at.query_params
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["doc"] = "1"
    at.run()
    assert not at.exception and at.button(key="back") and at.query_params["doc"] == "1"


def test_requested_document_reads_only_ascii_digits_of_known_ids() -> None:
    assert requested_document("12", {3, 12}) == 12 and requested_document("012", {12}) == 12
    for value in ("", "²", "٣", "١٢", "12 ", "-12", "1e1", "12\n", "9" * 19, "9" * 5000):
        assert requested_document(value, {1, 3, 12, 10, 9 * 10**18 + 1}) is None, value
    assert requested_document("7", {3, 12}) is None


def test_a_database_the_app_cannot_use_is_a_message_not_a_traceback(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"my notes, not a database\n" * 100)
    at = start()
    [error] = [e.value.replace("\\", "") for e in at.error]
    assert error.startswith(f"The review database {db_path} is not a workbench review database, or is damaged")
    assert db_path.read_bytes() == b"my notes, not a database\n" * 100


def test_a_database_damaged_under_the_running_app_is_a_message(db_path: Path, fake_aligned) -> None:
    at, db, doc = open_stored(db_path, fake_aligned)
    at.button(key=f"confirm-{key(db.load(doc).states[0])}").click().run()
    db_path.write_bytes(bytes(4096))  # e.g. another program overwrote it
    at.button(key="undo").click().run()
    assert not at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert errors and all("is not a workbench review database, or is damaged" in e for e in errors)


def read_only(monkeypatch) -> None:
    """The database found read-only, as a file and folder this process may not write are (as
    root, the permission bits would not do it)."""
    from workbench.review import store

    monkeypatch.setattr(store, "_cannot_write", lambda path: True)
    streamlit.cache_resource.clear()  # the server (re)started: it opens the database afresh


def banner(at: AppTest) -> list[str]:
    return [w.value.replace("\\", "") for w in at.warning if "read-only" in w.value]


def test_a_read_only_database_says_so_on_every_page_and_refuses_edits(db_path: Path, fake_aligned,
                                                                       monkeypatch) -> None:
    db = Store(db_path)
    text = SEED.read_text(encoding="utf-8")
    doc = db.save(fake_aligned, name=SEED.name, key=content_key(text), source_text=text, who="tester")
    assert not banner(start())  # a writable one has no banner
    read_only(monkeypatch)
    at = start()
    [line] = banner(at)
    assert line.startswith(f"The review database {db_path} is read-only: browse and export it; edits are refused.")
    assert "older workbench" not in line
    at.button(key=f"open-{doc}").click().run()
    assert banner(at) == [line]
    at.button(key=f"confirm-{key(db.load(doc).states[0])}").click().run()
    assert not at.exception and banner(at) == [line]
    assert [e.value for e in at.error if "is read-only" in e.value]
    assert db.load(doc).states[0].status == "unreviewed"


def test_a_read_only_database_from_an_older_workbench_is_shown_upgraded(db_path: Path, monkeypatch) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes((ROOT / "tests" / "fixtures" / "review-d324c23.sqlite").read_bytes())
    before = db_path.read_bytes()
    read_only(monkeypatch)
    at = start()
    [line] = banner(at)
    assert "written by an older workbench" in line and "the file is left as it was" in line
    assert at.button(key="open-1") and at.button(key="open-3")
    at.button(key="open-1").click().run()
    assert not at.exception and not at.error
    assert "confirmed by alice" in page_html(at) and metric(at, "Reviewed") == "2 / 4"
    assert db_path.read_bytes() == before


# ---------------------------------------------------------------- the HTML pieces (no Streamlit)


def seg(i: int, text: str) -> Segment:
    return Segment(i, text, text, i, 0, len(text))


def test_link_key_names_the_link_by_its_segments() -> None:
    assert key(LinkState((3, 4), (7,))) == "s3_4t7"
    assert key(LinkState((), (2,))) == "st2"


def test_side_html_escapes_document_text_and_drops_bidi_controls() -> None:
    segments = [seg(0, "Fine."), seg(1, "He said <script>alert('x')</script> & \u202eleft")]
    html = side_html(segments, (1,), (), "en", "#123456")
    assert "<script>" not in html and "\u202e" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; left" in html
    assert '<sup class="wb-id">1</sup>' in html and 'dir="ltr" lang="en"' in html
    assert "Fine." not in html
    # a language code is data too
    assert 'lang="&quot;&gt;x"' in side_html(segments, (0,), (), '">x', "#123456")


def test_side_html_marks_spans_and_isolates_latin_runs_in_rtl_text() -> None:
    segments = [seg(0, "گفت ۴۰ درصد"), seg(1, "از i24NEWS <b>")]
    html = side_html(segments, (0, 1), ((4, 6), (12, 14)), "fa", "#123456")
    assert 'dir="rtl" lang="fa"' in html
    assert "<mark>۴۰</mark>" in html and "<mark>از</mark>" in html
    assert '<bdi dir="ltr">i24NEWS</bdi>' in html and "<b>" not in html
    assert "از i24NEWS &lt;b&gt;" in re.sub(r"</?(mark|bdi)[^>]*>", "", html)
    assert side_html(segments, (), (), "fa", "#123456").startswith('<div class="wb-empty" dir="rtl">')


def test_marked_html_escapes_inside_and_outside_marks() -> None:
    assert marked_html("a <i> b & c", [(2, 5)], rtl=False) == "a <mark>&lt;i&gt;</mark> b &amp; c"


def test_meta_html_escapes_the_reviewer_the_category_and_the_comment() -> None:
    error = ReviewError("accuracy/mistranslation/number", "minor", comment="125 <officials> & \u202enot",
                        tgt_spans=((0, 3),))
    state = LinkState((0,), (0,), 0.9, pinned=True, status="rejected", errors=(error,), reviewed_by="<eve>",
                      dismissed=("<mark>",))
    score = LinkFidelity(0.4, "omission", ("length_ratio",))
    html = meta_html(3, state, score, focused=True)
    assert '<b class="wb-focus">#3</b>' in html
    assert "rejected: 1 error (worst minor) by &lt;eve&gt;" in html and "dismissed: &lt;mark&gt;" in html
    errors = errors_html(state.errors, "ignored", "<b>ab")
    assert "125 &lt;officials&gt; &amp; not" in errors and "\u202e" not in errors
    assert "target “&lt;b&gt;”" in errors and "Accuracy: mistranslation of a number" in errors
    assert '<span class="wb-issue" title="one side is much longer' in html and "fidelity 0.40" in html and "pinned" in html
    assert ">unscored<" in meta_html(1, LinkState((0,), ()), None, focused=False)


def test_names_from_uploads_are_safe() -> None:
    assert display_name("../../etc/minister<i>.txt") == "minister<i>.txt"
    assert display_name("C:\\Users\\x\\a\x00b.txt") == "ab.txt"
    assert display_name("\u202e\x07") == "upload"
    assert file_stem("minister<i> report.txt") == "minister_i_report"
    assert file_stem("...") == "document"
    assert markdown_escape("a_b *c* [d](e) $x$ \u202e") == "a\\_b \\*c\\* \\[d\\](e) \\$x\\$ "


def test_what_the_engine_flags() -> None:
    assert not is_flagged(None)
    assert not is_flagged(LinkFidelity(0.9, "faithful"))
    assert is_flagged(LinkFidelity(0.9, "faithful", ("number_mismatch",)))
    assert is_flagged(LinkFidelity(0.3, "omission"))


def test_a_faithful_link_with_a_check_says_why_it_is_faithful_and_what_the_check_found() -> None:
    # seed 000's headline: the Persian adds the agency's name, "آی 24", which the English lacks
    texts = ("EXCLUSIVE: US, Iranian officials held secret talks in Iraq last week",
             "خبر اختصاصی خبرگزاری آی 24: مقامات ایرانی و آمریکایی در هفته گذشته مذاکرات محرمانه ای را در عراق")
    html = meta_html(1, LinkState((0,), (0,)), LinkFidelity(0.55, "faithful", ("number_mismatch",)), False, texts)
    assert "24 in the target only" in html and "they do not change the label" in html
    both = ("It cost 125 dollars.", "۱۵۲ دلار هزینه داشت.")
    assert "125 in the source only; 152 in the target only" in issue_title("number_mismatch", *both)
    plain = meta_html(1, LinkState((0,), (0,)), LinkFidelity(0.3, "major", ("number_mismatch",)), False, both)
    assert "do not change the label" not in plain  # only a faithful link needs the word


def test_the_reviewers_words_replace_the_detectors_and_a_dismissed_mark_is_no_longer_highlighted() -> None:
    score = LinkFidelity(0.2, "major", ("meaning_shift",), src_spans=((0, 3),), tgt_spans=((4, 8),))
    assert shown_spans(LinkState((0,), (0,)), score, "tgt") == (((4, 8),), False)
    assert shown_spans(LinkState((0,), (0,), dismissed=("meaning_shift",)), score, "tgt") == ((), False)
    chosen = LinkState((0,), (0,), status="rejected", errors=(ReviewError("style", "minor", tgt_spans=((9, 12),)),))
    assert shown_spans(chosen, score, "tgt") == (((9, 12),), True)
    assert shown_spans(chosen, score, "src") == (((0, 3),), False)  # no words chosen there
    segments = [seg(0, "abc def ghi")]
    assert '<mark class="wb-reviewer">ghi</mark>' in side_html(segments, (0,), ((8, 11),), "en", "#000", True)


@pytest.mark.model
def test_an_uploaded_xliff_is_reviewed_unit_by_unit_and_exported_into_a_copy_of_it(db_path: Path) -> None:
    """A CAT tool's bilingual file (Angular's, through xliffmerge, XLIFF 2.0): the app makes one
    link a unit, re-aligning nothing, and its XLIFF export is the reviewed copy of that file."""
    from test_xliff import FIXTURES, assert_valid, issues_of

    from workbench.output import xliff as xliff_out
    from workbench.text import xliff

    name = "xliffmerge-translated-2.0.xlf"
    data = (FIXTURES / name).read_bytes()
    units = xliff.parse(data.decode("utf-8"), name).units
    at = start()
    at.file_uploader(key="upload-first").set_value((name, data, "application/xliff+xml"))
    at.button(key="FormSubmitter:upload-Align upload").click().run()
    assert not at.exception and not at.error
    db = Store(db_path)
    [info] = db.documents()
    reviewed = db.load(info.id)
    assert info.name == name and reviewed.xliff == data.decode("utf-8")
    assert [(s.src, s.tgt) for s in reviewed.states] == [((k,), (k,)) for k in range(len(units))]
    assert [s.text for s in reviewed.alignment.src] == [unit.source for unit in units]
    assert at.button(key="realign").disabled  # its units are the links: nothing to re-align

    db.reject(info.id, 1, "accuracy/mistranslation", "says <more>", severity="minor", tgt_spans=((0, 4),),
              who="tester")
    from workbench.ui import app

    exported = app.export_bytes(db, info.id, "reviewed.xlf", app.score_with(app.settings([])), app.Exports())
    reviewed = db.load(info.id)
    assert exported == xliff_out.into_original(data.decode("utf-8"), reviewed.alignment, reviewed.review)
    assert_valid(exported, "2.1")
    after = xliff.parse_tree(exported.decode("utf-8"), name)
    assert [(u.id, u.source, u.target) for u in xliff.parse(exported.decode("utf-8"), name).units] == \
        [(u.id, u.source, u.target) for u in units]
    [issue] = issues_of(after.units[1])
    assert issue["locQualityIssueComment"].endswith(": says <more>") and issue["locQualityIssueType"] == "mistranslation"
    assert issue["locQualityIssueSeverity"] == "10"  # minor


def test_a_detector_mark_edited_before_it_is_taken_is_recorded_as_edited(db_path: Path, fake_aligned,
                                                                          model_gate) -> None:
    at, db, doc = open_stored(db_path, fake_aligned)
    states = db.load(doc).states
    index = next(i for i, score in enumerate(fake_aligned.scores)
                 if i < 20 and marks.open_marks(score, states[i]))  # on the first page
    suggested = marks.open_marks(fake_aligned.scores[index], states[index])[0]
    form = f"edit-form-{suggested.mark}-{key(states[index])}"
    severity = next(s for s in ("minor", "major", "critical") if s != suggested.severity)
    at.button_group(key=f"{form}-severity").set_value(severity)
    at.text_area(key=f"{form}-comment").input("worse than it says")
    at.button(key=f"{form}-submit").click().run()
    assert not at.exception and not at.error
    [error] = db.load(doc).states[index].errors
    assert (error.mark, error.decision, error.severity, error.category, error.comment) == \
        (suggested.mark, "edited", severity, suggested.category, "worse than it says")
    assert (error.src_spans, error.tgt_spans) == (suggested.src_spans, suggested.tgt_spans)  # its words kept
    # the mark is no longer offered; accepting another one as it is records "accepted"
    assert f"accept-{suggested.mark}-{key(states[index])}" not in [b.key for b in at.button]
