"""The alignment workbench: align a translation with its original and show where meaning drifted.

The pipeline reads top to bottom as data flows:
document -> segment -> embed -> align -> fidelity -> (review: store, app) -> export / report.
"""

__version__ = "0.2.0"
