"""Inflected surface forms of gazetteer aliases in languages where a name changes with its role in
the sentence: Polish and Ukrainian cases, Turkish case suffixes, Korean particles, Hebrew prefixed
prepositions and articles, Persian spelling variants.

WHY generated forms: "MSZ Rosji", "МЗС України", "Dışişleri Bakanlığından", "외교부는",
"ומשרד החוץ" must resolve to the same actor as the dictionary form written once in YAML. Typing
every form by hand is how gazetteers rot, and matching stems with any ending would let "Chin" (pl)
or "Ирак" swallow unrelated words. Generating the case forms at load time keeps the matcher exact
(the same word-boundary check as every other alias) and costs nothing per article. A generator
may emit a few non-words (a masculine ending on a feminine noun): they never occur in text.
Irregular forms (pl "Niemcy" -> "Niemiec", uk "Київ" -> "Києва") are listed in the YAML.

``forms(alias, kind, lang)`` returns the forms to register, or None for the languages it does
not handle (rules.gazetteer_forms.inflect handles those).
"""

from __future__ import annotations

import re

PROPER_KINDS = frozenset({"state", "capital", "seat", "igo"})
LANGS = frozenset({"pl", "uk", "tr", "ko", "he", "fa"})


def forms(alias: str, kind: str, lang: str) -> list[str] | None:
    alias = alias.strip()
    if lang not in LANGS or not alias:
        return None
    if lang == "pl":
        out = _phrase(alias, kind, _pl_noun, _pl_adjective, _PL_ADJ)
    elif lang == "uk":
        out = _phrase(alias, kind, _uk_noun, _uk_adjective, _UK_ADJ)
    elif lang == "tr":
        out = _tr(alias, kind)
    elif lang == "ko":
        out = _ko(alias)
    elif lang == "he":
        out = [f for base in _he_genders(alias, kind) for f in _he(base)]
    else:
        out = _fa(alias)
    seen: dict[str, None] = {alias: None}
    for f in out:
        if f:
            seen.setdefault(f, None)
    return list(seen)


# ---------------------------------------------------------------- Polish / Ukrainian noun phrases
# Cases in this order: nominative, genitive, dative, accusative, instrumental, locative. Each slot
# holds the alternatives for that case; a phrase's words are combined case by case (agreement).
Paradigm = list[list[str]]
_CASES = 6


def _phrase(alias: str, kind: str, noun, adjective, is_adjective) -> list[str]:
    """Forms of a noun phrase, case by case: noun + adjective ("Korea Południowa", "Stany
    Zjednoczone"), adjective + noun ("Wielka Brytania", "Велика Британія") or a noun alone; the
    words after those are a complement in the genitive and do not change ("Ministerstwo Spraw
    Zagranicznych", "Міністерство закордонних справ", "Republika Federalna Niemiec")."""
    if any(ch.isdigit() for ch in alias) or (alias.isupper() and len(alias) <= 6):
        return [alias]                                   # acronyms do not decline: MSZ, МЗС, USA
    words = alias.split(" ")
    if kind == "demonym":
        return [" ".join([f] + words[1:]) for f in _flat(adjective(words[0]))]
    if len(words) >= 2 and is_adjective(words[1]):
        paradigms = [noun(words[0]), adjective(words[1])]
    elif len(words) >= 2 and is_adjective(words[0]):
        paradigms = [adjective(words[0]), noun(words[1])]
    else:
        paradigms = [noun(words[0])]
    rest = words[len(paradigms):]
    out = []
    for case in range(_CASES):
        combos: list[list[str]] = [[]]
        for p in paradigms:
            combos = [c + [f] for c in combos for f in p[case]]
        out += [" ".join(c + rest) for c in combos]
    return out


def _flat(p: Paradigm) -> list[str]:
    return [f for slot in p for f in slot]


def _same(word: str) -> Paradigm:
    return [[word] for _ in range(_CASES)]


_PL_ADJ_END = re.compile(r"(?:sk|ck|dzk|n|ow|w|ł|lk|on|t)(?:i|y|a|e|ie)$")


def _PL_ADJ(word: str) -> bool:
    """Looks like a Polish adjective (rosyjska, federalny, Zjednoczone, prasowy), not a noun in -ia/-ja."""
    low = word.lower()
    return bool(_PL_ADJ_END.search(low)) and not low.endswith(("ia", "ja", "ea"))


