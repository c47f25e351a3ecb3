"""Build the default encoder now instead of on first use: `python models/build.py`.

Useful before going offline with a fresh checkout, or to pay the one-time build (about half
a minute) outside a timed run. Prints the model folder. The logic lives in workbench.embed.build.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from workbench.embed.build import ensure_default_model  # noqa: E402

if __name__ == "__main__":
    print(ensure_default_model())
