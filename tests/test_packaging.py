"""Installing the checkout (`pip install .`) builds in a temporary folder and leaves the
checkout as it was; what a build would leave is git-ignored all the same."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_build_output_is_ignored() -> None:
    for left in ("build/lib/workbench/cli.py", "alignment_workbench.egg-info/PKG-INFO"):
        assert subprocess.run(["git", "check-ignore", "-q", left], cwd=ROOT).returncode == 0, left


def test_building_the_wheel_leaves_no_build_folder(tmp_path: Path) -> None:
    """What `pip install .` does first (with the setuptools installed here, offline), in a
    copy of the checkout: the wheel holds the package, and no build/ is left behind."""
    pytest.importorskip("setuptools")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md", "build_backend.py"):
        shutil.copy(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "workbench", checkout / "workbench", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
                             "--wheel-dir", str(tmp_path / "wheels"), "--quiet"],
                            cwd=checkout, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "wheels").glob("alignment_workbench-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "workbench/cli.py" in names and "workbench/fidelity/divergence.pt" in names
    assert "workbench/fidelity/divergence.npz" in names  # what the detector runs on
    assert not any(name.startswith(("build/", "tests/", "benchmarks/")) for name in names)
    assert not (checkout / "build").exists()
