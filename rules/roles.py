"""Case marking around an actor mention: does the sentence itself say the mention is the subject
(the one who speaks) or an oblique argument (the object, the addressee, the author of the claim)?

WHY: without a parser (every pipeline but French), an ``actor`` condition ranks the state actors
near a cue by distance. In verb-final languages (Japanese, Korean, Turkish, Persian) the object
and the claim stand between the subject and the verb, so the nearest actor is usually the wrong
one: "Kremlin, Türkiye'nin iddialarını yalanladı" (the Kremlin denied Turkey's claims),
"외교부는 미국 측 보도를 부인했다". These languages mark roles with particles, suffixes and
prepositions, which a few characters around the mention reveal:

* ja: は/が/も after the mention -> subject; を/に/へ/と/で -> oblique;
* ko: the particle ending the mention (aliases are registered with them): 은/는/이/가 -> subject;
  을/를/에/에게/와/과/로 -> oblique;
* tr: accusative, dative and locative suffixes -> oblique; -ca/-ce ("Bakanlığınca", by the
  ministry) -> subject; a genitive before a claim noun ("Türkiye'nin iddiaları") -> oblique;
* fa: a preposition before (به, با, علیه...) or را after -> oblique, در -> place ("از سوی X",
  by X, marks the agent of the nearest participle, often the accuser: nothing is concluded);
* he: the one-letter prepositions attached to the name: ב -> place, ל/כ -> oblique;
* zh: 对/向/与/在/针对/回应... before -> oblique; 据 (according to) -> subject;
* pl/uk/ru/ar: a preposition of opposition or topic before ("wobec", "щодо", "против", "ضد")
  or a claim noun whose author the mention is ("zarzuty Rosji", "заяву Росії") -> oblique;
  "według", "за словами", "по словам" -> subject; pl/uk/ru: inside the content of a reported
  claim ("слух, что...", "повідомлення про те, що...", "jakoby...") -> claim; a declined name
  right after another word is its possessor ("Нафтогаз України") -> oblique;
* ko: a bare name before another word modifies it ("미국 공장") -> oblique;

``case_role`` answers SUBJECT, NEUTRAL (nothing said), PLACE (a location, which may still be where the
speaker sits: "ב+הקרמלין"), OBLIQUE or CLAIM (inside the content of the reported claim: never the
one who denies it, whatever the rule's role). In verb-final languages the
subject opens its clause: ``earliest_first(lang)`` tells the actor condition to prefer the first
subject-like mention over the nearest one.
"""

from __future__ import annotations

import re

import re2

SUBJECT, NEUTRAL, PLACE, OBLIQUE, CLAIM = 0, 1, 2, 3, 4
_VERB_FINAL = frozenset({"ja", "ko", "tr", "fa"})


def earliest_first(lang: str | None) -> bool:
    """Is the subject the first actor of its clause (verb-final languages)?"""
    return lang in _VERB_FINAL


def case_role(lang: str | None, text: str, start: int, end: int, lexicon=None) -> int:
    """Role of ``text[start:end]``. ``lexicon`` (the gazetteer: ``has_alias``, ``is_inflected``)
    tells a prefixed form from a name (Hebrew) and a declined name from its dictionary form
    (Slavic)."""
    if lang == "he":
        return _he(text, start, end, getattr(lexicon, "has_alias", None))
    fn = _BY_LANG.get(lang or "")
    if fn is None:
        return NEUTRAL
    role = fn(text, start, end)
    if role == NEUTRAL and lang in _DECLINED and lexicon is not None and _declined_possessor(text, start, end, lexicon):
        return OBLIQUE
    return role


_DECLINED = frozenset({"pl", "uk", "ru"})


