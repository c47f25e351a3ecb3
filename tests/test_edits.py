"""The reviewer's edit rules as pure functions (workbench.review.edits): no database, no clock.

Every edit returns a splice `(at, count, after)`; `apply` makes it, and every edit must leave
each segment of both sides in exactly one link, in order. The store (tests/test_store.py)
checks that the same edits are recorded, undone and redone in SQLite.
"""

from __future__ import annotations

import pytest

from workbench.errors import InputError
from workbench.model import CATEGORIES, LEGACY_CATEGORIES, Link, LinkState
from workbench.review import edits

WHEN = "2024-01-02T03:04:05+00:00"

# A small document: 7 source and 6 target segments in every kind of link.
STATES = [
    LinkState((0,), (0,), 0.5),  # 0: 1-1
    LinkState((1,), ()),  # 1: an omission
    LinkState((2,), (1,), 0.4),  # 2: 1-1
    LinkState((3, 4), (2,), 0.3),  # 3: 2-1
    LinkState((), (3,)),  # 4: an addition
    LinkState((5,), ()),  # 5: an omission
    LinkState((6,), (4, 5), 0.6),  # 6: 1-2
]


def apply(states: list[LinkState], splice: tuple[int, int, list[LinkState]]) -> list[LinkState]:
    """The links after the splice, checked to be a partition of both sides."""
    at, count, after = splice
    assert 0 <= at and at + count <= len(states)
    new = [*states[:at], *after, *states[at + count:]]
    for side in ("src", "tgt"):
        ids = [k for s in new for k in getattr(s, side)]
        assert ids == sorted({k for s in states for k in getattr(s, side)})
    assert all(s.src or s.tgt for s in new)
    return new


def segments(states: list[LinkState]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(s.src, s.tgt) for s in states]


def reviewed(states: list[LinkState]) -> list[LinkState]:
    """STATES-like links with decisions and a pin on some of them."""
    states = list(states)
    states[0] = apply(states, edits.confirm(states, 0, who="alice", when=WHEN))[0]
    states[2] = apply(states, edits.reject(states, 2, "name", "no", who="bob", when=WHEN))[2]
    states[6] = apply(states, edits.pin(states, 6, True))[6]
    return states


# -- decisions and pins --------------------------------------------------------------------


def test_confirm_records_who_and_when_and_clears_a_rejection() -> None:
    states = apply(STATES, edits.reject(STATES, 3, "number", "  125, not 152  ", who="bob", when=WHEN))
    [error] = states[3].errors
    assert (states[3].status, error.category, error.severity, error.comment, states[3].reviewed_by) == \
        ("rejected", "accuracy/mistranslation/number", "major", "125, not 152", "bob")
    splice = edits.confirm(states, 3, who="alice", when="later")
    assert splice[:2] == (3, 1)
    [confirmed] = splice[2]
    assert (confirmed.status, confirmed.errors) == ("confirmed", ())
    assert (confirmed.reviewed_by, confirmed.reviewed_at) == ("alice", "later")
    assert confirmed.same_segments(STATES[3]) and confirmed.similarity == STATES[3].similarity


def test_reject_needs_a_known_category_and_severity() -> None:
    with pytest.raises(InputError, match="Unknown error category 'typo'"):
        edits.reject(STATES, 0, "typo", "", who="alice", when=WHEN)
    with pytest.raises(InputError, match="Unknown error category"):
        edits.mqm_category("")
    with pytest.raises(InputError, match="Unknown severity 'fatal'"):
        edits.reject(STATES, 0, "style", "", severity="fatal", who="alice", when=WHEN)
    with pytest.raises(InputError, match="span"):
        edits.reject(STATES, 0, "style", "", tgt_spans=[(4, 4)], who="alice", when=WHEN)
    for category in CATEGORIES:
        [rejected] = edits.reject(STATES, 0, category, "", who="alice", when=WHEN)[2]
        assert (rejected.status, rejected.errors[0].category) == ("rejected", category)
    for legacy, mqm in LEGACY_CATEGORIES.items():  # the short names of reviews before MQM still work
        assert edits.mqm_category(legacy) == mqm


