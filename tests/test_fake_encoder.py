"""Self-check of the fast-tier fake encoder (tests/fake_encoder.py)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from fake_encoder import FakeEncoder

LEXICON = {"house": "HOUSE", "maison": "HOUSE", "خانه": "HOUSE",
           "red": "RED", "rouge": "RED", "قرمز": "RED", "the": "THE", "la": "THE", "le": "THE"}


def cos(a, b):
    return float(a @ b)


def test_rows_are_unit_float32_and_empty_input_has_dimension():
    enc = FakeEncoder(dimension=64)
    vectors = enc.encode(["a house", "", "۱۲۳ — !", "Hello world"])
    assert vectors.dtype == np.float32 and vectors.shape == (4, 64)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-6)
    assert enc.encode([]).shape == (0, 64)
    assert enc.calls == 1  # the empty call does not count


def test_deterministic_across_instances_and_processes():
    texts = ["The red house.", "la maison rouge", "خانه‌ی قرمز"]
    first = FakeEncoder(LEXICON).encode(texts)
    assert np.array_equal(first, FakeEncoder(LEXICON).encode(texts))
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from fake_encoder import FakeEncoder; "
            "sys.stdout.write(FakeEncoder().encode(['The red house.']).tobytes().hex())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)],
                         capture_output=True, text=True, check=True, env=env).stdout
    assert bytes.fromhex(out) == FakeEncoder().encode(["The red house."]).tobytes()


def test_translations_score_higher_than_unrelated_text():
    enc = FakeEncoder(LEXICON)
    house, maison, chat, khane = enc.encode(["the red house", "la maison rouge", "le chat noir", "خانه قرمز"])
    assert cos(house, maison) > 0.99  # same concept bag, same script
    assert cos(house, maison) > cos(house, chat) + 0.3
    assert cos(house, khane) > cos(khane, enc.encode(["گربه سیاه"])[0]) + 0.2
    assert 0.3 < cos(house, chat) < 0.8  # raw cosines of unrelated texts are fairly high, as with e5


def test_same_concept_bag_gives_identical_vector_and_digits_fold_across_scripts():
    enc = FakeEncoder()
    a, b = enc.encode(["Red  house!", "house, RED"])
    assert np.array_equal(a, b)
    latin, persian, arabic = enc.encode(["page 12 of 2024", "page ۱۲ of ۲۰۲۴", "page ١٢ of ٢٠٢٤"])
    assert np.array_equal(latin, persian) and np.array_equal(latin, arabic)


def test_token_spans_slice_back_to_words_of_the_original_text():
    enc = FakeEncoder(LEXICON, dimension=32)
    text = "  من می\u200cخواهم خانه‌ی قرمز را، ۱۲ بار! "
    spans, states = enc.token_states(text)
    assert [text[s:e] for s, e in spans] == ["من", "می\u200cخواهم", "خانه\u200cی", "قرمز", "را", "۱۲", "بار"]
    assert states.shape == (7, 32) and states.dtype == np.float32
    assert np.allclose(np.linalg.norm(states, axis=1), 1, atol=1e-6)
    spans_en, states_en = enc.token_states("The red house.")
    assert [("The red house."[s:e]) for s, e in spans_en] == ["The", "red", "house"]
    # the word "red" matches قرمز across languages better than any other Persian word
    assert int(np.argmax(states @ states_en[1])) == 3
    assert enc.token_states("  ... ")[0] == [] and enc.token_states("")[1].shape == (0, 32)
    assert enc.calls == 0  # token_states does not count as an encode call
