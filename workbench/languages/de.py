"""German."""

from workbench.languages.profile import Profile, numbers, words

PROFILES = (Profile(
    "de",
    stop_words=words("""
        der die das den dem des ein eine einen einem einer eines und oder aber mit von aus bei nach
        seit zum zur für auf über unter vor hinter neben zwischen durch gegen ohne sich sie ihr ihre
        ist sind war waren wird werden wurde wurden hat haben hatte hatten auch noch dass wie als"""),
    negation_words=words("nicht kein keine"),
    negation=r"\b(?:nicht|kein\w*|nie|niemals|niemand\w*|nichts|weder|ohne)\b",
    negation_idioms=r"\bnicht (?:nur|zuletzt)\b",
    number_words=numbers({1: "eins ein eine", 2: "zwei", 3: "drei", 4: "vier", 5: "fünf", 6: "sechs",
                          7: "sieben", 8: "acht", 9: "neun", 10: "zehn"}),
    abbreviations=words("Hr Dipl Ing bzw Bzw usw Usw ggf Ggf vgl Vgl evtl Evtl sog Sog"),
    number_abbreviations=words("Nr nr S Tel Fr Std"),
    ordinal_dot=True,
    capitalised_nouns=True,
),)
