"""The reviewer's edits as pure functions over a document's links: no database, no clock.

Every edit takes the current links (`LinkState`s, in document order) and the index of the
link it acts on, and returns a splice `(at, count, after)`: the links `states[at:at+count]`
are to be replaced by `after`. The store (workbench.review.store) records that splice in the
history and applies it in one transaction; undo is the inverse splice. An edit that cannot
be made raises InputError with a sentence for the reviewer. Edits reset the decision only on
the links they change: the reviewer judged a different pairing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Literal

from workbench.errors import InputError
from workbench.model import (
    LEGACY_CATEGORIES,
    MAX_LINK_SEGMENTS,
    MQM_CATEGORIES,
    SEVERITIES,
    Link,
    LinkState,
    ReviewError,
    Span,
)

Side = Literal["src", "tgt"]
Direction = Literal["next", "previous"]
Splice = tuple[int, int, list[LinkState]]

_SIDE_NAME = {"src": "source", "tgt": "target"}


def mqm_category(category: str) -> str:
    """The MQM category `category` names: a key of MQM_CATEGORIES, or one of the short names
    of reviews before MQM ("number", "fluency", ...); InputError for anything else."""
    found = category if category in MQM_CATEGORIES else LEGACY_CATEGORIES.get(category)
    if found is None:
        raise InputError(f"Unknown error category {category!r}; use one of {', '.join(MQM_CATEGORIES)}.")
    return found


def check_severity(severity: str) -> None:
    """InputError unless `severity` is one of SEVERITIES."""
    if severity not in SEVERITIES:
        raise InputError(f"Unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}.")


def check_spans(spans: Sequence[Span], side: str) -> tuple[Span, ...]:
    """The spans as a tuple of (start, end) with 0 <= start < end; InputError for any other."""
    checked = tuple((int(start), int(end)) for start, end in spans)
    if any(not 0 <= start < end for start, end in checked):
        raise InputError(f"A {side} span must run from a character to a later one; got {list(checked)}.")
    return checked


def check_side(side: str) -> None:
    """InputError unless `side` is "src" or "tgt"."""
    if side not in _SIDE_NAME:
        raise InputError(f"Unknown side {side!r}; use 'src' or 'tgt'.")


def check_direction(direction: str) -> None:
    """InputError unless `direction` is "next" or "previous"."""
    if direction not in ("next", "previous"):
        raise InputError(f"Unknown direction {direction!r}; use 'next' or 'previous'.")


def confirm(states: Sequence[LinkState], i: int, *, who: str, when: str) -> Splice:
    """The link marked as a correct translation: its errors, if any, are taken back."""
    return i, 1, [dataclasses.replace(states[i], status="confirmed", errors=(), reviewed_by=who, reviewed_at=when)]


def reject(states: Sequence[LinkState], i: int, category: str, comment: str = "", *, severity: str = "major",
           src_spans: Sequence[Span] = (), tgt_spans: Sequence[Span] = (), mark: str = "", decision: str = "",
           who: str, when: str) -> Splice:
    """One more error recorded on the link (MQM: category, severity, the words it concerns on
    either side, none for the whole link, and a comment), which makes it rejected. An error
    taken from a detector mark names it (`mark`, `decision`); a mark once dismissed and now
    taken is no longer dismissed."""
    check_severity(severity)
    error = ReviewError(mqm_category(category), severity, check_spans(src_spans, "source"),
                        check_spans(tgt_spans, "target"), comment.strip(), mark, decision, who, when)
    state = states[i]
    return i, 1, [dataclasses.replace(state, status="rejected", errors=state.errors + (error,),
                                      dismissed=tuple(m for m in state.dismissed if m != mark),
                                      reviewed_by=who, reviewed_at=when)]


def remove_error(states: Sequence[LinkState], i: int, k: int, *, who: str, when: str) -> Splice:
    """The link's error `k` taken back; a link left with no error is unreviewed again."""
    state = states[i]
    if not 0 <= k < len(state.errors):
        raise InputError(f"Link {i + 1} has no error {k + 1}.")
    errors = state.errors[:k] + state.errors[k + 1:]
    return i, 1, [dataclasses.replace(state, errors=errors, status="rejected" if errors else "unreviewed",
                                      reviewed_by=who, reviewed_at=when)]


def dismiss(states: Sequence[LinkState], i: int, mark: str, *, who: str, when: str) -> Splice:
    """The detector's mark `mark` judged wrong on this link (an error taken from it goes too)."""
    state = states[i]
    if mark in state.dismissed:
        raise InputError(f"The {mark} mark of link {i + 1} is already dismissed.")
    errors = tuple(e for e in state.errors if e.mark != mark)
    status = state.status if errors or state.status != "rejected" else "unreviewed"
    return i, 1, [dataclasses.replace(state, dismissed=state.dismissed + (mark,), errors=errors, status=status,
                                      reviewed_by=who, reviewed_at=when)]


def pin(states: Sequence[LinkState], i: int, pinned: bool) -> Splice:
    """The link pinned (re-aligning keeps it) or unpinned."""
    return i, 1, [dataclasses.replace(states[i], pinned=pinned)]


