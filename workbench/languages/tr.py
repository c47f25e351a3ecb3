"""Turkish."""

from workbench.languages.profile import Profile, numbers, words

PROFILES = (Profile(
    "tr",
    stop_words=words("bir ile için gibi kadar olan olarak ise veya hem daha çok her şu bu da de ki mi ve"),
    negation_words=words("değil hiç yok"),
    # değil, yok, hiç; the verb suffix -me/-ma before a tense (yapılamaz, olmayan, etmedi),
    # looked for from a word's start only, so a long word is read once, not from each letter.
    # Words that hold a negation but negate no clause are left out: yoksul "poor", yoksun
    # "deprived", yokluk "absence", hiçe saymak "to disregard"; the aorist -mez/-maz before a
    # noun, where it makes an adjective ("devredilemez haklar", inalienable rights; vazgeçilmez,
    # indispensable), and its noun in -lik (dokunulmazlık, immunity). It negates a verb when
    # a suffix follows it (-ler, -se, -di) or the clause ends: punctuation, a conjunction or
    # a particle. -memesi için, "so that ... not", is a negated clause; -memesi alone, a noun
    # ("tanınmaması", disregard), is not.
    negation=(r"\b(?:değil\w*|yok(?:tur|tu|muş|ken|lar|lardır)?|hiç(?:bir\w*|kimse\w*)?|asla)\b"
              r"|\b\w+?(?:m[ae]m[ae]k|m[ae]y[ae]n|m[ae]d[ıi](?!kç)|m[ıiuü]yor|m[ae]m[ae]l[ıi]|m[ae]y[ae]c[ae]k"
              r"|m[ae]ks[ıi]z[ıi]n)\w*|\b\w+?m[ae]m[ae]s[ıi]\s+için\b"
              r"|\b\w+?m[ae]z(?:(?!l[ıi][kğ])\w+|(?=\s*(?:[^\w\s]|$|(?:ve|veya|ya|yahut|ama|fakat|ancak|ise|ki"
              r"|m[iıuü]|d[ae]|diye)\b)))"),
    negation_idioms=r"\bhiç\s+(?:olmazsa|değilse)\b",
    number_words=numbers({1: "bir", 2: "iki", 3: "üç", 4: "dört", 5: "beş", 6: "altı", 7: "yedi",
                          8: "sekiz", 9: "dokuz", 10: "on"}),
    ordinal_words=numbers({1: "birinci ilk", 2: "ikinci", 3: "üçüncü", 4: "dördüncü", 5: "beşinci",
                           6: "altıncı", 7: "yedinci", 8: "sekizinci", 9: "dokuzuncu", 10: "onuncu",
                           20: "yirminci", 30: "otuzuncu", 40: "kırkıncı", 50: "ellinci"}),
    tens_words=numbers({10: "on", 20: "yirmi", 30: "otuz", 40: "kırk", 50: "elli"}),
    # titles and ranks, addresses; vb./vd./vs. = "and the like", bkz. = "see", örn. = "for example"
    abbreviations=words("Doç Yrd Av Alb Org Korg Tümg Tuğg Hz Sn Uzm Op Müh Cad Sok Mah Apt "
                        "vb Vb vd Vd bkz Bkz örn Örn"),
    ordinal_dot=True,
),)
