"""English."""

from workbench.languages.profile import Profile, numbers, words

PROFILES = (Profile(
    "en",
    stop_words=words("""
        the and for but nor with from into onto upon that this these those which who whom whose what
        when where while was were are has have had been being its it's their theirs his her hers they
        them you your our ours she him will would shall should can could may might must also than then
        there here such very just only some any each other others about over under after before
        between through during against without within along among per via like"""),
    negation_words=words("not no never nor"),
    # "without" counts, because translators often turn "no X" into "without X" and back
    negation=r"\b(?:not|no|never|nor|neither|none|nobody|nothing|nowhere|cannot|without)\b|n[’']t\b",
    negation_idioms=r"\bnot (?:only|least)\b|\bno (?:doubt|longer)\b|\bno\.\s*\d",  # "No. 5" is a number
    number_words=numbers({1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
                          8: "eight", 9: "nine", 10: "ten"}),
    ordinal_words=numbers({1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth",
                           7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh",
                           12: "twelfth", 13: "thirteenth", 14: "fourteenth", 15: "fifteenth",
                           16: "sixteenth", 17: "seventeenth", 18: "eighteenth", 19: "nineteenth",
                           20: "twentieth", 30: "thirtieth", 40: "fortieth", 50: "fiftieth"}),
    tens_words=numbers({20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}),
    abbreviations=words("""
        Mr Mrs Ms Messrs Dr Prof Gen Lt Col Maj Capt Cpt Sgt Adm Cmdr Gov Sen Rep Rev Hon Pres
        Supt Insp Jr Sr St Mt Ft
        Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
        vs Vs cf Cf ca Ca approx Approx viz Viz"""),
    number_abbreviations=words("No Nos Vol vol Fig fig Art art p pp"),
),)
