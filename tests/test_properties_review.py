"""Properties of the review store under any sequence of reviewer actions (hypothesis).

On a stored document (tests/tiny_document.py: every kind of link), a random sequence of
actions, valid or not (confirm, reject (record an error), remove an error, dismiss a mark,
pin, merge, split, move, unlink, relink, re-align, undo, redo; indices out of range, unknown categories, sides and directions, and clicks
from a stale tab that saw the document as it was created), must:

- change nothing when it is refused (InputError, ConflictError among them);
- keep every segment of both sides in exactly one link, in order;
- leave a history whose replay is the current links, after every action;
- be undone, step by step with `undo`, back to the links the document started with.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_document import save

from workbench.errors import InputError
from workbench.model import CATEGORIES, Link, LinkState
from workbench.review.edits import relink_partners
from workbench.review.store import Store

EDITS = ["confirm", "reject", "remove_error", "dismiss", "pin", "merge", "split", "move", "unlink", "relink"]
NAMES = [*EDITS, *EDITS, "realign", "undo", "undo", "redo"]  # re-aligning unlinks much: not too often
DIRECTION = st.sampled_from(["next", "previous", "sideways"])
SIDE = st.sampled_from(["src", "tgt", "both"])


def draw_action(data: st.DataObject, states: list[LinkState], start: list[LinkState]) -> tuple:
    """One action on the links as they are now, valid or not: (name, link, link a stale tab
    saw or None, the action's own arguments). Its arguments are drawn around what the link
    allows (a cut inside it, a partner to relink), so that valid edits are common too."""
    name = data.draw(st.sampled_from(NAMES), label="action")
    if name in ("realign", "undo", "redo"):
        return (name,)
    anywhere = st.integers(-1, len(states))  # -1 and len(states): no such link
    linkable = [i for i in range(len(states)) if relink_partners(states, i)]
    index = data.draw(st.sampled_from(linkable) | anywhere if name == "relink" and linkable else anywhere,
                      label="link")
    seen = data.draw(st.none() | st.integers(0, len(start) - 1), label="the link as first seen")
    link = states[index] if 0 <= index < len(states) else LinkState((), ())
    if name == "reject":
        rest = (data.draw(st.sampled_from([*CATEGORIES[:3], "typo"])), data.draw(st.text(max_size=8)))
    elif name == "remove_error":
        rest = (data.draw(st.integers(-1, len(link.errors))),)  # -1 and len: no such error
    elif name == "dismiss":
        rest = (data.draw(st.sampled_from(["meaning_shift", "number_mismatch", *link.dismissed])),)
    elif name == "pin":
        rest = (data.draw(st.booleans()),)
    elif name == "merge":
        rest = (data.draw(DIRECTION),)
    elif name == "split":
        cuts = [(a, b) for a in range(len(link.src) + 1) for b in range(len(link.tgt) + 1)
                if (a or b) and (a < len(link.src) or b < len(link.tgt))]  # both parts have a segment
        any_cut = st.tuples(st.integers(-1, len(link.src) + 1), st.integers(-1, len(link.tgt) + 1))
        rest = data.draw(st.sampled_from(cuts) | any_cut if cuts else any_cut)
    elif name == "move":
        rest = (data.draw(SIDE), data.draw(DIRECTION))
    elif name == "relink":
        partners = relink_partners(states, index) if 0 <= index < len(states) else []
        rest = (data.draw(st.sampled_from(partners) if partners else anywhere),)
    else:  # confirm, unlink
        rest = ()
    return (name, index, seen, *rest)


_names = itertools.count()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Iterator[Store]:
    """The store, in memory-backed /dev/shm where there is one: what is tested is the history,
    not durability, and each commit's fsync costs some 20 ms on a disk (0.7 ms there)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm) as folder:
            yield Store(Path(folder) / "review.sqlite")
    else:
        yield Store(tmp_path_factory.mktemp("properties") / "review.sqlite")


def unpinned_links_broken(db: Store, doc: int) -> Callable[..., list[Link]]:
    """An aligner for `realign` that keeps the pinned links and leaves every other segment
    without a counterpart: a valid alignment that differs from most states."""
    def align(src, tgt, pinned) -> list[Link]:
        links: list[Link] = []
        for state in db.load(doc).states:
            links += [state.link] if state.pinned else (
                [Link((k,), ()) for k in state.src] + [Link((), (k,)) for k in state.tgt])
        return links

    return align


def perform(db: Store, doc: int, start: list[LinkState], action: tuple) -> None:
    name, *arguments = action
    who = "prop"
    if name == "realign":
        db.realign(doc, unpinned_links_broken(db, doc), who=who)
    elif name in ("undo", "redo"):
        getattr(db, name)(doc, who=who)
    else:
        index, seen, *rest = arguments
        getattr(db, name)(doc, index, *rest, who=who, expect=None if seen is None else start[seen])


def assert_partition(states: list[LinkState], start: list[LinkState]) -> None:
    for side in ("src", "tgt"):
        assert [k for s in states for k in getattr(s, side)] == [k for s in start for k in getattr(s, side)]
    assert all(s.src or s.tgt for s in states)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_review_is_undone_step_by_step_and_its_history_replays_it(db: Store, data: st.DataObject) -> None:
    doc = save(db, name=f"document {next(_names)}")
    start = db.load(doc).states
    for _ in range(data.draw(st.integers(0, 12), label="actions")):
        before, history = db.load(doc).states, db.history(doc)
        action = draw_action(data, before, start)
        try:
            perform(db, doc, start, action)
        except InputError:  # a refused action changes nothing, not even the history
            assert db.load(doc).states == before and db.history(doc) == history
        now = db.load(doc).states
        assert db.replay(doc) == now
        assert_partition(now, start)
    for _ in range(len(db.history(doc))):  # each undo takes back one edit: this many are enough
        if db.undo(doc, who="prop") is None:
            break
        assert db.replay(doc) == db.load(doc).states
    assert db.undo(doc, who="prop") is None
    assert db.load(doc).states == start and db.replay(doc) == start
