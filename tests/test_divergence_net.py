"""The detector's networks: the shipped "small" reader and the "upper" reader (the encoder's
own upper layers, which models/divergence_train.py --reader upper fine-tunes). A pair's
judgement must not depend on the longer pairs padded beside it in a batch."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.fidelity.divergence import PAIR_FEATURES, WORD_FEATURES, PairInput, batch_tensors, build_net


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