def _pl_loc(stem: str) -> str:
    """Polish locative/dative ending after a hard stem: Ukrain-ie, Egip-cie, Kana-dzie, Ankar-ze."""
    for end, repl in (("st", "ście"), ("zd", "ździe"), ("sł", "śle"), ("t", "cie"), ("d", "dzie"), ("r", "rze"),
                      ("ł", "le"), ("k", "ce"), ("g", "dze"), ("ch", "sze")):
        if stem.endswith(end):
            return stem[: -len(end)] + repl
    return stem + "ie"


def _pl_noun(word: str) -> Paradigm:
    low = word.lower()
    if low.endswith(("ia", "ja", "ea")):                 # Rosja, Brytania, Korea, Japonia
        s = word[:-1]
        return [[word], [s + "i"], [s + "i"], [s + "ę"], [s + "ą"], [s + "i"]]
    if low.endswith(("ka", "ga")):                       # Ameryka, Polska, Praga
        s = word[:-1]
        return [[word], [s + "i"], [_pl_loc(s)], [s + "ę"], [s + "ą"], [_pl_loc(s)]]
    if low.endswith("a"):                                # Ukraina, Moskwa, Kanada, Ankara
        s = word[:-1]
        gen = s + ("i" if low[-2:-1] in "lj" else "y")
        return [[word], [gen], [_pl_loc(s)], [s + "ę"], [s + "ą"], [_pl_loc(s)]]
    if low.endswith("o"):                                # Ministerstwo, Biuro, Kosowo
        s = word[:-1]
        return [[word], [s + "a"], [s + "u"], [word], [s + "em"], [_pl_loc(s)]]
    if low.endswith("y") or low.endswith("ie"):          # Chiny, Włochy, Stany, Indie (plural)
        s = word[:-1] if low.endswith("y") else word[:-2] + "i"
        return [[word], [s, s + "ów"], [s + "om"], [word], [s + "ami"], [s + "ach"]]
    if low[-1:] in ("ś", "ć", "ń", "ź"):                 # Białoruś (feminine, soft)
        s = word[:-1] + {"ś": "s", "ć": "c", "ń": "n", "ź": "z"}[low[-1]]
        return [[word], [s + "i"], [s + "i"], [word], [s + "ią"], [s + "i"]]
    if low[-1:] in ("e", "i", "u"):                      # Chile, Peru, Mali: not declined
        return _same(word)
    # masculine, consonant-final: Iran, Izrael, Egipt, Irak, Kreml, Pekin, Waszyngton
    ins = word + ("iem" if low.endswith(("k", "g")) else "em")
    soft_loc = low.endswith(("k", "g", "ch", "l", "j", "sz", "cz", "rz", "ż", "c", "dz"))
    loc = word + "u" if soft_loc else _pl_loc(word)
    return [[word], [word + "u", word + "a"], [word + "owi", word + "u"], [word, word + "a"], [ins], [loc, word + "u"]]


def _pl_adjective(word: str) -> Paradigm:
    """rosyjski / rosyjska / rosyjskie / federalny... in the gender of the written form (the
    masculine form also yields every other gender: demonyms are written masculine)."""
    low = word.lower()
    if low.endswith(("ki", "gi")):
        s, i = word[:-1], "i"
    elif low.endswith(("ka", "ga", "kie", "gie")):
        s, i = word[: -1 if low.endswith("a") else -2], "i"
    elif low.endswith(("y", "a", "e")):
        s, i = word[:-1], "y"
    elif low.endswith("i"):
        s, i = word[:-1], "i"
    else:
        return _same(word)
    e = "ie" if i == "i" else "e"
    masc = [[s + i], [s + e + "go"], [s + e + "mu"], [s + i, s + e + "go"], [s + i + "m"], [s + i + "m"]]
    fem = [[s + "a"], [s + e + "j"], [s + e + "j"], [s + "ą"], [s + "ą"], [s + e + "j"]]
    neut = [[s + e], [s + e + "go"], [s + e + "mu"], [s + e], [s + i + "m"], [s + i + "m"]]
    plur = [[s + e, _pl_personal(s)], [s + i + "ch"], [s + i + "m"], [s + e], [s + i + "mi"], [s + i + "ch"]]
    if low.endswith("a"):
        return fem
    if low.endswith("e"):                                # neuter singular or plural: both
        return [n + p for n, p in zip(neut, plur)]
    return [m + f + n + p for m, f, n, p in zip(masc, fem, neut, plur)]


def _pl_personal(stem: str) -> str:
    """Masculine personal plural: rosyjsk -> rosyjscy, niemieck -> niemieccy, polsk -> polscy."""
    for end, repl in (("sk", "scy"), ("ck", "ccy"), ("dzk", "dzcy")):
        if stem.endswith(end):
            return stem[: -len(end)] + repl
    return stem + "i"