def test_several_errors_on_one_link_each_with_its_severity_and_words() -> None:
    states = apply(STATES, edits.reject(STATES, 1, "accuracy/mistranslation", "who divided whom",
                                        severity="major", src_spans=[(4, 15)], tgt_spans=[(0, 6), (10, 12)],
                                        who="bob", when=WHEN))
    states = apply(states, edits.reject(states, 1, "style", "clumsy", severity="minor", who="bob", when=WHEN))
    first, second = states[1].errors
    assert (first.severity, first.src_spans, first.tgt_spans) == ("major", ((4, 15),), ((0, 6), (10, 12)))
    assert (second.category, second.severity, second.src_spans, second.tgt_spans) == ("style", "minor", (), ())
    states = apply(states, edits.remove_error(states, 1, 0, who="bob", when=WHEN))
    assert [e.comment for e in states[1].errors] == ["clumsy"] and states[1].status == "rejected"
    states = apply(states, edits.remove_error(states, 1, 0, who="bob", when=WHEN))
    assert (states[1].status, states[1].errors) == ("unreviewed", ())
    with pytest.raises(InputError, match="has no error 1"):
        edits.remove_error(states, 1, 0, who="bob", when=WHEN)


def test_a_detector_mark_is_taken_or_dismissed_and_the_choice_is_kept() -> None:
    states = apply(STATES, edits.reject(STATES, 2, "accuracy/mistranslation", "", mark="meaning_shift",
                                        decision="accepted", who="bob", when=WHEN))
    states = apply(states, edits.dismiss(states, 2, "number_mismatch", who="bob", when=WHEN))
    assert [(e.mark, e.decision) for e in states[2].errors] == [("meaning_shift", "accepted")]
    assert states[2].dismissed == ("number_mismatch",) and states[2].status == "rejected"
    with pytest.raises(InputError, match="already dismissed"):
        edits.dismiss(states, 2, "number_mismatch", who="bob", when=WHEN)
    # dismissing the mark an error came from takes the error back; taking a dismissed mark undismisses it
    states = apply(states, edits.dismiss(states, 2, "meaning_shift", who="bob", when=WHEN))
    assert (states[2].errors, states[2].status) == ((), "unreviewed")
    states = apply(states, edits.reject(states, 2, "accuracy/mistranslation/number", "", severity="minor",
                                        mark="number_mismatch", decision="edited", who="bob", when=WHEN))
    assert states[2].dismissed == ("meaning_shift",)


def test_pin_keeps_the_decision() -> None:
    states = reviewed(STATES)
    [pinned] = edits.pin(states, 2, True)[2]
    assert pinned.pinned and (pinned.status, pinned.errors[0].comment) == ("rejected", "no")
    [unpinned] = edits.pin(states, 6, False)[2]
    assert not unpinned.pinned and unpinned.same_segments(states[6])


# -- fixing the alignment --------------------------------------------------------------------


def test_merge_with_the_next_or_previous_link() -> None:
    states = reviewed(STATES)
    after = apply(states, edits.merge(states, 2, "next"))
    assert segments(after[2:3]) == [((2, 3, 4), (1, 2))]
    assert after[2] == LinkState((2, 3, 4), (1, 2))  # a new pairing: no decision, pin or similarity
    assert after[0] == states[0] and after[3:] == states[4:]
    assert edits.merge(states, 3, "previous") == edits.merge(states, 2, "next")
    # a link with one side merges like any other
    assert segments(apply(states, edits.merge(states, 4, "next"))[4:5]) == [((5,), (3,))]
    with pytest.raises(InputError, match="Link 1 has no previous link to merge with"):
        edits.merge(states, 0, "previous")
    with pytest.raises(InputError, match="Link 7 has no next link to merge with"):
        edits.merge(states, 6, "next")


