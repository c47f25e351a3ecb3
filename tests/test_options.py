"""How a result says how it was made (Options.signature), and where the workbench keeps what it
makes (paths): checkout, WORKBENCH_HOME, or the user's data folder for an installed package."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import __version__, paths
from workbench.align import Settings
from workbench.errors import InputError
from workbench.fidelity.calibration import MODEL_VERSION
from workbench.options import Options


def test_the_signature_names_everything_the_result_depends_on() -> None:
    signature = Options(split="lines").signature("my-model", "en", "fa")
    assert signature == (f"workbench:{__version__}|model:my-model|langs:en-fa|split:lines"
                         f"|align:t0.17,m0.02,g0,f0.05,n0.1,l0.06,b3,c0.25,r0.3|fidelity:{MODEL_VERSION}")
    tuned = Options(aligner=Settings(threshold=0.2)).signature("my-model", "en", "fa")
    assert "align:t0.2," in tuned and tuned != signature


def test_a_split_mode_that_does_not_exist_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown split 'words'"):
        Options(split="words")


def test_the_input_key_holds_what_decides_the_alignment() -> None:
    assert Options(model="m", src_lang="en").input_key() == {"split": "sentences", "model": "m", "src_lang": "en",
                                                              "tgt_lang": None}


def test_a_checkout_keeps_its_data_and_models_inside(monkeypatch) -> None:
    for name in (paths.HOME_ENV, paths.MODELS_DIR_ENV, paths.CACHE_DIR_ENV):
        monkeypatch.delenv(name, raising=False)
    root = Path(paths.__file__).resolve().parent.parent
    assert paths.home() == root
    assert paths.models_dir() == root / "models" and paths.database() == root / "data" / "review.sqlite"


def test_workbench_home_and_the_user_folder(monkeypatch, tmp_path) -> None:
    for name in (paths.MODELS_DIR_ENV, paths.CACHE_DIR_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    assert paths.cache_dir() == tmp_path / "home" / "data" / "cache"
    monkeypatch.delenv(paths.HOME_ENV)
    monkeypatch.setattr(paths, "_CHECKOUT", tmp_path / "site-packages")  # an installed package
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert paths.home() == tmp_path / "share" / "alignment-workbench"
    monkeypatch.setenv(paths.MODELS_DIR_ENV, str(tmp_path / "models"))
    assert paths.models_dir() == tmp_path / "models"
