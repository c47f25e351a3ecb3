"""How a model runs: token ids in, sentence vectors and one layer's token states out, in one pass.

The encoder (workbench.embed.encoder) tokenises, windows long texts, batches by length and
caches; a runtime only runs the network. Two of them:
- `OnnxRuntime`: the default model's fused graph (workbench.embed.graph) on ONNX Runtime, on
  the CPU, with a thread per core, tokenised by SentencePiece (workbench.embed.pieces). It
  needs no torch at all.
- `TorchRuntime`: any sentence-transformers model (`--model`), on the CPU or a CUDA GPU, its
  own pooling and normalisation applied as the model defines them.
Both answer `forward` with the vectors and the states of the same pass, so a segment read
for its vector also gives fidelity its word states.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from workbench.embed.centre import unit

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    from workbench.embed.pieces import PieceTokenizer

CPU_BATCH = 32  # texts per pass on a CPU: larger batches pad more and gain nothing
GPU_BATCH = 256
# An ONNX model folder (workbench.embed.graph writes it): the graph, its word embeddings, its
# tokenizer, and what the runtime needs to know without loading torch (prompt, limits, layers).
GRAPH = "model.onnx"
EMBEDDINGS = "embeddings.npy"  # the word-embedding table, outside the graph (workbench.embed.graph)
TOKENIZER = "tokenizer.model"  # the SentencePiece model (workbench.embed.pieces)
SETTINGS = "runtime.json"
DEVICES = ("auto", "cpu", "cuda")  # "auto": a CUDA GPU when torch sees one, else the CPU


class Runtime(Protocol):
    """What the encoder needs of a model."""

    tokenizer: Tokenizer | PieceTokenizer  # never truncates or pads: the encoder windows long texts itself
    prompt: str  # prefixed to every text (e5: "query: ")
    max_tokens: int  # tokens read at once, prompt and special tokens included
    dimension: int
    layers: int  # hidden layers; states exist for 0 (embeddings) .. layers
    batch_size: int
    device: str
    # what computed a vector, beside the model's name, in the vector cache's key: the torch and
    # ONNX runtimes tokenise some rare texts differently (combining marks, U+0085), so neither
    # may reuse the other's vectors
    cache_tag: str

    def forward(self, rows: Sequence[Sequence[int]], layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Unit sentence vectors (texts, dimension) and `layer`'s token states (texts, tokens,
        dimension) of token id rows of any lengths (padded here)."""
        ...


def length_batches(lengths: Sequence[int], max_rows: int, max_padded: int) -> list[list[int]]:
    """Indices of items in batches of similar length: at most `max_rows` items and at most
    `max_padded` padded positions (items x the batch's longest) each, since a network's memory
    grows with rows x length^2 (attention). The encoder and the divergence detector batch so."""
    batches: list[list[int]] = []
    for k in sorted(range(len(lengths)), key=lambda k: lengths[k]):  # ascending: k is the batch's longest
        if batches and len(batches[-1]) < max_rows and (len(batches[-1]) + 1) * lengths[k] <= max_padded:
            batches[-1].append(k)
        else:
            batches.append([k])
    return batches


