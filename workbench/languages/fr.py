"""French."""

from workbench.languages.profile import Profile, numbers, words

PROFILES = (Profile(
    "fr",
    stop_words=words("""
        les des une aux avec pour par sur sous dans chez entre vers sans mais donc car que qui quoi
        dont est sont était étaient été avoir être ont avait leur leurs son ses cette ces lui elle
        elles ils nous vous aussi comme plus"""),
    negation_words=words("ne pas jamais"),
    negation=(r"\b(?:pas|jamais|aucun\w*|nullement|guère|non|ni|sans|rien|nul(?:le)?)\b"
              r"|\bn(?:e\b|[’'])\s*(?:\S+\s+){0,3}?plus\b"),
    negation_idioms=r"\bnon seulement\b|\bne (?:cesse|tarde)\b",  # "ne ... que" is "only": no marker
    number_words=numbers({1: "un une", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six",
                          7: "sept", 8: "huit", 9: "neuf", 10: "dix"}),
    ordinal_words=numbers({1: "premier première unième", 2: "deuxième second seconde", 3: "troisième",
                           4: "quatrième", 5: "cinquième", 6: "sixième", 7: "septième", 8: "huitième",
                           9: "neuvième", 10: "dixième", 11: "onzième", 12: "douzième", 13: "treizième",
                           14: "quatorzième", 15: "quinzième", 16: "seizième", 17: "dix-septième",
                           18: "dix-huitième", 19: "dix-neuvième", 20: "vingtième", 30: "trentième",
                           40: "quarantième", 50: "cinquantième"}),
    tens_words=numbers({20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante"}),
    and_words=words("et"),
    abbreviations=words("Mme Mlle Mgr Ste env Env"),
),)