def merge(states: Sequence[LinkState], i: int, direction: Direction) -> Splice:
    """The link joined with the next (or previous) one."""
    check_direction(direction)
    first = i if direction == "next" else i - 1
    if first < 0 or first + 1 >= len(states):
        raise InputError(f"Link {i + 1} has no {direction} link to merge with.")
    return first, 2, [bounded(combine(states[first:first + 2]), first)]


def split(states: Sequence[LinkState], i: int, src_at: int, tgt_at: int) -> Splice:
    """The link cut in two: its first `src_at` source and `tgt_at` target segments, and the rest."""
    s = states[i]
    parts = [(s.src[:src_at], s.tgt[:tgt_at]), (s.src[src_at:], s.tgt[tgt_at:])]
    if not (0 <= src_at <= len(s.src) and 0 <= tgt_at <= len(s.tgt)) or \
            not all(src or tgt for src, tgt in parts):
        raise InputError(f"Link {i + 1} cannot be split after source segment {src_at} "
                         f"and target segment {tgt_at}: both parts need a segment.")
    return i, 1, [LinkState(src, tgt) for src, tgt in parts]


def move(states: Sequence[LinkState], i: int, side: Side, direction: Direction) -> Splice:
    """The link's last (`next`) or first (`previous`) segment on one side moved to the
    neighbouring link; a link left empty disappears."""
    check_side(side)
    check_direction(direction)
    other = i + 1 if direction == "next" else i - 1
    segments = getattr(states[i], side)
    if not segments:
        raise InputError(f"Link {i + 1} has no {_SIDE_NAME[side]} segment to move.")
    if not 0 <= other < len(states):
        raise InputError(f"Link {i + 1} has no {direction} link to move a segment to.")
    moved = segments[-1:] if direction == "next" else segments[:1]
    kept = segments[:-1] if direction == "next" else segments[1:]
    target = getattr(states[other], side)
    grown = moved + target if direction == "next" else target + moved
    donor = LinkState(**{**_sides(states[i]), side: kept})
    receiver = bounded(LinkState(**{**_sides(states[other]), side: grown}), other)
    pair = [donor, receiver] if direction == "next" else [receiver, donor]
    return min(i, other), 2, [s for s in pair if s.src or s.tgt]


def unlink(states: Sequence[LinkState], i: int) -> Splice:
    """The link broken: each of its segments a link of its own with no counterpart."""
    s = states[i]
    if not (s.src and s.tgt):
        raise InputError(f"Link {i + 1} is already unlinked.")
    return i, 1, [LinkState((k,), ()) for k in s.src] + [LinkState((), (k,)) for k in s.tgt]


def relink(states: Sequence[LinkState], i: int, j: int) -> Splice:
    """The one-sided links from `i` to `j` joined into one link (see `relink_partners`)."""
    if j not in relink_partners(states, i):
        raise InputError(f"Links {i + 1} and {j + 1} cannot be relinked: only segments "
                         "without a counterpart, with nothing linked between them, can.")
    first, last = min(i, j), max(i, j)
    return first, last - first + 1, [bounded(combine(states[first:last + 1]), first)]


def relink_partners(states: Sequence[LinkState], index: int) -> list[int]:
    """Indices of the links that `relink(index, other)` accepts: one-sided links reachable
    from `index` over one-sided links only, whose combination has both sides."""
    if states[index].src and states[index].tgt:
        return []
    partners = []
    for step in (-1, 1):
        at, src, tgt = index + step, bool(states[index].src), bool(states[index].tgt)
        while 0 <= at < len(states) and not (states[at].src and states[at].tgt):
            src, tgt = src or bool(states[at].src), tgt or bool(states[at].tgt)
            if src and tgt:
                partners.append(at)
            at += step
    return sorted(partners)


def realigned(states: Sequence[LinkState], links: Sequence[Link]) -> tuple[list[LinkState], list[LinkState]]:
    """The links after re-aligning, and the reviewed links that did not survive it.

    A link that comes back with the same segments keeps its decision and pin; a pinned link
    that does not come back is the aligner's error (RuntimeError), since it was told to keep it.
    """
    old = {(s.src, s.tgt): s for s in states}
    after = [old.get((tuple(link.src), tuple(link.tgt))) or LinkState(tuple(link.src), tuple(link.tgt),
                                                                       link.similarity)
             for link in links]
    surviving = {(s.src, s.tgt) for s in after}
    lost_pins = [s for s in states if s.pinned and (s.src, s.tgt) not in surviving]
    if lost_pins:
        raise RuntimeError(f"the aligner did not keep pinned links {lost_pins}")
    return after, [s for s in states if s.reviewed and (s.src, s.tgt) not in surviving]


def combine(states: Sequence[LinkState]) -> LinkState:
    """One unreviewed link holding all the segments of consecutive links."""
    return LinkState(tuple(k for s in states for k in s.src), tuple(k for s in states for k in s.tgt))


def bounded(state: LinkState, i: int) -> LinkState:
    """`state`, the link an edit makes at index `i`, unless it is longer than a link may be."""
    for side, ids in _sides(state).items():
        if len(ids) > MAX_LINK_SEGMENTS:
            raise InputError(f"Link {i + 1} would hold {len(ids)} {_SIDE_NAME[side]} segments; a link holds "
                             f"at most {MAX_LINK_SEGMENTS} a side (its word-level checks grow with its length).")
    return state


def _sides(state: LinkState) -> dict[str, tuple[int, ...]]:
    return {"src": state.src, "tgt": state.tgt}
