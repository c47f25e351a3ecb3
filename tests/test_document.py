"""Reading files into a Bitext, on the seed articles and encodings of them."""

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.text.document import MAX_BYTES, decode, detect_language, from_texts, load, read_text
from workbench.text.segment import normalise

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_000 = SEEDS / "000_e5fe0829ebe86db2.txt"
SEED_001 = SEEDS / "001_462250527ab90e64.txt"
SEED_002 = SEEDS / "002_45ebe1dc7f79ec5f.txt"
SEED_003 = SEEDS / "003_d8a1cc2f15a9589f.txt"
SEED_004 = SEEDS / "004_7d9e66e50099eb0e.txt"


def file_lines(path: Path) -> list[str]:
    """The file's lines, stripped; index 0 is line 1."""
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n")]


LINES_000 = file_lines(SEED_000)
ENGLISH_000 = LINES_000[1:17]  # lines 2-17
PERSIAN_000 = LINES_000[17:29]  # lines 18-29


# --- the bilingual seed -----------------------------------------------------------------


def test_seed_000_splits_into_english_source_and_persian_translation():
    bitext = load(SEED_000)

    assert bitext.layout == "halves"
    assert bitext.src.lang == "en" and bitext.tgt.lang == "fa"
    assert bitext.src.paragraphs == ENGLISH_000
    assert len(bitext.src.paragraphs) == 16
    assert bitext.src.paragraphs[0] == "EXCLUSIVE: US, Iranian officials held secret talks in Iraq last week"
    assert bitext.src.paragraphs[-1].startswith("In March, Iran's President Hassan Rouhani")
    assert bitext.tgt.paragraphs == PERSIAN_000
    assert len(bitext.tgt.paragraphs) == 12
    assert bitext.tgt.paragraphs[0].startswith("خبر اختصاصی خبرگزاری آی 24")
    assert bitext.tgt.paragraphs[-1].startswith("منبع خبر: https://www.i24news.tv/")
    assert bitext.src.name == SEED_000.name  # its name, not where the server keeps it


def test_seed_000_notes_say_what_was_decided():
    notes = load(SEED_000).notes

    assert "line 1 repeats line 18; set aside" in notes
    assert "source: English (en), 16 paragraphs (lines 2-17)" in notes
    assert "translation: Persian (fa), 12 paragraphs (lines 18-29)" in notes


def test_given_languages_choose_the_source_and_must_be_in_the_file():
    assert load(SEED_000, src_lang="fa").src.paragraphs == PERSIAN_000
    assert load(SEED_000, tgt_lang="EN").tgt.lang == "en"
    with pytest.raises(InputError, match=r"000_e5fe0829ebe86db2\.txt: no Arabic \(ar\) found"):
        load(SEED_000, src_lang="ar")
    with pytest.raises(InputError, match="not a language code"):
        load(SEED_000, src_lang="english")


def test_interleaved_paragraphs_and_translations_are_separated():
    # Real pairs of seed 000: English line -> its Persian translation line.
    pairs = [(5, 20), (6, 21), (7, 22), (11, 23), (12, 24), (15, 26), (16, 27), (17, 28)]
    text = "\n\n".join(f"{LINES_000[en - 1]}\n{LINES_000[fa - 1]}" for en, fa in pairs)

    bitext = from_texts(text, name="interleaved.txt")

    assert bitext.layout == "interleaved"
    assert bitext.src.lang == "en" and bitext.tgt.lang == "fa"
    assert bitext.src.paragraphs == [LINES_000[en - 1] for en, _ in pairs]
    assert bitext.tgt.paragraphs == [LINES_000[fa - 1] for _, fa in pairs]


