"""setuptools' build backend, building each wheel in a temporary folder.

setuptools builds in ./build and never empties it: `pip install .` left build/ in the
checkout, and a module since removed from workbench/ would have gone on into every later
wheel from there. The other hooks (sdist, editable installs, which build in temporary
folders already) are setuptools' own.
"""

from __future__ import annotations

import shlex
import tempfile

from setuptools import build_meta
from setuptools.build_meta import *  # noqa: F403  (every hook not defined here)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """setuptools' build_wheel, its `build` command pointed at a temporary folder."""
    given = (config_settings or {}).get("--build-option") or []
    options = shlex.split(given) if isinstance(given, str) else list(given)
    with tempfile.TemporaryDirectory(prefix="workbench-build-") as folder:
        settings = {**(config_settings or {}), "--build-option": [*options, "build", "--build-base", folder]}
        return build_meta.build_wheel(wheel_directory, settings, metadata_directory)