def cpu_threads() -> int:
    """The cores this process may use: `WORKBENCH_THREADS` when set (a batch's workers share a
    machine, each with its own share of the cores), else every core it may run on."""
    given = os.environ.get("WORKBENCH_THREADS", "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _padded(rows: Sequence[Sequence[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(row) for row in rows)
    ids = np.full((len(rows), width), pad, np.int64)
    mask = np.zeros((len(rows), width), np.int64)
    for k, row in enumerate(rows):
        ids[k, :len(row)] = row
        mask[k, :len(row)] = 1
    return ids, mask


class WordTable:
    """The word-embedding table (a float16 .npy file, workbench.embed.graph), read from disk a
    row at a time as pieces ask for them. Not memory-mapped: a text's pieces lie all over the
    250,002 rows, four or five to a 4 kB page, so a mapping had most of the file's 192 MB
    resident after a thousand sentences (counted in the run's peak memory); a read copies only
    the rows asked for, and the operating system's page cache keeps the file fast to read."""

    def __init__(self, path: Path):
        header = np.load(path, mmap_mode="r")  # the shape, type and data offset; no row is read
        self.shape, self.dtype, self._offset = header.shape, header.dtype, header.offset
        self._row_bytes = header.shape[1] * header.dtype.itemsize
        del header
        self._file = os.open(path, os.O_RDONLY)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The rows of `ids` (any shape) as float32, shaped (*ids.shape, dimension)."""
        wanted, where = np.unique(ids, return_inverse=True)
        found = b"".join(os.pread(self._file, self._row_bytes, self._offset + int(i) * self._row_bytes) for i in wanted)
        table = np.frombuffer(found, self.dtype).reshape(len(wanted), self.shape[1])
        return table[where.reshape(ids.shape)].astype(np.float32)

    def __del__(self) -> None:
        if hasattr(self, "_file"):  # not when the file could not be opened
            os.close(self._file)


class OnnxRuntime:
    """The default model's graph on ONNX Runtime's CPU provider; `folder` as
    workbench.embed.graph writes it."""

    def __init__(self, folder: Path):
        # No telemetry from a local tool; and ONNX Runtime's telemetry keeps a SQLite file in
        # ~/.cache/Microsoft/DeveloperTools open in every process that loaded it, which other
        # processes loading the model then share (a scoring child left from an earlier
        # session held it while a new server's export waited).
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime

        from workbench.embed.pieces import PieceTokenizer

        settings = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = cpu_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # its warnings are about graph optimisation, not the user's input
        self.session = onnxruntime.InferenceSession(str(folder / GRAPH), options, providers=["CPUExecutionProvider"])
        self.embeddings = WordTable(folder / EMBEDDINGS)
        self.tokenizer = PieceTokenizer(folder / TOKENIZER)
        self.prompt = settings["prompt"]
        self.max_tokens = settings["max_tokens"]
        self.dimension = settings["dimension"]
        self.layers = settings["layers"]
        self.pad_id = settings["pad_id"]
        self.batch_size = CPU_BATCH
        self.device = "cpu"
        self.cache_tag = ""  # the default CPU path: the vectors cached by every release before the tag

    def forward(self, rows: Sequence[Sequence[int]], layer: int) -> tuple[np.ndarray, np.ndarray]:
        ids, mask = _padded(rows, self.pad_id)
        words = self.embeddings.rows(ids)
        sentence, states = self.session.run(["sentence", f"layer_{layer}"], {"word_embeddings": words, "attention_mask": mask})
        return unit(sentence).astype(np.float32), states


class TorchRuntime:
    """A sentence-transformers model: its transformer with every layer's states kept, then its
    own pooling and normalisation modules."""

    def __init__(self, model: SentenceTransformer):
        self.model = model
        self.transformer = model[0].auto_model
        self.transformer.config.output_hidden_states = True  # sentence-transformers then keeps them
        # Whole texts are tokenised with a copy that never truncates or pads: sentence-transformers
        # sets truncation and padding on the shared tokenizer for every batch, and changing those
        # settings while another thread (Streamlit runs one per session) tokenises fails with
        # "Already borrowed".
        self.tokenizer = copy.deepcopy(model.tokenizer.backend_tokenizer)
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        # e5 and its kin were trained with a task prefix; "query" is the symmetric one.
        self.prompt = model.prompts.get("query") or ""
        self.max_tokens = int(model.max_seq_length)
        self.dimension = model.get_embedding_dimension()
        self.layers = self.transformer.config.num_hidden_layers
        self.pad_id = model.tokenizer.pad_token_id or 0
        self.device = str(self.transformer.device.type)
        self.batch_size = GPU_BATCH if self.device == "cuda" else CPU_BATCH
        self.cache_tag = f"torch-{self.device}"
        # as sentence-transformers counts it, for poolings that leave the prompt out
        self._prompt_length = len(self.tokenizer.encode(self.prompt).ids) - 1 if self.prompt else 0

    def forward(self, rows: Sequence[Sequence[int]], layer: int) -> tuple[np.ndarray, np.ndarray]:
        import torch

        ids, mask = _padded(rows, self.pad_id)
        features = {"input_ids": torch.from_numpy(ids).to(self.transformer.device),
                    "attention_mask": torch.from_numpy(mask).to(self.transformer.device)}
        if self._prompt_length:
            features["prompt_length"] = self._prompt_length
        with torch.inference_mode():
            output = self.model(features)
        sentence = output["sentence_embedding"].float().cpu().numpy()
        return unit(sentence).astype(np.float32), output["all_layer_embeddings"][layer].float().cpu().numpy()