def _declined_possessor(text: str, start: int, end: int, lexicon) -> bool:
    """A one-word name in a case form right after another word: the possessor or object of that
    word ("Нафтогаз України", "armia Rosji"), not the subject. A title followed by its country is
    one mention ("МЗС України") and never gets here as a bare name."""
    mention = text[start:end]
    if " " in mention.strip() or not lexicon.is_inflected(mention):
        return False
    before = text[max(0, start - 2):start]
    if not (len(before) == 2 and before[1] == " " and before[0].isalpha()):
        return False
    # a preposition is no possessor ("В Астане опровергли": in Astana they denied); rules.actor_roles
    # reads prepositions itself
    word = re.findall(r"[\w'’-]+", text[max(0, start - 12):start])
    return not (word and word[-1].lower() in _SLAVIC_PREPOSITIONS)


_SLAVIC_PREPOSITIONS = frozenset("""в во на с со к ко о об обо у из от до за по при для без над под через между
    у з із зі від про проти біля w we z ze na do od o u za po przy dla bez nad pod przez między""".split())


# ---------------------------------------------------------------- Hebrew: attached prepositions
_HE_GLUE = "והש"
_HE_ROLE = {"ב": PLACE, "ל": OBLIQUE, "כ": OBLIQUE, "מ": NEUTRAL}   # in / to / as / from (a source)


def _he(text: str, start: int, end: int, has_alias) -> int:
    """"בקרמלין הכחישו" (in the Kremlin they denied): a place, still possibly the speaker;
    "לרוסיה" (to Russia), "כישראל": oblique. Only when the rest is itself an alias."""
    if has_alias is None:
        return NEUTRAL
    mention = text[start:end]
    for k in (1, 2, 3):
        head, rest = mention[:k], mention[k:]
        if len(rest) < 2 or any(c not in _HE_GLUE + "בלכמ" for c in head):
            break
        if head[-1] in _HE_ROLE and all(c in _HE_GLUE for c in head[:-1]) and has_alias(rest):
            return _HE_ROLE[head[-1]]
    return NEUTRAL


# ---------------------------------------------------------------- Japanese
_JA_CLAIM = re.compile(r"の(?:報道(?!官)|主張|発表|指摘|非難|批判|発言|声明)")


def _ja(text: str, start: int, end: int) -> int:
    after = text[end:end + 6]
    if after.startswith(("は", "が", "も", "側は", "側が", "側も")):
        return SUBJECT
    if after.startswith(("を", "に", "へ", "と", "で", "側を", "側に")):
        return OBLIQUE
    if _JA_CLAIM.match(text, end):
        return OBLIQUE
    return NEUTRAL


# ---------------------------------------------------------------- Korean
_KO_SUBJECT = ("은", "는", "이", "가", "도", "측은", "측이", "측도")
_KO_OBLIQUE = ("을", "를", "에", "에게", "에서", "와", "과", "로", "으로", "와의", "과의", "에는", "에도", "측을", "측에")
_KO_CLAIM = ("주장", "보도", "발표", "지적", "비난", "발언", "요구")
_KO_PARTICLES = tuple(sorted(set(_KO_SUBJECT + _KO_OBLIQUE + ("의",)), key=len, reverse=True))


def _ko(text: str, start: int, end: int) -> int:
    mention = text[start:end]
    following = text[end:end + 4]
    if following[:1] == " " and "\uac00" <= following[1:2] <= "\ud7a3" and not mention.endswith(_KO_PARTICLES):
        # a bare noun before another word modifies it ("미국 공장": a US plant); "일본 측은": the side
        return SUBJECT if following[1:].startswith(("측은", "측이", "측도")) else OBLIQUE
    if mention.endswith(_KO_OBLIQUE):
        return OBLIQUE
    if mention.endswith(_KO_SUBJECT):
        return SUBJECT
    if mention.endswith("의") and text[end:end + 4].lstrip().startswith(_KO_CLAIM):
        return OBLIQUE
    return NEUTRAL


