"""Sentence segmentation and the normalised form, on the seed articles and real sentences."""

from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.text.segment import normalise, segment

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def seed_line(name: str, number: int) -> str:
    """Line `number` (1-based) of a seed, stripped."""
    return (SEEDS / name).read_text(encoding="utf-8").split("\n")[number - 1].strip()


def line_000(number: int) -> str:
    return seed_line("000_e5fe0829ebe86db2.txt", number)


ENGLISH_000 = [line_000(number) for number in range(2, 18)]
PERSIAN_000 = [line_000(number) for number in range(18, 30)]


def texts(paragraph: str, lang: str) -> list[str]:
    return [segment.text for segment in segment([paragraph], lang)]


def test_segments_are_numbered_slices_of_their_paragraphs():
    for paragraphs, lang in ((ENGLISH_000, "en"), (PERSIAN_000, "fa")):
        segments = segment(paragraphs, lang)
        assert [s.id for s in segments] == list(range(len(segments)))
        assert sorted({s.paragraph for s in segments}) == list(range(len(paragraphs)))
        for s in segments:
            assert paragraphs[s.paragraph][s.start:s.end] == s.text
            assert s.text == s.text.strip() and s.text
            assert s.norm == normalise(s.text, lang)


def test_seed_000_english_half_sentences():
    segments = segment(ENGLISH_000, "en")

    assert len(segments) == 18  # 16 paragraphs, two of which hold two sentences
    assert [s.text for s in segments if s.paragraph == 6] == [
        'i24NEWS reached out to the US State Department for comment in which a spokesperson responded: "That is false.',
        'There is no validity to this report."',
    ]
    assert [s.text for s in segments if s.paragraph == 8] == [
        '"Iran has rejected diplomacy too many times," he said in the interview.',
        '"There are no back-channel talks between the US and Iran."',
    ]


def test_seed_000_persian_half_sentences():
    segments = segment(PERSIAN_000, "fa")

    assert len(segments) == 14  # 12 paragraphs, two of which hold two sentences
    assert [s.text for s in segments if s.paragraph == 4] == [
        "ایران گزارش داده با احزاب مخالف کُرد که در عراق مستقر هستند تماس گرفته است.",
        PERSIAN_000[4][76:],
    ]
    # Neither the colon of the headline nor the URL of the source line cuts a sentence.
    assert segments[0].text == PERSIAN_000[0]
    assert segments[-1].text == PERSIAN_000[-1]


def test_title_abbreviation_does_not_end_a_sentence():
    paragraph = line_000(14)  # "... such as Gen. Ali Nasiri, who has likely been detained, ..."
    assert texts(paragraph, "en") == [paragraph]


def test_dotted_abbreviations_and_initials_do_not_end_a_sentence():
    assert texts(
        "i24NEWS reached out to the U.S. State Department for comment. A spokesperson responded.", "en"
    ) == ["i24NEWS reached out to the U.S. State Department for comment.", "A spokesperson responded."]
    assert texts("The Lord of the Rings by J. R. R. Tolkien appeared in 1954. It sold well.", "en") == [
        "The Lord of the Rings by J. R. R. Tolkien appeared in 1954.",
        "It sold well.",
    ]
    assert texts("Dr. Brian Hook met Mr. Masjedi on Jan. 5, e.g. in Erbil. No. 5 was absent.", "en") == [
        "Dr. Brian Hook met Mr. Masjedi on Jan. 5, e.g. in Erbil.",
        "No. 5 was absent.",
    ]


def test_decimal_numbers_do_not_end_a_sentence():
    paragraph = seed_line("001_462250527ab90e64.txt", 21)
    assert texts(paragraph, "en")[1:] == [
        "Now, Iran is threatening to enrich its uranium past 20%.",
        "The level as of early this week was 4.5%.",
    ]


def test_lowercase_after_a_stop_continues_the_sentence():
    assert texts('"Why?" he asked. "Because the talks remained useless."', "en") == [
        '"Why?" he asked.',
        '"Because the talks remained useless."',
    ]


