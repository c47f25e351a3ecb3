"""The model's process (workbench.ui.scorer): a real child process, with the fake encoder as
its model (fast tier: `fake_model` below runs in the child, so no real model is loaded)."""

from __future__ import annotations

import dataclasses
import time

import pytest
from seed_000 import align_seed, seed_encoder

from workbench import fidelity
from workbench.errors import InputError
from workbench.fidelity import evidence
from workbench.model import Link, ScoredAlignment
from workbench.ui.scorer import ModelProcess


def fake_model(model: str | None, device: str):
    """The model of the child in these tests: the fake encoder, its states read by the detector
    (as conftest has it in the tests' own process)."""
    evidence.detector_encoder = lambda given: given
    return seed_encoder()


def no_model(model: str | None, device: str):
    raise InputError(f"Model {model!r} was not found locally and could not be downloaded.")


def wait_ready(process: ModelProcess, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not process.ready():
        assert time.monotonic() < deadline, "the model's process never said it was ready"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def aligned() -> ScoredAlignment:
    return align_seed()


def test_the_process_scores_the_stale_links_as_this_process_does(aligned: ScoredAlignment) -> None:
    links = list(aligned.links)
    links[0:2] = [Link(links[0].src + links[1].src, links[0].tgt + links[1].tgt)]
    edited = dataclasses.replace(aligned.unscored(), links=links)
    known = [None] + list(aligned.scores[2:])
    process = ModelProcess(None, load=fake_model)
    try:
        wait_ready(process)
        here = fidelity.rescore(edited, seed_encoder(), known)
        assert process.rescore(edited, known) == here
        # a process that died is started again for the next request
        process._process.kill()
        process._process.join(10)
        assert process.rescore(edited, known) == here
    finally:
        process.close()


def test_a_model_that_cannot_load_is_reported_by_the_edit_that_needs_it(aligned: ScoredAlignment) -> None:
    process = ModelProcess("no-such-model", load=no_model)
    try:
        wait_ready(process)  # ready to say why not
        with pytest.raises(InputError, match="'no-such-model' was not found"):
            process.rescore(aligned.unscored(), [None] * len(aligned.links))
    finally:
        process.close()