# ---------------------------------------------------------------- Turkish
_TR_WORD = re.compile(r"[\w'’]*")
_TR_CLAIM = re.compile(r"\s+(?:iddia|suçlama|haber|rapor|talep|öneri|açıklamalar)", re.IGNORECASE)


def _tr(text: str, start: int, end: int) -> int:
    """A proper name takes its case suffix after an apostrophe ("Rusya'yı", "Türkiye'nin"); a title
    takes it directly, after its possessive ending ("Bakanlığını", "Bakanlığınca", "Sözcüsüne")."""
    glued = _TR_WORD.match(text, end).group()
    word = (text[start:end].split() or [""])[-1] + glued
    apostrophe = next((a for a in ("'", "’") if a in word), None)
    if apostrophe is not None:
        suffix = word.rsplit(apostrophe, 1)[1].lower()
        if suffix in ("ı", "i", "u", "ü", "yı", "yi", "yu", "yü", "a", "e", "ya", "ye", "da", "de", "ta", "te"):
            return OBLIQUE                                      # accusative, dative, locative
        if suffix in ("ın", "in", "un", "ün", "nın", "nin", "nun", "nün") and _TR_CLAIM.match(text, end + len(glued)):
            return OBLIQUE                                      # "Türkiye'nin iddiaları": the claimant
        return NEUTRAL
    low = word.lower()
    if re.search(r"[ıiuü]n[cç][ae]$", low):
        return SUBJECT                                          # "Bakanlığınca": by the ministry
    if re.search(r"[ıiuü]n(?:[ıiuü]|[ae]|d[ae])$", low):
        return OBLIQUE                                          # "Bakanlığını", "Sözcüsüne", "Bakanlığında"
    return NEUTRAL


# ---------------------------------------------------------------- Persian
_FA_OBLIQUE_BEFORE = frozenset("به با علیه برای درباره دربارهٔ نسبت ضد".split())
_FA_CLAIM_BEFORE = ("ادعای", "اتهام", "اتهامات", "گزارش", "خبر", "اظهارات", "ادعاهای")


def _fa(text: str, start: int, end: int) -> int:
    before = text[max(0, start - 30):start].split()
    after = text[end:end + 6].split()
    if after[:1] == ["را"] or (before and before[-1] in _FA_OBLIQUE_BEFORE):
        return OBLIQUE
    if before and before[-1] == "در":
        return PLACE
    if before and before[-1].startswith(_FA_CLAIM_BEFORE):
        return OBLIQUE                                          # "ادعای آمریکا": America's claim
    return NEUTRAL


# ---------------------------------------------------------------- Chinese
_ZH_OBLIQUE_BEFORE = ("对", "對", "向", "与", "與", "和", "同", "跟", "给", "給", "在", "于", "於", "针对", "針對",
                      "回应", "回應", "指责", "指責", "批评", "批評", "关于", "關於", "反对", "反對")
_ZH_SUBJECT_BEFORE = ("据", "據")
_ZH_CLAIM_AFTER = re.compile(r"的?(?:指控|指责|指責|说法|說法|报道|報道|声明|聲明|言论|言論|媒体|媒體)")


def _zh(text: str, start: int, end: int) -> int:
    before = text[max(0, start - 3):start].rstrip()
    if before.endswith(_ZH_SUBJECT_BEFORE):
        return SUBJECT
    if before.endswith(_ZH_OBLIQUE_BEFORE):
        return OBLIQUE
    if _ZH_CLAIM_AFTER.match(text, end):
        return OBLIQUE                                          # "美方的指控": the claimant
    return NEUTRAL


