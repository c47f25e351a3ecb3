"""Where the workbench keeps what it makes: the built model, the vector cache, the review database.

One home for every default path, so that an installed package never writes into its own
install folder. The root is, in order:
- `$WORKBENCH_HOME`, when set;
- the checkout, when the package runs from one (its `data/` and `models/`, git-ignored);
- else the user's data folder: `$XDG_DATA_HOME/alignment-workbench`, by default
  `~/.local/share/alignment-workbench`.
`WORKBENCH_MODELS_DIR` and `WORKBENCH_CACHE_DIR` move just the models or the cache.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "WORKBENCH_HOME"
MODELS_DIR_ENV = "WORKBENCH_MODELS_DIR"
CACHE_DIR_ENV = "WORKBENCH_CACHE_DIR"
_CHECKOUT = Path(__file__).resolve().parent.parent


def checkout() -> Path | None:
    """The source checkout the package runs from, or None for an installed package."""
    return _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "workbench").is_dir() else None


def home() -> Path:
    """The root under which models/ and data/ live (see the module docstring)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    found = checkout()
    if found is not None:
        return found
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "alignment-workbench"


def models_dir() -> Path:
    """The folder the default encoder is built into."""
    override = os.environ.get(MODELS_DIR_ENV)
    return Path(override).expanduser() if override else home() / "models"


def data_dir() -> Path:
    """User data and outputs: the review database, caches, benchmark runs."""
    return home() / "data"


def cache_dir() -> Path:
    """The sentence-vector cache's folder."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override).expanduser() if override else data_dir() / "cache"


def database() -> Path:
    """The review database the UI and `export` use unless told otherwise."""
    return data_dir() / "review.sqlite"


def seeds() -> Path:
    """The seed articles the UI offers: the checkout's seeds/, or seeds/ under home()."""
    return home() / "seeds"
