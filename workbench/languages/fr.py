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
    abbreviations=words("Mme Mlle Mgr Ste env Env"),
),)