def test_persian_question_mark_closing_quote_and_missing_final_stop():
    paragraph = (
        "آیا مقامات ایرانی و آمریکایی در عراق مذاکره کرده اند؟ "
        "سخنگو گفت: «این گزارش اعتبار ندارد.» "
        "نرخ غنی سازی ۴٫۵ درصد است"
    )
    assert texts(paragraph, "fa") == [
        "آیا مقامات ایرانی و آمریکایی در عراق مذاکره کرده اند؟",
        "سخنگو گفت: «این گزارش اعتبار ندارد.»",
        "نرخ غنی سازی ۴٫۵ درصد است",
    ]


def test_arabic_headline_with_double_dot_and_question_exclamation():
    paragraph = seed_line("002_45ebe1dc7f79ec5f.txt", 3)
    assert texts(paragraph, "ar") == [
        "رغم النفي الإيراني..",
        "تقرير يكشف تفاصيل “محادثات مسقط السرية” مع أمريكا ؟!",
    ]


def test_turkish_quotation_ordinals_and_titles():
    paragraph = seed_line("004_7d9e66e50099eb0e.txt", 13)
    sentences = texts(paragraph, "tr")
    assert len(sentences) == 3
    assert sentences[0].endswith('"Kaani, salı günü Bağdat\'a uçakla geldi.')
    assert sentences[2] == 'Başbakan (Muhammed Şiya) es-Sudani ile de görüşmesi bekleniyor" dedi.'
    assert texts("Prof. Dr. İsmail Kaani, 2. Dünya Savaşı ve vb. konulardan söz etti. Irak'a gitti.", "tr") == [
        "Prof. Dr. İsmail Kaani, 2. Dünya Savaşı ve vb. konulardan söz etti.",
        "Irak'a gitti.",
    ]


def test_lines_split_keeps_paragraphs_whole():
    paragraphs = ["  From i24NEWS ", "", *ENGLISH_000[6:9]]
    segments = segment(paragraphs, "en", split="lines")
    assert [s.text for s in segments] == ["From i24NEWS", *ENGLISH_000[6:9]]
    assert [s.paragraph for s in segments] == [0, 2, 3, 4]
    assert (segments[0].start, segments[0].end) == (2, 14)


def test_unknown_split_is_an_input_error():
    with pytest.raises(InputError, match="unknown split 'words'"):
        segment(ENGLISH_000, "en", split="words")


def test_normalise_digits_and_separators():
    assert normalise("۱۲۵ مقام ایرانی", "fa") == "125 مقام ایرانی"
    assert normalise("۴٫۵ درصد", "fa") == "4.5 درصد"
    assert normalise("١٢٥ مسؤولا و١٬٠٠٠ دولار", "ar") == "125 مسؤولا و1,000 دولار"


def test_normalise_persian_letters_but_not_arabic_ones():
    assert normalise("علي كريمي", "fa") == "علی کریمی"
    assert normalise("مصطفى", "fa") == "مصطفی"
    assert normalise("علي كريمي", "ar") == "علي كريمي"


def test_normalise_zwnj_tatweel_diacritics_and_spaces():
    # With and without the zero-width non-joiner, "have been arrested" is the same word.
    assert normalise("بازداشت شده\u200cاند", "fa") == normalise("بازداشت شدهاند", "fa") == "بازداشت شدهاند"
    assert normalise("مُحَمَّد", "ar") == "محمد"
    assert normalise("الـــحرب", "ar") == "الحرب"
    assert normalise("  Iran\u00a0has \n rejected ", "en") == "Iran has rejected"
    assert normalise("ﻻ", "ar") == "لا"  # presentation form (NFKC)


def test_segment_text_keeps_the_writing_and_norm_compares():
    (first,) = [s for s in segment(PERSIAN_000[1:2], "fa")]
    assert "۱۲۵" in first.text and "125" in first.norm
