"""The detector's marks as the errors they suggest, and the words a reviewer selects."""

from __future__ import annotations

from workbench.model import LinkFidelity, LinkState, ReviewError
from workbench.review import marks

SCORE = LinkFidelity(0.2, "major", ("meaning_shift", "number_mismatch"), src_spans=((4, 15),), tgt_spans=((0, 5),))


def test_each_mark_suggests_its_mqm_error_with_the_labels_severity() -> None:
    assert marks.marks(SCORE) == ["meaning_shift", "number_mismatch"]
    shift, number = (marks.suggestion(SCORE, mark) for mark in marks.marks(SCORE))
    assert (shift.category, shift.severity, shift.src_spans, shift.tgt_spans) == \
        ("accuracy/mistranslation", "major", ((4, 15),), ((0, 5),))
    # the other checks concern the whole link
    assert (number.category, number.src_spans, number.tgt_spans) == ("accuracy/mistranslation/number", (), ())
    # a faithful link's check warning is minor at most; a sentence with no counterpart is a mark of its own
    assert marks.suggestion(LinkFidelity(0.9, "faithful", ("name_mismatch",)), "name_mismatch").severity == "minor"
    assert marks.marks(LinkFidelity(0.0, "omission")) == ["omission"]
    assert marks.marks(None) == [] and marks.marks(LinkFidelity(0.95, "faithful")) == []


def test_a_mark_once_taken_or_dismissed_is_no_longer_offered() -> None:
    state = LinkState((0,), (0,))
    assert [e.mark for e in marks.open_marks(SCORE, state)] == ["meaning_shift", "number_mismatch"]
    taken = LinkState((0,), (0,), status="rejected",
                      errors=(ReviewError("accuracy/mistranslation", "major", mark="meaning_shift", decision="accepted"),))
    assert [e.mark for e in marks.open_marks(SCORE, taken)] == ["number_mismatch"]
    assert marks.open_marks(SCORE, LinkState((0,), (0,), dismissed=("meaning_shift", "number_mismatch"))) == []


def test_a_suggestion_kept_as_it_was_is_accepted_and_a_changed_one_edited() -> None:
    shift = marks.suggestion(SCORE, "meaning_shift")
    assert marks.decision(shift, shift.category, "major", [(4, 15)], [(0, 5)]) == "accepted"
    assert marks.decision(shift, shift.category, "critical", [(4, 15)], [(0, 5)]) == "edited"
    assert marks.decision(shift, shift.category, "major", [(4, 15)], []) == "edited"
    assert marks.decision(shift, "terminology", "major", [(4, 15)], [(0, 5)]) == "edited"


def test_selected_words_become_spans_with_neighbours_joined() -> None:
    text = "The Basij forces have experienced division."
    words = marks.word_spans(text)
    assert [text[s:e] for s, e in words] == ["The", "Basij", "forces", "have", "experienced", "division"]
    spans = marks.selected_spans(words, [5, 1, 4])
    assert [text[s:e] for s, e in spans] == ["Basij", "experienced division"]
    assert marks.quoted(text, spans) == "“Basij” … “experienced division”"
    assert marks.selected_spans(words, []) == ()
    persian = "نیروهای باتجربه خود را تقسیم کردند"
    assert [persian[s:e] for s, e in marks.word_spans(persian)][:2] == ["نیروهای", "باتجربه"]


def test_a_repeated_word_is_told_apart_by_its_occurrence() -> None:
    text = "in the house in the garden"
    assert marks.word_labels(text, marks.word_spans(text)) == \
        ["in (1)", "the (1)", "house", "in (2)", "the (2)", "garden"]
