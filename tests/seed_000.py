"""Seed 000 as the fast tier aligns it: the whole pipeline with the fake encoder, reading the
Persian through SEED_LEXICON (a small dictionary of the seed's words), with which it links the
seed as the real model does (test_store.test_the_fast_alignment_has_the_real_models_links,
a `model` test, checks that it still does). Shared by the store and report tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_encoder import FakeEncoder

from workbench import pipeline
from workbench.fidelity import evidence
from workbench.model import ScoredAlignment
from workbench.options import Options
from workbench.text import document

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_e5fe0829ebe86db2.txt"

# Persian words of seed 000 -> the English word they translate (the fake encoder's concepts
# are English words, folded). Content words of each sentence pair, and four frequent
# function words; nothing for the English lines the Persian leaves out.
SEED_LEXICON = {
    # the headline and the arrests
    "اختصاصی": "exclusive", "مقامات": "officials", "مقام": "officials", "ایرانی": "iranian",
    "آمریکایی": "american", "ایالات": "us", "متحده": "us", "هفته": "week", "گذشته": "last",
    "مذاکرات": "talks", "گفتگوها": "talks", "محرمانه": "secret", "مخفی": "secret", "عراق": "iraq",
    "برگزار": "held", "ایران": "iran", "گفته": "said", "گفت": "said", "اتهام": "charged",
    "جرم": "charged", "جاسوسی": "espionage", "تلاش": "attempt", "بازداشت": "arrested",
    "دستگیر": "arrested", "اثر": "neutralize", "رژیم": "regime", "گردانی": "turning",
    # the meetings in Erbil
    "جلسات": "meetings", "بین": "between", "دولتی": "government", "دولت": "government",
    "هتل": "hotel", "اربیل": "erbil", "مرکز": "capital", "اقلیم": "region", "کردستان": "kurdish",
    "کرد": "kurdish", "کردی": "kurdish", "منابع": "sources", "آگاه": "informed",
    "نشانههایی": "signs", "نشان": "shows", "تحول": "upheaval", "تازه": "nascent",
    # the delegation
    "هیئت": "delegation", "سیاست": "policy", "نوه": "grandson", "آیت": "ayatollah",
    "خمینی": "khomeini", "حسن": "hassan", "دو": "two", "سپاه": "corps", "پاسداران": "guard",
    "انقلاب": "revolutionary", "اسلامی": "islamic", "ایرج": "iraj", "مسجدی": "masjedi",
    "نماینده": "envoy", "ویژه": "special",
    # the Kurdish parties
    "گزارش": "reportedly", "احزاب": "parties", "مخالف": "opposition", "مستقر": "based",
    "تماس": "contacting", "داخلی": "internal", "خبرنگار": "correspondent", "ارشد": "senior",
    "فایده": "useless", "کریستین": "christian", "مالارد": "malard", "حزب": "party",
    "کمونیست": "communist", "اعلام": "announced", "بزرگ": "major", "سال": "years",
    "نظارت": "monitoring", "نروژی": "norwegian", "دیدار": "meeting", "هویت": "identity",
    "نپذیرفته": "refused", "فاش": "reveal",
    # the Revolutionary Guards
    "معتقدند": "suggest", "نیروهای": "forces", "نیروی": "forces", "بسیجی": "basij", "پنج": "five",
    "تجربه": "experienced", "تقسیم": "division", "رهبری": "leadership", "مقابله": "counter",
    "کودتای": "coup",
    # the disappeared
    "بسیاری": "many", "دیگر": "others", "پست": "posts", "رسمی": "official", "سادگی": "simply",
    "ناپدید": "disappeared", "عموم": "public", "سردار": "gen", "علی": "ali", "نصیری": "nasiri",
    "احتمالا": "likely", "سوءقصد": "assassination", "طرحهای": "plots", "تزریقات": "injections",
    "کشنده": "fatal", "پزشکی": "medical", "حوادث": "accidents", "رانندگی": "car",
    # the Saudis
    "طی": "during", "سعودی": "saudi", "سعودیها": "saudi", "همان": "same", "نقل": "relocated",
    # Iraq's prime minister and Rouhani's visit
    "مه": "may", "عادل": "adil", "عبدالمهدی": "mahdi", "نخست": "prime", "وزیر": "minister",
    "هیئتهایی": "delegations", "واشنگتن": "washington", "تهران": "tehran", "تنش": "tensions",
    "ارسال": "send", "مارس": "march", "روحانی": "rouhani", "رئیس": "president",
    "نخستین": "first", "سفر": "visit", "فشار": "pressure", "بغداد": "baghdad", "محدود": "limit",
    "روابط": "ties", "همسایه": "neighbor",
    # function words
    "در": "in", "و": "and", "به": "to", "با": "with",
}


def seed_encoder() -> FakeEncoder:
    """The fake encoder that reads seed 000's Persian through SEED_LEXICON."""
    return FakeEncoder(lexicon=SEED_LEXICON)


def align_seed(split: str = "sentences", encoder=None) -> ScoredAlignment:
    """Seed 000 aligned and scored by the whole pipeline (default: with `seed_encoder()`), the
    divergence detector reading the fake's states, as conftest has it in each fast test. Said
    here, since module-scoped fixtures call this before conftest's per-test patch is in place,
    and the detector would load (and, in a fresh checkout, build) the real model to read its."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evidence, "detector_encoder", lambda given: given)
        return pipeline.run_bitext(document.load(SEED), Options(split=split), encoder=encoder or seed_encoder())