_UK_ADJ_END = re.compile(r"(?:ськ|цьк|зьк|н|ов|ев|ьн|ен|ан)(?:ий|а|е|і|ої|ого)$")


def _UK_ADJ(word: str) -> bool:
    return bool(_UK_ADJ_END.search(word.lower()))


def _uk_soft_dat(stem: str) -> str:
    for end, repl in (("к", "ц"), ("г", "з"), ("х", "с")):
        if stem.endswith(end):
            return stem[:-1] + repl + "і"
    return stem + "і"


def _uk_noun(word: str) -> Paradigm:
    low = word.lower()
    if low.endswith("ія"):                               # Росія, Франція, Британія
        s = word[:-1]
        return [[word], [s + "ї"], [s + "ї"], [s + "ю"], [s + "єю"], [s + "ї"]]
    if low.endswith("ея"):                               # Корея
        s = word[:-1]
        return [[word], [s + "ї"], [s + "ї"], [s + "ю"], [s + "єю"], [s + "ї"]]
    if low.endswith("я"):                                # (soft feminine)
        s = word[:-1]
        return [[word], [s + "і"], [s + "і"], [s + "ю"], [s + "ею"], [s + "і"]]
    if low.endswith("а"):                                # Україна, Туреччина, Москва, Польща, Америка
        s = word[:-1]
        hush = low[-2:-1] in "щжчшцй"
        gen = s + ("і" if hush else "и")
        return [[word], [gen], [s + "і" if hush else _uk_soft_dat(s)], [s + "у"], [s + ("ею" if hush else "ою")],
                [s + "і" if hush else _uk_soft_dat(s)]]
    if low.endswith("о"):                                # Міністерство, Токіо? (vowel-final loan: kept too)
        s = word[:-1]
        return [[word], [s + "а"], [s + "у"], [word], [s + "ом"], [s + "і"]]
    if low.endswith("и") or low.endswith("і"):           # Штати, Нідерланди (plural) — Малі, Чилі not declined
        if low.endswith("і"):
            return _same(word)
        s = word[:-1]
        return [[word], [s + "ів", s], [s + "ам"], [word], [s + "ами"], [s + "ах"]]
    if low.endswith("й"):                                # Китай
        s = word[:-1]
        return [[word], [s + "ю"], [s + "ю", s + "єві"], [word], [s + "єм"], [s + "ї"]]
    if low.endswith("ь"):                                # Ізраїль, Кремль, Білорусь
        s = word[:-1]
        return [[word], [s + "я", s + "ю", s + "і"], [s + "ю", s + "еві", s + "і"], [word],
                [s + "ем", s + "лю" if s.endswith("с") else s + "ем", s + "сю"], [s + "і"]]
    if re.search(r"[а-яіїєґ]$", low):                    # Іран, Пекін, Вашингтон, Ірак
        loc = word + ("у" if low.endswith(("к", "г", "х")) else "і")
        return [[word], [word + "у", word + "а"], [word + "у", word + "ові"], [word], [word + "ом"], [loc, word + "у"]]
    return _same(word)


def _uk_adjective(word: str) -> Paradigm:
    low = word.lower()
    for end in ("ий", "ій", "а", "я", "е", "є", "і"):
        if low.endswith(end):
            s = word[: -len(end)]
            break
    else:
        return _same(word)
    masc = [[s + "ий"], [s + "ого"], [s + "ому"], [s + "ий", s + "ого"], [s + "им"], [s + "ому", s + "ім"]]
    fem = [[s + "а"], [s + "ої"], [s + "ій"], [s + "у"], [s + "ою"], [s + "ій"]]
    neut = [[s + "е"], [s + "ого"], [s + "ому"], [s + "е"], [s + "им"], [s + "ому", s + "ім"]]
    plur = [[s + "і"], [s + "их"], [s + "им"], [s + "і"], [s + "ими"], [s + "их"]]
    if low.endswith(("а", "я")):
        return fem
    if low.endswith(("е", "є")):
        return neut
    if low.endswith("і"):
        return plur
    return [m + f + n + p for m, f, n, p in zip(masc, fem, neut, plur)]


# ---------------------------------------------------------------- Turkish case suffixes
_TR_BACK = set("aıou")
_TR_VOWELS = set("aıoueiöü")
_TR_HARD = set("fstkçşhp")


