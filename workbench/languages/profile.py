"""The shape of a language profile, and the helpers its files are written with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    """What the workbench knows of one language (ISO 639-1 `code`)."""

    code: str
    direction: str = "ltr"  # "rtl" for the Arabic and Hebrew scripts
    stop_words: frozenset[str] = frozenset()  # function words: never reported as missing
    negation_words: frozenset[str] = frozenset()  # words that negate: content however short
    negation: str | None = None  # regex of sentential negation (None: no negation check)
    negation_idioms: str | None = None  # regex of idioms that hold a marker but do not negate
    number_words: Mapping[str, int] = field(default_factory=dict)  # small numbers written out
    ordinal_words: Mapping[str, int] = field(default_factory=dict)  # "eighteenth", "هیجدهم": 1-20, tens
    tens_words: Mapping[str, int] = field(default_factory=dict)  # "twenty", "بیست": joined with a unit ordinal
    and_words: frozenset[str] = frozenset()  # the "and" inside a compound ordinal ("بیست و یکم")
    abbreviations: frozenset[str] = frozenset()  # a "." after these does not end a sentence
    number_abbreviations: frozenset[str] = frozenset()  # ... when a number follows ("No. 5")
    ordinal_dot: bool = False  # writes ordinal numbers with a dot ("9. September")
    capitalised_nouns: bool = False  # capitalises every noun, so capitals do not mark names
    letters: Mapping[str, str] = field(default_factory=dict)  # letters unified for comparison
    bleu_tokenize: str = "13a"  # sacrebleu's tokenizer ("char" for scripts without spaces)

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def words(text: str) -> frozenset[str]:
    """A profile's word list, written as whitespace-separated words."""
    return frozenset(text.split())


def numbers(table: Mapping[int, str]) -> dict[str, int]:
    """Number words by value ({2: "two deux"}) as a word -> value map."""
    return {word: value for value, spelled in table.items() for word in spelled.split()}
