"""The fake encoder in the Ray workers of a cluster a test starts with `ray start`
(test_ray_cluster.py), so that a real multi-node run stays in the fast tier.

The test runs `workbench batch --engine ray` with RAY_RUNTIME_ENV_HOOK naming `runtime_env`:
Ray calls it in the batch's ray.init, and every worker of the batch's job then runs
`use_fake_encoder` as it starts, before any actor of the workbench is made in it. The nodes
find this module, as the workbench, on the PYTHONPATH they were started with.
"""

from __future__ import annotations

import time
from typing import Any


def runtime_env(given: dict[str, Any] | None) -> dict[str, Any]:
    """The job's runtime environment: what the batch gave, and the hook below."""
    return {**(given or {}), "worker_process_setup_hook": f"{__name__}.use_fake_encoder"}


def use_fake_encoder() -> None:
    """What tests/conftest.py does for the fast tier, in a Ray worker: the fake reading seed
    000's Persian, and the divergence detector reading its states."""
    from fake_encoder import FakeEncoder
    from seed_000 import SEED_LEXICON

    from workbench.corpus import worker
    from workbench.fidelity import evidence

    worker.load_encoder = lambda model, device: FakeEncoder(SEED_LEXICON)
    evidence.detector_encoder = lambda given: given
    # the fake aligns a pair in a few milliseconds: a node the test kills after the first pair
    # could have handed in all its pairs before it died, and then nothing would be lost. A
    # pair takes at least ALIGN_SECONDS here, so a node is killed with a pair in hand.
    align = worker.Worker.align

    def slow_align(self, job):
        time.sleep(ALIGN_SECONDS)
        return align(self, job)
    worker.Worker.align = slow_align


ALIGN_SECONDS = 0.4
