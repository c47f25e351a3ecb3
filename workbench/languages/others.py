"""Languages the workbench knows one or two things of: direction, ordinal dots, titles, tokenizing."""

from workbench.languages.profile import Profile, words

_ORDINAL_DOT = "da nb nn no fi is et lv lt cs sk pl hu sl hr bs sr"

PROFILES = (
    Profile("ur", direction="rtl", letters={"ي": "ی", "ى": "ی", "ك": "ک"}),
    Profile("he", direction="rtl"),
    Profile("es", abbreviations=words("Sra Srta")),
    Profile("lb", capitalised_nouns=True),
    *(Profile(code, ordinal_dot=True) for code in _ORDINAL_DOT.split()),
    *(Profile(code, bleu_tokenize="char") for code in ("zh", "ja", "ko", "th")),
)