def test_split_cuts_a_link_in_two() -> None:
    states = reviewed(STATES)
    after = apply(states, edits.split(states, 3, 1, 0))
    assert segments(after[3:5]) == [((3,), ()), ((4,), (2,))]
    assert after[:3] == states[:3] and after[5:] == states[4:]
    assert segments(apply(states, edits.split(states, 3, 1, 1))[3:5]) == [((3,), (2,)), ((4,), ())]
    assert segments(apply(states, edits.split(states, 6, 1, 1))[6:8]) == [((6,), (4,)), ((), (5,))]
    assert all(s == LinkState(s.src, s.tgt) for s in edits.split(states, 6, 0, 1)[2])  # pin and similarity gone
    for src_at, tgt_at in ((0, 0), (2, 1), (3, 0), (-1, 0), (1, 2)):
        with pytest.raises(InputError, match="both parts need a segment"):
            edits.split(states, 3, src_at, tgt_at)
    with pytest.raises(InputError, match="Link 2 cannot be split"):
        edits.split(states, 1, 1, 0)  # a 1-0 link has nothing to split


def test_move_a_segment_to_the_neighbouring_link() -> None:
    states = reviewed(STATES)
    after = apply(states, edits.move(states, 3, "src", "next"))
    assert segments(after[3:5]) == [((3,), (2,)), ((4,), (3,))]
    assert after[3:5] == [LinkState((3,), (2,)), LinkState((4,), (3,))]  # both changed: unreviewed
    after = apply(states, edits.move(states, 3, "src", "previous"))
    assert segments(after[2:4]) == [((2, 3), (1,)), ((4,), (2,))]
    assert after[2].status == "unreviewed"  # the rejected link 2 became another pairing
    after = apply(states, edits.move(states, 6, "tgt", "previous"))
    assert segments(after[5:7]) == [((5,), (4,)), ((6,), (5,))]
    # moving the only segment of a one-sided link makes the link disappear
    splice = edits.move(states, 1, "src", "previous")
    after = apply(states, splice)
    assert splice[:2] == (0, 2) and len(after) == len(states) - 1
    assert segments(after[:2]) == [((0, 1), (0,)), ((2,), (1,))]
    assert segments(apply(states, edits.move(states, 4, "tgt", "next"))[4:5]) == [((5,), (3,))]
    with pytest.raises(InputError, match="Link 2 has no target segment to move"):
        edits.move(states, 1, "tgt", "next")
    with pytest.raises(InputError, match="Link 5 has no source segment to move"):
        edits.move(states, 4, "src", "previous")
    with pytest.raises(InputError, match="Link 1 has no previous link to move a segment to"):
        edits.move(states, 0, "src", "previous")
    with pytest.raises(InputError, match="Link 7 has no next link to move a segment to"):
        edits.move(states, 6, "tgt", "next")
    with pytest.raises(InputError, match="Unknown side 'both'"):
        edits.move(states, 3, "both", "next")


def test_unlink_gives_each_segment_a_link_of_its_own() -> None:
    states = reviewed(STATES)
    splice = edits.unlink(states, 6)
    assert splice == (6, 1, [LinkState((6,), ()), LinkState((), (4,)), LinkState((), (5,))])
    apply(states, splice)
    assert edits.unlink(states, 3)[2] == [LinkState((3,), ()), LinkState((4,), ()), LinkState((), (2,))]
    for one_sided in (1, 4, 5):
        with pytest.raises(InputError, match=f"Link {one_sided + 1} is already unlinked"):
            edits.unlink(states, one_sided)


