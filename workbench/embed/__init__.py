"""From segments to vectors: build the default model (build), load and run an encoder
(encoder), keep every vector (cache), and take away what a text's vectors share (centre)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from workbench.embed.encoder import Encoder, load_encoder

__all__ = ["Encoder", "TextEncoder", "load_encoder"]


class TextEncoder(Protocol):
    """What the aligner and fidelity need of an encoder (`Encoder`, or a test's fake)."""

    name: str

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...

    def token_states(self, text: str, layer: int | None = None) -> tuple[list[tuple[int, int]], np.ndarray]: ...

    def token_states_many(self, texts: Sequence[str], layer: int | None = None) -> list[tuple[Sequence[tuple[int, int]], np.ndarray]]: ...
