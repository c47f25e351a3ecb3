"""Write the divergence detector's weights as plain arrays, for the workbench to judge pairs
with numpy and never import torch (workbench/fidelity/divergence.py).

Run from the repository root after `python models/divergence_train.py`:
    python models/divergence_export.py
It reads workbench/fidelity/divergence.pt (torch's format, the training's output) and writes
workbench/fidelity/divergence.npz beside it (1.3 MB; it ships in the package): the state_dict's
tensors under their own names, and under "about" (JSON) the network's config, the encoder it
was trained on and the fingerprint of the .pt it came from (tests/test_divergence_net.py
checks that the two files hold the same network).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import numpy as np  # noqa: E402

from workbench.fidelity.divergence import ABOUT, ARRAYS, WEIGHTS, weights_fingerprint  # noqa: E402


def export(source: Path = WEIGHTS, target: Path = ARRAYS) -> None:
    import torch

    saved = torch.load(source, map_location="cpu", weights_only=True)
    config = saved["config"]
    if config.get("reader", "small") != "small":
        raise SystemExit(f"{source} holds the {config['reader']!r} reader; the workbench runs the small one only")
    about = {"config": config, "encoder": saved["encoder"], "source": weights_fingerprint(source)}
    arrays = {name: tensor.numpy() for name, tensor in saved["state"].items()}
    with target.open("wb") as handle:  # a file object: np.savez would add .npz to a name without it
        np.savez(handle, **arrays, **{ABOUT: np.array(json.dumps(about))})
    print(f"wrote {target} from {source} ({about['source']})")


if __name__ == "__main__":
    export()
