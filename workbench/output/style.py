"""How results look to a reviewer, wherever they are shown (HTML report, Markdown, the app):
one colour per label, verdict, review status, error severity and pass or fail, and the metrics' names."""

from workbench.model import SEVERITIES, VERDICTS

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
SEVERITY_COLOURS = dict(zip(SEVERITIES, ("#b7791f", "#c62828", "#7b1113")))
PASS_COLOURS = {True: "#2e7d32", False: "#c62828"}  # the scorecard's PASS and FAIL
METRIC_NAMES = {"bleu": "BLEU", "chrf": "chrF", "ter": "TER"}
