"""The Streamlit app driven through streamlit.testing.v1.AppTest, with the real pipeline and model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from workbench.store import DocumentInfo, Store

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "workbench" / "app.py"
SEED_BUTTON = "seed-000_e5fe0829ebe86db2"
TIMEOUT = 900  # aligning loads the model and embeds the article on a small CPU


def key(state) -> str:
    """The app's widget key suffix for a link (its segment ids)."""
    return f"s{'_'.join(map(str, state.src))}t{'_'.join(map(str, state.tgt))}"


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


def page_html(at: AppTest) -> str:
    return "\n".join(element.value for element in at.html)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_load_a_seed_review_it_and_find_the_review_again(db_path: Path) -> None:
    at = start()
    assert at.button(key=SEED_BUTTON).label == "Align"
    at.button(key=SEED_BUTTON).click().run()
    assert not at.exception and not at.error
    db = Store(db_path)
    [info] = db.documents()
    states = db.load(info.id).states
    assert metric(at, "Reviewed") == f"0 / {len(states)}"
    assert metric(at, "Verdict") == db.load(info.id).alignment.summary.verdict
    html = page_html(at)
    assert 'dir="rtl" lang="fa"' in html and 'dir="ltr" lang="en"' in html
    # a Latin number inside Persian text is isolated so it keeps its place
    assert '<bdi dir="ltr">24</bdi>' in html
    # an issue code says what it means when the reviewer points at it
    assert '<span class="wb-issue" title="one side is much longer than the document&#x27;s usual ratio' in html

    at.button(key=f"confirm-{key(states[0])}").click().run()
    at.selectbox(key=f"category-{key(states[1])}").set_value("number")
    at.text_area(key=f"comment-{key(states[1])}").input("125 <officials> & not 125 people")
    at.button(key=f"reject-submit-{key(states[1])}").click().run()
    assert not at.exception and not at.error

    reviewed = db.load(info.id).states
    assert (reviewed[0].status, reviewed[0].reviewed_by) == ("confirmed", "tester")
    assert (reviewed[1].status, reviewed[1].category, reviewed[1].comment) == \
        ("rejected", "number", "125 <officials> & not 125 people")
    assert metric(at, "Reviewed") == f"2 / {len(states)}"
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
    assert "confirmed by tester" in page_html(again) and "rejected (number)" in page_html(again)


def test_fix_the_alignment_then_undo_and_redo(db_path: Path) -> None:
    at, db, info = align_seed(db_path)
    states = db.load(info.id).states
    at.button(key=f"confirm-{key(states[3])}").click().run()
    at.button(key=f"merge-next-{key(states[1])}").click().run()  # rescored on the way
    assert not at.exception and not at.error
    merged = db.load(info.id)
    assert merged.states[1].src == states[1].src + states[2].src
    assert merged.states[2].status == "confirmed"
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


def test_bad_uploads_are_reported_not_raised(db_path: Path) -> None:
    at = start()
    at.file_uploader(key="upload-first").set_value(("noise.txt", bytes(range(256)) * 8, "text/plain"))
    at.button(key="FormSubmitter:upload-Align upload").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "noise.txt" in at.error[0].value
    at.file_uploader(key="upload-first").set_value(("huge.txt", b"a" * (6 * 1024 * 1024), "text/plain"))
    at.button(key="FormSubmitter:upload-Align upload").click().run()
    assert not at.exception and "larger than" in at.error[0].value
    assert Store(db_path).documents() == []
