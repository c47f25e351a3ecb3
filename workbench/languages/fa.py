"""Persian."""

from workbench.languages.profile import Profile, numbers, words

_JOINER = r"[\w\u200c]"  # a letter, or the zero-width non-joiner inside a Persian word

PROFILES = (Profile(
    "fa",
    direction="rtl",
    stop_words=words("""
        این آن های ها هم نیز برای است بود شد شده شده‌اند شده‌است کرد کرده کرده‌اند کند کنند می‌شود
        اند ای ایم اید باید بر تا چه چون خود خویش دارد داشت داشته روی زیرا سوی شود کنید گفت نیست
        هست هستند همه همین همان وی یا یک دیگر پس اما اگر یعنی بین"""),
    negation_words=words("نه نیست هیچ"),
    # نمی- and ن- before the common verb stems; نه, نیست, هیچ, بدون
    negation=(rf"(?<!{_JOINER})(?:نه|نیست{_JOINER}*|هیچ{_JOINER}*|نمی{_JOINER}*|نباید|نبا?ش{_JOINER}*"
              rf"|نبود{_JOINER}*|ندار{_JOINER}*|نداشت{_JOINER}*|نخواه{_JOINER}*|نش(?:ود|وند|د|ده){_JOINER}*"
              rf"|نک(?:ند|نند|رد|رده){_JOINER}*|نتوان{_JOINER}*|نگرد{_JOINER}*|نگیر{_JOINER}*|نده{_JOINER}*"
              rf"|نداد{_JOINER}*|بدون)(?!{_JOINER})"),
    # "نه" is both "no" and "nine": as a number word it only ever excuses a 9 on the other side
    # from `number_mismatch`, never raises one, so a negation is not read as a changed number
    number_words=numbers({1: "yek یک", 2: "دو", 3: "سه", 4: "چهار", 5: "پنج", 6: "شش", 7: "هفت",
                          8: "هشت", 9: "نه", 10: "ده"}),
    ordinal_words=numbers({1: "اول یکم نخست نخستین", 2: "دوم", 3: "سوم", 4: "چهارم", 5: "پنجم", 6: "ششم",
                           7: "هفتم", 8: "هشتم", 9: "نهم", 10: "دهم", 11: "یازدهم", 12: "دوازدهم",
                           13: "سیزدهم", 14: "چهاردهم", 15: "پانزدهم", 16: "شانزدهم", 17: "هفدهم هیفدهم",
                           18: "هجدهم هیجدهم", 19: "نوزدهم", 20: "بیستم", 30: "سی‌ام سیام", 40: "چهلم",
                           50: "پنجاهم"}),
    tens_words=numbers({20: "بیست", 30: "سی", 40: "چهل", 50: "پنجاه"}),
    and_words=words("و"),
    letters={"ي": "ی", "ى": "ی", "ك": "ک"},  # as Arabic keyboards and old encodings type them
),)
