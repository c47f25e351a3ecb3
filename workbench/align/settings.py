"""The aligner's parameters, in one frozen value that the options and every output name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """The aligner's few parameters, tuned on the UDHR development set (benchmarks/).

    `threshold`: centred similarity at which linking a pair gains as much as leaving both
    sentences unlinked. `merge_penalty`: paid per segment beyond one on each side, so a
    neighbour joins a link only when it raises the similarity. `length_weight`: weight of
    the squared log deviation of a link's length ratio from the document's.
    """

    threshold: float = 0.17
    merge_penalty: float = 0.02
    length_weight: float = 0.06
    max_block: int = 3
    full_dp_cells: int = 1_500_000
    anchor_neighbours: int = 6
    band_margin: int = 12


DEFAULT = Settings()
