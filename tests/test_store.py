"""The review store on seed article 000: every action, history, undo and redo, deleting, persistence,
crashes, concurrency.

What is tested here is the store, not the aligner: the seed is aligned and scored by the whole
pipeline with the fake encoder (tests/fake_encoder.py) and SEED_LEXICON, a small dictionary of
the seed's English and Persian words, with which the fake encoder links the seed as the real
model does (test_the_fast_alignment_has_the_real_models_links, the one test here that loads
the real model, checks that it still does). So the store sees a realistic document: 1-1
links, a 1-2 link, omitted sentences and an added line.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from fake_encoder import FakeEncoder
from seed_000 import SEED, align_seed, seed_encoder

from workbench import fidelity, paths, pipeline
from workbench.align import align
from workbench.errors import InputError
from workbench.model import CATEGORIES, LinkState, ScoredAlignment
from workbench.options import Options
from workbench.review.edits import relink_partners
from workbench.review.store import ConflictError, Store, content_key, layout_key
from workbench.text import document

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope="module")
def encoder() -> FakeEncoder:
    return seed_encoder()


@pytest.fixture(scope="module")
def aligned(encoder: FakeEncoder) -> ScoredAlignment:
    """Seed 000 aligned and scored by the pipeline with the fake encoder (once per module)."""
    return align_seed(encoder=encoder)


@pytest.fixture
def db(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / "review.sqlite")


@pytest.fixture
def doc(db: Store, aligned) -> int:
    return db.save(aligned, name=SEED.name, key=content_key(SEED.read_text(encoding="utf-8")),
                   source_text=SEED.read_text(encoding="utf-8"), who="alice")


def segments(states: list[LinkState]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(s.src, s.tgt) for s in states]


def assert_partition(db: Store, doc: int) -> None:
    """Every segment of both sides is in exactly one link, in order (what any edit must keep)."""
    document = db.load(doc)
    src = [k for s in document.states for k in s.src]
    tgt = [k for s in document.states for k in s.tgt]
    assert src == list(range(len(document.alignment.src)))
    assert tgt == list(range(len(document.alignment.tgt)))
    assert all(s.src or s.tgt for s in document.states)


def first(states: list[LinkState], wanted) -> int:
    return next(i for i, s in enumerate(states) if wanted(s))


@pytest.mark.model
@pytest.mark.parametrize("split", ["sentences", "lines"])
def test_the_fast_alignment_has_the_real_models_links(split: str) -> None:
    """The fast tier's seed alignment (here and in tests/test_report.py) links the seed as the
    real model does, so the store and the report are tested on a realistic document."""
    real = pipeline.run_bitext(document.load(SEED), Options(split=split))  # the real encoder
    assert segments(align_seed(split).links) == segments(real.links)


# -- saving and loading -------------------------------------------------------------------


def test_save_and_load_keep_the_alignment(db: Store, doc: int, aligned) -> None:
    document = db.load(doc)
    assert document.scored and isinstance(document.alignment, ScoredAlignment)
    assert document.alignment.src == aligned.src and document.alignment.tgt == aligned.tgt
    assert document.alignment.links == aligned.links
    assert document.alignment.scores == aligned.scores
    assert document.alignment.summary == aligned.summary
    assert document.alignment.signature == aligned.signature
    assert document.source_text.startswith("خبر اختصاصی") and document.translation_text is None
    assert all(s.status == "unreviewed" for s in document.states)
    [info] = db.documents()
    assert (info.name, info.links, info.verdict) == (SEED.name, len(aligned.links), aligned.summary.verdict)
    # aligning the same input again finds the stored document instead of a new one
    key = content_key(SEED.read_text(encoding="utf-8"))
    assert db.find(key) == doc
    assert db.save(aligned, name="again", key=key, source_text="", who="bob") == doc
    assert len(db.documents()) == 1


def test_unknown_document_is_an_input_error(db: Store) -> None:
    with pytest.raises(InputError, match="No document 42"):
        db.load(42)
    with pytest.raises(InputError, match="No document 42"):
        db.confirm(42, 0, who="alice")


def test_the_default_database_lives_under_the_workbench_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    store = Store()
    assert store.path == paths.database() == tmp_path / "home" / "data" / "review.sqlite"
    assert store.path.is_file() and store.documents() == []


# -- review decisions -----------------------------------------------------------------------


def test_confirm_and_reject_record_who_and_why(db: Store, doc: int) -> None:
    db.confirm(doc, 0, who="alice")
    db.reject(doc, 1, "number", "  125 officials, not 125 people  ", who="bob")
    states = db.load(doc).states
    assert (states[0].status, states[0].reviewed_by) == ("confirmed", "alice")
    [error] = states[1].errors
    assert (states[1].status, error.category, error.severity, error.comment, states[1].reviewed_by) == \
        ("rejected", "accuracy/mistranslation/number", "major", "125 officials, not 125 people", "bob")
    assert states[1].reviewed_at.endswith("+00:00")
    review = db.load(doc).review
    assert review[0] == {"status": "confirmed", "category": "", "comment": "", "errors": (), "dismissed": ()}
    assert review[1] == {"status": "rejected", "category": "accuracy/mistranslation/number",
                         "comment": "125 officials, not 125 people", "errors": (error,),
                         "dismissed": ()}
    assert review[2]["status"] == "unreviewed"
    # confirming a rejected link replaces the decision
    db.confirm(doc, 1, who="alice")
    assert db.load(doc).states[1].status == "confirmed" and db.load(doc).states[1].errors == ()


def test_reject_needs_a_known_category(db: Store, doc: int) -> None:
    with pytest.raises(InputError, match="Unknown error category 'typo'"):
        db.reject(doc, 0, "typo", who="alice")
    with pytest.raises(InputError, match="Unknown severity"):
        db.reject(doc, 0, "style", severity="blocker", who="alice")
    assert {"accuracy/mistranslation", "accuracy/omission", "accuracy/addition", "accuracy/untranslated",
            "terminology", "linguistic-conventions", "style", "locale-conventions", "other"} <= set(CATEGORIES)
    assert db.load(doc).states[0].status == "unreviewed"


# -- fixing the alignment -------------------------------------------------------------------


def test_merge_keeps_decisions_on_untouched_links(db: Store, doc: int) -> None:
    db.confirm(doc, 0, who="alice")
    db.reject(doc, 3, "omission", "half missing", who="alice")
    db.confirm(doc, 4, who="alice")
    db.confirm(doc, 6, who="alice")
    before = db.load(doc).states
    db.merge(doc, 3, "next", who="alice")
    after = db.load(doc).states
    assert len(after) == len(before) - 1
    assert after[3].src == before[3].src + before[4].src and after[3].tgt == before[3].tgt + before[4].tgt
    assert after[3].status == "unreviewed"  # a new pairing: the old decisions were about others
    assert after[0].status == "confirmed" and after[5] == before[6]
    db.merge(doc, 5, "previous", who="alice")
    assert db.load(doc).states[4].src == before[5].src + before[6].src
    assert_partition(db, doc)
    with pytest.raises(InputError, match="no previous link"):
        db.merge(doc, 0, "previous", who="alice")
    last = len(db.load(doc).states) - 1
    with pytest.raises(InputError, match="no next link"):
        db.merge(doc, last, "next", who="alice")


def test_merged_link_is_unscored_until_rescored(db: Store, doc: int, encoder: FakeEncoder) -> None:
    db.merge(doc, 0, "next", who="alice")
    unscored = db.load(doc)
    assert not isinstance(unscored.alignment, ScoredAlignment) and not unscored.scored
    rescored = db.rescore(doc, lambda a, known: fidelity.rescore(a, encoder, known))
    assert rescored.scored
    assert len(rescored.alignment.scores) == len(rescored.states)
    assert rescored.alignment.summary is not None
    assert db.documents()[0].verdict == rescored.alignment.summary.verdict


def test_rescore_scores_only_the_links_without_a_score(db: Store, doc: int, encoder: FakeEncoder) -> None:
    before = db.load(doc)
    given = []

    def score(alignment, known):
        given.append(list(known))
        return fidelity.rescore(alignment, encoder, known)

    db.merge(doc, 0, "next", who="alice")
    edited = db.load(doc)
    assert edited.link_scores[0] is None and edited.link_scores[1:] == before.link_scores[2:]
    rescored = db.rescore(doc, score)
    assert given == [edited.link_scores]  # the stored scores, None for the merged link only
    assert rescored.scored and rescored.link_scores == list(rescored.alignment.scores)
    assert rescored.alignment.scores[1:] == before.alignment.scores[2:]
    # the summary is the whole document's
    assert rescored.alignment.summary == fidelity.summarise(rescored.alignment, rescored.alignment.scores)
    # undo: the old links' scores are stored, so only the summary is recomputed, with nothing to measure
    db.undo(doc, who="alice")
    assert not db.load(doc).scored
    undone = db.rescore(doc, lambda alignment, known: fidelity.rescore(alignment, None, known))
    assert undone.alignment.scores == before.alignment.scores
    assert undone.alignment.summary == before.alignment.summary


def test_split_cuts_a_link_in_two(db: Store, doc: int) -> None:
    db.merge(doc, 0, "next", who="alice")  # a 2-2 link to split
    merged = db.load(doc).states[0]
    db.confirm(doc, 1, who="alice")
    db.split(doc, 0, 1, 0, who="alice")  # first source segment alone, the rest together
    states = db.load(doc).states
    assert segments(states[:2]) == [(merged.src[:1], ()), (merged.src[1:], merged.tgt)]
    assert states[2].status == "confirmed"
    assert_partition(db, doc)
    with pytest.raises(InputError, match="both parts need a segment"):
        db.split(doc, 0, 1, 0, who="alice")  # a 1-0 link has nothing to split


def test_move_a_segment_to_the_neighbouring_link(db: Store, doc: int) -> None:
    db.merge(doc, 0, "next", who="alice")
    original = db.load(doc).states
    db.move(doc, 0, "src", "next", who="alice")
    states = db.load(doc).states
    assert states[0].src == original[0].src[:-1] and states[0].tgt == original[0].tgt
    assert states[1].src == original[0].src[-1:] + original[1].src
    db.move(doc, 1, "src", "previous", who="alice")  # and back
    assert segments(db.load(doc).states) == segments(original)
    # moving the only segment of a one-sided link makes the link disappear
    omission = first(original, lambda s: s.src and not s.tgt)
    db.move(doc, omission, "src", "previous", who="alice")
    states = db.load(doc).states
    assert len(states) == len(original) - 1
    assert states[omission - 1].src == original[omission - 1].src + original[omission].src
    assert_partition(db, doc)
    with pytest.raises(InputError, match="no target segment"):
        db.move(doc, first(states, lambda s: not s.tgt), "tgt", "next", who="alice")


def test_unlink_and_relink(db: Store, doc: int) -> None:
    original = db.load(doc).states
    one_to_one = first(original, lambda s: len(s.src) == 1 and len(s.tgt) == 1)
    db.confirm(doc, one_to_one + 1, who="alice")
    db.unlink(doc, one_to_one, who="alice")
    states = db.load(doc).states
    link = original[one_to_one]
    assert segments(states[one_to_one:one_to_one + 2]) == [(link.src, ()), ((), link.tgt)]
    assert states[one_to_one + 2].status == "confirmed"
    assert one_to_one + 1 in relink_partners(states, one_to_one)
    with pytest.raises(InputError, match="already unlinked"):
        db.unlink(doc, one_to_one, who="alice")
    db.relink(doc, one_to_one, one_to_one + 1, who="alice")
    assert segments(db.load(doc).states) == segments(original)
    with pytest.raises(InputError, match="cannot be relinked"):
        db.relink(doc, one_to_one, one_to_one + 1, who="alice")  # both sides linked already


def test_relink_across_other_unlinked_segments(db: Store, doc: int) -> None:
    states = db.load(doc).states
    omission = next(i for i, s in enumerate(states[:-1])
                    if s.src and not s.tgt and states[i + 1].src and states[i + 1].tgt)
    # an omitted source sentence followed by a linked one: unlink the latter, then pair
    # the omitted sentence with its target (the source segment between stays one-sided)
    db.unlink(doc, omission + 1, who="alice")
    states = db.load(doc).states
    target_only = first(states, lambda s: s.tgt and not s.src)
    assert target_only in relink_partners(states, omission)
    db.relink(doc, omission, target_only, who="alice")
    assert_partition(db, doc)


def test_pin_and_realign_keep_decisions(db: Store, doc: int, encoder: FakeEncoder) -> None:
    states = db.load(doc).states
    db.confirm(doc, 0, who="alice")
    db.reject(doc, 1, "mistranslation", "wrong", who="alice")
    db.unlink(doc, 0, who="alice")  # the reviewer breaks the first link ...
    db.relink(doc, 0, 1, who="alice")  # ... and relinks it (its decision is gone with it)
    db.merge(doc, 2, "next", who="alice")  # a manual merge that the aligner will undo
    db.pin(doc, 2, who="alice")
    pinned = db.load(doc).states[2]
    report = db.realign(doc, lambda s, t, p: align(s, t, encoder, pinned=p), who="alice")
    after = db.load(doc).states
    assert pinned in after  # pinned links come back as they were
    assert after[1].status == "rejected" and after[1].errors[0].comment == "wrong"  # unchanged: kept
    assert report.dropped == []  # the only other decision was on a link the reviewer broke
    assert report.kept + report.changed == len(after)
    assert_partition(db, doc)
    # the re-aligned links outside the pin match the aligner's original choice
    assert segments(after)[:2] == segments(states)[:2]
    db.pin(doc, after.index(pinned), False, who="alice")
    assert not db.load(doc).states[after.index(pinned)].pinned


def test_realign_reports_the_decisions_it_cannot_keep(db: Store, doc: int, encoder: FakeEncoder) -> None:
    db.merge(doc, 0, "next", who="alice")
    db.reject(doc, 0, "other", "these two go together", who="alice")
    decided = db.load(doc).states[0]
    report = db.realign(doc, lambda s, t, p: align(s, t, encoder, pinned=p), who="alice")
    assert report.dropped == [decided]
    [action] = [a for a in db.history(doc) if a.type == "realign"]
    assert action.payload["dropped"] == [decided.to_json()]
    db.undo(doc, who="alice")  # undo brings the decision back
    assert db.load(doc).states[0] == decided


# -- history, undo, replay --------------------------------------------------------------------


def test_history_rebuilds_every_state_and_says_who_did_what(db: Store, doc: int) -> None:
    versions = {0: db.load(doc).states}
    steps = [
        lambda: db.confirm(doc, 0, who="alice"),
        lambda: db.reject(doc, 1, "name", "Hook is missing", who="bob"),
        lambda: db.merge(doc, 2, "next", who="alice"),
        lambda: db.split(doc, 2, 1, 0, who="bob"),
        lambda: db.unlink(doc, 0, who="alice"),
        lambda: db.relink(doc, 0, 1, who="alice"),
        lambda: db.pin(doc, 3, who="bob"),
        lambda: db.move(doc, 4, "tgt", "next", who="alice"),
        lambda: db.undo(doc, who="bob"),
        lambda: db.redo(doc, who="alice"),
    ]
    for step in steps:
        step()
        document = db.load(doc)
        versions[document.version - 1] = document.states
    for version, states in versions.items():
        assert db.replay(doc, upto_version=version + 1) == states
    assert db.replay(doc) == db.load(doc).states
    history = db.history(doc)
    assert [(a.type, a.who) for a in history] == [
        ("create", "alice"), ("confirm", "alice"), ("reject", "bob"), ("merge", "alice"),
        ("split", "bob"), ("unlink", "alice"), ("relink", "alice"), ("pin", "bob"),
        ("move", "alice"), ("undo", "bob"), ("redo", "alice")]
    assert history[2].payload["comment"] == "Hook is missing" and history[2].payload["link"] == 1
    assert history[-2].payload["undoes"] == history[-1].payload["redoes"] == history[-3].id
    assert history[-1].payload["redone_type"] == "move"
    assert all(a.at.endswith("+00:00") for a in history)


def test_history_is_append_only(db: Store, doc: int) -> None:
    db.confirm(doc, 0, who="alice")
    with sqlite3.connect(db.path) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE actions SET who = 'mallory'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM actions")


def test_undo_walks_back_to_the_aligned_state(db: Store, doc: int, aligned) -> None:
    original = db.load(doc)
    assert db.undo(doc, who="alice") is None  # nothing done yet: creating is not undoable
    db.confirm(doc, 0, who="alice")
    db.reject(doc, 1, "fluency", who="alice")
    db.merge(doc, 0, "next", who="alice")  # drops both decisions ...
    assert db.load(doc).states[0].status == "unreviewed"
    assert db.undo(doc, who="alice").type == "merge"  # ... and undo brings them back
    states = db.load(doc).states
    assert (states[0].status, states[1].status, states[1].errors[0].category) == ("confirmed", "rejected", "linguistic-conventions")
    # the merged link's score was not lost either: the summary is valid again, no rescoring
    assert db.load(doc).alignment.scores == aligned.scores
    assert db.load(doc).alignment.summary == aligned.summary
    assert db.undo(doc, who="alice").type == "reject"
    assert db.undo(doc, who="alice").type == "confirm"
    assert db.undo(doc, who="alice") is None
    assert db.load(doc).states == original.states


def test_undo_and_redo_walk_back_and_forth_through_every_kind_of_edit(db: Store, doc: int) -> None:
    edits = [
        ("confirm", lambda: db.confirm(doc, 0, who="alice")),
        ("reject", lambda: db.reject(doc, 1, "number", "125, not 152", who="alice")),
        ("merge", lambda: db.merge(doc, 2, "next", who="alice")),
        ("split", lambda: db.split(doc, 2, 1, 0, who="alice")),
        ("move", lambda: db.move(doc, 4, "tgt", "next", who="alice")),
        ("unlink", lambda: db.unlink(doc, 3, who="alice")),  # the 1-1 link the split left
        ("relink", lambda: db.relink(doc, 3, 4, who="alice")),
        ("pin", lambda: db.pin(doc, 0, who="alice")),
    ]
    states = [db.load(doc).states]
    for _, edit in edits:
        edit()
        states.append(db.load(doc).states)
    assert all(a != b for a, b in zip(states, states[1:]))  # every edit changed something
    for (kind, _), expected in zip(reversed(edits), reversed(states[:-1])):
        assert db.undo(doc, who="bob").type == kind
        assert db.load(doc).states == expected
    assert db.undo(doc, who="bob") is None
    for (kind, _), expected in zip(edits, states[1:]):
        redone = db.redo(doc, who="carol")
        assert (redone.type, redone.who) == (kind, "alice")  # the edit itself: alice's
        assert db.load(doc).states == expected  # with alice's decisions as she made them
    assert db.redo(doc, who="carol") is None
    assert db.undo(doc, who="bob").type == "pin"  # a redone edit can be undone again
    assert db.load(doc).states == states[-2]
    history = db.history(doc)
    redos = [a for a in history if a.type == "redo"]
    assert [(a.who, a.payload["redoes"]) for a in redos] == [("carol", a.id) for a in history[1:len(edits) + 1]]
    for version in range(1, db.load(doc).version + 1):  # the history rebuilds every state
        assert db.replay(doc, upto_version=version) in states
    assert db.replay(doc) == db.load(doc).states
    assert_partition(db, doc)


def test_redo_after_two_undos_and_back(db: Store, doc: int) -> None:
    original = db.load(doc).states
    db.confirm(doc, 0, who="alice")
    confirmed = db.load(doc).states
    db.merge(doc, 2, "next", who="alice")
    merged = db.load(doc).states
    db.undo(doc, who="alice")
    db.undo(doc, who="alice")
    assert db.load(doc).states == original
    assert db.redo(doc, who="alice").type == "confirm"
    assert db.load(doc).states == confirmed
    assert db.undo(doc, who="alice").type == "confirm"  # back and forth ...
    assert db.redo(doc, who="alice").type == "confirm"
    assert db.redo(doc, who="alice").type == "merge"  # ... and on to the last edit undone
    assert db.load(doc).states == merged
    assert db.redo(doc, who="alice") is None


def test_a_new_edit_ends_what_could_be_redone(db: Store, doc: int) -> None:
    db.confirm(doc, 0, who="alice")
    db.confirm(doc, 1, who="alice")
    db.undo(doc, who="alice")
    db.reject(doc, 2, "other", who="alice")  # as in any editor: the undone confirm is gone
    assert db.redo(doc, who="alice") is None
    assert [s.status for s in db.load(doc).states[:3]] == ["confirmed", "unreviewed", "rejected"]
    assert db.undo(doc, who="alice").type == "reject"
    assert db.redo(doc, who="alice").type == "reject"  # what can be redone now is the new edit
    assert db.redo(doc, who="alice") is None
    assert db.undo(doc, who="alice").type == "reject"
    assert db.undo(doc, who="alice").payload["link"] == 0  # the undone confirm stays undone
    assert db.undo(doc, who="alice") is None


def test_redo_with_nothing_undone_is_none_and_records_nothing(db: Store, doc: int) -> None:
    assert db.redo(doc, who="alice") is None  # nothing done yet
    db.confirm(doc, 0, who="alice")
    assert db.redo(doc, who="alice") is None  # done, not undone
    db.undo(doc, who="alice")
    db.redo(doc, who="alice")
    assert db.redo(doc, who="alice") is None  # redone already
    assert [a.type for a in db.history(doc)] == ["create", "confirm", "undo", "redo"]
    assert db.redo(42, who="alice") is None and db.undo(42, who="alice") is None


# -- deleting a document ----------------------------------------------------------------------


def test_delete_removes_the_document_and_nothing_else(db: Store, doc: int, aligned) -> None:
    text = SEED.read_text(encoding="utf-8")
    other = db.save(aligned, name="by lines", key=content_key(text, split="lines"), source_text=text,
                    who="bob")
    db.confirm(other, 0, who="bob")
    db.merge(other, 2, "next", who="bob")
    db.undo(other, who="bob")
    kept, kept_history = db.load(other), db.history(other)
    db.confirm(doc, 0, who="alice")
    db.merge(doc, 1, "next", who="alice")
    db.undo(doc, who="alice")

    db.delete(doc)
    assert [info.id for info in db.documents()] == [other]
    assert db.find(content_key(text)) is None and db.history(doc) == []
    with pytest.raises(InputError, match=f"No document {doc}"):
        db.load(doc)
    with pytest.raises(InputError, match=f"No document {doc}"):
        db.confirm(doc, 0, who="alice")
    with pytest.raises(InputError, match=f"No document {doc}"):
        db.delete(doc)
    assert db.redo(doc, who="alice") is None
    with sqlite3.connect(db.path) as conn:  # a hard delete: no row of it is left
        for table, column in (("documents", "id"), ("links", "document_id"),
                              ("link_scores", "document_id"), ("actions", "document_id")):
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (doc,)).fetchone() == (0,)
        # the history of the documents still there stays append-only
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM actions")
    conn.close()
    # the other document is intact: its links, scores, history, and what it can redo
    after = db.load(other)
    assert after.states == kept.states and after.alignment.scores == kept.alignment.scores
    assert after.alignment.summary == kept.alignment.summary
    assert db.history(other) == kept_history and db.replay(other) == kept.states
    assert db.redo(other, who="bob").type == "merge"


def test_a_deleted_documents_id_is_not_given_out_again(db: Store, doc: int, aligned) -> None:
    text = SEED.read_text(encoding="utf-8")
    seen = db.load(doc).states  # a second tab still shows the document ...
    db.delete(doc)
    # ... which is aligned again: a new document, which that tab's clicks must not reach
    again = db.save(aligned, name=SEED.name, key=content_key(text), source_text=text, who="alice")
    assert again > doc
    with pytest.raises(InputError, match=f"No document {doc}"):
        db.confirm(doc, 0, who="bob", expect=seen[0])
    assert db.load(again).states == seen


def test_a_failed_delete_leaves_everything(db: Store, doc: int) -> None:
    db.confirm(doc, 0, who="alice")
    before, history = db.load(doc), db.history(doc)
    with sqlite3.connect(db.path) as conn:  # the last of the deletes fails, after the history went
        conn.execute("CREATE TRIGGER links_fail BEFORE DELETE ON links "
                     "BEGIN SELECT RAISE(ABORT, 'disk unplugged'); END")
    conn.close()
    with pytest.raises(sqlite3.DatabaseError, match="disk unplugged"):
        db.delete(doc)
    after = db.load(doc)
    assert after.states == before.states and after.alignment.scores == before.alignment.scores
    assert db.history(doc) == history and [info.id for info in db.documents()] == [doc]


def test_delete_works_on_a_database_made_before_it(db: Store, doc: int) -> None:
    with sqlite3.connect(db.path) as conn:  # the schema as it was: no DELETE on the history at all
        conn.executescript("""
            PRAGMA user_version = 0;
            DROP TRIGGER actions_append_only;
            DROP TABLE deleted_documents;
            CREATE TRIGGER actions_no_delete BEFORE DELETE ON actions
                BEGIN SELECT RAISE(ABORT, 'the action history is append-only'); END;
        """)
    conn.close()
    reopened = Store(db.path)
    reopened.delete(doc)
    assert reopened.documents() == [] and reopened.history(doc) == []


# -- durability and concurrency ---------------------------------------------------------------


def test_state_survives_reopening(db: Store, doc: int) -> None:
    db.confirm(doc, 0, who="alice")
    db.reject(doc, 2, "omission", "the source line is gone", who="alice")
    db.merge(doc, 4, "next", who="alice")
    before = db.load(doc)
    reopened = Store(db.path)
    after = reopened.load(doc)
    assert after.states == before.states and after.version == before.version
    assert reopened.history(doc) == db.history(doc)
    assert sqlite3.connect(db.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_error_inside_the_transaction_leaves_the_previous_state(db: Store, doc: int,
                                                                    monkeypatch) -> None:
    db.confirm(doc, 0, who="alice")
    before, history = db.load(doc), db.history(doc)

    real = Store._commit_splice

    def failing(self, *args, **kwargs):
        real(self, *args, **kwargs)  # links rewritten, action appended: then, before COMMIT ...
        raise OSError("disk unplugged")

    monkeypatch.setattr(Store, "_commit_splice", failing)
    with pytest.raises(OSError, match="disk unplugged"):
        db.merge(doc, 0, "next", who="alice")
    monkeypatch.undo()
    assert db.load(doc).states == before.states and db.history(doc) == history


def test_a_process_killed_mid_save_leaves_the_previous_state(db: Store, doc: int) -> None:
    db.confirm(doc, 0, who="alice")
    before, history = db.load(doc), db.history(doc)
    # a child process rewrites the links, then dies (SIGKILL) before its commit
    child = textwrap.dedent(f"""
        import os, signal
        from workbench.review import store
        db = store.Store({str(db.path)!r})
        real = store.Store._commit_splice
        def dying(self, conn, *args, **kwargs):
            real(self, conn, *args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        store.Store._commit_splice = dying
        db.merge({doc}, 0, "next", who="crasher")
    """)
    result = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, timeout=120)
    assert result.returncode == -9, result.stderr.decode()
    reopened = Store(db.path)
    assert reopened.load(doc).states == before.states
    assert reopened.history(doc) == history
    assert reopened.replay(doc) == before.states
    reopened.merge(doc, 0, "next", who="alice")  # and the database is not left locked
    assert len(reopened.load(doc).states) == len(before.states) - 1


def test_two_tabs_interleaving_lose_nothing(db: Store, doc: int) -> None:
    tab_a, tab_b = Store(db.path), Store(db.path)
    seen_by_b = tab_b.load(doc).states  # tab B renders the page ...
    tab_a.confirm(doc, 0, who="alice")
    tab_a.merge(doc, 2, "next", who="alice")  # ... tab A changes links under it
    # B acts on what it saw: a link after the merge has moved one place up; B's click follows it
    tab_b.reject(doc, 6, "name", "wrong minister", who="bob", expect=seen_by_b[6])
    # a link A merged away no longer exists: B is told, nothing is applied to a wrong link
    with pytest.raises(ConflictError, match="changed meanwhile"):
        tab_b.confirm(doc, 3, who="bob", expect=seen_by_b[3])
    states = db.load(doc).states
    assert states[0].status == "confirmed"
    assert states[5].same_segments(seen_by_b[6]) and states[5].status == "rejected"
    assert states[2].src == seen_by_b[2].src + seen_by_b[3].src


def test_concurrent_writers_serialise(db: Store, doc: int) -> None:
    count = len(db.load(doc).states)
    errors: list[BaseException] = []

    def review(parity: int, who: str) -> None:
        tab = Store(db.path)
        try:
            for i in range(parity, count, 2):
                tab.confirm(doc, i, who=who)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=review, args=(p, w)) for p, w in ((0, "alice"), (1, "bob"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    states = db.load(doc).states
    assert all(s.status == "confirmed" for s in states)
    assert [s.reviewed_by for s in states[::2]] == ["alice"] * len(states[::2])
    assert len(db.history(doc)) == count + 1
    assert db.replay(doc) == states


def test_concurrent_undo_and_redo_serialise(db: Store, doc: int) -> None:
    original = db.load(doc).states
    for i in range(6):
        db.confirm(doc, i, who="alice")
    confirmed = db.load(doc).states
    results: list[object] = []

    def twice(step: str) -> None:
        tab = Store(db.path)
        try:
            results.extend(getattr(tab, step)(doc, who="bob") for _ in range(2))
        except BaseException as error:  # surfaced by the assertions below
            results.append(error)

    for step, expected in (("undo", original), ("redo", confirmed)):
        results.clear()
        threads = [threading.Thread(target=twice, args=(step,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not [r for r in results if isinstance(r, BaseException)]
        # 8 attempts, 6 edits: each edit exactly once, whatever the interleaving
        assert sorted(a.payload["link"] for a in results if a is not None) == list(range(6))
        assert results.count(None) == 2
        assert db.load(doc).states == expected and db.replay(doc) == expected


def test_a_failed_redo_leaves_the_previous_state(db: Store, doc: int, monkeypatch) -> None:
    db.merge(doc, 0, "next", who="alice")
    db.undo(doc, who="alice")
    before, history = db.load(doc), db.history(doc)
    real = Store._commit_splice

    def failing(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise OSError("disk unplugged")

    monkeypatch.setattr(Store, "_commit_splice", failing)
    with pytest.raises(OSError, match="disk unplugged"):
        db.redo(doc, who="alice")
    monkeypatch.undo()
    assert db.load(doc).states == before.states and db.history(doc) == history
    assert db.redo(doc, who="alice").type == "merge"  # still there to redo


def test_layout_key_tracks_which_segments_are_linked(aligned) -> None:
    states = [LinkState(link.src, link.tgt) for link in aligned.links]
    assert layout_key(states) == layout_key(aligned.links)
    assert layout_key(states[:-1]) != layout_key(states)
    assert json.loads(json.dumps(states[0].to_json())) == states[0].to_json()
