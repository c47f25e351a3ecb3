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
    ordinal_words=numbers({1: "erste erster ersten erstes erstem", 2: "zweite zweiter zweiten zweites zweitem",
                           3: "dritte dritter dritten drittes drittem", 4: "vierte vierter vierten viertes",
                           5: "fünfte fünfter fünften fünftes", 6: "sechste sechster sechsten sechstes",
                           7: "siebte siebter siebten siebtes", 8: "achte achter achten achtes",
                           9: "neunte neunter neunten neuntes", 10: "zehnte zehnter zehnten zehntes",
                           11: "elfte elfter elften", 12: "zwölfte zwölfter zwölften",
                           13: "dreizehnte dreizehnter dreizehnten", 14: "vierzehnte vierzehnter vierzehnten",
                           15: "fünfzehnte fünfzehnter fünfzehnten", 16: "sechzehnte sechzehnter sechzehnten",
                           17: "siebzehnte siebzehnter siebzehnten", 18: "achtzehnte achtzehnter achtzehnten",
                           19: "neunzehnte neunzehnter neunzehnten", 20: "zwanzigste zwanzigster zwanzigsten",
                           30: "dreissigste dreißigste dreissigsten dreißigsten"}),
    abbreviations=words("Hr Dipl Ing bzw Bzw usw Usw ggf Ggf vgl Vgl evtl Evtl sog Sog"),
    number_abbreviations=words("Nr nr S Tel Fr Std"),
    ordinal_dot=True,
    capitalised_nouns=True,
),)
