"""Alias generation for the gazetteer (owned by the rule pack, like gazetteer.py).

WHY: typing every inflected form by hand is how gazetteers rot. Country names come from pycountry
and its gettext translations; demonyms are written once in the masculine singular and their
feminine/plural (fr, es, it, pt), adjective (de, ru) forms are generated; Russian state and capital
names get their common case forms (Россия → России, Россию, Россией).
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

import pycountry

from dementi.rules.declension import forms as declension_forms

LANGS = ("fr", "es", "de", "ru", "ar", "it", "pt", "zh_CN", "zh_TW", "tr", "fa", "pl", "uk", "ja", "ko", "he")
# Dependent territories and special areas: their names are ordinary words ("Réunion") or are not
# state actors on their own.
NON_STATES = set("""REU GLP MTQ GUF MYT SPM BLM MAF NCL PYF WLF ATF JEY GGY IMN GIB BMU CYM VGB VIR PRI GUM
ASM MNP UMI AIA MSR TCA FLK SGS SHN PCN IOT ABW CUW SXM BES GRL FRO ALA SJM BVT HMD CCK CXR NFK TKL NIU
COK ATA ESH HKG MAC""".split())
# Short names that are also common words or first names in some language: left to the YAML.
SKIP_ALIASES = {"chad", "jordan", "georgia", "guinea", "niger", "congo", "macao", "lao"}


def _variants(name: str) -> list[str]:
    """'Russie, Fédération de' -> ['Russie', 'Fédération de Russie']; drop '(…)' parts."""
    name = re.sub(r"\s*\(.*?\)", "", name).strip()
    if ", " in name:
        head, tail = name.split(", ", 1)
        joiner = "" if tail.endswith("'") else " "
        return [head, f"{tail}{joiner}{head}"]
    return [name]


@lru_cache(maxsize=1)
def _translators() -> dict:
    out = {}
    for lang in LANGS:
        try:
            out[lang] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
    return out


def state_aliases_from_pycountry() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(alpha3, display name, [(lang, alias)]) for every sovereign state known to pycountry."""
    result = []
    translators = _translators()
    for c in pycountry.countries:
        if c.alpha_3 in NON_STATES:
            continue
        names = [n for n in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)) if n]
        aliases: list[tuple[str, str]] = []
        for n in names:
            aliases += [("en", v) for v in _variants(n)]
            for lang, tr in translators.items():
                aliases += [(lang.split("_")[0], v) for v in _variants(tr.gettext(n))]
        seen = set()
        clean = []
        for lang, alias in aliases:
            if len(alias) < (2 if lang in ("zh", "ja", "ko") else 3) or alias.lower() in SKIP_ALIASES or (lang, alias) in seen:
                continue
            seen.add((lang, alias))
            clean.append((lang, alias))
        result.append((c.alpha_3, getattr(c, "common_name", None) or c.name, clean))
    return result


def _fr_demonym(word: str) -> list[str]:
    if word.endswith("e"):
        return [word, word + "s"]
    if word.endswith(("ien", "éen")):
        return [word, word + "ne", word + "s", word + "nes"]
    if word.endswith(("ais", "ois", "s")):
        return [word, word + "e", word + "es"]
    if word.endswith("c"):                       # turc -> turque
        return [word, word[:-1] + "que", word + "s", word[:-1] + "ques"]
    if word.endswith("x"):                       # suisse handled above; heureux-like
        return [word, word[:-1] + "se", word[:-1] + "ses"]
    return [word, word + "e", word + "s", word + "es"]


def _romance_demonym(word: str) -> list[str]:
    if word.endswith("o"):
        return [word, word[:-1] + "a", word + "s", word[:-1] + "as"]
    if word.endswith("e"):
        return [word, word + "s"]
    if word.endswith(("és", "ês")):
        base = word[:-2] + word[-2].replace("é", "e").replace("ê", "e") + "s"
        return [word, base + "a", base + "es", base + "as"]
    if word.endswith("án"):
        return [word, word[:-2] + "ana", word[:-2] + "anes", word[:-2] + "anas"]
    return [word, word + "a", word + "es", word + "as"]


def _de_adjective(word: str) -> list[str]:
    return [word] + [word + end for end in ("e", "en", "er", "es", "em")]


def _ru_adjective(word: str) -> list[str]:
    stem, ending = word[:-2], word[-2:]
    if ending not in ("ий", "ый", "ой"):
        return [word]
    soft = ending == "ий" and stem[-1:] not in "кгхжшчщ"
    base = ["ий" if soft else ending, "ая" if not soft else "яя", "ое" if not soft else "ее", "ие" if soft else "ые",
            "ого" if not soft else "его", "ой" if not soft else "ей", "ую" if not soft else "юю",
            "им", "ом" if not soft else "ем", "ых" if not soft else "их", "ими" if soft else "ыми"]
    if stem[-1:] in "кгх":   # российский -> российская, российские, российских
        base = ["ий", "ая", "ое", "ие", "ого", "ой", "ую", "им", "ом", "их", "ими"]
    return sorted({stem + e for e in base})


def _ru_noun(word: str) -> list[str]:
    """Common case forms of a Russian proper noun (heuristic, enough for names of states)."""
    if " " in word or not re.search(r"[а-яё]$", word):
        return [word]
    if word.endswith("ия"):
        return [word] + [word[:-1] + e for e in ("и", "ю", "ей")]
    if word.endswith("я"):
        return [word] + [word[:-1] + e for e in ("и", "ю", "ей", "е")]
    if word.endswith("а"):
        soft = word[-2:-1] in "кгхжшчщ"
        return [word] + [word[:-1] + e for e in ("и" if soft else "ы", "у", "ой", "е")]
    if word[-1] in "ьй":
        return [word] + [word[:-1] + e for e in ("я", "ю", "ем", "е")]
    return [word] + [word + e for e in ("а", "у", "ом", "е")]


def inflect(alias: str, kind: str, lang: str) -> list[str]:
    """Surface forms to register for one alias of one entry."""
    declined = declension_forms(alias, kind, lang)   # pl, uk, tr, ko, he, fa (rules.declension)
    if declined is not None:
        return declined
    if kind == "demonym" and " " not in alias.strip():
        word = alias.strip()
        if lang == "fr":
            return _fr_demonym(word)
        if lang in ("es", "it", "pt"):
            return _romance_demonym(word)
        if lang == "de":
            return _de_adjective(word)
        if lang == "ru":
            return _ru_adjective(word)
        if lang == "en" and word.endswith(("an", "i")):
            return [word, word + "s"]
        return [word]
    if lang == "ru" and kind in ("state", "capital", "seat"):
        return _ru_noun(alias)
    return [alias]


_NAME_OVERRIDES = {"RUS": "Russia", "USA": "United States", "GBR": "United Kingdom", "KOR": "South Korea",
                   "PRK": "North Korea", "COD": "DR Congo", "COG": "Congo", "VAT": "Holy See",
                   "PSE": "Palestine", "CZE": "Czechia", "TUR": "Turkey"}


def country_name(alpha3: str) -> str:
    if alpha3 in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[alpha3]
    c = pycountry.countries.get(alpha_3=alpha3)
    if c is None:
        return alpha3
    return getattr(c, "common_name", None) or c.name
