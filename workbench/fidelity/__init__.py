"""From links to scores: how faithfully each link, and the whole document, is translated.

scoring (the entry point) -> evidence (what is measured on a link: the learned `divergence`
detector over `words`, similarity, length, numbers, names, negation) -> calibration (fidelity,
label, issues, marks) -> summary (the document) and reference (sacrebleu against a reference
translation).
"""

from workbench.fidelity.reference import reference_scores
from workbench.fidelity.scoring import rescore, score
from workbench.fidelity.summary import summarise

__all__ = ["reference_scores", "rescore", "score", "summarise"]
