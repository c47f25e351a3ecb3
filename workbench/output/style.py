"""How results look to a reviewer, wherever they are shown (HTML report, Markdown, the app):
one colour per label, verdict and review status, and the metrics' names."""

from workbench.model import VERDICTS

LABEL_COLOURS = {
    "faithful": "#2e7d32",
    "minor": "#b7791f",
    "major": "#c62828",
    "omission": "#6a3d9a",
    "addition": "#1f6fb2",
}
VERDICT_COLOURS = dict(zip(VERDICTS, ("#2e7d32", "#b7791f", "#c62828")))
OTHER_COLOUR = "#57606a"
STATUS_COLOURS = {"confirmed": "#2e7d32", "rejected": "#c62828"}  # unreviewed: a grey chip
METRIC_NAMES = {"bleu": "BLEU", "chrf": "chrF", "ter": "TER"}