# ---------------------------------------------------------------- Slavic and Arabic: prepositions, claim nouns
def _prepositional(subject_before: tuple[str, ...], oblique_before: frozenset[str], claim_nouns: tuple[str, ...],
                   claim_clause=None):
    def role(text: str, start: int, end: int) -> int:
        if claim_clause is not None and _in_claim_clause(claim_clause, text, start):
            return CLAIM
        window = text[max(0, start - 40):start].lower()
        words = re.findall(r"[\w'’-]+", window)
        tail = " ".join(words[-2:])
        if any(tail.endswith(s) for s in subject_before):
            return SUBJECT
        if words and words[-1] in oblique_before:
            return OBLIQUE
        if words and words[-1].startswith(claim_nouns):
            return OBLIQUE                                      # "zarzuty Rosji", "заяву Росії"
        return NEUTRAL
    return role


def _in_claim_clause(claim_clause, text: str, start: int) -> bool:
    """Is the mention inside the content of a reported claim ("слух, что встреча Лаврова и
    госсекретаря США переносится", "повідомлення про те, що Україна і Росія ведуть...", "doniesienia,
    jakoby Polska...")? The actors of a denied claim are what is denied, never who denies. The
    claim clause opens with a claim noun and a complementiser and runs to the end of the sentence."""
    sentence_start = max(text.rfind(p, 0, start) for p in (".", "!", "?", "\n")) + 1
    return claim_clause.search(text, sentence_start, start) is not None


_WORD = r"[\pL\pN_]"        # RE2's \w and \b are ASCII-only: letters of every script spelled out
_NOT_WORD = r"[^\pL\pN_]"


def _claim(nouns: str, about: str, markers: str, allegedly: str):
    """A claim noun, at most three words (its author, its source), an optional "about the fact"
    and a complementiser; or an "allegedly" word anywhere before the mention. Built at import
    from the constants below, compiled by RE2 like every pattern that is not a literal."""
    return re2.compile(rf"(?i)(?:{nouns})(?:\s+\S+){{0,3}}?,?\s+(?:{about})?(?:{markers}){_NOT_WORD}"
                       rf"|(?:^|{_NOT_WORD})(?:{allegedly}){_NOT_WORD}")


_RU_CLAIM = _claim(r"(?:слух|сообщени|информаци|утверждени|публикаци|данны|доклад|стать|верси|вброс|заявлени)" + _WORD + "*",
                   r"о том,\s+", r"что|будто|якобы", r"якобы|будто бы")
_UK_CLAIM = _claim(r"(?:чутк|повідомлен|інформаці|тверджен|публікаці|матеріал|статт|версі)" + _WORD + "*|заяв(?:а|у|и|і|ою)",
                   r"про те,\s+|щодо того,\s+", r"що|ніби|нібито|буцімто", r"нібито|буцімто")
_PL_CLAIM = _claim(r"(?:doniesieni|informacj|twierdzeni|plotk|pogłosk|spekulacj|artykuł|raport|sugesti|wiadomoś)" + _WORD + "*",
                   r"o tym,\s+", r"jakoby|że|iż", r"jakoby|rzekomo")


_BY_LANG = {
    "ja": _ja, "ko": _ko, "tr": _tr, "fa": _fa, "zh": _zh,
    "pl": _prepositional(("według", "zdaniem", "słowami"), frozenset("przeciwko wobec do od".split()),
                         ("zarzut", "oskarże", "doniesie", "twierdze", "sugesti", "wypowiedz", "insynuac", "oświadczen"), _PL_CLAIM),
    "uk": _prepositional(("за словами", "на думку", "словами"), frozenset("проти щодо до від".split()),
                         ("заяв", "звинувач", "тверджен", "повідомлен", "інсинуац", "слова"), _UK_CLAIM),
    "ru": _prepositional(("по словам", "по мнению", "словам"), frozenset("против к от".split()),
                         ("заявлен", "обвинен", "утвержден", "сообщени", "инсинуац", "слова", "заявлени"), _RU_CLAIM),
    "ar": _prepositional(("بحسب", "حسب", "وفق"), frozenset("ضد على إلى الى".split()),
                         ("اتهام", "ادعاء", "مزاعم", "تصريح", "الاتهام", "الادعاء", "المزاعم", "تقرير")),
}
