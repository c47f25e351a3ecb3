"""Properties of the text path, over any input hypothesis can think of: decode -> segment ->
export -> read back gives back what was written, and a file the workbench did not write (or
one edited by hand) reads back or is refused with an InputError, never anything else.

No model: the alignment is built from the segments directly (the i-th source segment with
the i-th target one, the rest left unlinked), with synthetic scores; what is under test is
the text and file handling, which must hold for every string."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from workbench.errors import InputError
from workbench.model import LABELS, Alignment, DocumentFidelity, Link, LinkFidelity, scored
from workbench.output import export
from workbench.text.document import decode
from workbench.text.segment import MAX_SEGMENT_CHARS, segment

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text with what real documents and hostile ones hold: letters of the pair's scripts, digits of
# several scripts, sentence ends, quotes, formula triggers, bidi and zero-width controls, ESC,
# newlines of every kind, and anything else in the Basic Multilingual Plane.
_ALPHABET = st.one_of(
    st.sampled_from(list("abc XYZ. ?!,;:'\"«»=+-@\t\r\n\u2028\u0085")),
    st.sampled_from(list("خانه بسیج نیروهای ۱۲۳ ٤٥ ؟،٫\u200c\u200f\u202e\u0640")),
    st.sampled_from(list("\x1b[31m\x07\x00\x7f\ufeff\ufffe")),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)
texts = st.text(_ALPHABET, min_size=1, max_size=400)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1256"])


def _encoded(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
        raise


def _decoded_or_refused(data: bytes, name: str) -> str | None:
    try:
        return decode(data, name)
    except InputError as error:
        assert "\n" not in str(error)
        return None


def _alignment(src_text: str, tgt_text: str, split: str) -> Alignment:
    src = segment(src_text.split("\n"), "en", split)
    tgt = segment(tgt_text.split("\n"), "fa", split)
    both = min(len(src), len(tgt))
    links = [Link((k,), (k,), round(0.5 - k / 1000, 4)) for k in range(both)]
    links += [Link((k,), ()) for k in range(both, len(src))] + [Link((), (k,)) for k in range(both, len(tgt))]
    return Alignment(src, tgt, "en", "fa", links, model="test", signature="test")


def _scored(alignment: Alignment):
    labels = [label for label in LABELS if label not in ("omission", "addition")]
    scores = [
        LinkFidelity(0.0, "omission") if not link.tgt else LinkFidelity(0.0, "addition") if not link.src
        else LinkFidelity(round(0.25 + (k % 3) / 4, 4), labels[k % len(labels)], ("length_ratio",) if k % 2 else (),
                          ((0, 1),) if k % 2 else ())
        for k, link in enumerate(alignment.links)
    ]
    return scored(alignment, scores, DocumentFidelity(0.5, 0.5, "partial translation", {}, {}))


@SETTINGS
@given(texts, texts, encodings, encodings, st.sampled_from(["sentences", "lines"]), st.sampled_from([".csv", ".jsonl"]))
@example("Basij. " * 500, "نیروها. " * 400, "utf-8", "utf-16", "sentences", ".csv")
@example("x" * (3 * MAX_SEGMENT_CHARS), "ب" * (MAX_SEGMENT_CHARS + 1), "utf-8", "cp1256", "lines", ".jsonl")
@example("=HYPERLINK(\"x\")\n'=1\n\x1b]0;title\x07", "\ud7ff\u202eabc", "utf-8", "utf-8", "lines", ".csv")
def test_decode_segment_export_read_back(tmp_path_factory, src_text, tgt_text, src_encoding, tgt_encoding, split, suffix):
    src_decoded = _decoded_or_refused(_encoded(src_text, src_encoding), "src.txt")
    tgt_decoded = _decoded_or_refused(_encoded(tgt_text, tgt_encoding), "tgt.txt")
    assume(src_decoded is not None and tgt_decoded is not None)
    alignment = _alignment(src_decoded, tgt_decoded, split)
    assume(alignment.links)
    for side in (alignment.src, alignment.tgt):
        assert all(0 < len(s.text) <= MAX_SEGMENT_CHARS and s.text == s.text.strip() for s in side)
    result = _scored(alignment)
    path = export.write(result, tmp_path_factory.mktemp("export") / f"aligned{suffix}")
    assert export.read_rows(path) == export.rows(result)
    back = export.read_alignment(path)
    assert [s.text for s in back.src] == [s.text for s in alignment.src]
    assert [s.text for s in back.tgt] == [s.text for s in alignment.tgt]
    assert [(link.src, link.tgt) for link in back.links] == [(link.src, link.tgt) for link in alignment.links]
    assert [(s.fidelity, s.label, s.issues) for s in back.scores] == [(s.fidelity, s.label, s.issues) for s in result.scores]


def _written(tmp_path_factory, suffix: str) -> bytes:
    alignment = _scored(_alignment("One. Two. Three.", "یک. دو.", "sentences"))
    return export.write(alignment, tmp_path_factory.mktemp("export") / f"aligned{suffix}").read_bytes()


def _reads_back_or_refuses(path) -> None:
    try:
        back = export.read_alignment(path)
    except InputError as error:
        assert "\n" not in str(error).strip()
        return
    assert all(s.fidelity is None or (math.isfinite(s.fidelity) and 0 <= s.fidelity <= 1) for s in back.scores)


@SETTINGS
@given(st.sampled_from([".csv", ".jsonl"]), st.data())
def test_an_edited_export_reads_back_or_is_refused(tmp_path_factory, suffix, data):
    """Bytes deleted, replaced or inserted anywhere in a real export (a hand edit gone wrong)."""
    written = bytearray(_written(tmp_path_factory, suffix))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(written)))
        piece = data.draw(st.one_of(st.binary(max_size=8), st.sampled_from(
            [b"nan", b"inf", b"-3", b"1e999", b'"\\ud800"', b"\x00", b"[[[[", b",", b"\n", b'"', b"\xff\xfe"])))
        written[at:at + data.draw(st.integers(0, 6))] = piece
    path = tmp_path_factory.mktemp("edited") / f"aligned{suffix}"
    path.write_bytes(bytes(written))
    _reads_back_or_refuses(path)


@SETTINGS
@given(st.sampled_from(["fidelity", "similarity", "link", "src_ids", "src_spans", "label", "src_text"]),
       st.one_of(st.sampled_from(["nan", "inf", "-inf", "-3", "3", "1e999", "\ud800", "0x10", "", " ", "9" * 5000]),
                 st.text(max_size=20), st.integers(), st.floats()))
def test_a_hand_edited_value_reads_back_or_is_refused(tmp_path_factory, column, value):
    """One value of a JSONL export replaced by anything (JSON allows NaN, Infinity, lone surrogates)."""
    lines = _written(tmp_path_factory, ".jsonl").decode("utf-8").splitlines()
    record = json.loads(lines[0])
    record[column] = value
    lines[0] = json.dumps(record, ensure_ascii=True)
    path = tmp_path_factory.mktemp("edited") / "aligned.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _reads_back_or_refuses(path)


def test_a_huge_csv_cell_reads_back(tmp_path):
    """A cell over the csv module's default field limit (131,072 characters) is no error."""
    alignment = _scored(_alignment("A short one.\n" + "word " * 40_000, "یک.\n" + "واژه " * 30_000, "lines"))
    rows = export.rows(alignment)
    rows[0]["src_text"] = "x" * 200_000
    path = export.write(alignment, tmp_path / "aligned.csv")
    text = path.read_text(encoding="utf-8-sig").replace("A short one.", "y" * 200_000, 1)
    path.write_text(text, encoding="utf-8")
    back = export.read_alignment(path)
    assert back.src[0].text == "y" * 200_000


@pytest.mark.parametrize("spans", [b"[[1]]", b"[[1, 2, 3]]", b'[["a", 2]]', b"[1]"])
def test_a_jsonl_span_that_is_no_pair_is_refused(tmp_path_factory, spans):
    """A span edited into something that is not [start, end] (found by the property above): one line."""
    written = _written(tmp_path_factory, ".jsonl")
    assert b'"src_spans": []' in written
    path = tmp_path_factory.mktemp("edited") / "aligned.jsonl"
    path.write_bytes(written.replace(b'"src_spans": []', b'"src_spans": ' + spans, 1))
    with pytest.raises(InputError, match="src_spans is not a list of"):
        export.read_alignment(path)
