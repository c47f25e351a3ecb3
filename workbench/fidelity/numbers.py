"""Numbers that differ between a source and its translation (read by workbench.text.numbers)."""

from __future__ import annotations

from workbench.text.numbers import ordinals, spelled, split_numbers


def number_mismatch(src: str, tgt: str) -> tuple[bool, bool]:
    """(changed, one_sided): whether both sides have numbers that disagree, or whether
    numbers appear on one side only (see `unmatched`)."""
    src_only, tgt_only = unmatched(src, tgt)
    changed = bool(src_only) and bool(tgt_only)
    return changed, not changed and bool(src_only or tgt_only)


def unmatched(src: str, tgt: str) -> tuple[set[float], set[float]]:
    """The numbers of each side that the other side does not have: what `number_mismatch`
    flags, and what the reviewer is told it flagged. A number matches the same value on the
    other side, written in digits, spelled out (up to ten), as an ordinal word ("Article 18" /
    "مادهٔ هیجدهم") or inside a name there (آی ۲۴ / i24NEWS). Words only excuse: a number
    written out on one side alone raises nothing ("نه" is "no" as often as "nine")."""
    src_values, src_glued = split_numbers(src)
    tgt_values, tgt_glued = split_numbers(tgt)
    src_words = spelled(src) | ordinals(src)
    tgt_words = spelled(tgt) | ordinals(tgt)
    return src_values - tgt_values - tgt_glued - tgt_words, tgt_values - src_values - src_glued - src_words
