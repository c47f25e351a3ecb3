"""Arabic."""

from workbench.languages.profile import Profile, numbers, words

PROFILES = (Profile(
    "ar",
    direction="rtl",
    stop_words=words("""
        التي الذي الذين هذا هذه ذلك تلك على إلى الى عن مع في من أن إن كان كانت قد لقد ثم أو أي
        كل بعد قبل عند حيث بين حول ضد هو هي هم تم منذ لدى خلال أيضا أيضاً"""),
    negation_words=words("لا لم لن ليس ما غير"),
    # لكيلا, لئلا: "so that ... not", "lest" (لكي or لأن with لا, written as one word)
    negation=r"(?<!\w)[وف]?(?:لا|لم|لن|ليس\w*|لست\w*|بدون|دون|لكيلا|لئلا)(?!\w)",
    negation_idioms=r"لا\s+سيما|لا\s+غنى|لا\s+(?:\S+\s+){0,5}?إلا",  # لا ... إلا is "only"; لا سيما "especially"
    number_words=numbers({1: "واحد واحدة", 2: "اثنان اثنين اثنتان اثنتين", 3: "ثلاثة ثلاث",
                          4: "أربعة أربع", 5: "خمسة خمس", 6: "ستة ست", 7: "سبعة سبع",
                          8: "ثمانية ثماني", 9: "تسعة تسع", 10: "عشرة عشر"}),
),)
