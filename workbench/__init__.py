"""The alignment workbench: align a translation with its original and show where meaning drifted.

The packages read top to bottom as the data flows:
text (document -> segments) -> embed (vectors) -> align (links) -> fidelity (scores)
-> review (edits, store) -> output (exports, reports) -> ui, cli.
Beside them: model (the data types), languages (one profile per language), options (how a
result is made), pipeline (the chain), paths (where things are kept).
"""

__version__ = "0.4.0.dev0"
