"""The detector's networks: the shipped "small" reader and the "upper" reader (the encoder's
own upper layers, which models/divergence_train.py --reader upper fine-tunes). A pair's
judgement must not depend on the longer pairs padded beside it in a batch. The workbench runs
the shipped one in numpy: it must judge as torch's network does."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.fidelity.divergence import (
    DETECTOR_VERSION,
    PAIR_FEATURES,
    WEIGHTS,
    WORD_FEATURES,
    Detector,
    PairInput,
    batch_tensors,
    build_net,
    padded,
)


def pair(rng: np.random.Generator, n: int, m: int, dimension: int) -> PairInput:
    words = tuple((3 * k, 3 * k + 2) for k in range(n)), tuple((3 * k, 3 * k + 2) for k in range(m))
    return PairInput(*words, rng.normal(size=(n + m, dimension)).astype(np.float32),
                     rng.random((n + m, len(WORD_FEATURES))).astype(np.float32),
                     rng.random(len(PAIR_FEATURES)).astype(np.float32))


@pytest.mark.parametrize("config", [
    {"dimension": 16, "width": 8, "layers": 1, "heads": 2},
    {"dimension": 16, "layers": 2, "heads": 4, "reader": "upper", "intermediate": 32},
])
def test_a_pair_is_judged_alike_alone_and_padded_beside_a_longer_one(config):
    import torch

    torch.manual_seed(0)
    net = build_net(**config).eval()
    rng = np.random.default_rng(0)
    short, long = pair(rng, 3, 4, 16), pair(rng, 9, 11, 16)
    with torch.inference_mode():
        alone_logit, alone_tags = net(*batch_tensors([short]))
        both_logits, both_tags = net(*batch_tensors([short, long]))
    assert both_logits.shape == (2,) and both_tags.shape == (2, 20)
    assert float(both_logits[0]) == pytest.approx(float(alone_logit[0]), abs=1e-5)
    assert torch.allclose(both_tags[0, :7], alone_tags[0], atol=1e-5)
    # and a saved net comes back as it was: the config rebuilds it
    again = build_net(**net.config)
    again.load_state_dict(net.state_dict())
    with torch.inference_mode():
        assert torch.allclose(again.eval()(*batch_tensors([short]))[0], alone_logit)


def test_the_numpy_detector_judges_as_the_trained_network() -> None:
    """divergence.npz holds divergence.pt's network (exported from that very file), and numpy
    runs it as torch does, pairs of any length padded together, a side with no words too."""
    import torch

    detector = Detector()
    assert detector.source == DETECTOR_VERSION  # else: python models/divergence_export.py
    saved = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    net = build_net(**saved["config"])
    net.load_state_dict(saved["state"])
    rng = np.random.default_rng(1)
    inputs = [pair(rng, n, m, 384) for n, m in ((3, 4), (25, 19), (1, 0), (0, 2), (40, 47))]
    with torch.inference_mode():
        logits, tags = net.eval()(*batch_tensors(inputs))
    numpy_logits, numpy_tags = detector.forward(*padded(inputs))
    words = padded(inputs)[3]
    # float32 sums taken in another order (numpy's BLAS, torch's kernels) differ in the last
    # digits: 1e-4 on a logit (about 10 at most here) is far below any decision
    assert np.abs(numpy_logits - logits.numpy()).max() < 1e-4
    assert np.abs(numpy_tags - tags.numpy())[words].max() < 1e-4
    judged = detector.judge(inputs)
    assert [j.logit for j in judged] == pytest.approx(logits.tolist(), abs=1e-4)
    assert judged[1].tgt_tags == pytest.approx(torch.sigmoid(tags[1, 25:44]).tolist(), abs=1e-5)
