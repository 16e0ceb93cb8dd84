"""Case marking around a mention (rules/roles.py), on invented sentences."""

import pytest

from dementi.rules.roles import CLAIM, NEUTRAL, OBLIQUE, PLACE, SUBJECT, case_role, earliest_first


def role(lang, text, mention, has_alias=None):
    i = text.index(mention)
    return case_role(lang, text, i, i + len(mention), has_alias)


@pytest.mark.parametrize("lang, text, mention, expected", [
    ("ja", "外務省は報道を否定した", "外務省", SUBJECT),
    ("ja", "政府は中国に抗議した", "中国", OBLIQUE),
    ("ja", "中国外交部の報道官は述べた", "中国外交部", NEUTRAL),      # の + 報道官: the speaker's ministry
    ("ja", "韓国の報道を否定した", "韓国", OBLIQUE),                 # の + 報道: the claim's author
    ("ko", "외교부는 보도를 부인했다", "외교부는", SUBJECT),
    ("ko", "미국을 비난했다", "미국을", OBLIQUE),
    ("tr", "Kremlin, Türkiye'nin iddialarını yalanladı", "Türkiye", OBLIQUE),
    ("tr", "Rusya'yı suçladı", "Rusya", OBLIQUE),
    ("tr", "Ukrayna açıklama yaptı", "Ukrayna", NEUTRAL),            # bare name: not a dative "-na"
    ("tr", "Dışişleri Bakanlığınca yapılan açıklama", "Dışişleri Bakanlığınca", SUBJECT),
    ("fa", "ادعای آمریکا را رد کرد", "آمریکا", OBLIQUE),
    ("fa", "اتهامات مطرح شده از سوی انگلیس علیه ایران را رد کرد", "انگلیس", NEUTRAL),   # the accuser's "by"
    ("fa", "سفیر ایران در ترکیه گفت", "ترکیه", PLACE),
    ("zh", "外交部回应美方无端指责", "美方", OBLIQUE),
    ("zh", "据俄方称", "俄方", SUBJECT),
    ("pl", "Zarzuty Rosji są kłamstwem", "Rosji", OBLIQUE),
    ("pl", "Według MSZ Rosji to kłamstwo", "MSZ Rosji", SUBJECT),
    ("uk", "спростували заяву Росії", "Росії", OBLIQUE),
    ("ru", "по словам МИД России, это ложь", "МИД России", SUBJECT),
    ("fr", "La Russie dément.", "Russie", NEUTRAL),                 # no table: nothing said
])
def test_case_role(lang, text, mention, expected):
    assert role(lang, text, mention) == expected


@pytest.mark.parametrize("lang, text, mention", [
    ("ru", "Слух, что министры России и США встретятся, ложь.", "США"),
    ("uk", "Повідомлення про те, що Україна веде переговори, є вкидом.", "Україна"),
    ("pl", "Doniesienia, jakoby Polska wysłała wojsko, są nieprawdziwe.", "Polska"),
])
def test_actors_inside_a_reported_claim(lang, text, mention):
    assert role(lang, text, mention) == CLAIM


def test_a_statement_is_not_a_claim():
    assert role("uk", "Офіс президента заявив, що Україна не веде переговорів", "Україна") == NEUTRAL


class Lexicon:
    def __init__(self, aliases=(), inflected=()):
        self.aliases, self.inflected = set(aliases), set(inflected)

    def has_alias(self, text):
        return text in self.aliases

    def is_inflected(self, text):
        return text in self.inflected


def test_hebrew_prefixes_need_the_rest_to_be_a_name():
    lexicon = Lexicon(aliases={"הקרמלין", "קרמלין", "רוסיה", "ישראל"})
    assert role("he", "בקרמלין הכחישו", "בקרמלין", lexicon) == PLACE
    assert role("he", "נשלח לרוסיה", "לרוסיה", lexicon) == OBLIQUE
    assert role("he", "מהקרמלין נמסר", "מהקרמלין", lexicon) == NEUTRAL
    assert role("he", "בריטניה הכחישה", "בריטניה", lexicon) == NEUTRAL    # a name, not ב + name


def test_a_declined_name_after_another_word_is_its_possessor():
    lexicon = Lexicon(inflected={"України", "Rosji"})
    assert role("uk", "Нафтогаз України спростовує", "України", lexicon) == OBLIQUE
    assert role("pl", "Armia Rosji zaprzecza", "Rosji", lexicon) == OBLIQUE
    assert role("uk", "Спростувала Україна", "Україна", lexicon) == NEUTRAL        # as written: the subject
    assert role("uk", "Нафтогаз України спростовує", "України", None) == NEUTRAL   # without a lexicon


def test_a_bare_korean_name_before_a_noun_modifies_it():
    assert role("ko", "삼성전자는 미국 공장 철수설을 부인했다", "미국") == OBLIQUE
    assert role("ko", "일본 측은 부인했다", "일본") == SUBJECT


def test_verb_final_languages_take_the_first_actor():
    assert all(earliest_first(lang) for lang in ("ja", "ko", "tr", "fa"))
    assert not any(earliest_first(lang) for lang in ("zh", "pl", "fr", "en", None))