def test_two_languages_in_one_script_are_separated_line_by_line():
    # English (seed 001) and Turkish (seed 004), with the Turkish headline repeated on top
    # as seed 000 does with its Persian one: the detector, not the script, must tell them apart.
    english = [line for line in file_lines(SEED_001) if line]
    turkish = [line for line in file_lines(SEED_004) if line]
    text = "\n".join([turkish[1], *english, *turkish])

    bitext = from_texts(text, name="en-tr.txt")

    assert (bitext.layout, bitext.src.lang, bitext.tgt.lang) == ("halves", "en", "tr")
    assert bitext.src.paragraphs == english  # "Iran", "Leave a Reply": short, placed by their half
    assert bitext.tgt.paragraphs == turkish  # "Dünya" too
    assert "line 1 repeats line 19; set aside" in bitext.notes


@pytest.mark.parametrize("seed, lang", [(SEED_001, "en"), (SEED_002, "ar"), (SEED_003, "ar"), (SEED_004, "tr")])
def test_a_monolingual_file_alone_is_refused(seed, lang):
    with pytest.raises(InputError, match=rf"{seed.name}: only one language \({lang}\) found"):
        load(seed)


# --- two files ---------------------------------------------------------------------------


def test_two_files_give_their_lines_as_paragraphs(tmp_path):
    original, translation = tmp_path / "original.txt", tmp_path / "translation.txt"
    original.write_text("\n\n".join(ENGLISH_000) + "\n", encoding="utf-8")
    translation.write_text("\r\n".join(PERSIAN_000), encoding="utf-8")

    bitext = load(original, translation)

    assert bitext.layout == "two files"
    assert (bitext.src.lang, bitext.tgt.lang) == ("en", "fa")
    assert bitext.src.paragraphs == ENGLISH_000
    assert bitext.tgt.paragraphs == PERSIAN_000
    assert (bitext.src.name, bitext.tgt.name) == (original.name, translation.name)


def test_two_files_in_one_language_and_repeated_lines_are_noted():
    bitext = load(SEED_002, SEED_003)

    assert (bitext.src.lang, bitext.tgt.lang) == ("ar", "ar")
    assert "both texts are in Arabic (ar)" in bitext.notes
    # Seed 003 repeats its headline (line 4 = line 1) and "no other articles" (60 = 58).
    assert f"{SEED_003.name}: line 4 repeats line 1; kept" in bitext.notes
    assert f"{SEED_003.name}: line 60 repeats line 58; kept" in bitext.notes
    assert not any(str(SEED_003.parent) in note for note in bitext.notes)  # no server path


def test_given_languages_are_taken_as_they_are_for_two_files():
    bitext = from_texts("\n".join(ENGLISH_000), "\n".join(PERSIAN_000), src_lang="en", tgt_lang="fa")
    assert (bitext.src.lang, bitext.tgt.lang) == ("en", "fa")


def test_text_without_letters_is_refused():
    with pytest.raises(InputError, match="numbers.txt: cannot tell the language"):
        from_texts("\n".join(ENGLISH_000), "125\n2019 - 07 - 09", translation_name="numbers.txt")


# --- languages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed, lang", [(SEED_001, "en"), (SEED_002, "ar"), (SEED_003, "ar"), (SEED_004, "tr")]
)
def test_language_of_each_seed(seed, lang):
    assert detect_language(read_text(seed)) == lang


def test_persian_and_arabic_are_told_apart_paragraph_by_paragraph():
    assert detect_language("\n".join(PERSIAN_000)) == "fa"
    assert detect_language("\n".join(ENGLISH_000)) == "en"
    arabic = [line for seed in (SEED_002, SEED_003) for line in file_lines(seed) if len(line) >= 40]
    persian = [line for line in PERSIAN_000 if len(line) >= 40]
    assert {detect_language(line) for line in persian} == {"fa"}
    assert {detect_language(line) for line in arabic} == {"ar"}


def test_no_language_without_letters():
    assert detect_language("125 - 2019") is None


# --- decoding ----------------------------------------------------------------------------

PERSIAN_TEXT = "\n".join(PERSIAN_000)