def test_relink_partners_are_one_sided_links_that_make_a_pair() -> None:
    assert [edits.relink_partners(STATES, i) for i in range(len(STATES))] == [
        [], [], [], [], [5], [4], []]  # 1 is hemmed in by two-sided links
    unlinked = apply(STATES, edits.unlink(STATES, 6))
    # 4 (tgt 3), 5 (src 5), 6 (src 6), 7 (tgt 4), 8 (tgt 5): one run of one-sided links
    assert edits.relink_partners(unlinked, 4) == [5, 6, 7, 8]
    assert edits.relink_partners(unlinked, 5) == [4, 7, 8]
    assert edits.relink_partners(unlinked, 6) == [4, 7, 8]
    assert edits.relink_partners(unlinked, 7) == [4, 5, 6]
    assert edits.relink_partners(unlinked, 8) == [4, 5, 6]
    assert edits.relink_partners(unlinked, 3) == []  # a two-sided link has none


def test_relink_joins_the_run_between_two_partners() -> None:
    unlinked = apply(STATES, edits.unlink(STATES, 6))
    splice = edits.relink(unlinked, 5, 7)
    assert splice == (5, 3, [LinkState((5, 6), (4,))])
    assert edits.relink(unlinked, 7, 5) == splice  # either end may be clicked first
    after = apply(unlinked, edits.relink(unlinked, 4, 8))
    assert segments(after[4:]) == [((5, 6), (3, 4, 5))]
    after = apply(STATES, edits.relink(STATES, 4, 5))
    assert segments(after[4:5]) == [((5,), (3,))]
    with pytest.raises(InputError, match="Links 6 and 7 cannot be relinked"):
        edits.relink(unlinked, 5, 6)  # two source segments: still no pair
    with pytest.raises(InputError, match="Links 2 and 3 cannot be relinked"):
        edits.relink(STATES, 1, 2)  # 3 is linked already
    with pytest.raises(InputError, match="cannot be relinked"):
        edits.relink(STATES, 3, 4)


def test_unlink_then_relink_gives_the_link_back() -> None:
    for i, state in enumerate(STATES):
        if not (state.src and state.tgt):
            continue
        unlinked = apply(STATES, edits.unlink(STATES, i))
        last = i + len(state.src) + len(state.tgt) - 1
        assert last in edits.relink_partners(unlinked, i)
        assert segments(apply(unlinked, edits.relink(unlinked, i, last))) == segments(STATES)


def test_combine_joins_consecutive_links_unreviewed() -> None:
    states = reviewed(STATES)
    assert edits.combine(states[:3]) == LinkState((0, 1, 2), (0, 1))
    assert edits.combine(states[4:6]) == LinkState((5,), (3,))


# -- re-aligning -----------------------------------------------------------------------------


def test_realigned_keeps_the_decisions_on_links_that_come_back() -> None:
    states = reviewed(STATES)
    same = [s.link for s in states]
    assert edits.realigned(states, same) == (states, [])
    # the aligner joins the omitted source segment 1 to link 2: links 1 and 2 become one
    links = [Link((0,), (0,), 0.5), Link((1, 2), (1,), 0.45), Link((3, 4), (2,), 0.3), Link((), (3,)),
             Link((5,), ()), Link((6,), (4, 5), 0.6)]
    after, dropped = edits.realigned(states, links)
    assert segments(after) == [(link.src, link.tgt) for link in links]
    assert after[0] == states[0] and after[0].status == "confirmed"  # unchanged: kept
    assert after[5] == states[6] and after[5].pinned
    assert after[2] == states[3]  # unchanged, unreviewed, its similarity as it was
    assert after[1] == LinkState((1, 2), (1,), 0.45)  # new: the aligner's similarity, no decision
    assert dropped == [states[2]]  # the rejected link did not survive: reported


def test_realigned_refuses_to_lose_a_pinned_link() -> None:
    states = reviewed(STATES)
    links = [s.link for s in states[:6]] + [Link((6,), (4,), 0.5), Link((), (5,))]
    with pytest.raises(RuntimeError, match="did not keep pinned links"):
        edits.realigned(states, links)
