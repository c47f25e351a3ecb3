"""A run on the CPU never imports torch: the encoder runs on ONNX Runtime and the divergence
detector in numpy, and importing torch alone would take seconds and hundreds of MB. Each run
is a fresh interpreter, since the test process itself has torch loaded by other tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.embed import encoder

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_e5fe0829ebe86db2.txt"
# Aligns and scores with `cli.main`, then prints the torch modules loaded and whether the detector
# judged; argv: the tests folder, "fake" (the fake encoder, reading the seed's Persian through its
# lexicon: tests/seed_000.py) or "real", then the command's arguments.
RUN = """
import sys
from workbench import cli
from workbench.fidelity import divergence
if sys.argv[2] == "fake":
    sys.path.insert(0, sys.argv[1])
    from seed_000 import seed_encoder
    from workbench.embed import encoder
    encoder._load = lambda model, device, torch_runtime: seed_encoder()
assert cli.main(sys.argv[3:]) == 0
print([name for name in sys.modules if name.split(".")[0] == "torch"], divergence.load_detector.cache_info().currsize)
"""


def run(tmp_path: Path, which: str, *args: str) -> str:
    """The torch modules a `workbench align` of seed 000 with the `which` encoder loaded, and
    how many detectors it loaded."""
    result = subprocess.run([sys.executable, "-c", RUN, str(ROOT / "tests"), which, "align", str(SEED),
                             "--out", str(tmp_path / "links.csv"), *args],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(encoder._nvidia_gpu_present(), reason='"auto" is a GPU here, which runs on torch')
def test_a_cpu_run_scores_without_importing_torch(tmp_path: Path) -> None:
    """The default device, the detector judging every link (on the fake encoder's states)."""
    assert run(tmp_path, "fake") == "[] 1"


@pytest.mark.model
def test_the_real_model_on_the_cpu_runs_without_torch(tmp_path: Path) -> None:
    assert run(tmp_path, "real", "--device", "cpu") == "[] 1"


class FakeNvml:
    """The NVIDIA management library as ctypes loads it, with `gpus` GPUs (None: its init fails)."""

    def __init__(self, gpus: int | None):
        self.gpus, self.shut_down = gpus, False

    def nvmlInit_v2(self) -> int:
        return 0 if self.gpus is not None else 1

    def nvmlDeviceGetCount_v2(self, count) -> int:
        count._obj.value = self.gpus
        return 0

    def nvmlShutdown(self) -> int:
        self.shut_down = True
        return 0


@pytest.mark.parametrize(("gpus", "present"), [(1, True), (0, False), (None, False)])
def test_the_driver_is_asked_for_a_gpu_before_torch(monkeypatch, gpus: int | None, present: bool) -> None:
    nvml = FakeNvml(gpus)
    monkeypatch.setattr(encoder.ctypes, "CDLL", lambda name: nvml)
    assert encoder._nvidia_gpu_present() is present
    assert nvml.shut_down is (gpus is not None)  # what it initialised, it shuts down


def test_no_driver_is_no_gpu(monkeypatch) -> None:
    def missing(name):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(encoder.ctypes, "CDLL", missing)
    assert not encoder._nvidia_gpu_present() and not encoder._cuda_available()