def test_utf16_with_and_without_bom_and_utf8_with_bom_decode_to_the_same_text():
    for data in (
        PERSIAN_TEXT.encode("utf-16"),
        codecs.BOM_UTF16_BE + PERSIAN_TEXT.encode("utf-16-be"),
        PERSIAN_TEXT.encode("utf-16-le"),
        PERSIAN_TEXT.encode("utf-16-be"),
        codecs.BOM_UTF8 + PERSIAN_TEXT.encode("utf-8"),
    ):
        assert decode(data, "fa.txt") == PERSIAN_TEXT


def test_windows_1256_decodes_to_the_same_normalised_text():
    # Windows-1256 has no Persian yeh (ی) and no Persian digits: such files are typed with
    # the Arabic yeh (ي) and ASCII digits, which normalise() brings back together.
    as_typed = PERSIAN_TEXT.translate(str.maketrans("ی۰۱۲۳۴۵۶۷۸۹", "ي0123456789"))
    data = as_typed.replace("\n", "\r\n").encode("cp1256")

    text = decode(data, "fa-1256.txt")

    assert text == as_typed
    assert [normalise(line, "fa") for line in text.split("\n")] == [normalise(line, "fa") for line in PERSIAN_000]
    assert detect_language(text) == "fa"


def test_newlines_are_normalised():
    assert decode("one\r\ntwo\rthree\n".encode("utf-8"), "x.txt") == "one\ntwo\nthree\n"


def test_binary_files_are_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("article.txt", "\n".join(ENGLISH_000))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    for name, data in (("a.zip", archive.getvalue()), ("a.png", png), ("a.pdf", pdf)):
        with pytest.raises(InputError, match=rf"^{name}: this is a binary file, not text$"):
            decode(data, name)


def test_empty_files_are_refused():
    for data in (b"", b"  \r\n\t\n", codecs.BOM_UTF8, " \n".encode("utf-16")):
        with pytest.raises(InputError, match=r"^x\.txt: the file is empty$"):
            decode(data, "x.txt")


def test_text_in_another_code_page_is_refused_not_misread():
    # Russian in Windows-1251 decodes in Windows-1256 too, to Arabic and French letters
    # mixed inside words: that must be an error, not a text.
    data = "Секретные переговоры между американскими и иранскими чиновниками".encode("cp1251")
    with pytest.raises(InputError, match=r"^ru\.txt: cannot decode the text \(not UTF-8, UTF-16 or Windows-1256\)$"):
        decode(data, "ru.txt")


def test_too_large_files_are_refused_before_reading(tmp_path):
    with pytest.raises(InputError, match=r"^big\.txt: the file is larger than 20 MB"):
        decode(b"a" * (MAX_BYTES + 1), "big.txt")
    big = tmp_path / "big.txt"
    with big.open("wb") as file:
        file.truncate(MAX_BYTES + 1)
    with pytest.raises(InputError, match="big.txt: the file is larger than 20 MB"):
        read_text(big)


def test_missing_file_and_folder_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"missing\.txt: no such file"):
        read_text(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="is a folder, not a file"):
        load(tmp_path)


def test_an_empty_second_file_is_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n\n")
    with pytest.raises(InputError, match=r"empty\.txt: the file is empty"):
        load(SEED_001, empty)


def test_a_short_line_between_same_script_halves_goes_with_its_language():
    """'Madde 9' (Turkish, too short to detect) ends the Turkish half right before the
    English one: it must not be handed to English because the split falls before it."""
    udhr = Path(__file__).resolve().parents[1] / "benchmarks" / "udhr" / "en-tr"
    english = (udhr / "src.txt").read_text(encoding="utf-8").splitlines()[:30]
    turkish = (udhr / "tgt.txt").read_text(encoding="utf-8").splitlines()[:30]
    assert turkish[-1] == "Madde 9"
    bitext = from_texts("\n".join(turkish + english), name="halves.txt")
    assert (bitext.src.lang, bitext.tgt.lang) == ("en", "tr")
    assert bitext.tgt.paragraphs == turkish and bitext.src.paragraphs == english
