"""From vectors to links: monotone sentence alignment with explicit 1-0 / 0-1 links.

aligner (the entry point, pinned links) -> blocks (vectors of runs of segments) -> band
(anchors on long documents) -> dp (the dynamic programme); settings holds its parameters.
"""

from workbench.align.aligner import align, linked_similarity
from workbench.align.settings import DEFAULT, Settings

__all__ = ["DEFAULT", "Settings", "align", "linked_similarity"]