def _tr(alias: str, kind: str) -> list[str]:
    """Case forms of the last word of a title/office ("Dışişleri Bakanlığı" -> "Bakanlığının",
    "Bakanlığından", "Bakanlığınca"...). Proper names take their suffix after an apostrophe
    ("Rusya'nın"), which the word-boundary check already accepts: only their base form is kept."""
    if kind in PROPER_KINDS or kind == "demonym" or alias.isupper():
        return [alias]
    head, _, last = alias.rpartition(" ")
    prefix = head + " " if head else ""
    vowels = [c for c in last.lower() if c in _TR_VOWELS]
    if not vowels:
        return [alias]
    v = vowels[-1]
    a = "a" if v in _TR_BACK else "e"
    i = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}[v]
    end = last[-1].lower()
    out = [last]
    if end in _TR_VOWELS:
        # a possessive compound ("Bakanlığı", "Sözcüsü", "Cumhurbaşkanı") takes the buffer n
        out += [last + s for s in (f"n{i}n", f"n{a}", f"nd{a}", f"nd{a}n", f"n{i}", f"yl{a}", f"nc{a}", f"nd{a}ki",
                                   f"y{a}", f"d{a}", f"d{a}n", f"y{i}", f"l{a}r", f"l{a}r{i}", f"l{a}r{i}n{i}n")]
    else:
        d = "t" if end in _TR_HARD else "d"
        c = "ç" if end in _TR_HARD else "c"
        out += [last + s for s in (f"{i}n", f"{a}", f"{d}{a}", f"{d}{a}n", f"{i}", f"l{a}", f"{c}{a}", f"l{a}r",
                                   f"l{a}r{i}", f"{i}m{i}z", f"{d}{a}ki")]
    return [prefix + f for f in out]


# ---------------------------------------------------------------- Korean particles
_KO_AFTER_CONSONANT = "은 이 을 과 으로 으로부터 이나 이라고 이라며 과의 과는".split()
_KO_AFTER_VOWEL = "는 가 를 와 로 로부터 나 라고 라며 와의 와는".split()
_KO_ANY = "의 에 에서 에게 도 만 측 측은 측이 측의 측도 측에 에서는 에는 에도 에서도 까지 부터 보다 들 들은 들이 들의".split()


def _ko(alias: str) -> list[str]:
    last = alias[-1]
    if not ("\uac00" <= last <= "\ud7a3"):
        return [alias] + [alias + p for p in _KO_ANY + _KO_AFTER_CONSONANT + _KO_AFTER_VOWEL]
    batchim = (ord(last) - 0xAC00) % 28 != 0
    return [alias] + [alias + p for p in _KO_ANY + (_KO_AFTER_CONSONANT if batchim else _KO_AFTER_VOWEL)]


# ---------------------------------------------------------------- Hebrew prefixes
_HE_PREFIXES = "ו ה ב ל מ ש כ וה וב ול ומ וש וכ שה שב של שמ מה כש וכש ושה ושב ושל".split()
_HE_CONTRACTING = "ב ל כ וב ול וכ שב של ושב ושל".split()   # ב/ל/כ + ה -> the ה disappears


def _he_genders(alias: str, kind: str) -> list[str]:
    """A demonym written masculine ("רוסי") also stands for its feminine and plural forms
    ("הממשלה הרוסית", "הדיפלומטים הרוסים")."""
    if kind != "demonym" or " " in alias or not alias.endswith("י"):
        return [alias]
    return [alias, alias + "ת", alias + "ים", alias + "ות", alias[:-1] + "ית"]


def _he(alias: str) -> list[str]:
    out = [alias] + [p + alias for p in _HE_PREFIXES if not (p.endswith("ה") and alias.startswith("ה"))]
    if alias.startswith("ה") and len(alias) > 2:
        out += [p + alias[1:] for p in _HE_CONTRACTING]
    return out


# ---------------------------------------------------------------- Persian spelling variants
_ZWNJ = "\u200c"
_ARABIC_LETTERS = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643"})   # Persian yeh/kaf -> Arabic ones


def _fa(alias: str) -> list[str]:
    """Persian text is typed with or without the zero-width non-joiner ("سخنگوی‌وزارت", "می‌کند")
    and, on some sites, with Arabic yeh/kaf: register those spellings, and the ezafe -ی of a
    word ending in a vowel ("سخنگو" -> "سخنگوی")."""
    variants = {alias, alias.replace(_ZWNJ, ""), alias.replace(_ZWNJ, " ")}
    if alias[-1:] in "وا":
        variants.add(alias + "ی")
    variants |= {v.translate(_ARABIC_LETTERS) for v in list(variants)}
    return sorted(variants)
